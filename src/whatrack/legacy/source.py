"""Reading the legacy database (PostgreSQL), with the names a `Mapping` gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from whatrack.legacy.mapping import Mapping


def async_url(url: str) -> str:
    """postgres:// and postgresql:// URLs → the asyncpg driver SQLAlchemy needs."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("--from must be a PostgreSQL URL (postgresql://user:pass@host/db)")


def utc(value: datetime | None) -> datetime | None:
    """Prisma stores DateTime as `timestamp(3)` without zone, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class LegacyLead:
    id: str
    phone: str | None
    remote_jid: str | None
    name: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class LegacyInbound:
    id: str
    lead_id: str
    source_type: str | None
    utm_campaign: str | None
    utm_medium: str | None
    ad_id: str | None
    status: str | None
    created_at: datetime


@dataclass(frozen=True)
class LegacyMessage:
    """A row of Message (`table` "message") or of WhatsappMessage ("whatsapp_message")."""

    table: str
    id: str
    lead_id: str
    external_id: str | None
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    content: str | None
    media_url: str | None
    media_type: str | None
    status: str | None
    sent_at: datetime | None


class LegacySource:
    def __init__(self, url: str, mapping: Mapping, organization: str | None = None) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(url))
        self.m = mapping
        self.organization = organization

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def _rows(self, sql: str, **params: Any) -> Sequence[Any]:
        stmt = text(sql)
        if "ids" in params:
            stmt = stmt.bindparams(bindparam("ids", expanding=True))
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt, params)).all()

    def _org_filter(self, alias: str) -> str:
        if self.organization is None:
            return "TRUE"
        return f"{self.m.ref('leads', 'organization_id', alias)}::text = :org"

    def _params(self) -> dict[str, Any]:
        return {"org": self.organization} if self.organization is not None else {}

    async def leads(self) -> list[LegacyLead]:
        m = self.m
        cols = ", ".join(m.col("leads", c) for c in ("id", "phone", "remote_jid", "name", "created_at"))
        sql = f"SELECT {cols} FROM {m.table('leads')} t WHERE {self._org_filter('t')} ORDER BY {m.ref('leads', 'id')}"  # noqa: S608 - identifiers quoted
        return [
            LegacyLead(str(r.id), _s(r.phone), _s(r.remote_jid), _s(r.name), utc(r.created_at))
            for r in await self._rows(sql, **self._params())
        ]

    async def inbounds(self, lead_ids: Sequence[str]) -> list[LegacyInbound]:
        m = self.m
        names = ("id", "lead_id", "source_type", "utm_campaign", "utm_medium", "ad_id", "status", "created_at")
        cols = ", ".join(m.col("inbounds", c) for c in names)
        sql = f"SELECT {cols} FROM {m.table('inbounds')} t WHERE {m.ref('inbounds', 'lead_id')}::text IN :ids"  # noqa: S608
        out = []
        for r in await self._rows(sql, ids=list(lead_ids)):
            out.append(
                LegacyInbound(
                    str(r.id),
                    str(r.lead_id),
                    _s(r.source_type),
                    _s(r.utm_campaign),
                    _s(r.utm_medium),
                    _s(r.ad_id),
                    _s(r.status),
                    utc(r.created_at) or datetime.min.replace(tzinfo=UTC),
                )
            )
        return out

    async def messages(self, lead_ids: Sequence[str]) -> list[LegacyMessage]:
        m = self.m
        names = (
            "id",
            "whatsapp_message_id",
            "sender_type",
            "sender_name",
            "message_type",
            "content",
            "media_url",
            "media_type",
            "status",
            "sent_at",
        )
        cols = ", ".join(m.col("messages", c) for c in names)
        lead = m.ref("conversations", "lead_id", "c")
        sql = (
            f"SELECT {cols}, {lead} AS lead_id FROM {m.table('messages')} t "  # noqa: S608 - identifiers quoted
            f"JOIN {m.table('conversations')} c "
            f"ON {m.ref('conversations', 'id', 'c')} = {m.ref('messages', 'conversation_id')} "
            f"WHERE {lead}::text IN :ids"
        )
        out = []
        for r in await self._rows(sql, ids=list(lead_ids)):
            out.append(
                LegacyMessage(
                    "message",
                    str(r.id),
                    str(r.lead_id),
                    _s(r.whatsapp_message_id) or None,
                    _s(r.sender_type),
                    _s(r.sender_name),
                    _s(r.message_type),
                    _s(r.content),
                    _s(r.media_url),
                    _s(r.media_type),
                    _s(r.status),
                    utc(r.sent_at),
                )
            )
        return out

    async def whatsapp_messages(self, lead_ids: Sequence[str]) -> list[LegacyMessage]:
        m = self.m
        names = ("id", "lead_id", "message_id", "from_me", "message_type", "content", "timestamp")
        cols = ", ".join(m.col("whatsapp_messages", c) for c in names)
        table, lead = m.table("whatsapp_messages"), m.ref("whatsapp_messages", "lead_id")
        sql = f"SELECT {cols} FROM {table} t WHERE {lead}::text IN :ids"  # noqa: S608
        out = []
        for r in await self._rows(sql, ids=list(lead_ids)):
            out.append(
                LegacyMessage(
                    "whatsapp_message",
                    str(r.id),
                    str(r.lead_id),
                    _s(r.message_id) or None,
                    "USER" if r.from_me else "CONTACT",
                    None,
                    _s(r.message_type),
                    _s(r.content),
                    None,
                    None,
                    None,
                    utc(r.timestamp),
                )
            )
        return out

    async def totals(self) -> dict[str, int]:
        """How many rows each kind has (of the organization's leads when one is chosen; every
        row otherwise, whether or not it belongs to a lead)."""
        m = self.m
        out: dict[str, int] = {}
        params = self._params()
        lead_id = m.ref("leads", "id", "l")
        if self.organization is None:
            for kind, table in (
                ("leads", "leads"),
                ("conversations", "conversations"),
                ("inbounds", "inbounds"),
                ("messages", "messages"),
                ("whatsapp_messages", "whatsapp_messages"),
            ):
                out[kind] = int((await self._rows(f"SELECT count(*) AS n FROM {m.table(table)}"))[0].n)  # noqa: S608
            return out
        org = self._org_filter("l")
        leads = m.table("leads")
        conv = f"{m.table('conversations')} c JOIN {leads} l ON {lead_id} = {m.ref('conversations', 'lead_id', 'c')}"
        msg_conv = f"{m.ref('conversations', 'id', 'c')} = {m.ref('messages', 'conversation_id')}"
        sources = {
            "leads": f"{leads} l",
            "conversations": conv,
            "inbounds": f"{m.table('inbounds')} t JOIN {leads} l ON {lead_id} = {m.ref('inbounds', 'lead_id')}",
            "messages": f"{m.table('messages')} t JOIN {conv} ON {msg_conv}",
            "whatsapp_messages": f"{m.table('whatsapp_messages')} t JOIN {leads} l "
            f"ON {lead_id} = {m.ref('whatsapp_messages', 'lead_id')}",
        }
        for kind, joined in sources.items():
            sql = f"SELECT count(*) AS n FROM {joined} WHERE {org}"  # noqa: S608 - identifiers quoted
            out[kind] = int((await self._rows(sql, **params))[0].n)
        return out
