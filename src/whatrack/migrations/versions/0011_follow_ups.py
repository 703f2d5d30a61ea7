"""follow_up_sequences; scheduled_messages sendable (conversation, sequence, attempts, lease,
message); tickets: the running sequence, when its final wait ends, who closed it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000

Issue 10: follow-up sequences and scheduled messages sent by a job exactly once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_up_sequences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("steps", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("final_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_follow_up_sequences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_follow_up_sequences_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_sequences")),
    )
    with op.batch_alter_table("follow_up_sequences") as batch:
        batch.create_index(batch.f("ix_follow_up_sequences_organization_id"), ["organization_id"], unique=False)

    with op.batch_alter_table("scheduled_messages") as batch:
        batch.add_column(sa.Column("conversation_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("sequence_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("created_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("not_before", whatrack.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("message_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sent_at", whatrack.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", whatrack.db.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE scheduled_messages SET updated_at = created_at, conversation_id = "
        "(SELECT conversation_id FROM tickets WHERE tickets.id = scheduled_messages.ticket_id)"
    )
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.alter_column("conversation_id", existing_type=sa.Uuid(), nullable=False)
        batch.alter_column("updated_at", existing_type=whatrack.db.UTCDateTime(timezone=True), nullable=False)
        batch.create_foreign_key(
            batch.f("fk_scheduled_messages_conversation_id_conversations"),
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            batch.f("fk_scheduled_messages_sequence_id_follow_up_sequences"),
            "follow_up_sequences",
            ["sequence_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_scheduled_messages_created_by_users"), "users", ["created_by"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            batch.f("fk_scheduled_messages_message_id_messages"),
            "messages",
            ["message_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_scheduled_messages_conversation", ["conversation_id", "status"], unique=False)

    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("follow_up_sequence_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("follow_up_ends_at", whatrack.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by_user_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_tickets_follow_up_sequence_id_follow_up_sequences"),
            "follow_up_sequences",
            ["follow_up_sequence_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_tickets_closed_by_user_id_users"), "users", ["closed_by_user_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(batch.f("fk_tickets_closed_by_user_id_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_tickets_follow_up_sequence_id_follow_up_sequences"), type_="foreignkey")
        batch.drop_column("closed_by_user_id")
        batch.drop_column("follow_up_ends_at")
        batch.drop_column("follow_up_sequence_id")
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.drop_index("ix_scheduled_messages_conversation")
        batch.drop_constraint(batch.f("fk_scheduled_messages_message_id_messages"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_scheduled_messages_created_by_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_scheduled_messages_sequence_id_follow_up_sequences"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_scheduled_messages_conversation_id_conversations"), type_="foreignkey")
        for column in (
            "updated_at",
            "sent_at",
            "error",
            "message_id",
            "not_before",
            "attempts",
            "created_by",
            "sequence_id",
            "conversation_id",
        ):
            batch.drop_column(column)
    op.drop_table("follow_up_sequences")
