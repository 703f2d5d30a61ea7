"""conversations: the last message's kind and reaction in their own columns, the preview is text only

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:40:00.000000

The list preview was stored as Portuguese text ("📷 Foto · legenda", "❤️ 📷 Foto"): no client
could show it in another language. Now `last_message_type` says what kind of message it is and
`last_message_reaction` which emoji the lead reacted with; the client names them. Existing rows
take their kind from the message and lose the label prefix.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The labels the previews carried (conversations.service.PREVIEW_LABELS until this revision).
_LABELS = {
    "IMAGE": "📷 Foto",
    "VIDEO": "🎥 Vídeo",
    "AUDIO": "🎤 Áudio",
    "DOCUMENT": "📄 Documento",
    "STICKER": "Figurinha",
    "LOCATION": "📍 Localização",
    "CONTACT": "👤 Contato",
}


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column(
                "last_message_type",
                sa.Enum(*_LABELS, "TEXT", name="messagetype", native_enum=False, length=16),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("last_message_reaction", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE conversations SET last_message_type = "
        "(SELECT message_type FROM messages WHERE messages.id = conversations.last_message_id) "
        "WHERE last_message_id IS NOT NULL"
    )
    conn = op.get_bind()
    for kind, label in _LABELS.items():
        params = {"kind": kind, "label": label, "prefix": f"{label} · %", "start": len(label) + 4}
        conn.execute(
            sa.text(
                "UPDATE conversations SET last_message_preview = substr(last_message_preview, :start) "
                "WHERE last_message_type = :kind AND last_message_preview LIKE :prefix"
            ),
            params,
        )
        conn.execute(
            sa.text(
                "UPDATE conversations SET last_message_preview = '' "
                "WHERE last_message_type = :kind AND last_message_preview = :label"
            ),
            params,
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_message_reaction")
        batch.drop_column("last_message_type")
