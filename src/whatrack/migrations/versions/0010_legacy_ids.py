"""legacy_ids: which row each legacy Whatrack row became (whatrack import legacy)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00.000000

Issue 15: the legacy import is keyed by the legacy ids, so a re-run or a run after a crash
inserts only what is missing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_ids",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("legacy_id", sa.String(length=128), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_legacy_ids_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "kind", "legacy_id", name=op.f("pk_legacy_ids")),
    )


def downgrade() -> None:
    op.drop_table("legacy_ids")
