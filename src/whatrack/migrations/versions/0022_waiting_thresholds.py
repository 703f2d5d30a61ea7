"""waiting thresholds: when the list's waiting timer turns amber and red, per organization

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 03:30:00.000000

`organizations.waiting_warn_minutes` (10) and `organizations.waiting_alert_minutes` (30): the
values the web app used before they were settings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("waiting_warn_minutes", sa.Integer(), nullable=False, server_default="10"))
        batch.add_column(sa.Column("waiting_alert_minutes", sa.Integer(), nullable=False, server_default="30"))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("waiting_alert_minutes")
        batch.drop_column("waiting_warn_minutes")
