"""messages.dispatched_at: when the app last handed a PENDING message to WuzAPI

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00.000000

A send that dies with the app (kill -9 mid-send) stayed PENDING forever. The worker now marks a
message FAILED ("interrupted") when it has been PENDING longer than the send timeout since its
last dispatch; `sent_at` cannot say that (a retry keeps the message's place in the thread). The
partial index keeps that scan to the few PENDING rows. Existing PENDING rows count from sent_at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("dispatched_at", whatrack.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE messages SET dispatched_at = sent_at WHERE status = 'PENDING'")
    op.create_index(
        "ix_messages_pending_dispatch",
        "messages",
        ["dispatched_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
        sqlite_where=sa.text("status = 'PENDING'"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_pending_dispatch", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("dispatched_at")
