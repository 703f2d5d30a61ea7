"""Search → jump to an old message (issue 13): message hits with a date filter, and a
conversation's messages loaded around one message with cursors both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import inspect

from tests.api.test_visibility import team
from tests.support.tenants import Harness, Tenant
from whatrack.messages.service import snippet_around
from whatrack.models import Role
from whatrack.simulator import payloads as p

PHONE = "5511977771234"


async def _thread(harness: Harness, t: Tenant, count: int, start: datetime) -> tuple[str, list[str]]:
    """`count` lead messages "m0".."m{count-1}" a minute apart; the conversation id and the
    message ids oldest first."""
    for i in range(count):
        payload = p.text_message(phone=PHONE, text=f"m{i}", timestamp=start + timedelta(minutes=i))
        assert (await harness.webhook(t, payload)).status_code == 200
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    ids: list[str] = []
    cursor = None
    while True:
        page = await _page(t.client, conv["id"], cursor=cursor, limit=100)
        ids.extend(m["id"] for m in page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    return conv["id"], ids[::-1]


async def _page(client: httpx.AsyncClient, conv_id: str, **params: Any) -> dict[str, Any]:
    resp = await client.get(
        f"/api/v1/conversations/{conv_id}/messages", params={k: v for k, v in params.items() if v is not None}
    )
    assert resp.status_code == 200, resp.text
    page: dict[str, Any] = resp.json()
    return page


def _texts(page: dict[str, Any]) -> list[str]:
    return [m["content"] for m in page["items"]]


async def test_around_returns_the_window_and_pages_both_ways(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv_id, ids = await _thread(harness, t, 30, datetime.now(UTC) - timedelta(days=2))

    page = await _page(t.client, conv_id, around=ids[10], limit=9)
    # 4 older, the message, 4 newer; newest first like every page
    assert _texts(page) == [f"m{i}" for i in range(14, 5, -1)]
    assert page["nextCursor"] is not None and page["newerCursor"] is not None

    older = await _page(t.client, conv_id, cursor=page["nextCursor"], limit=9)
    assert _texts(older) == [f"m{i}" for i in range(5, -1, -1)]
    assert older["nextCursor"] is None

    # forward from the window until the latest message, then the normal chat
    seen: list[str] = []
    cursor = page["newerCursor"]
    while cursor is not None:
        newer = await _page(t.client, conv_id, cursor=cursor, limit=9)
        assert newer["items"], "a newer cursor always leads somewhere"
        seen = _texts(newer) + seen
        # each newer page is newest first and its older cursor leads back into what was loaded
        assert newer["nextCursor"] is not None
        cursor = newer["newerCursor"]
    assert seen == [f"m{i}" for i in range(29, 14, -1)]
    assert (await _page(t.client, conv_id, limit=9))["newerCursor"] is None

    # near the start: the room before goes after; near the end: no newer cursor
    first = await _page(t.client, conv_id, around=ids[1], limit=9)
    assert _texts(first) == [f"m{i}" for i in range(8, -1, -1)]
    assert first["nextCursor"] is None and first["newerCursor"] is not None
    last = await _page(t.client, conv_id, around=ids[29], limit=9)
    assert _texts(last)[0] == "m29" and last["newerCursor"] is None and _texts(last)[-1] == "m21"
    assert last["nextCursor"] is not None


async def test_around_refuses_bad_values_and_other_conversations(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv_id, ids = await _thread(harness, t, 3, datetime.now(UTC) - timedelta(hours=1))
    await harness.webhook(t, p.text_message(phone="5511977775555", text="outra"))
    other = next(c for c in (await t.client.get("/api/v1/conversations")).json()["items"] if c["id"] != conv_id)
    url = f"/api/v1/conversations/{conv_id}/messages"

    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"around": "not-a-uuid"}, 400, "invalid_around"),
        ({"around": ids[0], "cursor": "abc"}, 400, "invalid_around"),
        ({"around": "00000000-0000-0000-0000-000000000001"}, 404, "message_not_found"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, 400, "invalid_cursor"),
    ]
    other_msg = (await _page(t.client, other["id"]))["items"][0]["id"]
    cases.append(({"around": other_msg}, 404, "message_not_found"))  # of another conversation
    for params, status, code in cases:
        resp = await t.client.get(url, params=params)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), (params, resp.text)

    # another organization: the conversation is not found, whatever the message
    b = await harness.tenant("Beta")
    resp = await b.client.get(url, params={"around": ids[0]})
    assert (resp.status_code, resp.json()["error"]["code"]) == (404, "conversation_not_found")
    resp = await b.client.get("/api/v1/messages/search", params={"q": "m1"})
    assert resp.status_code == 200 and resp.json()["items"] == []


async def test_around_and_search_follow_the_visibility_policy(harness: Harness) -> None:
    tm = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    hidden_msg = tm.hidden["message_id"]
    # the hidden message is not found around any visible conversation, nor in its own
    for conv in (tm.own_conversation, tm.hidden["conversation_id"]):
        resp = await tm.agent_client.get(f"/api/v1/conversations/{conv}/messages", params={"around": hidden_msg})
        assert resp.status_code == 404, resp.text
    resp = await tm.agent_client.get(
        f"/api/v1/conversations/{tm.own_conversation}/messages", params={"around": hidden_msg}
    )
    assert resp.json()["error"]["code"] == "message_not_found"
    # "pedido" is in all three; the agent finds their own and the unassigned one
    resp = await tm.agent_client.get("/api/v1/messages/search", params={"q": "PEDIDO"})
    assert resp.status_code == 200, resp.text
    found = {h["conversationId"] for h in resp.json()["items"]}
    assert found == {tm.own_conversation, tm.unassigned_conversation}
    admin_found = (await tm.admin.client.get("/api/v1/messages/search", params={"q": "pedido"})).json()["items"]
    assert {h["conversationId"] for h in admin_found} == found | {tm.hidden["conversation_id"]}


async def test_search_hits_accent_free_with_a_date_filter(harness: Harness) -> None:
    t = await harness.tenant("Acme")  # America/Sao_Paulo (UTC-3)
    days = [
        (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), "Segue o catálogo de março"),  # 9 March in São Paulo
        (datetime(2026, 3, 10, 15, 0, tzinfo=UTC), "CATALOGO novo, veja"),  # 10 March
        (datetime(2026, 3, 12, 2, 59, tzinfo=UTC), "mais um catálogo"),  # 11 March, 23:59
        (datetime(2026, 3, 12, 3, 0, tzinfo=UTC), "nada a ver"),
    ]
    for i, (at, body) in enumerate(days):
        payload = p.text_message(phone=PHONE, text=body, timestamp=at, message_id=f"3EB0DATE{i:04d}")
        assert (await harness.webhook(t, payload)).status_code == 200

    async def hits(**params: str) -> list[dict[str, Any]]:
        resp = await t.client.get("/api/v1/messages/search", params=params)
        assert resp.status_code == 200, resp.text
        items: list[dict[str, Any]] = resp.json()["items"]
        return items

    everything = await hits(q="catalogo")
    assert [h["snippet"] for h in everything] == [
        "mais um catálogo",
        "CATALOGO novo, veja",
        "Segue o catálogo de março",
    ]
    assert everything[0]["leadPhone"] == f"+{PHONE}" and everything[0]["senderType"] == "LEAD"
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    assert {h["conversationId"] for h in everything} == {conv["id"]}
    # the hit's id opens the chat around it
    page = await _page(t.client, conv["id"], around=everything[1]["messageId"], limit=3)
    assert [m["content"] for m in page["items"]] == [
        "mais um catálogo",
        "CATALOGO novo, veja",
        "Segue o catálogo de março",
    ]

    assert [h["snippet"] for h in await hits(q="CATÁLOGO", **{"from": "2026-03-10", "to": "2026-03-11"})] == [
        "mais um catálogo",
        "CATALOGO novo, veja",
    ]
    assert [h["snippet"] for h in await hits(q="catalogo", to="2026-03-09")] == ["Segue o catálogo de março"]
    assert [h["snippet"] for h in await hits(q="catalogo", **{"from": "2026-03-11"})] == ["mais um catálogo"]
    assert await hits(q="catalogo", **{"from": "2026-03-12"}) == []
    # paging
    resp = await t.client.get("/api/v1/messages/search", params={"q": "catalogo", "limit": "2"})
    first = resp.json()
    assert len(first["items"]) == 2 and first["nextCursor"]
    rest = (
        await t.client.get(
            "/api/v1/messages/search", params={"q": "catalogo", "limit": "2", "cursor": first["nextCursor"]}
        )
    ).json()
    assert [h["snippet"] for h in rest["items"]] == ["Segue o catálogo de março"] and rest["nextCursor"] is None

    for params, status, code in [
        ({"q": "catalogo", "from": "2026-03-12", "to": "2026-03-10"}, 400, "search_dates_reversed"),
        ({"q": "catalogo", "from": "10/03/2026"}, 422, "validation_error"),
        ({"q": "catalogo", "cursor": "%%%"}, 400, "invalid_cursor"),
        ({"q": "   "}, 422, "validation_error"),
    ]:
        resp = await t.client.get("/api/v1/messages/search", params=params)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), (params, resp.text)


def test_snippet_around_the_match() -> None:
    text = "palavra " * 30 + "o Catálogo completo " + "fim " * 60
    snip = snippet_around(text, "catalogo")
    assert snip.startswith("…") and snip.endswith("…")
    assert "o Catálogo completo" in snip and len(snip) < 200
    assert snippet_around("Catálogo", "catalogo") == "Catálogo"
    assert snippet_around("sem termo aqui", "catalogo") == "sem termo aqui"
    # a character that folds to two keeps the offsets right
    assert snippet_around("ﬁnal do catálogo", "catalogo") == "ﬁnal do catálogo"


async def test_messages_are_indexed_by_organization_newest_first(harness: Harness) -> None:
    """Message search walks (organization_id, sent_at, id) backwards for common terms (migration 0025)."""
    async with harness.db() as db:

        def index_columns(sync: Any) -> dict[str, list[str]]:
            return {ix["name"]: list(ix["column_names"]) for ix in inspect(sync).get_indexes("messages")}

        indexes = await (await db.connection()).run_sync(index_columns)
    assert indexes["ix_messages_org_recent"] == ["organization_id", "sent_at", "id"]
    assert "ix_messages_organization_id" not in indexes  # its prefix serves the same filters
