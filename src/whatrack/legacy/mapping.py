"""Where the legacy Whatrack schema keeps what the import reads.

The defaults are the names of the requirements' Prisma models as their SQL uses them (snake
case tables and columns: `leads`, `inbounds`, `whatsapp_message`, `source_type`, ...). A
deployment whose names differ passes a TOML file (docs/legacy-mapping.example.toml) that
overrides any of them; a column set to "" is read as NULL (the deployment has no such column).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TABLES: dict[str, str] = {
    "leads": "leads",
    "conversations": "conversations",
    "inbounds": "inbounds",
    "messages": "messages",
    "whatsapp_messages": "whatsapp_message",
}

DEFAULT_COLUMNS: dict[str, dict[str, str]] = {
    "leads": {
        "id": "id",
        "organization_id": "organization_id",
        "phone": "phone",
        "remote_jid": "remote_jid",
        "name": "name",
        "created_at": "created_at",
    },
    "conversations": {"id": "id", "lead_id": "lead_id"},
    "inbounds": {
        "id": "id",
        "lead_id": "lead_id",
        "source_type": "source_type",
        "utm_campaign": "utm_campaign",
        "utm_medium": "utm_medium",
        "ad_id": "ad_id",
        "status": "status",
        "created_at": "created_at",
    },
    "messages": {
        "id": "id",
        "conversation_id": "conversation_id",
        "whatsapp_message_id": "whatsapp_message_id",
        "sender_type": "sender_type",
        "sender_name": "sender_name",
        "message_type": "message_type",
        "content": "content",
        "media_url": "media_url",
        "media_type": "media_type",
        "status": "status",
        "sent_at": "sent_at",
    },
    "whatsapp_messages": {
        "id": "id",
        "lead_id": "lead_id",
        "message_id": "message_id",
        "from_me": "from_me",
        "message_type": "message_type",
        "content": "content",
        "timestamp": "timestamp",
    },
}


class MappingError(ValueError):
    """The mapping file names a table or column kind the import does not know."""


def quote(name: str) -> str:
    """A PostgreSQL identifier, schema-qualified names ("legacy.leads") quoted part by part."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TABLES))
    columns: dict[str, dict[str, str]] = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_COLUMNS.items()})

    def table(self, kind: str) -> str:
        return quote(self.tables[kind])

    def col(self, kind: str, name: str, alias: str = "t") -> str:
        """`alias."column" AS name`, or `NULL AS name` when the deployment has no such column."""
        column = self.columns[kind][name]
        return f"{alias}.{quote(column)} AS {name}" if column else f"NULL AS {name}"

    def ref(self, kind: str, name: str, alias: str = "t") -> str:
        column = self.columns[kind][name]
        if not column:
            raise MappingError(f"{kind}.{name} is needed and cannot be empty")
        return f"{alias}.{quote(column)}"

    def has(self, kind: str, name: str) -> bool:
        return bool(self.columns[kind][name])

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        if path is None:
            return cls()
        with path.open("rb") as f:
            data: dict[str, Any] = tomllib.load(f)
        mapping = cls()
        for kind, name in (data.get("tables") or {}).items():
            if kind not in DEFAULT_TABLES:
                raise MappingError(f"unknown table kind {kind!r} (known: {', '.join(DEFAULT_TABLES)})")
            mapping.tables[kind] = str(name)
        for kind, cols in (data.get("columns") or {}).items():
            if kind not in DEFAULT_COLUMNS:
                raise MappingError(f"unknown table kind {kind!r} in [columns]")
            for name, column in dict(cols).items():
                if name not in DEFAULT_COLUMNS[kind]:
                    known = ", ".join(DEFAULT_COLUMNS[kind])
                    raise MappingError(f"unknown column {kind}.{name} (known: {known})")
                mapping.columns[kind][name] = str(column)
        return mapping
