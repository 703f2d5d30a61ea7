"""Media in S3-compatible object storage (AWS S3, MinIO, SeaweedFS, Cloudflare R2) via aiobotocore.

`s3://bucket/prefix` + endpoint and credentials. Objects are written with their MD5
(Content-MD5: the server refuses corrupted bytes) and files above PART_SIZE go up as a multipart
upload read part by part, so memory stays bounded. Browsers get short-lived presigned GET URLs
that carry the response headers the app chose (type, disposition, cache).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from whatrack.storage.base import Delivery, ObjectInfo, ObjectMissing, StorageError, check_key

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

PART_SIZE = 8 * 1024 * 1024  # files above this go up in parts of this size
CHUNK = 256 * 1024
MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "a/b/" (always ends with a slash when set)

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"expected s3://bucket/prefix, got {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class S3Options:
    endpoint_url: str | None = None  # None: AWS
    access_key_id: str | None = None  # None: the usual AWS credential chain
    secret_access_key: str | None = None
    region: str = "us-east-1"
    public_endpoint_url: str | None = None  # the endpoint browsers reach, when it differs (Docker)


def _md5(data: bytes) -> tuple[str, str]:
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode(), digest.hex()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_file(path: Path, into: Any) -> None:
    with path.open("rb") as fh:
        while block := fh.read(PART_SIZE):
            into.update(block)


def multipart_etag(part_digests: list[bytes]) -> str:
    """The ETag S3 gives a multipart object: md5 of the parts' md5s, '-' number of parts."""
    return f"{hashlib.md5(b''.join(part_digests), usedforsecurity=False).hexdigest()}-{len(part_digests)}"


def _missing(exc: ClientError) -> bool:
    err: Any = exc.response.get("Error", {})
    return str(err.get("Code")) in MISSING


class S3Store:
    def __init__(self, location: S3Location, options: S3Options) -> None:
        self.location = location
        self.options = options
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._signer: S3Client | None = None
        self._lock = asyncio.Lock()

    @property
    def url(self) -> str:
        return self.location.url

    def _config(self) -> AioConfig:
        return AioConfig(
            signature_version="s3v4",
            # path-style for MinIO/SeaweedFS/R2 endpoints; AWS picks its own
            s3={"addressing_style": "path" if self.options.endpoint_url else "auto"},
            # no aws-chunked checksum trailers: not every S3-compatible server takes them
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=32,
        )

    async def _make(self, endpoint: str | None) -> S3Client:
        session = get_session()
        client: S3Client = await self._stack.enter_async_context(
            session.create_client(
                "s3",
                endpoint_url=endpoint,
                region_name=self.options.region,
                aws_access_key_id=self.options.access_key_id,
                aws_secret_access_key=self.options.secret_access_key,
                config=self._config(),
            )
        )
        return client

    async def client(self) -> S3Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await self._make(self.options.endpoint_url)
        return self._client

    async def _presigner(self) -> S3Client:
        if not self.options.public_endpoint_url or self.options.public_endpoint_url == self.options.endpoint_url:
            return await self.client()
        if self._signer is None:
            async with self._lock:
                if self._signer is None:
                    self._signer = await self._make(self.options.public_endpoint_url)
        return self._signer

    def _key(self, key: str) -> str:
        return self.location.prefix + check_key(key)

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is not there (tests, first start against a fresh server)."""
        client = await self.client()
        try:
            await client.head_bucket(Bucket=self.location.bucket)
        except ClientError as exc:
            if not _missing(exc):
                raise StorageError(f"S3 bucket {self.location.bucket}: {exc}") from exc
            with contextlib.suppress(ClientError):  # created meanwhile by another process
                await client.create_bucket(Bucket=self.location.bucket)

    async def put(self, key: str, source: bytes | Path, content_type: str | None = None) -> ObjectInfo:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            if isinstance(source, bytes):
                return await self._put_bytes(self._key(key), source, extra)
            size = (await asyncio.to_thread(source.stat)).st_size
            if size <= PART_SIZE:
                return await self._put_bytes(self._key(key), await asyncio.to_thread(source.read_bytes), extra)
            return await self._put_parts(self._key(key), source, extra)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"S3 put {key}: {exc}") from exc

    async def _put_bytes(self, full_key: str, data: bytes, extra: dict[str, Any]) -> ObjectInfo:
        if len(data) > CHUNK:  # hashing megabytes would stall the event loop
            (md5_b64, md5_hex), sha = await asyncio.to_thread(lambda: (_md5(data), _sha256(data)))
        else:
            (md5_b64, md5_hex), sha = _md5(data), _sha256(data)
        client = await self.client()
        await client.put_object(
            Bucket=self.location.bucket,
            Key=full_key,
            Body=data,
            ContentMD5=md5_b64,
            Metadata={"sha256": sha},
            **extra,
        )
        return ObjectInfo(size=len(data), etag=md5_hex, sha256=sha)

    async def _put_parts(self, full_key: str, path: Path, extra: dict[str, Any]) -> ObjectInfo:
        client = await self.client()
        bucket = self.location.bucket
        sha = hashlib.sha256()
        await asyncio.to_thread(_hash_file, path, sha)  # metadata goes with the upload's start
        upload = await client.create_multipart_upload(
            Bucket=bucket, Key=full_key, Metadata={"sha256": sha.hexdigest()}, **extra
        )
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        digests: list[bytes] = []
        size = 0
        try:
            with path.open("rb") as fh:
                while data := await asyncio.to_thread(fh.read, PART_SIZE):
                    md5_b64, _ = _md5(data)
                    digests.append(base64.b64decode(md5_b64))
                    number = len(parts) + 1
                    answer = await client.upload_part(
                        Bucket=bucket,
                        Key=full_key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=data,
                        ContentMD5=md5_b64,
                    )
                    parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                    size += len(data)
            await client.complete_multipart_upload(
                Bucket=bucket,
                Key=full_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(Bucket=bucket, Key=full_key, UploadId=upload_id)
            raise
        return ObjectInfo(size=size, etag=multipart_etag(digests), sha256=sha.hexdigest())

    async def _get(self, key: str) -> Any:
        client = await self.client()
        try:
            return await client.get_object(Bucket=self.location.bucket, Key=self._key(key))
        except ClientError as exc:
            if _missing(exc):
                raise ObjectMissing(f"no media object {key}") from exc
            raise StorageError(f"S3 get {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 get {key}: {exc}") from exc

    async def read(self, key: str) -> bytes:
        answer = await self._get(key)
        async with answer["Body"] as body:
            data: bytes = await body.read()
        return data

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        answer = await self._get(key)
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK):
                yield chunk

    async def stat(self, key: str) -> ObjectInfo | None:
        client = await self.client()
        try:
            head = await client.head_object(Bucket=self.location.bucket, Key=self._key(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise StorageError(f"S3 head {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 head {key}: {exc}") from exc
        return ObjectInfo(
            size=int(head["ContentLength"]),
            etag=str(head.get("ETag", "")).strip('"') or None,
            sha256=head.get("Metadata", {}).get("sha256"),
        )

    def local_path(self, key: str) -> Path | None:
        return None

    async def presigned_url(self, key: str, ttl_seconds: int, delivery: Delivery) -> str | None:
        signer = await self._presigner()
        url: str = await signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self._key(key),
                "ResponseContentType": delivery.content_type,
                "ResponseContentDisposition": delivery.content_disposition,
                "ResponseCacheControl": delivery.cache_control,
            },
            ExpiresIn=ttl_seconds,
        )
        return url

    async def close(self) -> None:
        self._client = self._signer = None
        await self._stack.aclose()
        self._stack = contextlib.AsyncExitStack()
