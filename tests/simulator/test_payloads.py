"""Webhook payload builders: shapes and key casing as WuzAPI emits them."""

from __future__ import annotations

import base64
import random
import re
from datetime import datetime

from whatrack.simulator import payloads, wire

ID_RE = re.compile(r"^3EB0[0-9A-F]{16,20}$")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-03:00$")


def _common(body: dict[str, object], event_type: str) -> None:
    assert body["type"] == event_type
    assert "event" in body
    assert body["userID"] == payloads.DEFAULT_USER_ID
    assert body["instanceName"] == payloads.DEFAULT_INSTANCE


def test_plain_text_uses_conversation() -> None:
    body = payloads.text_message(text="Oi, tudo bem?")
    _common(body, "Message")
    event = body["event"]
    info = event["Info"]
    assert info["Chat"] == info["Sender"] == "5511988887777@s.whatsapp.net"
    assert info["IsFromMe"] is False and info["IsGroup"] is False
    assert info["Type"] == "text" and info["PushName"] == payloads.DEFAULT_PUSH_NAME
    assert ID_RE.match(info["ID"])
    assert TS_RE.match(info["Timestamp"])
    assert event["Message"]["conversation"] == "Oi, tudo bem?"
    assert event["RawMessage"] == {"conversation": "Oi, tudo bem?"}
    assert info["DeviceSentMeta"] is None and info["VerifiedName"] is None
    for key in ("IsEphemeral", "IsViewOnce", "IsEdit", "RetryCount", "SourceWebMsg"):
        assert key in event


def test_reply_and_referral_use_extended_text() -> None:
    quote = payloads.Quote(message_id="3EB0AAAA1111BBBB2222", text="Amanhã às 10h?")
    referral = payloads.Referral(campaign="remarketing", source_id="120200000000000001")
    body = payloads.text_message(text="sim, pode ser", quoted=quote, referral=referral)
    ext = body["event"]["Message"]["extendedTextMessage"]
    assert ext["text"] == "sim, pode ser"
    ctx = ext["contextInfo"]
    assert ctx["stanzaID"] == quote.message_id
    assert ctx["participant"] == payloads.DEFAULT_OWN_JID
    assert ctx["quotedMessage"] == {"conversation": "Amanhã às 10h?"}
    ad = ctx["externalAdReply"]
    assert ad["sourceID"] == "120200000000000001"
    assert "utm_campaign=remarketing" in ad["sourceURL"]
    assert ad["sourceType"] == "ad" and ad["mediaType"] == 1 and ad["ctwaClid"]
    assert ctx["conversionSource"] == "FB_Ads"


def test_media_message_carries_top_level_base64() -> None:
    data = wire.tiny_png(3)
    body = payloads.media_message(kind="image", data=data, caption="foto", message_id="3EB0ABCDEF0123456789")
    assert body["mimeType"] == "image/png"
    assert body["fileName"] == "3EB0ABCDEF0123456789.png"
    assert base64.b64decode(body["base64"]) == data
    img = body["event"]["Message"]["imageMessage"]
    assert img["caption"] == "foto" and img["mimetype"] == "image/png"
    assert img["fileLength"] == len(data)
    for key in ("URL", "fileSHA256", "fileEncSHA256", "mediaKey", "directPath", "JPEGThumbnail"):
        assert key in img
    assert body["event"]["Info"]["Type"] == "media"
    assert body["event"]["Info"]["MediaType"] == "image"


def test_audio_document_sticker_specifics() -> None:
    audio = payloads.media_message(kind="audio")
    assert audio["event"]["Message"]["audioMessage"]["PTT"] is True
    assert audio["event"]["Info"]["MediaType"] == "ptt"
    doc = payloads.media_message(kind="document", file_name="proposta.pdf", caption="segue")
    assert doc["event"]["Message"]["documentMessage"]["fileName"] == "proposta.pdf"
    assert doc["event"]["IsDocumentWithCaption"] is True
    assert "documentWithCaptionMessage" in doc["event"]["RawMessage"]
    sticker = payloads.media_message(kind="sticker")
    assert sticker["isSticker"] is True and sticker["stickerAnimated"] is False
    assert sticker["mimeType"] == "image/webp"


def test_tiny_png_is_valid_png() -> None:
    data = wire.tiny_png(1)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")


def test_reaction_edit_revoke() -> None:
    reaction = payloads.reaction_message(target_id="3EB0FFFF0000FFFF0000")
    msg = reaction["event"]["Message"]["reactionMessage"]
    assert msg["key"]["ID"] == "3EB0FFFF0000FFFF0000" and msg["text"] == "👍"
    assert set(msg["key"]) == {"remoteJID", "fromMe", "ID"}
    assert reaction["event"]["Info"]["Type"] == "reaction"

    edit = payloads.edit_message(target_id="3EB0AAAA0000AAAA0000", new_text="corrigido")
    proto = edit["event"]["Message"]["protocolMessage"]
    assert proto["type"] == 14 and proto["editedMessage"] == {"conversation": "corrigido"}
    assert edit["event"]["IsEdit"] is True and edit["event"]["Info"]["Edit"] == "1"

    revoke = payloads.revoke_message(target_id="3EB0AAAA0000AAAA0000")
    assert revoke["event"]["Message"]["protocolMessage"]["type"] == 0
    assert revoke["event"]["Message"]["protocolMessage"]["key"]["ID"] == "3EB0AAAA0000AAAA0000"


def test_from_me_and_group() -> None:
    mine = payloads.from_me_message(text="Olá!", phone="5521977776666")
    info = mine["event"]["Info"]
    assert info["IsFromMe"] is True
    assert info["Chat"] == "5521977776666@s.whatsapp.net"
    assert info["Sender"] == "5511999990000:12@s.whatsapp.net"
    assert info["DeviceSentMeta"] == {"DestinationJID": "5521977776666@s.whatsapp.net", "Phash": ""}
    group = payloads.group_message()
    assert group["event"]["Info"]["IsGroup"] is True
    assert group["event"]["Info"]["Chat"].endswith("@g.us")


def test_receipt_presence_lifecycle() -> None:
    read = payloads.read_receipt(message_ids=["3EB0A", "3EB0B"], state="Read")
    _common(read, "ReadReceipt")
    assert read["state"] == "Read"
    assert read["event"]["MessageIDs"] == ["3EB0A", "3EB0B"]
    assert read["event"]["Type"] == "read" and read["event"]["MessageSender"] == ""
    assert payloads.read_receipt(message_ids=["x"])["event"]["Type"] == ""
    typing = payloads.chat_presence(state="composing")
    assert typing["event"]["State"] == "composing" and typing["event"]["Media"] == ""
    assert "state" not in typing
    assert payloads.connected()["event"] == {}
    assert payloads.disconnected()["type"] == "Disconnected"
    assert payloads.logged_out()["event"] == {"OnConnect": False, "Reason": 401}
    qr = payloads.qr("2@abc")
    assert qr["event"] == "code" and qr["qrCodeBase64"].startswith("data:image/png;base64,iVBOR")


def test_location_and_contact() -> None:
    loc = payloads.location_message(name="Loja")
    assert loc["event"]["Message"]["locationMessage"]["degreesLatitude"] < 0
    contact = payloads.contact_message(display_name="João Pereira")
    assert "BEGIN:VCARD" in contact["event"]["Message"]["contactMessage"]["vcard"]


def test_deterministic_with_rng_and_timestamp() -> None:
    when = datetime(2026, 3, 2, 17, 5, 9, tzinfo=wire.WUZAPI_TZ)
    a = payloads.text_message(rng=random.Random(1), timestamp=when)
    b = payloads.text_message(rng=random.Random(1), timestamp=when)
    assert a == b
    assert a["event"]["Info"]["Timestamp"] == "2026-03-02T17:05:09-03:00"


def test_readdress_lid_and_ninth_digit() -> None:
    body = payloads.text_message()
    lid = payloads.readdress(body, lid=True)["event"]["Info"]
    assert re.match(r"^\d{15}@lid$", lid["Chat"]) and lid["Sender"] == lid["Chat"]
    assert lid["SenderAlt"] == "5511988887777@s.whatsapp.net" and lid["AddressingMode"] == "lid"
    old = payloads.readdress(body, ninth_digit=True)["event"]["Info"]
    assert old["Chat"] == old["Sender"] == "551188887777@s.whatsapp.net"
    receipt = payloads.readdress(payloads.read_receipt(message_ids=["x"]), ninth_digit=True)
    assert receipt["event"]["Chat"] == "551188887777@s.whatsapp.net"
    mine = payloads.from_me_message()
    assert payloads.readdress(mine, lid=True) == mine


def test_go_json_and_form_encoding() -> None:
    assert wire.go_json({"a": "<b>&"}) == '{"a":"\\u003cb\\u003e\\u0026"}'
    assert wire.go_json({"t": "ção"}) == '{"t":"ção"}'
    assert wire.go_json_map({"b": 1, "a": {"z": 1, "y": 2}}) == '{"a":{"z":1,"y":2},"b":1}'
    assert wire.go_form_encode({"userID": "u 1", "jsonData": '{"a":"+"}'}) == (
        "jsonData=%7B%22a%22%3A%22%2B%22%7D&userID=u+1"
    )
