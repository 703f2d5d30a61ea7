"""Media in a local directory (MEDIA_DIR): the embedded default, one machine only."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from whatrack.storage.base import Delivery, ObjectInfo, ObjectMissing, check_key

CHUNK = 256 * 1024


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def url(self) -> str:
        return self.root.resolve().as_uri()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("media key escapes the media directory")
        return path

    def _put(self, key: str, source: bytes | Path) -> ObjectInfo:
        target = self._path(key)
        if not target.exists():  # content-addressed: an existing key already holds these bytes
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                if isinstance(source, bytes):
                    tmp.write_bytes(source)
                else:
                    shutil.copyfile(source, tmp)
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
        return ObjectInfo(size=target.stat().st_size)

    async def put(self, key: str, source: bytes | Path, content_type: str | None = None) -> ObjectInfo:
        return await asyncio.to_thread(self._put, key, source)  # off the loop: videos are big

    async def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ObjectMissing(f"no media object {key}") from None

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            fh = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectMissing(f"no media object {key}") from None
        try:
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk
        finally:
            fh.close()

    async def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = await asyncio.to_thread(os.stat, self._path(key))
        except FileNotFoundError:
            return None
        return ObjectInfo(size=st.st_size)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def presigned_url(self, key: str, ttl_seconds: int, delivery: Delivery) -> str | None:
        return None  # the app serves the file itself

    async def close(self) -> None:
        return None

    def keys(self) -> list[str]:
        """Every stored key (for `whatrack media migrate`), sorted; temporary files left out."""
        if not self.root.is_dir():
            return []
        out = [
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.endswith(".tmp")
        ]
        return sorted(out)
