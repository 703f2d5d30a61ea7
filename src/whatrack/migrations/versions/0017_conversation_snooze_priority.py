"""Conversations: snooze and priority

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 10:00:00.000000

`snoozed_until`: hidden from the default list until then (the lead writing clears it).
`priority`: 0 none, 1 low, 2 medium, 3 high, 4 urgent (a rank, so that the list sorts by it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from whatrack.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch:
        batch.add_column(sa.Column("snoozed_until", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch:
        batch.drop_column("priority")
        batch.drop_column("snoozed_until")
