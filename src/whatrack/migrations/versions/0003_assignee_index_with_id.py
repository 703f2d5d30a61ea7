"""conversations (org, assignee, last_message_at, id): "mine" pages come out of the index in order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 18:20:00.000000

The list orders by (last_message_at DESC, id DESC); without `id` in the index PostgreSQL adds an
incremental sort for the "assigned to me" filter.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["organization_id", "assignee_id", "last_message_at"]


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_org_assignee")
        batch.create_index("ix_conversations_org_assignee", [*COLUMNS, "id"])


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_org_assignee")
        batch.create_index("ix_conversations_org_assignee", COLUMNS)
