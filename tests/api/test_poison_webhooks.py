"""Poison webhooks (issue 18, finding 5): strings the databases refuse are cleaned at the parser,
so the message is stored instead of answering 500 on every re-delivery."""

from __future__ import annotations

import base64
import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.tenants import Harness, Tenant
from whatrack.models import Lead, Message
from whatrack.simulator import payloads as p
from whatrack.whatsapp.events import IncomingMessage
from whatrack.whatsapp.parsing import parse_webhook

# Escapes a WuzAPI body can carry (Go's encoding/json writes invalid UTF-8 as \ufffd, but a
# relayed or hand-made body may not): NUL and both halves of a surrogate pair, alone.
POISON = ["\x00", "\ud800", "\udfff", "\ud83d", "a\x00b"]
poison_text = st.lists(st.sampled_from(POISON) | st.text(max_size=5), min_size=1, max_size=8).map("".join)


def _body(payload: dict[str, object]) -> bytes:
    # json.dumps escapes NUL and lone surrogates as \u0000 / \ud800, exactly what reaches us
    return json.dumps(payload).encode()


async def _post(harness: Harness, t: Tenant, payload: dict[str, object]) -> int:
    resp = await harness.anon.post(t.webhook_path, content=_body(payload), headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "ok", resp.text
    return resp.status_code


def _expected(value: str) -> str:
    """What the sender meant: adjacent halves make one character (as JSON decoding does), a lone
    half becomes U+FFFD, NULs go."""
    decoded = json.loads(json.dumps(value))
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in decoded if c != "\x00")


def _clean(value: str) -> bool:
    return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=poison_text, name=poison_text, file_name=poison_text)
async def test_nul_and_lone_surrogates_are_stored(harness: Harness, text: str, name: str, file_name: str) -> None:
    t: Tenant = getattr(harness, "_poison_tenant", None) or await harness.tenant("Poison")
    harness._poison_tenant = t  # type: ignore[attr-defined]
    phone = "55119" + str(uuid.uuid4().int)[:8]
    text_id, doc_id = "3A" + uuid.uuid4().hex[:18].upper(), "3A" + uuid.uuid4().hex[:18].upper()
    await _post(harness, t, p.text_message(phone=phone, text=text + "!", push_name=name, message_id=text_id))
    doc = p.media_message(
        kind="document",
        data=b"%PDF-1.4",
        mime_type="application/pdf",
        caption=text,
        file_name=file_name + ".pdf",
        phone=phone,
        push_name=name,
        message_id=doc_id,
    )
    await _post(harness, t, doc)
    async with harness.db() as db:
        stored = {
            m.external_id: m
            for m in await db.scalars(select(Message).where(Message.external_id.in_([text_id, doc_id])))
        }
        assert set(stored) == {text_id, doc_id}
        content, media_name = stored[text_id].content, stored[doc_id].media_name
        assert content is not None and _clean(content)
        assert content == _expected(text + "!")
        assert media_name is not None and _clean(media_name)
        lead = await db.scalar(select(Lead).where(Lead.organization_id == t.organization_id, Lead.phone == "+" + phone))
        assert lead is not None
        assert lead.push_name == (_expected(name).strip()[:200] or None) or (
            lead.push_name is not None and len(lead.push_name) <= 200 and _clean(lead.push_name)
        )


async def test_long_names_are_cut_with_a_marker(harness: Harness) -> None:
    t = await harness.tenant("Long")
    doc = p.media_message(
        kind="document",
        data=b"%PDF-1.4",
        mime_type="application/pdf",
        file_name="proposta-" + "x" * 400 + ".pdf",
        push_name="Maria " + "da Silva " * 40,
        message_id="3ALONGNAME0001",
    )
    await _post(harness, t, doc)
    async with harness.db() as db:
        msg = await db.scalar(select(Message).where(Message.external_id == "3ALONGNAME0001"))
        assert msg is not None and msg.media_name is not None
        assert len(msg.media_name) == 255 and msg.media_name.endswith("…")
        assert msg.sender_name is not None and len(msg.sender_name) == 200 and msg.sender_name.endswith("…")
        lead = await db.scalar(select(Lead).where(Lead.organization_id == t.organization_id))
        assert lead is not None and lead.push_name is not None and len(lead.push_name) == 200


def test_parser_cleans_only_what_it_must() -> None:
    raw = _body(p.text_message(text="ol\x00á \ud800 😀", push_name="Jo\x00ão"))
    assert b"\\u0000" in raw and b"\\ud800" in raw
    env = parse_webhook(raw, "application/json")
    event = env.event
    assert isinstance(event, IncomingMessage)
    assert event.text == "olá \ufffd 😀"
    assert event.contact.push_name == "João"
    # a proper surrogate pair written as escapes is one emoji, left alone
    pair = json.dumps(p.text_message(text="😀"), ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in pair
    assert getattr(parse_webhook(pair, "application/json").event, "text", None) == "😀"
    # a media payload with a huge mime type keeps the message and drops the mime
    doc = p.media_message(kind="document", data=b"x", mime_type="application/" + "y" * 300, file_name="a.pdf")
    doc["mimeType"] = "application/" + "y" * 300
    event = parse_webhook(_body(doc), "application/json").event
    assert isinstance(event, IncomingMessage) and event.media is not None
    assert event.media.mime_type is None and event.media.file_name == "a.pdf"
    assert base64.b64decode(str(doc["base64"])) == event.media.data
