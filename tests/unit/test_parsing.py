"""WuzAPI webhook parsing: every saved payload in tests/fixtures/wuzapi/ and every way to break one."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whatrack.whatsapp.events import (
    Contact,
    Edit,
    Envelope,
    Ignored,
    IncomingMessage,
    InstanceStatus,
    Media,
    MessageKind,
    Reaction,
    Receipt,
    Revoke,
    Typing,
    WebhookEvent,
)
from whatrack.whatsapp.parsing import (
    PayloadError,
    decode_body,
    parse_payload,
    parse_timestamp,
    parse_webhook,
)
from whatrack.whatsapp.referral import Referral

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "wuzapi"
RECEIVED_AT = datetime(2026, 3, 2, 20, 0, 0, tzinfo=UTC)
USER_ID = "4f1c0d8e9a7b6c5d4e3f2a1b0c9d8e7f"
INSTANCE = "shop-1"

LEAD_JID = "5511988887777@s.whatsapp.net"
LEAD_LID = "210987654321098@lid"
LEAD_PHONE = "+5511988887777"
MARIA = Contact(jid=LEAD_JID, phone=LEAD_PHONE, lid=LEAD_LID, push_name="Maria")
LEAD_PLAIN = Contact(jid=LEAD_JID, phone=LEAD_PHONE, lid=None, push_name=None)
AT_1405 = datetime(2026, 3, 2, 17, 5, 9, tzinfo=UTC)

IMAGE_BYTES = bytes.fromhex("ffd8ffe000104a4649460001010000010001") + b"\xfb\xef\xbe\xff\xff\xff\xff\xd9"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def download(url: str, media_key: str, mime: str, enc: str, sha: str, length: int) -> dict[str, Any]:
    return {
        "Url": f"https://mmg.whatsapp.net/{url}",
        "DirectPath": f"/{url}",
        "MediaKey": media_key,
        "Mimetype": mime,
        "FileEncSHA256": enc,
        "FileSHA256": sha,
        "FileLength": length,
    }


def message(external_id: str, kind: MessageKind, text: str | None, **overrides: Any) -> IncomingMessage:
    fields: dict[str, Any] = {
        "external_id": external_id,
        "contact": MARIA,
        "from_me": False,
        "timestamp": AT_1405,
        "kind": kind,
        "text": text,
        "media": None,
        "quoted_id": None,
        "referral": None,
        "metadata": {},
    }
    fields.update(overrides)
    return IncomingMessage(**fields)


CTWA_AD_REPLY = {
    "title": "Agende já sua avaliação",
    "body": "Promoção de março",
    "mediaType": 2,
    "thumbnailURL": "https://scontent.xx.fbcdn.net/v/t15.5256-10/thumb.jpg",
    "mediaURL": "https://www.facebook.com/615549749538308/videos/2465128777170540/",
    "sourceType": "ad",
    "sourceID": "120212345678900123",
    "sourceURL": "https://fb.me/2AbCdEf?utm_source=facebook&utm_medium=paid_social&utm_campaign=avaliacao_marco",
    "containsAutoReply": False,
    "renderLargerThumbnail": True,
    "showAdAttribution": True,
    "ctwaClid": "Afc3R8Hk2xS0l9pQ7mVtYw1ZbN4JdE6uGqFhKiLoPaMs",
    "ref": "",
    "sourceApp": "facebook",
    "greetingMessageBody": "Olá! Como podemos ajudar?",
    "adType": 0,
}

EXPECTED: dict[str, WebhookEvent] = {
    "message_text": message("3EB0C431D6E0A1B2C3D4", MessageKind.TEXT, "Oi, tudo bem?"),
    "message_extended_text": message(
        "3EB0A1B2C3D4E5F60718",
        MessageKind.TEXT,
        "Vi esse produto aqui: https://loja.example.com/p/123",
        timestamp=datetime(2026, 3, 2, 17, 5, 9, 123456, tzinfo=UTC),
        metadata={"ephemeral": True, "link": "https://loja.example.com/p/123"},
    ),
    "message_reply": message(
        "3EB0B2B2B2B2B2B2B2B2",
        MessageKind.TEXT,
        "sim, pode ser",
        timestamp=datetime(2026, 3, 2, 17, 6, 0, tzinfo=UTC),
        quoted_id="3EB0AAAA1111",
        metadata={
            "mentioned_jids": ["5511977776666@s.whatsapp.net"],
            "quoted_text": "Amanhã às 10h?",
            "quoted_participant": LEAD_JID,
        },
    ),
    "message_ctwa_ad": message(
        "3EB0AD0000000000CTWA",
        MessageKind.TEXT,
        "Olá! Quero saber mais sobre isso.",
        contact=Contact(jid=LEAD_JID, phone=LEAD_PHONE, lid=LEAD_LID, push_name="João"),
        referral=Referral(
            campaign="avaliacao_marco",
            medium="paid_social",
            ad_id="120212345678900123",
            ctwa_clid="Afc3R8Hk2xS0l9pQ7mVtYw1ZbN4JdE6uGqFhKiLoPaMs",
            headline="Agende já sua avaliação",
            body="Promoção de março",
            source_url="https://fb.me/2AbCdEf?utm_source=facebook&utm_medium=paid_social&utm_campaign=avaliacao_marco",
            thumbnail_url="https://scontent.xx.fbcdn.net/v/t15.5256-10/thumb.jpg",
            details={
                "externalAdReply": CTWA_AD_REPLY,  # the base64 "thumbnail" is dropped
                "conversionSource": "FB_Ads",
                "conversionData": "eyJhZF9pZCI6IjEyMDIxMjM0NTY3ODkwMDEyMyJ9",
                "conversionDelaySeconds": 12,
                "entryPointConversionSource": "ctwa_ad",
                "entryPointConversionApp": "facebook",
                "entryPointConversionDelaySeconds": 12,
                "utm": {
                    "utm_source": "facebook",
                    "utm_medium": "paid_social",
                    "utm_campaign": "avaliacao_marco",
                },
            },
        ),
    ),
    "message_ctwa_opaque": message(
        "3EB0AD00000000OPAQUE",
        MessageKind.TEXT,
        "Tenho interesse",
        contact=Contact(jid=LEAD_JID, phone=LEAD_PHONE, lid=LEAD_LID, push_name="Ana"),
        referral=Referral(
            campaign=None,
            medium=None,
            ad_id=None,
            ctwa_clid=None,
            details={
                "conversionSource": "FB_Ads",
                "conversionData": "CgQIARABEgYIAhADGAQ=",
                "conversionDelaySeconds": 4,
                "entryPointConversionSource": "ctwa_ad",
                "entryPointConversionApp": "instagram",
                "entryPointConversionDelaySeconds": 4,
                "ctwaPayload": "AQHx9kZ0c3RfcGF5bG9hZF9vcGFxdWVfYnl0ZXM=",
            },
        ),
    ),
    "message_image_base64": message(
        "3EB0IMG0000000000001",
        MessageKind.IMAGE,
        "foto do produto",
        media=Media(data=IMAGE_BYTES, mime_type="image/jpeg", file_name="3EB0IMG0000000000001.jpg", size=26),
        metadata={
            "is_forwarded": True,
            "forwarding_score": 1,
            "width": 960,
            "height": 1280,
            "download": {
                "Url": "https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m233/up-oil-image.enc"
                "?ccb=9-4&oh=01_Q5Aa&oe=68A0&_nc_sid=5e03e0",
                "DirectPath": "/o1/v/t62.7118-24/f1/m233/up-oil-image.enc?ccb=9-4&oh=01_Q5Aa&oe=68A0&_nc_sid=5e03e0",
                "MediaKey": "vq0R2zX6aQ8b9+/l1M0o5d3k0eVZy3n1s9w2mP4r7tY=",
                "Mimetype": "image/jpeg",
                "FileEncSHA256": "6bMVw8h1aU3o0q5Y7+/3r1b9uXk0aZ5h2m8nQ4t6cEo=",
                "FileSHA256": "nMthYQ1k9m3t+1q0q5a0uJ1X1k7hQ0t4F9jzK9Zl6bU=",
                "FileLength": 48213,
            },
        },
    ),
    "message_audio_ptt": message(
        "3EB0AUD0000000000001",
        MessageKind.AUDIO,
        None,
        media=Media(data=None, mime_type="audio/ogg; codecs=opus", file_name=None, size=10432),
        metadata={
            "seconds": 7,
            "ptt": True,
            "download": download(
                "v/t62.7117-24/audio.enc?ccb=11-4&oh=01_Q5Aa&oe=68A1",
                "aQ3r+Yb8c1p0X6s2y7d9u4a3e1r0t8w2kN5f1q0Q3wV=",
                "audio/ogg; codecs=opus",
                "r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4a3e1I=",
                "kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4a3e1r0t8w2I=",
                10432,
            ),
        },
    ),
    "message_video": message(
        "3EB0VID0000000000001",
        MessageKind.VIDEO,
        "olha o vídeo",
        media=Media(
            data=None,
            mime_type="video/mp4",
            file_name="3EB0VID0000000000001.mp4",
            size=2483211,
            url="https://media.example.com/users/4f1c/inbox/5511988887777/2026/03/02/videos/3EB0VID0000000000001.mp4",
        ),
        quoted_id="3EB0F00D1234",
        metadata={
            "quoted_text": "Pode mandar um vídeo?",
            "quoted_participant": "5511999999999@s.whatsapp.net",
            "width": 480,
            "height": 848,
            "seconds": 23,
            "download": download(
                "v/t62.7161-24/video.enc?ccb=11-4&oh=01_Q5Aa&oe=68A2",
                "d9u4a3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7I=",
                "video/mp4",
                "3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4aI=",
                "c1p0X6s2y7d9u4a3e1r0t8w2kN5f1q0Q3wVn0mT5b8I=",
                2483211,
            ),
        },
    ),
    "message_document": message(
        "3EB0DOC0000000000001",
        MessageKind.DOCUMENT,
        "segue a proposta",
        media=Media(
            data=b"%PDF-1.4\n\xfb\xef\xbe\xff\xff\xff%%EOF",
            mime_type="application/pdf",
            file_name="proposta.pdf",
            size=20,
        ),
        metadata={
            "page_count": 2,
            "title": "proposta",
            "download": download(
                "v/t62.7119-24/doc.enc?ccb=11-4&oh=01_Q5Aa&oe=68A3",
                "y7d9u4a3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2I=",
                "application/pdf",
                "u4a3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9I=",
                "X6s2y7d9u4a3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0I=",
                26,
            ),
        },
    ),
    "message_sticker": message(
        "3EB0STK0000000000001",
        MessageKind.STICKER,
        None,
        media=Media(
            data=b"RIFF\x10\x00\x00\x00WEBPVP8 \xfb\xef\xbe",
            mime_type="image/webp",
            file_name="3EB0STK0000000000001.webp",
            size=19,
        ),
        metadata={
            "width": 512,
            "height": 512,
            "animated": False,
            "download": download(
                "v/t62.15575-24/sticker.enc?ccb=11-4&oh=01_Q5Aa&oe=68A4",
                "r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4a3e1I=",
                "image/webp",
                "e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4a3I=",
                "a3e1r0t8w2kN5f1q0Q3wVn0mT5b8c1p0X6s2y7d9u4I=",
                19,
            ),
        },
    ),
    "message_location": message(
        "3EB0LOC0000000000001",
        MessageKind.LOCATION,
        "Loja Paulista\nAv. Paulista, 1000 - Bela Vista, São Paulo",
        metadata={
            "latitude": -23.5613,
            "longitude": -46.6565,
            "live": False,
            "name": "Loja Paulista",
            "address": "Av. Paulista, 1000 - Bela Vista, São Paulo",
            "url": "https://maps.google.com/?q=-23.5613,-46.6565",
        },
    ),
    "message_live_location": message(
        "3EB0LLC0000000000001",
        MessageKind.LOCATION,
        "estou chegando",
        metadata={"latitude": -22.9068, "longitude": -43.1729, "live": True, "comment": "estou chegando"},
    ),
    "message_contact": message(
        "3EB0VCF0000000000001",
        MessageKind.CONTACT,
        "Carlos Silva",
        metadata={
            "vcard": (
                vcard := "BEGIN:VCARD\nVERSION:3.0\nN:Silva;Carlos;;;\nFN:Carlos Silva\n"
                "TEL;type=CELL;type=VOICE;waid=5511977776666:+55 11 97777-6666\nEND:VCARD"
            ),
            "contacts": [{"display_name": "Carlos Silva", "vcard": vcard}],
        },
    ),
    "message_contacts_array": message(
        "3EB0VCA0000000000001",
        MessageKind.CONTACT,
        "2 contatos",
        metadata={
            "contacts": [
                {"display_name": "Carlos Silva", "vcard": vcard},
                {
                    "display_name": "Beatriz Souza",
                    "vcard": "BEGIN:VCARD\nVERSION:3.0\nFN:Beatriz Souza\n"
                    "TEL;type=CELL;waid=5521988776655:+55 21 98877-6655\nEND:VCARD",
                },
            ]
        },
    ),
    "message_reaction": Reaction(
        external_id="3EB0REA0000000000001",
        target_id="3EB0F00D1234",
        emoji="👍",
        contact=MARIA,
        from_me=False,
        timestamp=AT_1405,
    ),
    "message_reaction_removed": Reaction(
        external_id="3EB0REA0000000000002",
        target_id="3EB0F00D1234",
        emoji="",
        contact=MARIA,
        from_me=False,
        timestamp=AT_1405,
    ),
    "message_edit": Edit(
        target_id="3EB0C431D6E0A1B2C3D4",
        text="Oi, tudo bem? Quero um orçamento",
        contact=MARIA,
        from_me=False,
        timestamp=AT_1405,
        external_id="3EB0EDT0000000000001",
    ),
    "message_revoke": Revoke(
        target_id="3EB0C431D6E0A1B2C3D4",
        contact=MARIA,
        from_me=False,
        timestamp=AT_1405,
        external_id="3EB0DEL0000000000001",
    ),
    # Sent from the phone: the contact is the recipient, never our own PushName.
    "message_from_me": message(
        "3EB0ME00000000000001",
        MessageKind.TEXT,
        "Oi Maria, segue o orçamento",
        contact=Contact(jid=LEAD_JID, phone=LEAD_PHONE, lid=LEAD_LID, push_name=None),
        from_me=True,
    ),
    "message_from_me_lid": message(
        "3EB0ME00000000000002",
        MessageKind.TEXT,
        "Recebeu o PDF?",
        contact=Contact(jid=LEAD_LID, phone=LEAD_PHONE, lid=LEAD_LID, push_name=None),
        from_me=True,
    ),
    "message_lid_sender": message(
        "3EB0LID0000000000001",
        MessageKind.TEXT,
        "Oi, vim pelo site",
        contact=Contact(jid=LEAD_LID, phone=LEAD_PHONE, lid=LEAD_LID, push_name="Maria"),
    ),
    "message_brazil_without_ninth_digit": message(
        "3EB0NIN0000000000001",
        MessageKind.TEXT,
        "bom dia",
        contact=Contact(jid="551188887777@s.whatsapp.net", phone=LEAD_PHONE, lid=None, push_name="Seu Zé"),
    ),
    "message_group": Ignored("group chat"),
    "message_status_broadcast": Ignored("status update"),
    "message_newsletter": Ignored("channel (newsletter)"),
    "message_poll_unsupported": Ignored("unsupported message type 'pollCreationMessageV3'"),
    "receipt_delivered": Receipt(
        message_ids=("3EB0F00D1234", "3EB0F00D5678"),
        status="DELIVERED",
        contact=LEAD_PLAIN,
        timestamp=datetime(2026, 3, 2, 17, 6, 40, tzinfo=UTC),
    ),
    "receipt_read": Receipt(
        message_ids=("3EB0F00D1234",),
        status="READ",
        contact=Contact(jid=LEAD_LID, phone=LEAD_PHONE, lid=LEAD_LID, push_name=None),
        timestamp=datetime(2026, 3, 2, 17, 6, 40, tzinfo=UTC),
    ),
    "receipt_read_self": Ignored("read-self receipt"),
    "chat_presence_composing": Typing(contact=LEAD_PLAIN, composing=True, media=""),
    "chat_presence_recording": Typing(contact=LEAD_PLAIN, composing=True, media="audio"),
    "chat_presence_paused": Typing(contact=LEAD_PLAIN, composing=False, media=""),
    "connected": InstanceStatus(status="connected", qr_code=None, jid=None),
    "disconnected": InstanceStatus(status="disconnected", qr_code=None, jid=None),
    "logged_out": InstanceStatus(status="logged_out", qr_code=None, jid=None),
    "qr": InstanceStatus(
        status="qr",
        qr_code="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAQAAAAEAAQMAAABmvDolAAAABlBMVEX///8AAABVwtN+AAAA",
        jid=None,
    ),
    "pair_success": InstanceStatus(
        status="connected", qr_code=None, jid="5511999999999@s.whatsapp.net", reason="PairSuccess"
    ),
    "unknown_type": Ignored("unhandled event type 'CallOffer'"),
}

FIXTURE_NAMES = sorted(path.stem for path in FIXTURES_DIR.glob("*.json"))
FIXTURES = {name: load(name) for name in FIXTURE_NAMES}


def test_every_fixture_has_an_expected_event() -> None:
    assert set(FIXTURE_NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_expected_event(name: str) -> None:
    envelope = parse_payload(load(name), received_at=RECEIVED_AT)
    assert envelope.event == EXPECTED[name]
    assert envelope.type == load(name)["type"]
    assert envelope.user_id == USER_ID
    assert envelope.instance_name == INSTANCE


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_from_raw_json_bytes(name: str) -> None:
    raw = (FIXTURES_DIR / f"{name}.json").read_bytes()
    envelope = parse_webhook(raw, "application/json; charset=utf-8", received_at=RECEIVED_AT)
    assert envelope.event == EXPECTED[name]


def test_events_are_json_safe_and_timestamps_utc() -> None:
    for name in FIXTURE_NAMES:
        event = parse_payload(load(name), received_at=RECEIVED_AT).event
        if isinstance(event, IncomingMessage):
            json.dumps(event.metadata, allow_nan=False)
            json.dumps(event.referral.details if event.referral else {}, allow_nan=False)
        timestamp = getattr(event, "timestamp", None)
        if timestamp is not None:
            assert timestamp.utcoffset() is not None and timestamp.utcoffset().total_seconds() == 0


# --------------------------------------------------------------------------- form mode


def go_form(fields: dict[str, str]) -> bytes:
    """What Go's url.Values.Encode() sends: keys sorted, QueryEscape, space → '+'."""
    return urlencode(sorted(fields.items())).encode("ascii")


def test_form_body_keeps_plus_and_slash_in_base64() -> None:
    payload = load("message_image_base64")
    assert "+" in payload["base64"] and "/" in payload["base64"]
    raw = go_form({"jsonData": json.dumps(payload), "userID": USER_ID, "instanceName": INSTANCE})
    assert b"%2B" in raw  # '+' travels escaped; a second decode would have turned it into a space

    envelope = parse_webhook(raw, "application/x-www-form-urlencoded", received_at=RECEIVED_AT)
    assert isinstance(envelope.event, IncomingMessage)
    assert envelope.event.media is not None
    assert envelope.event.media.data == IMAGE_BYTES
    assert envelope == Envelope("Message", USER_ID, INSTANCE, EXPECTED["message_image_base64"])


def test_form_fields_fill_in_user_and_instance_missing_from_json_data() -> None:
    payload = load("message_text")
    del payload["userID"], payload["instanceName"]
    raw = go_form({"jsonData": json.dumps(payload), "userID": "u-42", "instanceName": "shop-9"})
    decoded = decode_body(raw, "application/x-www-form-urlencoded")
    assert decoded["userID"] == "u-42" and decoded["instanceName"] == "shop-9"
    envelope = parse_payload(decoded, received_at=RECEIVED_AT)
    assert (envelope.user_id, envelope.instance_name) == ("u-42", "shop-9")


def test_legacy_form_with_token_only_has_no_user_id() -> None:
    payload = load("message_text")
    del payload["userID"], payload["instanceName"]
    raw = go_form({"jsonData": json.dumps(payload), "token": "instance-secret"})
    envelope = parse_webhook(raw, "application/x-www-form-urlencoded", received_at=RECEIVED_AT)
    assert envelope.user_id is None and envelope.instance_name is None
    assert envelope.event == EXPECTED["message_text"]


def test_form_with_unescaped_plus_is_rejected_not_corrupted() -> None:
    # A sender (or proxy) that leaves '+' unescaped makes form decoding produce spaces.
    payload = load("message_image_base64")
    raw = ("jsonData=" + quote(json.dumps(payload), safe="+")).encode("ascii")
    with pytest.raises(PayloadError, match="base64"):
        parse_webhook(raw, "application/x-www-form-urlencoded")


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/octet-stream"])
def test_missing_content_type_is_sniffed(content_type: str | None) -> None:
    payload = load("message_text")
    as_json = json.dumps(payload).encode()
    as_form = go_form({"jsonData": json.dumps(payload), "userID": USER_ID, "instanceName": INSTANCE})
    assert parse_webhook(as_json, content_type, received_at=RECEIVED_AT).event == EXPECTED["message_text"]
    assert parse_webhook(as_form, content_type, received_at=RECEIVED_AT).event == EXPECTED["message_text"]


@pytest.mark.parametrize(
    ("raw", "content_type", "message"),
    [
        (b"--x\r\nContent-Disposition: form-data", "multipart/form-data; boundary=x", "multipart"),
        (b"{}", "application/xml", "unsupported content type"),
        (b"", "application/json", "empty"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (b"\xff\xfe{}", "application/json", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
        (b"userID=1", "application/x-www-form-urlencoded", "jsonData"),
        (b"jsonData=%7Bbroken", "application/x-www-form-urlencoded", "jsonData is not valid JSON"),
        (b"jsonData=%FF", "application/x-www-form-urlencoded", "UTF-8"),
        (b"hello", None, "neither"),
    ],
)
def test_bad_bodies_are_payload_errors(raw: bytes, content_type: str | None, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_webhook(raw, content_type)


# --------------------------------------------------------------------------- malformed payloads


def mutate(name: str, path: tuple[str, ...], value: Any = ..., *, delete: bool = False) -> dict[str, Any]:
    payload = load(name)
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "missing 'type'"),
        ({"type": 3}, "'type' must be a non-empty string"),
        ({"type": "  "}, "'type' must be a non-empty string"),
        ({"type": "Message"}, "missing 'event'"),
        ({"type": "Message", "event": "x"}, "'event' must be an object"),
        ({"type": "Message", "event": {}}, "missing 'event.Info'"),
        (mutate("message_text", ("event", "Info", "ID"), delete=True), "missing 'event.Info.ID'"),
        (mutate("message_text", ("event", "Info", "ID"), 12), "'event.Info.ID' must be a string"),
        (mutate("message_text", ("event", "Info", "Chat"), delete=True), "missing 'event.Info.Chat'"),
        (
            mutate("message_text", ("event", "Info", "Chat"), "5511988887777"),
            "'event.Info.Chat' is not a JID",
        ),
        (mutate("message_text", ("event", "Info", "Timestamp"), "yesterday"), "'event.Info.Timestamp'"),
        (mutate("message_text", ("event", "Info", "Timestamp"), "2026-03-02T14:05:09"), "no UTC offset"),
        (mutate("message_text", ("event", "Info", "Timestamp"), "2026-02-30T14:05:09Z"), "not a valid date"),
        (mutate("message_text", ("event", "Message"), []), "'event.Message' must be an object"),
        (mutate("message_text", ("event", "Message", "conversation"), 5), "conversation' must be a string"),
        (
            mutate("message_reaction", ("event", "Message", "reactionMessage", "key"), delete=True),
            "missing 'event.Message.reactionMessage.key'",
        ),
        (
            mutate("message_reaction", ("event", "Message", "reactionMessage", "key", "ID"), delete=True),
            "missing 'event.Message.reactionMessage.key.ID'",
        ),
        (
            mutate("message_revoke", ("event", "Message", "protocolMessage", "key", "ID"), ""),
            "'event.Message.protocolMessage.key.ID' is empty",
        ),
        (mutate("message_image_base64", ("base64",), "not base64!"), "'base64' is not valid base64"),
        (mutate("message_image_base64", ("base64",), 42), "'base64' must be a string"),
        (mutate("receipt_read", ("event", "MessageIDs"), delete=True), "missing 'event.MessageIDs'"),
        (mutate("receipt_read", ("event", "MessageIDs"), []), "'event.MessageIDs' is empty"),
        (mutate("receipt_read", ("event", "MessageIDs"), [1]), "must be a list of strings"),
        (mutate("receipt_read", ("event", "Chat"), delete=True), "missing 'event.Chat'"),
        (mutate("receipt_read", ("state",), 1), "'state' must be a string"),
        (mutate("chat_presence_paused", ("event", "State"), delete=True), "missing 'event.State'"),
    ],
)
def test_malformed_payloads_name_the_key(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(message)):
        parse_payload(payload)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (mutate("message_text", ("event", "Message"), delete=True), "message without content"),
        (mutate("message_text", ("event", "Message"), {"messageContextInfo": {}}), "empty message"),
        (mutate("message_text", ("event", "Message", "conversation"), "  "), "empty text message"),
        (
            mutate("message_revoke", ("event", "Message", "protocolMessage", "type"), 3),
            "protocol message type 3",
        ),
        (
            mutate("message_revoke", ("event", "Message", "protocolMessage", "type"), delete=True),
            "protocol message without a known type",
        ),
        (
            mutate("message_edit", ("event", "Message", "protocolMessage", "editedMessage"), {}),
            "edit without text",
        ),
        (mutate("message_text", ("event", "Info", "Chat"), "1234@broadcast"), "broadcast list"),
        (mutate("message_text", ("event", "Info", "Chat"), "9999@bot"), "unsupported chat server 'bot'"),
        (mutate("receipt_read", ("state",), "Played"), "receipt state 'Played'"),
        (mutate("receipt_delivered", ("event", "IsFromMe"), True), "own receipt (read on another device)"),
        (mutate("receipt_delivered", ("event", "Chat"), "120363023605733675@g.us"), "group chat"),
        (mutate("chat_presence_paused", ("event", "IsGroup"), True), "group chat"),
        (mutate("chat_presence_paused", ("event", "State"), "online"), "chat presence state 'online'"),
    ],
)
def test_well_formed_but_unhandled_payloads_are_ignored(payload: dict[str, Any], reason: str) -> None:
    assert parse_payload(payload).event == Ignored(reason)


def test_keys_are_matched_case_insensitively() -> None:
    payload = load("message_reply")
    info = payload["event"].pop("Info")
    info["id"] = info.pop("ID")
    payload["event"]["info"] = info
    context = payload["event"]["Message"]["extendedTextMessage"]["contextInfo"]
    context["stanzaId"] = context.pop("stanzaID")
    event = parse_payload(payload, received_at=RECEIVED_AT).event
    assert event == EXPECTED["message_reply"]


def test_receipt_state_falls_back_to_event_type() -> None:
    payload = load("receipt_delivered")
    del payload["state"]
    assert parse_payload(payload, received_at=RECEIVED_AT).event == EXPECTED["receipt_delivered"]
    payload["event"]["Type"] = "read"
    event = parse_payload(payload, received_at=RECEIVED_AT).event
    assert isinstance(event, Receipt) and event.status == "READ"


def test_duplicate_receipt_ids_are_collapsed() -> None:
    payload = mutate("receipt_delivered", ("event", "MessageIDs"), ["A", "B", "A", " "])
    event = parse_payload(payload).event
    assert isinstance(event, Receipt) and event.message_ids == ("A", "B")


def test_from_me_without_chat_uses_device_sent_destination() -> None:
    payload = mutate("message_from_me", ("event", "Info", "Chat"), "")
    event = parse_payload(payload, received_at=RECEIVED_AT).event
    assert event == EXPECTED["message_from_me"]


def test_from_me_never_takes_our_own_number_as_the_lead_phone() -> None:
    payload = load("message_from_me_lid")
    payload["event"]["Info"]["RecipientAlt"] = ""
    payload["event"]["Info"]["DeviceSentMeta"] = None
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage)
    assert event.contact == Contact(jid=LEAD_LID, phone=None, lid=LEAD_LID, push_name=None)


def test_image_without_base64_uses_declared_fields() -> None:
    payload = load("message_image_base64")
    for key in ("base64", "mimeType", "fileName"):
        del payload[key]
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage)
    assert event.media == Media(data=None, mime_type="image/jpeg", file_name=None, size=48213)


def test_document_without_base64_keeps_its_file_name() -> None:
    payload = load("message_document")
    del payload["base64"]
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage)
    assert event.media == Media(data=None, mime_type="application/pdf", file_name="proposta.pdf", size=26)


def test_base64_with_data_url_prefix_is_accepted() -> None:
    payload = load("message_image_base64")
    payload["base64"] = "data:image/jpeg;base64," + payload["base64"]
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage) and event.media is not None
    assert event.media.data == IMAGE_BYTES


def test_image_flagged_as_sticker_is_a_sticker() -> None:
    payload = load("message_image_base64")
    payload["isSticker"] = True
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage) and event.kind is MessageKind.STICKER and event.text is None


def test_ctwa_in_image_context_info_is_attributed() -> None:
    payload = load("message_image_base64")
    context = payload["event"]["Message"]["imageMessage"]["contextInfo"]
    context["externalAdReply"] = {"sourceType": "ad", "sourceID": "987", "title": "Oferta"}
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage)
    # the headline is the ad's, not a campaign: none is known without utm_campaign or ref
    assert event.referral is not None
    assert (event.referral.ad_id, event.referral.campaign, event.referral.headline) == ("987", None, "Oferta")


def test_user_id_integer_from_old_builds_becomes_text() -> None:
    payload = load("connected")
    payload["userID"] = 7
    assert parse_payload(payload).user_id == "7"


def test_instance_status_variants() -> None:
    assert parse_payload({"type": "QR", "event": "code"}).event == InstanceStatus("qr", None, None)
    assert parse_payload({"type": "QRTimeout", "event": {}}).event == InstanceStatus(
        "disconnected", None, None, reason="QRTimeout"
    )
    assert parse_payload({"type": "Connected"}).event == InstanceStatus("connected", None, None)


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T14:05:09-03:00", datetime(2026, 3, 2, 17, 5, 9, tzinfo=UTC)),
        ("2026-03-02T14:05:09.5+05:30", datetime(2026, 3, 2, 8, 35, 9, 500000, tzinfo=UTC)),
        ("2026-03-02T17:05:09.123456789Z", datetime(2026, 3, 2, 17, 5, 9, 123456, tzinfo=UTC)),
        ("2026-03-02 17:05:09+0000", datetime(2026, 3, 2, 17, 5, 9, tzinfo=UTC)),
        (1772471109, datetime(2026, 3, 2, 17, 5, 9, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", RECEIVED_AT),
        ("", RECEIVED_AT),
        (None, RECEIVED_AT),
        (0, RECEIVED_AT),
    ],
)
def test_timestamps(value: Any, expected: datetime) -> None:
    assert parse_timestamp(value, "t", RECEIVED_AT) == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        -1,
        math.inf,
        1e20,
        [],
        "9999-12-31T23:59:59-05:00",
        "2026-13-01T00:00:00Z",
        "2026-03-02T25:00:00Z",
    ],
)
def test_bad_timestamps(value: Any) -> None:
    with pytest.raises(PayloadError):
        parse_timestamp(value, "t", RECEIVED_AT)


def test_zero_timestamp_defaults_to_now() -> None:
    payload = mutate("message_text", ("event", "Info", "Timestamp"), "0001-01-01T00:00:00Z")
    before = datetime.now(UTC)
    event = parse_payload(payload).event
    assert isinstance(event, IncomingMessage)
    assert before <= event.timestamp <= datetime.now(UTC)


# --------------------------------------------------------------------------- never anything but PayloadError


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(item) for item in value))
    return set()


# Every key the saved payloads use, so random trees reach deep into the parser.
KNOWN_KEYS = sorted(set().union(*(_keys(payload) for payload in FIXTURES.values())))
EVENT_TYPES = [
    "Message",
    "ReadReceipt",
    "ChatPresence",
    "Connected",
    "QR",
    "LoggedOut",
    "PairSuccess",
    "Other",
]
JIDS = [
    "5511988887777@s.whatsapp.net", "551188887777:3@c.us", "210987654321098@lid", "120363@g.us",
    "status@broadcast", "1@newsletter", "@s.whatsapp.net", "x@", "9@bot", "",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=16)
    | st.sampled_from(JIDS + EVENT_TYPES + ["2026-03-02T14:05:09-03:00", "0001-01-01T00:00:00Z", "Read"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_payload_error(payload: Any) -> Envelope | None:
    try:
        envelope = parse_payload(payload)
    except PayloadError as exc:
        assert str(exc)
        return None
    event = envelope.event
    if isinstance(event, IncomingMessage):
        json.dumps(event.metadata, allow_nan=False)
        json.dumps(event.referral.details if event.referral else {}, allow_nan=False)
    timestamp = getattr(event, "timestamp", None)
    if timestamp is not None:
        assert timestamp.tzinfo is not None
    return envelope


@FAST
@given(json_values)
def test_random_json_values_only_raise_payload_error(value: Any) -> None:
    parse_or_payload_error(value)


@FAST
@given(st.sampled_from(EVENT_TYPES), json_values, json_values)
def test_random_events_of_known_types_only_raise_payload_error(event_type: str, event: Any, extra: Any) -> None:
    payload: dict[str, Any] = {"type": event_type, "event": event}
    if isinstance(extra, dict):
        payload.update({key: value for key, value in extra.items() if key != "type"})
    parse_or_payload_error(payload)


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) in a JSON tree, for mutation."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _slots(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _slots(item)


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> dict[str, Any]:
    payload = copy.deepcopy(FIXTURES[draw(st.sampled_from(FIXTURE_NAMES))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = list(_slots(payload))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        if draw(st.booleans()):
            del container[key]
        else:
            container[key] = draw(json_values)
    return payload


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixtures())
def test_mutated_fixtures_only_raise_payload_error(payload: dict[str, Any]) -> None:
    parse_or_payload_error(payload)


CONTENT_TYPES = [
    None,
    "",
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "image/png",
    "APPLICATION/JSON",
]


@FAST
@given(st.binary(max_size=200), st.sampled_from(CONTENT_TYPES) | st.text(max_size=30))
def test_random_bytes_only_raise_payload_error(raw: bytes, content_type: str | None) -> None:
    with contextlib.suppress(PayloadError):
        parse_webhook(raw, content_type)


@FAST
@given(json_values, st.sampled_from(CONTENT_TYPES))
def test_random_json_and_form_bodies_only_raise_payload_error(value: Any, content_type: str | None) -> None:
    text = json.dumps(value)
    for raw in (text.encode(), go_form({"jsonData": text, "userID": "u"}), b"jsonData=" + text.encode()):
        with contextlib.suppress(PayloadError):
            parse_webhook(raw, content_type)


def test_base64_fixture_round_trip_is_exact() -> None:
    assert base64.b64decode(load("message_image_base64")["base64"]) == IMAGE_BYTES
