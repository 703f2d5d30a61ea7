"""Instances: WhatsApp history at pairing and whether WuzAPI keeps history

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00.000000

`history_days`: days of WhatsApp history to import at the next pairing (0 = off), sent to
WuzAPI as `days_to_sync_history`. `wuzapi_history`: what the last recovery learnt (NULL not
known yet, false = WuzAPI keeps no message history, so messages sent while the app is down
can be lost).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch:
        batch.add_column(sa.Column("history_days", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("wuzapi_history", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch:
        batch.drop_column("wuzapi_history")
        batch.drop_column("history_days")
