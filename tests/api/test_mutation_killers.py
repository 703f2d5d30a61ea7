"""Rules that `make mutation` found unguarded: each test fails on a bug planted in a rule module
(docs/mutation.md lists the mutants left alive and why)."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.tenants import Harness
from whatrack.inbox.send import media_kind
from whatrack.models import Message, MessageStatus, MessageType, PendingReceipt
from whatrack.realtime.publisher import org_channel
from whatrack.simulator import payloads as p
from whatrack.whatsapp.jid import normalize_phone

PHONE = "5511988887777"


async def test_edits_answer_ok_keep_every_earlier_text_and_reach_the_organization(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    original = p.text_message(phone=PHONE, text="v1")
    mid = original["event"]["Info"]["ID"]
    await harness.webhook(t, original)
    await harness.drain()

    for text in ("v2", "v3"):
        ack = await harness.webhook(t, p.edit_message(target_id=mid, new_text=text, phone=PHONE))
        assert ack.json()["status"] == "ok", ack.text
    again = await harness.webhook(t, p.edit_message(target_id=mid, new_text="v3", phone=PHONE))
    assert again.json()["status"] == "duplicate"  # the same text twice changes nothing

    async with harness.db() as db:
        msg = await db.scalar(select(Message).where(Message.external_id == mid))
        assert msg is not None
        assert (msg.content, msg.edited, msg.meta["editHistory"]) == ("v3", True, ["v1", "v2"])
    updated = [channel for channel, d in await harness.drain() if d["type"] == "message_updated"]
    assert updated.count(org_channel(t.organization_id)) == 2  # one per real edit, on the organization's channel


async def test_a_reaction_reaches_the_organization_channel(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    original = p.text_message(phone=PHONE, text="oi")
    await harness.webhook(t, original)
    await harness.drain()
    reaction = p.reaction_message(target_id=original["event"]["Info"]["ID"], emoji="👍", phone=PHONE)
    ack = await harness.webhook(t, reaction)
    assert ack.json()["status"] == "ok", ack.text
    published = await harness.drain()
    on_org = {d["type"] for channel, d in published if channel == org_channel(t.organization_id)}
    assert {"message_updated", "conversation_updated"} <= on_org


async def test_receipts_for_unknown_messages_are_kept_one_per_message(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    first = await harness.webhook(t, p.read_receipt(message_ids=["3EB0AAAA"], state="Delivered", phone=PHONE))
    assert first.json()["status"] == "ok", first.text
    await harness.webhook(t, p.read_receipt(message_ids=["3EB0BBBB"], state="Read", phone=PHONE))
    async with harness.db() as db:
        kept = {r.external_id: r.status for r in await db.scalars(select(PendingReceipt))}
    assert kept == {"3EB0AAAA": MessageStatus.DELIVERED, "3EB0BBBB": MessageStatus.READ}


def test_media_kind_by_mime() -> None:
    assert media_kind("image/png") is MessageType.IMAGE
    assert media_kind("Image/JPEG; q=1") is MessageType.IMAGE
    assert media_kind("image/gif") is MessageType.DOCUMENT  # WhatsApp images are JPEG/PNG only
    assert media_kind("audio/ogg; codecs=opus") is MessageType.AUDIO
    assert media_kind("video/mp4") is MessageType.VIDEO
    assert media_kind("application/pdf") is MessageType.DOCUMENT


def test_a_foreign_number_without_plus_is_read_as_international() -> None:
    # not a valid Brazilian national number, so the second reading ("+" + digits) decides
    assert normalize_phone("14155552671") == "+14155552671"
    assert normalize_phone("447911123456") == "+447911123456"
