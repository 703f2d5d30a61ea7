"""Media files on disk under MEDIA_DIR, content-addressed so a retried write is harmless."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

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


def store(media_dir: Path, organization_id: object, data: bytes, mime: str | None, file_name: str | None) -> str:
    """Writes the bytes and returns the path relative to media_dir."""
    digest = hashlib.sha256(data).hexdigest()
    rel = Path(str(organization_id)) / digest[:2] / f"{digest}{extension_for(mime, file_name)}"
    target = media_dir / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return rel.as_posix()


def resolve(media_dir: Path, rel: str) -> Path:
    path = (media_dir / rel).resolve()
    if not path.is_relative_to(media_dir.resolve()):
        raise ValueError("media path escapes the media directory")
    return path
