"""The S3-compatible server the tests use: SeaweedFS started by scripts/services.sh (`make test`).

Signed requests with the identity of config/seaweedfs-s3.json; each caller gets its own bucket.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from whatrack.storage import S3Options

REPO_ROOT = Path(__file__).resolve().parents[2]
S3_PORT = int(os.environ.get("WHATRACK_TEST_S3_PORT", "18333"))
ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
ACCESS_KEY = "whatrack-test"
SECRET_KEY = "whatrack-test-secret"


def _answering() -> bool:
    try:
        urllib.request.urlopen(ENDPOINT + "/", timeout=2)  # noqa: S310 - our loopback server
    except urllib.error.HTTPError:
        return True  # 403 to an anonymous request: it is up
    except OSError:
        return False
    return True


def s3_endpoint() -> str:
    """The endpoint, starting the services (idempotent) when SeaweedFS is not answering."""
    if not _answering():
        subprocess.run(["bash", str(REPO_ROOT / "scripts" / "services.sh")], check=True, capture_output=True)
    return ENDPOINT


def s3_options() -> S3Options:
    return S3Options(endpoint_url=s3_endpoint(), access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)


def s3_settings() -> dict[str, str]:
    """Settings overrides that point the app at the test server (MEDIA_STORE_URL left to the caller)."""
    return {"s3_endpoint_url": s3_endpoint(), "s3_access_key_id": ACCESS_KEY, "s3_secret_access_key": SECRET_KEY}


def new_bucket() -> str:
    return f"test-{secrets.token_hex(6)}"
