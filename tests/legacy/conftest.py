"""A legacy Whatrack database (the requirements' Prisma models, snake case) on the test
PostgreSQL cluster, in a database of its own, with the tricky rows issue 15 lists."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.conftest import PG_BASE
from whatrack.db import create_engine

SCHEMA = """
CREATE TABLE leads (id text PRIMARY KEY, organization_id text, phone text, remote_jid text, name text,
                    created_at timestamp(3) NOT NULL);
CREATE TABLE conversations (id text PRIMARY KEY, lead_id text REFERENCES leads(id), instance_id text);
CREATE TABLE inbounds (id text PRIMARY KEY, lead_id text REFERENCES leads(id), source_type text,
                       utm_campaign text, utm_medium text, ad_id text, status text, created_at timestamp(3) NOT NULL);
CREATE TABLE messages (id text PRIMARY KEY, conversation_id text REFERENCES conversations(id),
                       whatsapp_message_id text, sender_type text, sender_name text, message_type text,
                       content text, media_url text, media_type text, status text, sent_at timestamp(3));
CREATE TABLE whatsapp_message (id text PRIMARY KEY, lead_id text, message_id text, from_me boolean,
                               message_type text, content text, timestamp timestamp(3));
"""

ROWS = """
INSERT INTO leads VALUES
  ('L1', 'org1', '+55 (11) 98888-7777', NULL, 'José Ação', '2024-01-01 09:00'),
  ('L2', 'org1', '551188887777', '551188887777@s.whatsapp.net', 'Jose', '2024-01-20 09:00'),
  ('L3', 'org1', NULL, '5521977776666@s.whatsapp.net', 'Zoë 李', '2024-03-01 08:00'),
  ('L4', 'org1', 'não sei', NULL, 'Sem Telefone', '2024-03-05 08:00'),
  ('L5', 'org1', '5531988881111', NULL, NULL, '2024-05-01 08:00');
INSERT INTO conversations VALUES ('C1', 'L1', 'i1'), ('C2', 'L2', 'i1'), ('C3', 'L3', 'i1'),
  ('C4', 'L4', 'i1'), ('C5', 'L5', 'i1');
INSERT INTO inbounds VALUES
  ('I1', 'L1', 'meta_ads', 'black_friday', 'paid', '120200', 'RESOLVED', '2024-01-01 10:00'),
  ('I2', 'L2', 'organic', NULL, NULL, NULL, 'OPEN', '2024-02-01 10:00'),
  ('I3', 'L3', 'whatsapp', NULL, NULL, NULL, 'RESOLVED', '2024-03-01 10:00'),
  ('I4', 'L3', 'google_ads', 'natal', 'cpc', NULL, 'RESOLVED', '2024-04-01 10:00'),
  ('I5', 'L4', 'organic', NULL, NULL, NULL, 'RESOLVED', '2024-03-05 10:00');
INSERT INTO messages VALUES
  ('M1', 'C1', 'WA-1', 'CONTACT', 'José', 'TEXT', 'Olá, quero saber o preço', NULL, NULL, 'READ',
   '2024-01-01 10:00:05'),
  ('M2', 'C1', 'WA-2', 'AI_AGENT', 'Assistente', 'TEXT', 'Oi! Custa R$ 10', NULL, NULL, 'READ', '2024-01-01 10:01'),
  ('M3', 'C2', 'WA-3', 'USER', 'Ana', 'IMAGE', 'Promoção', 'https://cdn.example.com/p.jpg', 'image/jpeg', 'DELIVERED',
   '2024-02-02 11:00'),
  ('M4', 'C3', 'WA-4', 'CONTACT', NULL, 'TEXT', 'Bom dia 🌞', NULL, NULL, NULL, '2024-03-01 10:30'),
  ('M5', 'C4', 'WA-5', 'CONTACT', NULL, 'TEXT', 'sem telefone', NULL, NULL, NULL, '2024-03-05 10:30'),
  ('M6', 'C5', 'WA-6', 'CONTACT', NULL, 'TEXT', 'Oi, vi o anúncio', NULL, NULL, NULL, '2024-05-01 09:00');
INSERT INTO whatsapp_message VALUES
  ('W1', 'L1', 'WA-1', false, 'text', 'Olá, quero saber o preço', '2024-01-01 10:00:05'),
  ('W2', 'L1', 'WA-7', false, 'text', 'Só no WhatsappMessage', '2024-01-15 12:00'),
  ('W3', 'L2', 'WA-7', false, 'text', 'Só no WhatsappMessage', '2024-01-15 12:00'),
  ('W4', 'L4', 'WA-8', true, 'text', 'órfã', '2024-03-05 11:00');
"""


async def _create(name: str) -> str:
    admin = create_engine(f"{PG_BASE}/postgres")
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = f"{PG_BASE}/{name}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        for sql in (SCHEMA + ROWS).split(";"):
            if sql.strip():
                await conn.exec_driver_sql(sql)
    await engine.dispose()
    return url


async def _drop(name: str) -> None:
    admin = create_engine(f"{PG_BASE}/postgres")
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
def legacy_url() -> Iterator[str]:
    name = f"whatrack_legacy_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    url = asyncio.run(_create(name))
    yield url.replace("postgresql+asyncpg://", "postgresql://")
    asyncio.run(_drop(name))
