"""WuzAPI webhook HMAC (reference §2.2): lowercase hex HMAC-SHA256 of the raw body."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whatrack.whatsapp.signature import SIGNATURE_HEADER, constant_time_equals, sign, verify_hmac

KEY = "at-least-32-characters-long-secret-value"
BODY = b'{"type":"Message","event":{"Info":{"ID":"3EB0C431D6E0A1B2C3D4"}},"userID":"4f1c"}'
# Computed independently of the code under test.
SIGNATURE = hmac.new(KEY.encode(), BODY, hashlib.sha256).hexdigest()


def test_header_name() -> None:
    assert SIGNATURE_HEADER == "x-hmac-signature"


def test_sign_matches_reference_recipe() -> None:
    assert sign(KEY, BODY) == SIGNATURE
    assert len(SIGNATURE) == 64 and SIGNATURE.lower() == SIGNATURE


def test_valid_signature() -> None:
    assert verify_hmac(KEY, BODY, SIGNATURE)


@pytest.mark.parametrize("variant", [SIGNATURE.upper(), f"  {SIGNATURE}\n", f"sha256={SIGNATURE}"])
def test_tolerated_spellings(variant: str) -> None:
    assert verify_hmac(KEY, BODY, variant)


@pytest.mark.parametrize(
    ("key", "body", "signature"),
    [
        (KEY, BODY + b" ", SIGNATURE),  # body changed
        (KEY + "x", BODY, SIGNATURE),  # other key
        (KEY, BODY, SIGNATURE[:-1]),  # truncated
        (KEY, BODY, SIGNATURE[:-1] + ("0" if SIGNATURE[-1] != "0" else "1")),
        (KEY, BODY, None),
        (KEY, BODY, ""),
        ("", BODY, hmac.new(b"", BODY, hashlib.sha256).hexdigest()),  # no key configured never verifies
        (KEY, BODY, "é" * 64),  # non-ASCII must not raise TypeError
        (KEY, BODY, "\udc80" * 64),  # lone surrogate from a badly decoded header
    ],
)
def test_invalid_signatures(key: str, body: bytes, signature: str | None) -> None:
    assert not verify_hmac(key, body, signature)


def test_form_body_is_signed_as_sent() -> None:
    # Form mode: WuzAPI signs the url.Values.Encode() string it posts (keys sorted, '+' for spaces).
    json_data = json.dumps({"type": "Message", "base64": "ab+/cd=="})
    raw = urlencode(sorted({"jsonData": json_data, "userID": "4f1c", "instanceName": "shop 1"}.items())).encode()
    signature = hmac.new(KEY.encode(), raw, hashlib.sha256).hexdigest()
    assert verify_hmac(KEY, raw, signature)
    assert not verify_hmac(KEY, raw.replace(b"%2B", b"+"), signature)


def test_constant_time_equals() -> None:
    assert constant_time_equals("abc", "abc")
    assert not constant_time_equals("abc", "abd")
    assert not constant_time_equals("abc", "abcd")
    assert constant_time_equals("ção", "ção")
    assert not constant_time_equals("ção", "cao")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40), st.binary(max_size=200), st.none() | st.text(max_size=80))
def test_verify_never_raises(key: str, body: bytes, signature: str | None) -> None:
    result = verify_hmac(key, body, signature)
    assert isinstance(result, bool)
    if key:
        assert verify_hmac(key, body, sign(key, body))
