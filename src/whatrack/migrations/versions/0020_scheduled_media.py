"""A file on a scheduled message

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-14 10:00:00.000000

`scheduled_messages.media_*`: the file an agent attached to an "enviar depois" message, kept in
the media store like a sent message's (key, MIME type, name, size) and sent with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.add_column(sa.Column("media_path", sa.String(500), nullable=True))
        batch.add_column(sa.Column("media_mime", sa.String(128), nullable=True))
        batch.add_column(sa.Column("media_name", sa.String(255), nullable=True))
        batch.add_column(sa.Column("media_size", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        for column in ("media_size", "media_name", "media_mime", "media_path"):
            batch.drop_column(column)
