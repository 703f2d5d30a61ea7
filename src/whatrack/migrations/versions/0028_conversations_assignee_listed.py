"""conversations: the assignee index in the list's order

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 06:20:00.000000

`ix_conversations_org_assignee (organization_id, assignee_id, last_message_at, id)` becomes
`ix_conversations_org_assignee_listed (organization_id, assignee_id, <listed time>, id)`: the
"Minhas" list (assigned=me) orders by the snooze-aware listed time (models.conversation.LISTED_AT,
as ix_conversations_org_listed does for the whole inbox), so its page is read from the index
instead of sorting every conversation of the agent (7 ms of SQL for an agent of a
50,000-conversation organization in the reads bench). Same number of indexes; a member's open
conversations (team page) still find theirs by the (organization_id, assignee_id) prefix.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "(CASE WHEN snoozed_until > last_message_at THEN snoozed_until ELSE last_message_at END)"


def upgrade() -> None:
    op.create_index(
        "ix_conversations_org_assignee_listed",
        "conversations",
        ["organization_id", "assignee_id", sa.text(LISTED), "id"],
    )
    op.drop_index("ix_conversations_org_assignee", table_name="conversations")


def downgrade() -> None:
    op.create_index(
        "ix_conversations_org_assignee", "conversations", ["organization_id", "assignee_id", "last_message_at", "id"]
    )
    op.drop_index("ix_conversations_org_assignee_listed", table_name="conversations")
