"""login_throttles: failed logins counted per account and per client address

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:30:00.000000

In the database (not in memory) so every web process counts the same failures.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=340), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", whatrack.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles") as batch:
        batch.create_index(batch.f("ix_login_throttles_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_throttles") as batch:
        batch.drop_index(batch.f("ix_login_throttles_expires_at"))
    op.drop_table("login_throttles")
