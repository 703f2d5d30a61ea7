"""ticket_metrics, conversation_metrics rollup, tickets.value_cents, report indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00.000000

Response metrics kept per ticket as messages happen (issue 11); `whatrack metrics rebuild`
fills them for existing history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import whatrack.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ticket_metrics",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("messages_in", sa.Integer(), nullable=False),
        sa.Column("messages_out", sa.Integer(), nullable=False),
        sa.Column("first_lead_at", whatrack.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("first_responder_id", sa.Uuid(), nullable=True),
        sa.Column("waiting_since", whatrack.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", whatrack.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_count", sa.Integer(), nullable=False),
        sa.Column("response_seconds_total", sa.Integer(), nullable=False),
        sa.Column("response_seconds", JSON, nullable=False),
        sa.Column("responders", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_metrics_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_ticket_metrics_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_ticket_metrics_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_metrics")),
    )
    with op.batch_alter_table("ticket_metrics") as batch:
        batch.create_index("ix_ticket_metrics_conversation", ["conversation_id"], unique=False)
        batch.create_index("ix_ticket_metrics_org_responder", ["organization_id", "first_responder_id"], unique=False)
    with op.batch_alter_table("conversation_metrics") as batch:
        batch.add_column(sa.Column("tickets", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("response_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("response_seconds_total", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("response_p90_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("responders", JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("value_cents", sa.BigInteger(), nullable=True))
        batch.create_index("ix_tickets_org_created", ["organization_id", "created_at"], unique=False)
        batch.create_index("ix_tickets_org_resolved", ["organization_id", "resolved_at"], unique=False)
    with op.batch_alter_table("leads") as batch:
        batch.create_index("ix_leads_org_created", ["organization_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_org_created")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_org_resolved")
        batch.drop_index("ix_tickets_org_created")
        batch.drop_column("value_cents")
    with op.batch_alter_table("conversation_metrics") as batch:
        for column in ("responders", "response_p90_seconds", "response_seconds_total", "response_count", "tickets"):
            batch.drop_column(column)
    with op.batch_alter_table("ticket_metrics") as batch:
        batch.drop_index("ix_ticket_metrics_org_responder")
        batch.drop_index("ix_ticket_metrics_conversation")
    op.drop_table("ticket_metrics")
