"""outbox: a published row is deleted, not marked; `published_at` goes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:30:00.000000

Marking rows published rewrote each row (JSON included) and left dead entries in the partial
pending index for the hourly purge: the drain cost PostgreSQL a third of its CPU under webhook
load. Deleting them is one cheap write; every row left is pending.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM outbox WHERE published_at IS NOT NULL")  # else they would go out again
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_pending")
        batch.drop_column("published_at")
        batch.create_index("ix_outbox_pending", ["available_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_pending")
        batch.add_column(sa.Column("published_at", whatrack.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_index(
            "ix_outbox_pending",
            ["available_at", "id"],
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )
