"""Media in S3-compatible storage, against a real SeaweedFS (scripts/services.sh starts it): the
store's round trip with signed requests and presigned URLs, the media route on S3 with tenancy
(redirect and stream), sending a stored file, and `media migrate` idempotent and resumable."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import empty_tables
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, new_bucket, s3_endpoint, s3_options, s3_settings
from tests.support.tenants import Harness
from whatrack.db import create_engine
from whatrack.messages import media as media_files
from whatrack.simulator import payloads as p
from whatrack.storage import Delivery, LocalStore, ObjectMissing, S3Location, S3Options, S3Store, StorageError
from whatrack.storage.migrate import migrate
from whatrack.storage.s3 import PART_SIZE

PHONE = "5511988887777"
PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 5000


@pytest.fixture
async def store() -> AsyncIterator[S3Store]:
    s = S3Store(S3Location.parse(f"s3://{new_bucket()}/media"), s3_options())
    await s.ensure_bucket()
    yield s
    await s.close()


async def test_put_read_stream_stat_and_presigned_get(store: S3Store) -> None:
    key = "org-1/ab/photo.png"
    info = await store.put(key, PNG, content_type="image/png")
    assert info.size == len(PNG) and info.etag == hashlib.md5(PNG, usedforsecurity=False).hexdigest()
    head = await store.stat(key)
    assert head is not None and head.size == len(PNG)
    assert head.etag == info.etag and head.sha256 == hashlib.sha256(PNG).hexdigest()
    assert await store.read(key) == PNG
    assert b"".join([c async for c in store.stream(key)]) == PNG
    # the object lives under the prefix, as the URL says
    client = await store.client()
    listed = await client.list_objects_v2(Bucket=store.location.bucket)
    assert [o.get("Key") for o in listed.get("Contents", [])] == ["media/org-1/ab/photo.png"]

    how = Delivery("image/png", "inline; filename*=utf-8''foto%20%C3%A1.png", "private, max-age=86400")
    url = await store.presigned_url(key, 60, how)
    assert url is not None and url.startswith(s3_endpoint())
    async with httpx.AsyncClient() as http:
        got = await http.get(url)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"] == how.content_disposition
        assert got.headers["cache-control"] == how.cache_control
        # the signature covers the headers asked for: changing one is refused
        tampered = url.replace("inline", "attachment")
        assert (await http.get(tampered)).status_code == 403
        # and an unsigned request is refused (the server has an identity configured)
        plain = f"{s3_endpoint()}/{store.location.bucket}/media/{key}"
        assert (await http.get(plain)).status_code == 403

    assert await store.stat("org-1/ab/none.png") is None
    with pytest.raises(ObjectMissing):
        await store.read("org-1/ab/none.png")
    with pytest.raises(ObjectMissing):
        [c async for c in store.stream("org-1/ab/none.png")]


async def test_wrong_credentials_fail_as_storage_errors(store: S3Store) -> None:
    bad = S3Store(
        store.location, S3Options(endpoint_url=s3_endpoint(), access_key_id=ACCESS_KEY, secret_access_key="no")
    )
    try:
        with pytest.raises(StorageError):
            await bad.put("org/x.bin", b"data")
        with pytest.raises(StorageError):
            await bad.stat("org/x.bin")
    finally:
        await bad.close()
    with pytest.raises(ValueError, match="invalid media key"):
        await store.put("../escape", b"x")


async def test_a_large_file_goes_up_in_parts(store: S3Store, tmp_path: Path) -> None:
    big = tmp_path / "video.mp4"
    block = os.urandom(1 << 20)
    with big.open("wb") as fh:
        for i in range(PART_SIZE // len(block) + 2):  # two parts: 8 MiB + 2 MiB
            fh.write(bytes([i]) + block[1:])
    data = big.read_bytes()
    info = await store.put("org/vi/video.mp4", big, content_type="video/mp4")
    assert info.size == len(data) and info.etag is not None and info.etag.endswith("-2")
    head = await store.stat("org/vi/video.mp4")
    assert head is not None and head.size == len(data) and head.sha256 == hashlib.sha256(data).hexdigest()
    assert await store.read("org/vi/video.mp4") == data


@pytest.fixture
async def s3_harness(
    database_url: str, cleaner_engines: dict[str, AsyncEngine], tmp_path: Path
) -> AsyncIterator[Harness]:
    engine = cleaner_engines.get(database_url)
    if engine is None:
        engine = cleaner_engines[database_url] = create_engine(database_url)
    await empty_tables(engine)
    overrides: dict[str, Any] = {"media_store_url": f"s3://{new_bucket()}/m", **s3_settings()}
    async with Harness.start(database_url, tmp_path, **overrides) as h:
        yield h


async def test_media_route_on_s3_redirects_streams_and_keeps_tenancy(s3_harness: Harness) -> None:
    h = s3_harness
    t = await h.tenant("Acme")
    other = await h.tenant("Other")
    await h.webhook(t, p.media_message(kind="image", data=PNG, mime_type="image/png", caption="foto", phone=PHONE))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    msg = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    assert msg["media"]["size"] == len(PNG)
    # nothing on the local disk: the bytes went to the bucket under the organization's key
    assert not any(p.is_file() for p in h.settings.media_dir.rglob("*"))
    store: S3Store = h.app.state.media
    keys = [
        o.get("Key", "")
        for o in (await (await store.client()).list_objects_v2(Bucket=store.location.bucket))["Contents"]
    ]
    assert keys == [f"m/{media_files.key_for(t.organization_id, PNG, 'image/png', None)}"]

    resp = await t.client.get(msg["media"]["url"])
    assert resp.status_code == 307 and resp.headers["cache-control"] == "private, no-store"
    location = resp.headers["location"]
    assert location.startswith(s3_endpoint()) and "X-Amz-Signature=" in location
    async with httpx.AsyncClient() as http:
        got = await http.get(location)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png" and got.headers["content-disposition"].startswith("inline;")
    # another organization: the same 404 as before, and no URL
    denied = await other.client.get(msg["media"]["url"])
    assert denied.status_code == 404 and "location" not in denied.headers

    h.settings.media_delivery = "stream"
    streamed = await t.client.get(msg["media"]["url"])
    assert streamed.status_code == 200 and streamed.content == PNG
    assert streamed.headers["content-type"] == "image/png"
    assert streamed.headers["x-content-type-options"] == "nosniff"
    assert streamed.headers["content-length"] == str(len(PNG))
    assert (await other.client.get(msg["media"]["url"])).status_code == 404

    # a document sent by an agent is stored in S3 and read back from it for WuzAPI
    pdf = b"%PDF-1.4 proposta"
    sent = await t.client.post(
        "/api/v1/whatsapp/messages",
        data={"conversationId": conv["id"], "clientId": "f-1"},
        files={"file": ("proposta.pdf", pdf, "application/pdf")},
    )
    assert sent.status_code == 201 and sent.json()["status"] == "SENT", sent.text
    assert h.sim.requests_to("/chat/send/document")[-1].json["Document"].startswith("data:application/pdf;base64,")
    doc = await t.client.get(sent.json()["media"]["url"])
    assert doc.content == pdf and doc.headers["content-disposition"] == 'attachment; filename="proposta.pdf"'

    # the object gone from the bucket: stream mode answers the specific 404
    await (await store.client()).delete_object(Bucket=store.location.bucket, Key=keys[0])
    gone = await t.client.get(msg["media"]["url"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "media_file_missing"


async def _local_files(root: Path) -> tuple[LocalStore, dict[str, bytes]]:
    local = LocalStore(root)
    files = {}
    for i, (mime, name) in enumerate([("image/png", None), ("application/pdf", "a.pdf"), ("audio/ogg", None)]):
        data = os.urandom(1000 + i) if i else PNG
        key = media_files.key_for(f"org-{i % 2}", data, mime, name)
        await local.put(key, data)
        files[key] = data
    return local, files


async def test_migrate_copies_verifies_skips_and_resumes(store: S3Store, tmp_path: Path) -> None:
    local, files = await _local_files(tmp_path / "media")
    seen: list[str] = []
    first = await migrate(local, store, on_file=lambda key, _: seen.append(key))
    assert (first.copied, first.skipped, first.failed) == (3, 0, [])
    assert sorted(seen) == sorted(files)
    for key, data in files.items():
        assert await store.read(key) == data

    again = await migrate(local, store)
    assert (again.copied, again.skipped, again.failed) == (0, 3, [])

    # interrupted run: one object never made it, another is a truncated leftover -> only those go
    client = await store.client()
    missing, truncated = sorted(files)[:2]
    await client.delete_object(Bucket=store.location.bucket, Key=store.location.prefix + missing)
    await store.put(truncated, files[truncated][:10])
    resumed = await migrate(local, store)
    assert (resumed.copied, resumed.skipped, resumed.failed) == (2, 1, [])
    assert await store.read(truncated) == files[truncated]

    # a local file whose bytes no longer match the SHA-256 of its name is reported, not copied
    bad_key = sorted(files)[2]
    path = local.local_path(bad_key)
    assert path is not None
    path.write_bytes(b"corrupted")
    report = await migrate(local, store)
    assert report.failed == [(bad_key, "content does not match the SHA-256 in its name")]
    assert await store.read(bad_key) == files[bad_key]


async def test_migrate_command(tmp_path: Path) -> None:
    local, files = await _local_files(tmp_path / "media")
    bucket = new_bucket()
    env = {
        **os.environ,
        "MEDIA_DIR": str(local.root),
        "S3_ENDPOINT_URL": s3_endpoint(),
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    cmd = [str(Path(sys.executable).parent / "whatrack"), "media", "migrate", "--to", f"s3://{bucket}/media"]

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)

    first = await asyncio.to_thread(run, cmd)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 copied" in first.stdout and "0 failed" in first.stdout
    second = await asyncio.to_thread(run, cmd)
    assert second.returncode == 0 and "0 copied" in second.stdout and "3 already there" in second.stdout
    target = S3Store(S3Location.parse(f"s3://{bucket}/media"), s3_options())
    try:
        for key, data in files.items():
            assert await target.read(key) == data
    finally:
        await target.close()
    bad = await asyncio.to_thread(run, [*cmd[:-1], "ftp://x"])
    assert bad.returncode == 2 and "MEDIA_STORE_URL must be" in bad.stdout + bad.stderr
