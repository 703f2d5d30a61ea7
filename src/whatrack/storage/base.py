"""The MediaStore protocol: where media bytes live, addressed by a key like `org/ab/<sha256>.jpg`.

Two implementations: `LocalStore` (a directory, the embedded default) and `S3Store` (any
S3-compatible object storage). A key is what `messages.media_path` holds, so a deployment moves
between them by copying objects (`whatrack media migrate`), never by rewriting rows.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class StorageError(OSError):
    """The store failed (network, permissions, server error). An OSError, like a failed disk write."""


class ObjectMissing(StorageError):
    """No object under this key."""


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, without '..' or empty parts (they come from our rows)."""
    if not KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"invalid media key: {key!r}")
    return key


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str | None = None  # S3: the MD5 of a single-part upload, quotes stripped
    sha256: str | None = None  # S3: kept as object metadata by our writes


@dataclass(frozen=True)
class Delivery:
    """The headers a browser must get with the bytes (decided by the caller, honoured by the store)."""

    content_type: str
    content_disposition: str
    cache_control: str


class MediaStore(Protocol):
    """Where media bytes live. Writes of the same key are idempotent (keys are content-addressed)."""

    @property
    def url(self) -> str:
        """Where this store points, for logs and the CLI (never carries credentials)."""
        ...

    async def put(self, key: str, source: bytes | Path, content_type: str | None = None) -> ObjectInfo:
        """Store bytes (in memory) or a file (streamed: large files go up in parts)."""
        ...

    async def read(self, key: str) -> bytes:
        """The whole object (raises ObjectMissing)."""
        ...

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object in chunks (raises ObjectMissing on the first iteration)."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size (and S3 ETag) or None when absent."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file on this machine holding the object (local store), else None."""
        ...

    async def presigned_url(self, key: str, ttl_seconds: int, delivery: Delivery) -> str | None:
        """A short-lived URL a browser can GET directly, with the delivery's headers; None if unsupported."""
        ...

    async def close(self) -> None: ...
