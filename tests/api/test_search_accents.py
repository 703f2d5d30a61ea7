"""Inbox search ignores accents and case, on both databases (wt_fold, migration 0013)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from tests.support.tenants import Harness
from whatrack.db import fold
from whatrack.simulator import payloads as p


async def _phones(client: httpx.AsyncClient, q: str) -> list[str]:
    resp = await client.get("/api/v1/conversations", params={"q": q})
    assert resp.status_code == 200, resp.text
    return sorted(c["lead"]["phone"] for c in resp.json()["items"])


def test_fold() -> None:
    assert fold("Catálogo") == "catalogo"
    assert fold("JOÃO Ç") == "joao c"
    assert fold("Ação promoção") == "acao promocao"
    assert fold("plain 123") == "plain 123"


async def test_accents_and_case_never_matter(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    base = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        ("5511977770001", "João Silva", "Vocês têm o catálogo novo?"),
        ("5511977770002", "MARIA", "QUERO O CATALOGO DE VERÃO"),
        ("5511977770003", "Zé Ninguém", "só um oi"),
    ]
    for i, (phone, name, body) in enumerate(rows):
        payload = p.text_message(phone=phone, text=body, push_name=name, timestamp=base + timedelta(minutes=i))
        assert (await harness.webhook(t, payload)).status_code == 200
    joao, maria, ze = (f"+{phone}" for phone, _, _ in rows)

    # message text: without the accent, with it, in capitals
    assert await _phones(t.client, "catalogo") == [joao, maria]
    assert await _phones(t.client, "CATÁLOGO") == [joao, maria]
    assert await _phones(t.client, "verao") == [maria]
    assert await _phones(t.client, "voces tem") == [joao]
    # shorter than a trigram: the LIKE path, folded the same way
    assert await _phones(t.client, "SÓ") == [ze]
    # names (push_name here; name is edited below)
    assert await _phones(t.client, "JOAO") == [joao]
    assert await _phones(t.client, "ze ninguem") == [ze]
    assert await _phones(t.client, "Mária") == [maria]
    # a term that is in nobody's text
    assert await _phones(t.client, "catalogos") == []

    # a lead renamed by an agent is found by its new name, folded
    conv = next(c for c in (await t.client.get("/api/v1/conversations")).json()["items"] if c["lead"]["phone"] == ze)
    resp = await t.client.patch(f"/api/v1/leads/{conv['lead']['id']}", json={"name": "Zéca Pagodinho"})
    assert resp.status_code == 200, resp.text
    assert await _phones(t.client, "ZECA pago") == [ze]


async def test_edited_message_is_searched_by_its_new_text(harness: Harness) -> None:
    """The SQLite index follows content updates (trigger); PostgreSQL indexes the column."""
    t = await harness.tenant("Acme")
    first = p.text_message(phone="5511977770009", text="orçamento da pintura", message_id="3EB0EDIT0001")
    assert (await harness.webhook(t, first)).status_code == 200
    assert await _phones(t.client, "orcamento") == ["+5511977770009"]
    edit = p.edit_message(target_id="3EB0EDIT0001", new_text="proposta da reforma", phone="5511977770009")
    assert (await harness.webhook(t, edit)).status_code == 200
    assert await _phones(t.client, "orcamento") == []
    assert await _phones(t.client, "PROPOSTA") == ["+5511977770009"]


async def test_postgresql_search_uses_the_folded_trigram_indexes(harness: Harness) -> None:
    """The planner matches wt_fold(column) to the expression indexes (never a scan of messages)."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511977770010", text="catálogo"))
    async with harness.db() as db:
        if db.get_bind().dialect.name != "postgresql":
            assert (await db.execute(text("SELECT wt_fold('ÁGUA Ç')"))).scalar_one() == "agua c"
            return
        assert (await db.execute(text("SELECT wt_fold('ÁGUA Ç')"))).scalar_one() == "agua c"
        await db.execute(text("SET LOCAL enable_seqscan = off"))
        plans = []
        for table, column in (("messages", "content"), ("leads", "name"), ("leads", "push_name")):
            sql = f"EXPLAIN SELECT id FROM {table} WHERE wt_fold({column}) LIKE '%catalogo%'"  # noqa: S608
            rows = await db.execute(text(sql))
            plans.append("\n".join(r[0] for r in rows))
        assert "ix_messages_content_fold_trgm" in plans[0], plans[0]
        assert "ix_leads_name_fold_trgm" in plans[1], plans[1]
        assert "ix_leads_push_name_fold_trgm" in plans[2], plans[2]


async def test_rows_carry_the_current_tickets_source(harness: Harness) -> None:
    """The list names each row's current ticket origin (the source badge), in its one query."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511977770021", text="oi"))
    await harness.webhook(t, p.text_message(phone="5511977770022", text="vi o anúncio", referral=p.Referral()))
    items = (await t.client.get("/api/v1/conversations")).json()["items"]
    by_phone = {c["lead"]["phone"]: c["ticketSource"] for c in items}
    assert by_phone == {"+5511977770021": "whatsapp", "+5511977770022": "meta_ads"}
    one = (await t.client.get(f"/api/v1/conversations/{items[0]['id']}")).json()
    assert one["ticketSource"] == items[0]["ticketSource"]
