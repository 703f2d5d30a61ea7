"""business hours: the organization's clock for response times; a ticket's resolution time

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 03:00:00.000000

`organizations.response_time_clock` (`wall`, the default, or `business`) and
`organizations.business_hours` (weekly schedule, NULL: Monday to Friday 09:00-18:00);
`tickets.resolution_seconds`, created -> resolved on that clock, written at close. Existing
tickets keep NULL (reports use the wall-clock difference) until `whatrack metrics rebuild`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("response_time_clock", sa.String(16), nullable=False, server_default="wall"))
        batch.add_column(
            sa.Column(
                "business_hours",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("resolution_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("resolution_seconds")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("business_hours")
        batch.drop_column("response_time_clock")
