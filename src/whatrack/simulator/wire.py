"""Byte-level helpers that reproduce what WuzAPI (Go) puts on the wire.

Go's ``encoding/json`` writes compact JSON, escapes ``<``, ``>`` and ``&`` (HTML-safe
mode, the default for ``json.Marshal`` and ``json.Encoder``) and keeps other non-ASCII
characters as raw UTF-8. Maps are written with sorted keys; structs keep field order.
Go's ``url.Values.Encode`` sorts keys and uses ``QueryEscape`` (space becomes ``+``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import secrets
import struct
import urllib.parse
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

# WuzAPI formats event timestamps in the server's TZ; Brazilian deployments run at -03:00.
WUZAPI_TZ = timezone(timedelta(hours=-3))
ZERO_TIME = "0001-01-01T00:00:00Z"

_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_escape(text: str) -> str:
    # These characters can only occur inside JSON strings, so a global replace is safe.
    for raw, escaped in _HTML_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def go_json(value: Any, *, sort_keys: bool = False) -> str:
    """Serialise like Go's json.Marshal (compact, HTML-escaped, UTF-8 kept)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
    return _go_escape(text)


def go_json_map(value: Mapping[str, Any]) -> str:
    """Serialise a top-level Go map (sorted keys) whose values keep their own order."""
    parts = [f"{go_json(key)}:{go_json(value[key])}" for key in sorted(value)]
    return "{" + ",".join(parts) + "}"


def go_form_encode(fields: Mapping[str, str]) -> str:
    """Go's url.Values.Encode(): keys sorted, QueryEscape on keys and values."""
    return urllib.parse.urlencode(sorted(fields.items()), quote_via=urllib.parse.quote_plus, safe="")


def hmac_signature(key: str, body: bytes) -> str:
    """Value of the ``x-hmac-signature`` header: lowercase hex HMAC-SHA256."""
    return hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def now_local() -> datetime:
    return datetime.now(WUZAPI_TZ)


def rfc3339(moment: datetime | None = None) -> str:
    """RFC 3339 with the -03:00 offset, seconds precision, as WuzAPI emits it."""
    when = (moment or now_local()).astimezone(WUZAPI_TZ)
    return when.isoformat(timespec="seconds")


def message_id(rng: random.Random | None = None) -> str:
    """A WhatsApp-style message id: ``3EB0`` + 18 upper-case hex digits."""
    raw = rng.randbytes(9) if rng is not None else secrets.token_bytes(9)
    return "3EB0" + raw.hex().upper()


def random_hex_id(rng: random.Random | None = None) -> str:
    """32 lowercase hex characters, the shape of WuzAPI user ids."""
    raw = rng.randbytes(16) if rng is not None else secrets.token_bytes(16)
    return raw.hex()


class DataURLError(ValueError):
    """The value is not a decodable ``data:`` URL."""


def decode_data_url(value: str) -> tuple[str, bytes]:
    """Decode ``data:<mime>[;params][;base64],<data>`` into (mime type, bytes)."""
    if not value.startswith("data:") or "," not in value:
        raise DataURLError("not a data URL")
    header, _, payload = value[5:].partition(",")
    params = header.split(";")
    mime = params[0] or "text/plain"
    if "base64" in params[1:]:
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DataURLError("bad base64") from exc
    else:
        data = urllib.parse.unquote_to_bytes(payload)
    return mime, data


def detect_content_type(data: bytes) -> str:
    """A small subset of Go's http.DetectContentType sniffing."""
    signatures: tuple[tuple[bytes, str], ...] = (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"OggS", "application/ogg"),
        (b"ID3", "audio/mpeg"),
    )
    for magic, mime in signatures:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return "application/octet-stream"


def is_decodable_image(data: bytes) -> bool:
    """Whether Go's image.Decode (jpeg/png/gif registered) would accept the bytes."""
    return detect_content_type(data) in {"image/png", "image/jpeg", "image/gif"}


def png_bytes(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """Encode an RGB image as a valid PNG (no external libraries)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None"
        for x in range(width):
            rows.extend(bytes(pixel(x, y)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def tiny_png(seed: int = 0, size: int = 8) -> bytes:
    """A tiny valid PNG whose colours depend on ``seed``."""
    rng = random.Random(seed)
    base = (rng.randrange(256), rng.randrange(256), rng.randrange(256))

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        shade = (x * 17 + y * 29) % 64
        return ((base[0] + shade) % 256, (base[1] + shade) % 256, (base[2] + shade) % 256)

    return png_bytes(size, size, pixel)


def qr_like_png(code: str, size: int = 64) -> bytes:
    """A deterministic black-and-white PNG derived from ``code`` (not a scannable QR)."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    cells = 16
    cell = max(size // cells, 1)

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        index = (y // cell) * cells + (x // cell)
        bit = (digest[(index // 8) % len(digest)] >> (index % 8)) & 1
        return (0, 0, 0) if bit else (255, 255, 255)

    return png_bytes(cell * cells, cell * cells, pixel)


def bare_user(jid: str) -> str:
    """The user part of a JID without device/agent suffixes."""
    user = jid.split("@", 1)[0]
    return user.split(":", 1)[0].split(".", 1)[0]


def without_ninth_digit(digits: str) -> str:
    """Brazilian mobile ``55 DD 9XXXXXXXX`` -> ``55 DD XXXXXXXX`` (the legacy WhatsApp JID)."""
    if digits.startswith("55") and len(digits) == 13 and digits[4] == "9":
        return digits[:4] + digits[5:]
    return digits


def lid_for(phone_digits: str) -> str:
    """A stable 15-digit hidden-user id (``@lid``) for a phone number."""
    number = int(hashlib.sha256(phone_digits.encode("utf-8")).hexdigest(), 16)
    return "2" + str(number)[:14]
