"""Tickets: the WhatsApp number (instance) each came through

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-13 10:00:00.000000

`tickets.instance_id`: the number the lead wrote to (or the agent wrote from) when the ticket
opened. Existing tickets take their conversation's current number.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch:
        batch.add_column(sa.Column("instance_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_tickets_instance_id", "instances", ["instance_id"], ["id"], ondelete="SET NULL")
    op.execute(
        "UPDATE tickets SET instance_id = "
        "(SELECT conversations.instance_id FROM conversations WHERE conversations.id = tickets.conversation_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch:
        batch.drop_constraint("fk_tickets_instance_id", type_="foreignkey")
        batch.drop_column("instance_id")
