"""ticket_responders: ticket_metrics.responders as rows

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 03:00:00.000000

The agents report counts the conversations each user handled; unnesting the JSON array of every
ticket cost more than the rest of that statement (bench/README.md). One row per (ticket, user),
filled here from the arrays already stored and kept by reports/metrics.py from now on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_responders",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_responders_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name=op.f("pk_ticket_responders")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO ticket_responders (ticket_id, user_id)"
            " SELECT DISTINCT m.ticket_id, r.value::uuid"
            " FROM ticket_metrics m, jsonb_array_elements_text(m.responders) r"
        )
    else:  # SQLite keeps uuids as 32 hex digits; the JSON array has them with dashes
        op.execute(
            "INSERT INTO ticket_responders (ticket_id, user_id)"
            " SELECT DISTINCT m.ticket_id, replace(r.value, '-', '')"
            " FROM ticket_metrics m, json_each(m.responders) r"
        )


def downgrade() -> None:
    op.drop_table("ticket_responders")
