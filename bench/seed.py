"""Fast, deterministic seeding straight into the tables.

PostgreSQL: asyncpg `copy_records_to_table`, with the secondary indexes dropped during the load
and rebuilt after (FK triggers off through `session_replication_role = replica`: the rows are
consistent by construction). SQLite: SQLAlchemy core executemany (the FTS5 triggers fill
`messages_fts`). Rows are generated in chunks so a million messages never sit in memory at once.

Every conversation's denormalised `last_message_*`, `unread_count`, `waiting_since`,
`current_ticket_id` and `ticket_status` agree with its messages and tickets.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Table
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from bench.common import PASSWORD, log
from whatrack.auth.service import hash_password
from whatrack.conversations.service import snippet
from whatrack.db import Base, register_sqlite_functions
from whatrack.models import MessageType

JSON_COLUMNS = {"reactions", "metadata", "referral", "data"}
TABLE_ORDER = ("organizations", "users", "memberships", "instances", "leads", "conversations", "tickets", "messages")
BIG_TABLES = ("leads", "conversations", "tickets", "messages")

FIRST = [
    "Maria",
    "Ana",
    "Francisca",
    "Antônia",
    "Adriana",
    "Juliana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Raimundo",
    "Rodrigo",
    "Sandra",
    "Camila",
    "Amanda",
    "Bruna",
    "Jéssica",
    "Letícia",
    "Júlia",
    "Luciana",
    "Vanessa",
    "Mariana",
]
LAST = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Pinto",
    "Correia",
    "Cavalcanti",
    "Figueiredo",
]
WORDS = [
    "oi",
    "olá",
    "bom",
    "dia",
    "boa",
    "tarde",
    "noite",
    "tudo",
    "bem",
    "obrigado",
    "obrigada",
    "preço",
    "valor",
    "quanto",
    "custa",
    "entrega",
    "frete",
    "prazo",
    "produto",
    "pedido",
    "pagamento",
    "pix",
    "cartão",
    "boleto",
    "parcelar",
    "desconto",
    "promoção",
    "estoque",
    "tamanho",
    "cor",
    "modelo",
    "disponível",
    "hoje",
    "amanhã",
    "semana",
    "endereço",
    "cep",
    "loja",
    "horário",
    "atendimento",
    "dúvida",
    "gostaria",
    "saber",
    "quero",
    "comprar",
    "enviar",
    "foto",
    "catálogo",
    "garantia",
    "troca",
    "nota",
    "fiscal",
    "confirmado",
    "aguardando",
    "retorno",
    "certo",
    "perfeito",
    "combinado",
    "vou",
    "pensar",
    "caro",
    "barato",
    "outra",
    "opção",
    "azul",
    "preto",
    "branco",
    "médio",
    "grande",
    "pequeno",
    "sim",
    "não",
    "talvez",
    "claro",
    "então",
]
NEEDLE_WORD = "reembolso"  # rare: about one message in 3,000 carries it
NEEDLE_NAME = "Figueiredo"  # one surname in 40


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(2, 14))
    if rng.random() < 1 / 3000:
        words.insert(rng.randrange(len(words) + 1), NEEDLE_WORD)
    return " ".join(words).capitalize()


# -- sinks ------------------------------------------------------------------------------------------


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _with_defaults(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns a row leaves out get the model's scalar default (a NOT NULL column added to a
    model after the seed was written must not become NULL)."""
    defaults = {
        c.name: c.default.arg for c in _table(table).columns if isinstance(c.default, ScalarElementColumnDefault)
    }
    missing = {k: v for k, v in defaults.items() if rows and k not in rows[0]}
    return [{**missing, **row} for row in rows] if missing else rows


class Sink:
    """Where rows go. Rows are dicts keyed by column *name*; missing columns are NULL."""

    async def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PgSink(Sink):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.dropped: list[tuple[str, str]] = []

    @classmethod
    async def open(cls, dsn: str) -> PgSink:
        sink = cls(await asyncpg.connect(dsn))
        await sink.conn.execute("SET session_replication_role = replica")
        await sink.conn.execute("SET maintenance_work_mem = '256MB'")
        return sink

    async def drop_indexes(self, tables: tuple[str, ...]) -> None:
        """Secondary indexes (not backing a constraint) go away during the load; rebuilt after."""
        self.dropped = [
            (r["name"], r["ddl"])
            for r in await self.conn.fetch(
                """SELECT i.relname AS name, pg_get_indexdef(i.oid) AS ddl
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                   LEFT JOIN pg_constraint c ON c.conindid = i.oid
                   WHERE t.relname = ANY($1::text[]) AND c.oid IS NULL""",
                list(tables),
            )
        ]
        for name, _ in self.dropped:
            await self.conn.execute(f'DROP INDEX "{name}"')

    async def rebuild_indexes(self, progress: Progress | None = None) -> None:
        task = progress.add_task("rebuild indexes", total=len(self.dropped)) if progress else None
        for _, ddl in self.dropped:
            await self.conn.execute(ddl)
            if progress is not None and task is not None:
                progress.advance(task)
        self.dropped = []

    async def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = [c.name for c in _table(table).columns]
        rows = _with_defaults(table, rows)
        records = [
            tuple(json.dumps(row[c]) if c in JSON_COLUMNS and c in row else row.get(c) for c in columns) for row in rows
        ]
        await self.conn.copy_records_to_table(table, records=records, columns=columns)

    async def analyze(self) -> None:
        await self.conn.execute("SET session_replication_role = DEFAULT")
        await self.conn.execute("VACUUM (ANALYZE)")

    async def close(self) -> None:
        await self.conn.close()


class SqliteSink(Sink):
    """stdlib sqlite3 executemany, values encoded the way SQLAlchemy stores them (UUID as 32 hex
    chars, naive UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON as text)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        register_sqlite_functions(self.db)  # the messages_fts triggers call wt_fold()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")

    @staticmethod
    def _encode(column: str, value: Any) -> Any:
        if value is None:
            return None
        if column in JSON_COLUMNS:
            return json.dumps(value)
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, bool):
            return int(value)
        return value

    async def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = [c.name for c in _table(table).columns]
        rows = _with_defaults(table, rows)
        records = [tuple(self._encode(c, row.get(c)) for c in columns) for row in rows]
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        with self.db:
            self.db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', records)  # noqa: S608

    async def analyze(self) -> None:
        self.db.execute("ANALYZE")
        self.db.commit()

    async def close(self) -> None:
        self.db.close()


async def open_sink(database_url: str) -> PgSink | SqliteSink:
    if database_url.startswith("sqlite"):
        return SqliteSink(database_url.split("///", 1)[1])
    return await PgSink.open(database_url.replace("postgresql+asyncpg://", "postgresql://"))


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


# -- organizations, users, instances ---------------------------------------------------------


@dataclass
class OrgSeed:
    id: uuid.UUID
    index: int
    conversations: int
    user_ids: list[uuid.UUID]
    emails: list[str]
    instance_ids: list[uuid.UUID]
    instance_secrets: list[str]
    instance_tokens: list[str]


def _org_rows(
    rng: random.Random, index: int, n_conversations: int, n_agents: int, n_instances: int, base_url: str, now: datetime
) -> tuple[OrgSeed, dict[str, list[dict[str, Any]]], str]:
    org_id = _uuid(rng)
    rows: dict[str, list[dict[str, Any]]] = {"organizations": [], "users": [], "memberships": [], "instances": []}
    rows["organizations"].append(
        {
            "id": org_id,
            "name": f"Org {index:03d}",
            "timezone": "America/Sao_Paulo",
            "inactivity_timeout_minutes": 1440,
            "created_at": now - timedelta(days=400),
        }
    )
    seed = OrgSeed(org_id, index, n_conversations, [], [], [], [], [])
    for k in range(n_agents):
        uid = _uuid(rng)
        email = f"agent{k}@org{index:03d}.bench.example"
        seed.user_ids.append(uid)
        seed.emails.append(email)
        rows["users"].append(
            {
                "id": uid,
                "email": email,
                "name": f"{rng.choice(FIRST)} Agente {k}",
                "password_hash": "",  # filled by the caller (one argon2 hash shared by all)
                "is_active": True,
                "created_at": now - timedelta(days=399),
            }
        )
        rows["memberships"].append(
            {
                "id": _uuid(rng),
                "organization_id": org_id,
                "user_id": uid,
                "role": "admin" if k == 0 else "agent",
                "created_at": now - timedelta(days=399),
            }
        )
    for k in range(n_instances):
        iid = _uuid(rng)
        secret = f"{rng.getrandbits(128):032x}"
        token = f"{rng.getrandbits(128):032x}"
        seed.instance_ids.append(iid)
        seed.instance_secrets.append(secret)
        seed.instance_tokens.append(token)
        rows["instances"].append(
            {
                "id": iid,
                "organization_id": org_id,
                "name": f"WhatsApp {index}-{k}",
                "base_url": base_url,
                "token": token,
                "webhook_secret": secret,
                "status": "connected",
                "phone": f"+55119999{index:03d}{k:02d}",
                "is_demo": False,
                "created_at": now - timedelta(days=399),
            }
        )
    return seed, rows, org_id.hex


# -- one conversation with its lead, tickets and messages -------------------------------------


@dataclass
class Counters:
    lead: int = 0
    message: int = 0


@dataclass
class ConvRows:
    lead: dict[str, Any]
    conversation: dict[str, Any]
    tickets: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def _conversation(
    rng: random.Random,
    org: OrgSeed,
    n_messages: int,
    last_at: datetime,
    counters: Counters,
    *,
    ticket_status: str | None = None,
) -> ConvRows:
    counters.lead += 1
    lead_id, conv_id = _uuid(rng), _uuid(rng)
    instance_id = rng.choice(org.instance_ids)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    phone = f"+55{11 + counters.lead % 80:02d}9{counters.lead:08d}"
    assignee = rng.choice(org.user_ids) if rng.random() < 0.6 else None
    # message times, oldest first, ending at last_at
    gaps = [rng.uniform(5, 3600) for _ in range(n_messages - 1)]
    times = [last_at]
    for g in gaps:
        times.append(times[-1] - timedelta(seconds=g))
    times.reverse()
    two_tickets = n_messages > 6 and rng.random() < 0.5
    split = n_messages // 2 if two_tickets else 0
    status = ticket_status or rng.choices(("OPEN", "FOLLOW_UP", "RESOLVED"), weights=(70, 10, 20))[0]
    ticket_ids = [_uuid(rng) for _ in range(2 if two_tickets else 1)]
    tickets = []
    bounds = [(0, split), (split, n_messages)] if two_tickets else [(0, n_messages)]
    for number, ((lo, hi), tid) in enumerate(zip(bounds, ticket_ids, strict=True), start=1):
        current = number == len(bounds)
        st = status if current else "RESOLVED"
        tickets.append(
            {
                "id": tid,
                "organization_id": org.id,
                "conversation_id": conv_id,
                "number": number,
                "status": st,
                "source": "organic" if number > 1 or rng.random() < 0.7 else "facebook",
                "referral": {},
                "assignee_id": assignee if current else None,
                "outcome": None if st != "RESOLVED" else rng.choice(("sale", "lost_price", "no_response")),
                "closed_by": None if st != "RESOLVED" else "manual",
                "resolved_at": times[hi - 1] if st == "RESOLVED" else None,
                "follow_up_enabled": False,
                "last_activity_at": times[hi - 1],
                "created_at": times[lo],
            }
        )
    messages: list[dict[str, Any]] = []
    for i, at in enumerate(times):
        counters.message += 1
        from_lead = rng.random() < 0.55
        is_media = rng.random() < 0.05
        content = _sentence(rng) if not is_media or rng.random() < 0.3 else None
        ticket = ticket_ids[1] if two_tickets and i >= split else ticket_ids[0]
        messages.append(
            {
                "id": _uuid(rng),
                "organization_id": org.id,
                "conversation_id": conv_id,
                "ticket_id": ticket,
                "instance_id": instance_id,
                "sender_type": "LEAD" if from_lead else "USER",
                "sender_id": None if from_lead else (assignee or org.user_ids[0]),
                "sender_name": f"{first} {last}" if from_lead else None,
                "message_type": "IMAGE" if is_media else "TEXT",
                "content": content,
                "media_path": f"{org.id.hex}/{counters.message:x}.jpg" if is_media else None,
                "media_mime": "image/jpeg" if is_media else None,
                "media_size": 48213 if is_media else None,
                "status": "DELIVERED" if from_lead else rng.choice(("SENT", "DELIVERED", "READ", "READ")),
                "external_id": f"3EB0{counters.message:016X}",
                "edited": False,
                "deleted": False,
                "reactions": [],
                "metadata": {},
                "sent_at": at,
                "created_at": at,
            }
        )
    last_msg = messages[-1]
    from_lead = last_msg["sender_type"] == "LEAD"
    waiting_since = None
    unread = 0
    if from_lead:
        run_start = len(messages) - 1
        while run_start > 0 and messages[run_start - 1]["sender_type"] == "LEAD":
            run_start -= 1
        waiting_since = messages[run_start]["sent_at"]
        unread = len(messages) - run_start if rng.random() < 0.6 else 0
    lead = {
        "id": lead_id,
        "organization_id": org.id,
        "phone": phone,
        "remote_jid": phone[1:] + "@s.whatsapp.net",
        "name": f"{first} {last}" if rng.random() < 0.8 else None,
        "push_name": first,
        "first_source": tickets[0]["source"],
        "created_at": times[0],
    }
    conversation = {
        "id": conv_id,
        "organization_id": org.id,
        "lead_id": lead_id,
        "instance_id": instance_id,
        "current_ticket_id": tickets[-1]["id"],
        "ticket_status": tickets[-1]["status"],
        "assignee_id": assignee,
        "unread_count": unread,
        "last_message_at": last_msg["sent_at"],
        "last_message_preview": snippet(last_msg["content"]),
        "last_message_type": MessageType(last_msg["message_type"]),
        "last_message_reaction": None,
        "last_message_sender_type": last_msg["sender_type"],
        "last_message_status": last_msg["status"],
        "last_message_id": last_msg["id"],
        "waiting_since": waiting_since,
        "created_at": times[0],
    }
    return ConvRows(lead, conversation, tickets, messages)


# -- the read-path dataset ----------------------------------------------------------------------


@dataclass
class ReadsDataset:
    conversations: int
    messages: int
    organizations: int
    big_org: dict[str, Any]  # the org with half the conversations
    tenth_org: dict[str, Any]  # the org with a tenth
    small_org: dict[str, Any]  # a median org
    huge_conversation_id: str  # big org, enough messages to scroll back 10 pages
    phone_fragment: str
    name_query: str = NEEDLE_NAME
    text_query: str = NEEDLE_WORD
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def org_sizes(conversations: int, organizations: int) -> list[int]:
    """One org holds half, one a tenth, the rest share 40 % on a 1/rank curve (at least 1 each)."""
    big, tenth = conversations // 2, conversations // 10
    rest = conversations - big - tenth
    n = organizations - 2
    weights = [1 / (i + 1) for i in range(n)]
    total = sum(weights)
    sizes = [max(1, int(rest * w / total)) for w in weights]
    sizes[0] += rest - sum(sizes)
    return [big, tenth, *sizes]


def _message_counts(rng: random.Random, n_conversations: int, total: int, huge: list[int]) -> list[int]:
    """Per-conversation message counts summing to `total`: the `huge` ones first, the rest ~exp."""
    rest_total = total - sum(huge)
    n = n_conversations - len(huge)
    mean = rest_total / n
    counts = [1 + int(rng.expovariate(1 / max(mean - 1, 0.5))) for _ in range(n)]
    diff = rest_total - sum(counts)
    step = 1 if diff > 0 else -1
    while diff != 0:
        i = rng.randrange(n)
        if counts[i] + step >= 1 and counts[i] + step <= mean * 8:
            counts[i] += step
            diff -= step
    return huge + counts


def _reads_orgs(
    rng: random.Random, sizes: list[int], now: datetime
) -> tuple[list[OrgSeed], dict[str, list[dict[str, Any]]]]:
    """The organizations of the reads dataset and their base rows (orgs, users, instances, ...)."""
    password_hash = hash_password(PASSWORD)
    orgs: list[OrgSeed] = []
    base_rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLE_ORDER[:4]}
    for i, size in enumerate(sizes):
        agents = 20 if i == 0 else 8 if i == 1 else max(1, min(4, size // 200))
        org, rows, _ = _org_rows(rng, i, size, agents, 2 if i == 0 else 1, "http://127.0.0.1:9", now)
        for r in rows["users"]:
            r["password_hash"] = password_hash
        orgs.append(org)
        for t, rs in rows.items():
            base_rows[t].extend(rs)
    return orgs, base_rows


async def seed_reads(
    database_url: str, *, conversations: int, messages: int, organizations: int, huge_messages: int, seed: int = 7
) -> ReadsDataset:
    sizes = org_sizes(conversations, organizations)
    return await seed_sized(database_url, sizes, messages=messages, huge_messages=huge_messages, seed=seed)


async def seed_sized(
    database_url: str, sizes: list[int], *, messages: int, huge_messages: int, seed: int = 7
) -> ReadsDataset:
    """The reads dataset with explicit organization sizes (at least three organizations)."""
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    sink = await open_sink(database_url)
    conversations, organizations = sum(sizes), len(sizes)
    orgs, base_rows = _reads_orgs(rng, sizes, now)
    huge = [huge_messages] * 5
    counts = _message_counts(rng, conversations, messages, huge)
    # conversations assigned to orgs in order; the 5 huge ones are the big org's first
    slots = [org for org in orgs for _ in range(org.conversations)]
    plan = [(org, counts[pos]) for pos, org in enumerate(slots)]
    counters = Counters()
    huge_id = ""
    phone_fragment = ""
    try:
        if isinstance(sink, PgSink):
            await sink.drop_indexes(BIG_TABLES)
        with progress_bar() as progress:
            task = progress.add_task(f"seed {conversations:,} conversations", total=conversations)
            mtask = progress.add_task(f"seed {messages:,} messages", total=messages)
            for t in TABLE_ORDER[:4]:
                await sink.write(t, base_rows[t])
            chunk: dict[str, list[dict[str, Any]]] = {t: [] for t in BIG_TABLES}
            chunk_messages = 0
            for n, (org, count) in enumerate(plan):
                recent = n < 5
                last_at = now - timedelta(minutes=n) if recent else now - timedelta(seconds=rng.uniform(0, 180 * 86400))
                c = _conversation(rng, org, count, last_at, counters, ticket_status="OPEN" if recent else None)
                if n == 0:
                    huge_id = str(c.conversation["id"])
                if org.index == 0 and n == 1234 % max(1, org.conversations):
                    phone_fragment = c.lead["phone"][-8:]
                chunk["leads"].append(c.lead)
                chunk["conversations"].append(c.conversation)
                chunk["tickets"].extend(c.tickets)
                chunk["messages"].extend(c.messages)
                chunk_messages += len(c.messages)
                if chunk_messages >= 50_000 or n == len(plan) - 1:
                    for t in BIG_TABLES:
                        await sink.write(t, chunk[t])
                    progress.advance(task, len(chunk["conversations"]))
                    progress.advance(mtask, chunk_messages)
                    chunk = {t: [] for t in BIG_TABLES}
                    chunk_messages = 0
            if isinstance(sink, PgSink):
                await sink.rebuild_indexes(progress)
            await sink.analyze()
    finally:
        await sink.close()

    def describe(org: OrgSeed) -> dict[str, Any]:
        return {"id": str(org.id), "email": org.emails[0], "conversations": org.conversations, "users": len(org.emails)}

    median_org = sorted(orgs[2:], key=lambda o: o.conversations)[len(orgs[2:]) // 2]
    ds = ReadsDataset(
        conversations=conversations,
        messages=counters.message,
        organizations=organizations,
        big_org=describe(orgs[0]),
        tenth_org=describe(orgs[1]),
        small_org=describe(median_org),
        huge_conversation_id=huge_id,
        phone_fragment=phone_fragment,
        seconds=round(time.perf_counter() - started, 1),
    )
    log(f"seeded {conversations:,} conversations / {counters.message:,} messages in {ds.seconds} s")
    return ds


def dataset_to_json(ds: ReadsDataset) -> str:
    return json.dumps(ds.__dict__)


def dataset_from_json(raw: str) -> ReadsDataset:
    return ReadsDataset(**json.loads(raw))


# -- a tenant for the write paths -----------------------------------------------------------------


@dataclass
class IngestTenant:
    organization_id: str
    user_id: str
    email: str
    instance_id: str
    webhook_secret: str
    instance_token: str
    phones: list[str]  # digits, as WuzAPI sends them
    push_names: dict[str, str]  # digits -> the lead's WhatsApp name (a real lead's rarely changes)
    outbound_ids: list[tuple[str, str]]  # (external id, phone digits) of messages we "sent"
    conversation_ids: list[str]  # the existing conversations (same order as phones)
    ticket_ids: list[str]


async def seed_tenant(database_url: str, *, leads: int, outbound_per_lead: int, base_url: str) -> IngestTenant:
    """One org, one admin, one instance, `leads` leads with a conversation, an OPEN ticket and
    `outbound_per_lead` messages we sent (targets for delivery receipts)."""
    rng = random.Random(11)
    now = datetime.now(UTC) - timedelta(hours=1)
    org, rows, _ = _org_rows(rng, 900, leads, 1, 1, base_url, now)
    rows["users"][0]["password_hash"] = hash_password(PASSWORD)
    sink = await open_sink(database_url)
    counters = Counters(lead=900_000, message=900_000_000)
    phones: list[str] = []
    push_names: dict[str, str] = {}
    outbound: list[tuple[str, str]] = []
    conv_ids: list[str] = []
    ticket_ids: list[str] = []
    big: dict[str, list[dict[str, Any]]] = {t: [] for t in BIG_TABLES}
    for _ in range(leads):
        c = _conversation(rng, org, outbound_per_lead, now - timedelta(seconds=rng.uniform(60, 3000)), counters)
        c.tickets = c.tickets[-1:]
        c.tickets[0].update(status="OPEN", outcome=None, closed_by=None, resolved_at=None, number=1)
        c.conversation.update(ticket_status="OPEN", current_ticket_id=c.tickets[0]["id"])
        digits = c.lead["phone"][1:]
        for m in c.messages:
            m.update(
                ticket_id=c.tickets[0]["id"],
                sender_type="USER",
                sender_id=org.user_ids[0],
                sender_name=None,
                status="SENT",
                message_type="TEXT",
                media_path=None,
                media_mime=None,
                media_size=None,
                content=m["content"] or "ok",
            )
            outbound.append((m["external_id"], digits))
        c.conversation.update(
            last_message_sender_type="USER",
            last_message_status="SENT",
            unread_count=0,
            waiting_since=None,
            last_message_preview=snippet(c.messages[-1]["content"]),
            last_message_type=MessageType.TEXT,
        )
        phones.append(digits)
        push_names[digits] = c.lead["push_name"]
        conv_ids.append(str(c.conversation["id"]))
        ticket_ids.append(str(c.tickets[0]["id"]))
        big["leads"].append(c.lead)
        big["conversations"].append(c.conversation)
        big["tickets"].extend(c.tickets)
        big["messages"].extend(c.messages)
    try:
        for t in TABLE_ORDER[:4]:
            await sink.write(t, rows[t])
        for t in BIG_TABLES:
            await sink.write(t, big[t])
        await sink.analyze()
    finally:
        await sink.close()
    rng.shuffle(outbound)
    return IngestTenant(
        organization_id=str(org.id),
        user_id=str(org.user_ids[0]),
        email=org.emails[0],
        instance_id=str(org.instance_ids[0]),
        webhook_secret=org.instance_secrets[0],
        instance_token=org.instance_tokens[0],
        phones=phones,
        push_names=push_names,
        outbound_ids=outbound,
        conversation_ids=conv_ids,
        ticket_ids=ticket_ids,
    )


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
