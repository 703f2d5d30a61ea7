"""Media store tiers: upload (put) and download (read) of 100 kB and 5 MB files through the
S3 store (SeaweedFS from scripts/services.sh, signed requests, Content-MD5) beside the local
directory store (the floor), and presigning. `python -m bench.bench_media [--quick]` prints JSON;
`make bench BENCH_ARGS="--only media"` keeps it with the run's results."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.s3 import new_bucket, s3_options

from whatrack.storage import Delivery, LocalStore, MediaStore, S3Location, S3Store

SIZES = {"100kB": 100_000, "5MB": 5_000_000}


async def _measure(store: MediaStore, size: int, n: int) -> dict[str, float]:
    puts, reads = [], []
    for i in range(n):
        data = os.urandom(size)
        key = f"bench/{size}/{i}.bin"
        t0 = time.perf_counter()
        await store.put(key, data, content_type="application/octet-stream")
        puts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = await store.read(key)
        reads.append(time.perf_counter() - t0)
        assert len(got) == size
    put_ms, read_ms = statistics.median(puts) * 1000, statistics.median(reads) * 1000
    return {
        "put_ms_p50": round(put_ms, 2),
        "read_ms_p50": round(read_ms, 2),
        "put_MBps": round(size / 1e6 / (put_ms / 1000), 1),
        "read_MBps": round(size / 1e6 / (read_ms / 1000), 1),
    }


async def run(quick: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="whatrack-bench-media-") as tmp:
        local = LocalStore(Path(tmp))
        s3 = S3Store(S3Location.parse(f"s3://{new_bucket()}/bench"), s3_options())
        await s3.ensure_bucket()
        try:
            for label, size in SIZES.items():
                n = (5 if quick else 20) if size < 1_000_000 else (2 if quick else 6)
                disk = await _measure(local, size, n)
                remote = await _measure(s3, size, n)
                out[label] = {
                    "disk": disk,
                    "s3": remote,
                    "s3_over_disk_put": round(remote["put_ms_p50"] / max(disk["put_ms_p50"], 0.01), 1),
                    "s3_over_disk_read": round(remote["read_ms_p50"] / max(disk["read_ms_p50"], 0.01), 1),
                }
            how = Delivery("image/png", 'inline; filename="a.png"', "private, max-age=86400")
            t0 = time.perf_counter()
            for i in range(200):
                await s3.presigned_url(f"bench/x/{i}.png", 300, how)
            out["presign_us"] = round((time.perf_counter() - t0) / 200 * 1e6)
        finally:
            await s3.close()
    return out


def main() -> None:
    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))


if __name__ == "__main__":
    main()
