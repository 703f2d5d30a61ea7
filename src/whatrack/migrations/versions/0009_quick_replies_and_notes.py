"""quick_replies; messages.note (internal notes, never sent to WhatsApp)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000

Issue 13: canned responses typed as /shortcut (organization-wide or personal, a shortcut unique
per scope: two partial unique indexes) and internal notes written into the thread.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quick_replies_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_quick_replies_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_quick_replies_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_replies")),
    )
    with op.batch_alter_table("quick_replies") as batch:
        batch.create_index(
            "uq_quick_replies_org_shortcut",
            ["organization_id", "shortcut"],
            unique=True,
            postgresql_where=sa.text("owner_id IS NULL"),
            sqlite_where=sa.text("owner_id IS NULL"),
        )
        batch.create_index(
            "uq_quick_replies_owner_shortcut",
            ["organization_id", "owner_id", "shortcut"],
            unique=True,
            postgresql_where=sa.text("owner_id IS NOT NULL"),
            sqlite_where=sa.text("owner_id IS NOT NULL"),
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("note", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("quick_replies") as batch:
        batch.drop_index("uq_quick_replies_owner_shortcut")
        batch.drop_index("uq_quick_replies_org_shortcut")
    op.drop_table("quick_replies")
