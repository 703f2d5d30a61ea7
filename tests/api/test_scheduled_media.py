"""A file on a scheduled message ("enviar depois" with an attachment): stored through the media
store like a normal media send, sent by the job as media through the normal send path; the
normal upload's errors for each bad input, and nothing written when refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.api.test_follow_ups import conversation, ctx
from tests.support.tenants import Harness
from whatrack.followups import jobs
from whatrack.models import FollowUpSequence, Message, Role, ScheduledMessage

URL = "/api/v1/scheduled-messages"
PDF = b"%PDF-1.4 scheduled proposal"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def _written(harness: Harness) -> tuple[int, int, int]:
    """Scheduled rows, messages and media files: what a refused request must leave alone."""
    async with harness.db() as db:
        rows = await db.scalar(select(func.count()).select_from(ScheduledMessage))
        msgs = await db.scalar(select(func.count()).select_from(Message))
    return int(rows or 0), int(msgs or 0), len(_files(harness.settings.media_dir))


async def test_a_scheduled_file_is_sent_as_media_with_its_caption(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    send_at = datetime.now(UTC) + timedelta(hours=2)
    resp = await t.client.post(
        URL,
        data={"conversationId": conv["id"], "sendAt": send_at.isoformat(), "caption": "Segue a proposta, {nome}"},
        files={"file": ("proposta.pdf", PDF, "application/pdf")},
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert (created["mediaName"], created["mediaMime"], created["mediaSize"]) == (
        "proposta.pdf",
        "application/pdf",
        len(PDF),
    )
    assert created["content"] == "Segue a proposta, {nome}" and created["status"] == "PENDING"
    assert len(_files(harness.settings.media_dir)) == 1  # stored now, through the media store
    image = await t.client.post(
        URL,
        data={"conversationId": conv["id"], "sendAt": (send_at + timedelta(minutes=1)).isoformat()},
        files={"file": ("foto.png", PNG, "image/png")},
    )
    assert image.status_code == 201, image.text
    assert image.json()["content"] == "" and image.json()["mediaMime"] == "image/png"
    listed = (await t.client.get(URL, params={"conversationId": conv["id"]})).json()["items"]
    assert [x["mediaName"] for x in listed] == ["proposta.pdf", "foto.png"]
    assert harness.sim.requests_to("/chat/send/document") == []  # not before it is due

    result = await jobs.run_once(ctx(harness), send_at + timedelta(minutes=2))
    assert result.sent == 2
    doc = harness.sim.requests_to("/chat/send/document")
    assert len(doc) == 1
    assert doc[0].json["FileName"] == "proposta.pdf" and doc[0].json["Caption"] == "Segue a proposta, Maria Souza"
    assert doc[0].json["Document"].startswith("data:application/pdf;base64,")
    img = harness.sim.requests_to("/chat/send/image")
    assert len(img) == 1 and not img[0].json.get("Caption")
    assert [m.media for m in harness.sim.sent_messages] == [PDF, PNG]

    items = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
    mine: dict[str, Any] = {m["messageType"]: m for m in items if m["senderType"] == "USER"}
    assert set(mine) == {"DOCUMENT", "IMAGE"}
    assert mine["DOCUMENT"]["status"] in ("SENT", "DELIVERED", "READ")  # the simulator's receipts follow
    assert mine["DOCUMENT"]["content"] == "Segue a proposta, Maria Souza"
    assert mine["IMAGE"]["content"] is None
    assert (await t.client.get(mine["DOCUMENT"]["media"]["url"])).content == PDF
    # exactly once: a later round sends nothing more
    assert (await jobs.run_once(ctx(harness), send_at + timedelta(minutes=3))).sent == 0
    assert len(harness.sim.sent_messages) == 2


async def test_bad_scheduled_file_inputs_are_refused_and_write_nothing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    other = await harness.tenant("Other")
    foreign = await conversation(harness, other, phone="5511977776666")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    pdf = {"file": ("a.pdf", PDF, "application/pdf")}
    before = await _written(harness)
    cases: list[tuple[dict[str, Any], dict[str, Any] | None, int, str]] = [
        ({"conversationId": conv["id"], "sendAt": later}, None, 400, "missing_field"),  # no file
        ({"conversationId": conv["id"], "sendAt": later}, {"other": ("a", b"1")}, 400, "missing_field"),
        (
            {"conversationId": conv["id"], "sendAt": later},
            {"file": ("a.pdf", b"", "application/pdf")},
            400,
            "empty_file",
        ),
        ({"conversationId": conv["id"]}, pdf, 400, "missing_field"),  # no sendAt
        ({"sendAt": later}, pdf, 400, "missing_field"),  # no conversation
        ({"conversationId": "nope", "sendAt": later}, pdf, 400, "invalid_field"),
        ({"conversationId": conv["id"], "sendAt": "tomorrow"}, pdf, 400, "invalid_field"),
        ({"conversationId": conv["id"], "sendAt": later, "caption": "x" * 65537}, pdf, 400, "invalid_field"),
        (
            {"conversationId": conv["id"], "sendAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()},
            pdf,
            400,
            "send_at_in_past",
        ),
        (
            {"conversationId": conv["id"], "sendAt": (datetime.now(UTC) + timedelta(days=400)).isoformat()},
            pdf,
            400,
            "send_at_too_far",
        ),
        ({"conversationId": foreign["id"], "sendAt": later}, pdf, 404, "conversation_not_found"),
        ({"conversationId": str(uuid.uuid4()), "sendAt": later}, pdf, 404, "conversation_not_found"),
    ]
    for data, files, status, code in cases:
        if files is None:  # a multipart body without any file part
            files = {"note": (None, b"x")}
        resp = await t.client.post(URL, data=data, files=files)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), (data, resp.text)
    plain = await t.client.post(URL, content=b"hello", headers={"content-type": "text/plain"})
    assert (plain.status_code, plain.json()["error"]["code"]) == (415, "unsupported_media_type")
    # the JSON body keeps its validation errors
    bad_json = await t.client.post(URL, json={"conversationId": conv["id"], "content": "", "sendAt": later})
    assert (bad_json.status_code, bad_json.json()["error"]["code"]) == (422, "validation_error")
    big = b"x" * (harness.settings.max_body_bytes + 1)
    too_large = await t.client.post(
        URL, data={"conversationId": conv["id"], "sendAt": later}, files={"file": ("big.bin", big, "application/pdf")}
    )
    assert (too_large.status_code, too_large.json()["error"]["code"]) == (413, "payload_too_large")
    assert await _written(harness) == before


async def test_a_follow_up_step_with_a_file_sends_it_with_the_step_text(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    up = await t.client.post(
        "/api/v1/follow-up-sequences/media", files={"file": ("tabela.pdf", PDF, "application/pdf")}
    )
    assert up.status_code == 201, up.text
    media = up.json()
    assert (
        media["ref"].startswith(f"{t.organization_id}/") and media["size"] == len(PDF) and media["name"] == "tabela.pdf"
    )
    steps = [
        {
            "delayMinutes": 60,
            "content": "Oi {primeiro_nome}, segue a tabela",
            "media": {k: media[k] for k in ("ref", "name", "mime")},
        },
        {"delayMinutes": 60, "content": "Alguma dúvida?"},
    ]
    seq = await t.client.post("/api/v1/follow-up-sequences", json={"name": "Tabela", "steps": steps})
    assert seq.status_code == 201, seq.text
    assert seq.json()["steps"][0]["media"] == media and seq.json()["steps"][1]["media"] is None
    # a PATCH that sends the steps back keeps the file
    kept = await t.client.patch(f"/api/v1/follow-up-sequences/{seq.json()['id']}", json={"steps": steps})
    assert kept.status_code == 200 and kept.json()["steps"][0]["media"] == media
    started = await t.client.post(
        f"/api/v1/tickets/{conv['currentTicketId']}/follow-up", json={"sequenceId": seq.json()["id"]}
    )
    assert started.status_code == 200, started.text
    rows = started.json()["scheduled"]
    assert [r["mediaName"] for r in rows] == ["tabela.pdf", None]

    first_due = datetime.fromisoformat(rows[0]["sendAt"].replace("Z", "+00:00"))
    assert (await jobs.run_once(ctx(harness), first_due + timedelta(seconds=1))).sent == 1
    doc = harness.sim.requests_to("/chat/send/document")
    assert len(doc) == 1 and doc[0].json["Caption"] == "Oi Maria, segue a tabela"
    assert harness.sim.sent_messages[0].media == PDF
    second_due = datetime.fromisoformat(rows[1]["sendAt"].replace("Z", "+00:00"))
    assert (await jobs.run_once(ctx(harness), second_due + timedelta(seconds=1))).sent == 1
    assert [m.kind for m in harness.sim.sent_messages] == ["document", "text"]


async def test_bad_step_files_are_refused_and_write_nothing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Other")
    theirs = (
        await other.client.post("/api/v1/follow-up-sequences/media", files={"file": ("x.pdf", PDF, "application/pdf")})
    ).json()
    agent = await harness.tenant("Agents", role=Role.AGENT)
    before = await _written(harness)
    media_url = "/api/v1/follow-up-sequences/media"

    def step(media: dict[str, Any]) -> dict[str, Any]:
        return {"name": "x", "steps": [{"delayMinutes": 5, "content": "oi", "media": media}]}

    missing_file = f"{t.organization_id}/ab/{'a' * 64}.pdf"
    cases = [
        (t.client.post(media_url, data={"note": "x"}, files={"other": ("a", b"1")}), 400, "missing_field"),
        (t.client.post(media_url, files={"file": ("a.pdf", b"", "application/pdf")}), 400, "empty_file"),
        (t.client.post(media_url, json={"file": "x"}), 415, "unsupported_media_type"),
        (agent.client.post(media_url, files={"file": ("a.pdf", PDF, "application/pdf")}), 403, "admin_required"),
        (
            t.client.post("/api/v1/follow-up-sequences", json=step({k: theirs[k] for k in ("ref", "name", "mime")})),
            400,
            "follow_up_media_invalid",
        ),
        (
            t.client.post("/api/v1/follow-up-sequences", json=step({"ref": missing_file, "mime": "application/pdf"})),
            400,
            "follow_up_media_invalid",
        ),
        (
            t.client.post("/api/v1/follow-up-sequences", json=step({"ref": "../../etc/passwd", "mime": "text/plain"})),
            400,
            "follow_up_media_invalid",
        ),
    ]
    for call, status, code in cases:
        resp = await call
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), resp.text
    assert await _written(harness) == before
    async with harness.db() as db:
        assert await db.scalar(select(func.count()).select_from(FollowUpSequence)) == 0


async def test_rows_of_one_conversation_due_together_go_out_in_due_order(harness: Harness) -> None:
    """send_due runs one lane per conversation: its rows are claimed and sent one after the other."""
    t = await harness.tenant("Acme")
    conv = await conversation(harness, t)
    other = await conversation(harness, t, phone="5511977776666", name="João Lima")
    base = datetime.now(UTC) + timedelta(hours=1)
    for i in range(5):
        for c in (conv, other):
            resp = await t.client.post(
                URL,
                json={
                    "conversationId": c["id"],
                    "content": f"{c['id'][:4]} #{i}",
                    "sendAt": (base + timedelta(seconds=i)).isoformat(),
                },
            )
            assert resp.status_code == 201, resp.text
    result = await jobs.send_due(ctx(harness), base + timedelta(minutes=1))
    assert result.sent == 10
    for c in (conv, other):
        texts = [m.text for m in harness.sim.sent_messages if m.text.startswith(c["id"][:4])]
        assert texts == [f"{c['id'][:4]} #{i}" for i in range(5)]
    assert (await jobs.send_due(ctx(harness), base + timedelta(minutes=2))).sent == 0
