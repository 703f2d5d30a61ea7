"""leads.push_name trigram index (inbox search by name matches push_name too)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 18:00:00.000000

Conversation search ORs name, push_name and phone; without an index on push_name PostgreSQL
can only answer that OR with a sequential scan of the leads (120 ms at 50,000 conversations).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_leads_push_name_trgm",
            "leads",
            ["push_name"],
            postgresql_using="gin",
            postgresql_ops={"push_name": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_leads_push_name_trgm", table_name="leads")
