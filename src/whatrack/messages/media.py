"""Media files of messages: their keys in the media store (storage/), content-addressed per organization."""

from __future__ import annotations

import hashlib
import mimetypes
from urllib.parse import quote

from whatrack.storage import Delivery, MediaStore

SAFE_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
}


def extension_for(mime: str | None, file_name: str | None) -> str:
    base = (mime or "").split(";")[0].strip().lower()
    if base in SAFE_EXT:
        return SAFE_EXT[base]
    if file_name and "." in file_name:
        ext = "." + file_name.rsplit(".", 1)[1].lower()
        if ext.isascii() and ext[1:].isalnum() and len(ext) <= 8:
            return ext
    return mimetypes.guess_extension(base) or ".bin"


def key_for(organization_id: object, data: bytes, mime: str | None, file_name: str | None) -> str:
    """`<org>/<ab>/<sha256><ext>`: per organization, content-addressed (a retried write is harmless)."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{organization_id}/{digest[:2]}/{digest}{extension_for(mime, file_name)}"


async def store(
    media: MediaStore, organization_id: object, data: bytes, mime: str | None, file_name: str | None
) -> str:
    """Writes the bytes to the media store and returns their key (what messages.media_path holds)."""
    key = key_for(organization_id, data, mime, file_name)
    await media.put(key, data, content_type=(mime or "").split(";")[0].strip() or None)
    return key


def content_disposition(kind: str, filename: str) -> str:
    """As Starlette's FileResponse writes it: RFC 6266 `filename*` when the name is not plain ASCII."""
    quoted = quote(filename)
    return f"{kind}; filename*=utf-8''{quoted}" if quoted != filename else f'{kind}; filename="{filename}"'


def delivery(mime: str | None, file_name: str | None, key: str) -> Delivery:
    """The headers a media file is served with, wherever it lives (disk, streamed or presigned S3):
    images, audio and video inline, anything else as an attachment."""
    content_type = mime or "application/octet-stream"
    kind = "inline" if content_type.startswith(("image/", "audio/", "video/")) else "attachment"
    return Delivery(
        content_type=content_type,
        content_disposition=content_disposition(kind, file_name or key.rsplit("/", 1)[-1]),
        cache_control="private, max-age=86400",
    )
