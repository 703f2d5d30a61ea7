"""Leaf adapter: where media bytes live (local directory or S3-compatible object storage).

Imports nothing of the domain; `open_store()` picks the implementation from MEDIA_STORE_URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from whatrack.storage.base import Delivery, MediaStore, ObjectInfo, ObjectMissing, StorageError, check_key
from whatrack.storage.local import LocalStore
from whatrack.storage.s3 import S3Location, S3Options, S3Store

if TYPE_CHECKING:
    from whatrack.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "Delivery",
    "LocalStore",
    "MediaStore",
    "ObjectInfo",
    "ObjectMissing",
    "S3Location",
    "S3Options",
    "S3Store",
    "StorageError",
    "check_key",
    "from_settings",
    "open_store",
    "prepare",
]


def open_store(url: str | None, media_dir: Path, s3: S3Options) -> MediaStore:
    """`None`/empty: the local MEDIA_DIR; `file:///path`: another local directory; `s3://bucket/prefix`."""
    if not url:
        return LocalStore(media_dir)
    if url.startswith("file://"):
        return LocalStore(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        return S3Store(S3Location.parse(url), s3)
    raise ValueError(f"MEDIA_STORE_URL must be s3://bucket/prefix or file:///path, got {url!r}")


def from_settings(settings: Settings) -> MediaStore:
    return open_store(
        settings.media_store_url,
        settings.media_dir,
        S3Options(
            endpoint_url=settings.s3_endpoint_url or None,  # empty (.env.example's lines) = unset
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key or None,
            region=settings.s3_region,
            public_endpoint_url=settings.s3_public_endpoint_url or None,
        ),
    )


async def prepare(media: MediaStore) -> None:
    """At start: make sure an S3 bucket exists (created when missing); a failure is logged, not
    fatal: the inbox keeps working and a media write that fails marks its message `mediaError`."""
    if isinstance(media, S3Store):
        try:
            await media.ensure_bucket()
        except (StorageError, ClientError, BotoCoreError) as exc:
            log.error("media store %s not ready: %s", media.url, exc)
