"""conversations: drop ix_conversations_org_recent, which no query reads any more

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 06:10:00.000000

The inbox list orders by the snooze-aware listed time (`ix_conversations_org_listed`, 0017), a
member's open conversations by `ix_conversations_org_assignee`, the waiting view by
`ix_conversations_org_waiting`; `(organization_id, last_message_at, id)` was read by nothing
(0 scans in the reads bench database after every list, filter and search). Every message
changes last_message_at, so the conversation's UPDATE wrote an entry into it each time.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_conversations_org_recent", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_org_recent", "conversations", ["organization_id", "last_message_at", "id"])
