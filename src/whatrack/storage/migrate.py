"""Copy media from a local directory to another store (`whatrack media migrate --to s3://…`).

Keys stay the same, so no database row changes: point MEDIA_STORE_URL at the target afterwards.
Idempotent and resumable: an object already in the target with the same size and SHA-256 is
skipped, so a re-run after an interruption copies only what is missing. Every copy is verified
(size and SHA-256 read back from the target; S3 also checks each PUT's Content-MD5), and a file
whose content does not match the SHA-256 in its name is reported, never copied.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whatrack.storage.base import MediaStore, StorageError
from whatrack.storage.local import LocalStore

DIGEST_NAME = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]+)?$")
BLOCK = 1024 * 1024


@dataclass
class MigrateReport:
    copied: int = 0
    skipped: int = 0  # already in the target, verified
    bytes_copied: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


async def _verified(target: MediaStore, key: str, size: int, sha: str) -> bool:
    info = await target.stat(key)
    if info is None or info.size != size:
        return False
    if info.sha256 is not None:
        return info.sha256 == sha
    path = target.local_path(key)  # a local target: hash what is there
    if path is not None:
        return (await asyncio.to_thread(_digest, path))[1] == sha
    return False  # an S3 object without our checksum: copy it again


async def _one(source: LocalStore, target: MediaStore, key: str, report: MigrateReport) -> int:
    path = source.local_path(key)
    assert path is not None
    size, sha = await asyncio.to_thread(_digest, path)
    named = DIGEST_NAME.match(path.name)
    if named and named.group(1) != sha:
        report.failed.append((key, "content does not match the SHA-256 in its name"))
        return size
    if await _verified(target, key, size, sha):
        report.skipped += 1
        return size
    await target.put(key, path, content_type=mimetypes.guess_type(path.name)[0])
    if not await _verified(target, key, size, sha):
        report.failed.append((key, "the copy in the target does not match (size or SHA-256)"))
        return size
    report.copied += 1
    report.bytes_copied += size
    return size


async def migrate(
    source: LocalStore,
    target: MediaStore,
    *,
    concurrency: int = 4,
    on_start: Callable[[int, int], None] | None = None,
    on_file: Callable[[str, int], None] | None = None,
) -> MigrateReport:
    """Copies every file of `source` to `target`. on_start(files, bytes); on_file(key, bytes) after each."""
    keys = await asyncio.to_thread(source.keys)
    sizes = await asyncio.to_thread(lambda: [p.stat().st_size for k in keys if (p := source.local_path(k))])
    if on_start:
        on_start(len(keys), sum(sizes))
    report = MigrateReport()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(key: str) -> None:
        async with gate:
            try:
                size = await _one(source, target, key, report)
            except (StorageError, OSError) as exc:
                report.failed.append((key, str(exc)))
                size = 0
        if on_file:
            on_file(key, size)

    await asyncio.gather(*(run(k) for k in keys))
    return report
