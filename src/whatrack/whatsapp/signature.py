"""WuzAPI webhook signatures: header `x-hmac-signature` = lowercase hex HMAC-SHA256(key, raw body).

Verify the raw request bytes before parsing (in form mode WuzAPI signs the URL-encoded body
it sends). There is no timestamp or nonce, so a valid signature does not prevent replays:
deduplicate by message id.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "x-hmac-signature"


def constant_time_equals(a: str, b: str) -> bool:
    """String equality whose duration does not depend on where the strings differ."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def sign(key: str, raw_body: bytes) -> str:
    """The signature WuzAPI sends for `raw_body` (used by tests and the simulator)."""
    return hmac.new(key.encode("utf-8", "surrogatepass"), raw_body, hashlib.sha256).hexdigest()


def verify_hmac(key: str, raw_body: bytes, signature: str | None) -> bool:
    """True when `signature` is the hex HMAC-SHA256 of `raw_body` under `key`.

    An empty key or a missing signature never verifies. Hex case, surrounding spaces and a
    "sha256=" prefix are tolerated.
    """
    if not key or not signature:
        return False
    candidate = signature.strip().lower()
    if candidate.startswith("sha256="):
        candidate = candidate[len("sha256=") :]
    return constant_time_equals(sign(key, raw_body), candidate)
