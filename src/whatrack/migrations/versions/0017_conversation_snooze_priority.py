"""Conversations: snooze and priority

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 10:00:00.000000

`snoozed_until`: hidden from the default list until then (the lead writing clears it).
`priority`: 0 none, 1 low, 2 medium, 3 high, 4 urgent (a rank, so that the list sorts by it).
ix_conversations_org_listed: the "recent" list's order (the last message, or a snooze time
after it: models.conversation.LISTED_AT), so that a page is read from an index, not sorted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from whatrack.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "(CASE WHEN snoozed_until > last_message_at THEN snoozed_until ELSE last_message_at END)"


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch:
        batch.add_column(sa.Column("snoozed_until", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_conversations_org_listed", "conversations", ["organization_id", sa.text(LISTED), "id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_org_listed", table_name="conversations")
    with op.batch_alter_table("conversations", schema=None) as batch:
        batch.drop_column("priority")
        batch.drop_column("snoozed_until")
