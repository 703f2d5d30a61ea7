"""Schemathesis over the whole OpenAPI schema: no input answers 5xx (issue 18, finding 13).

Every operation of `app.openapi()` gets examples generated from its schema (valid and invalid
bodies, query strings, path parameters, multipart forms), sent as a logged-in admin with the
CSRF header, on PostgreSQL and SQLite (the `harness` fixture). Routes that call WuzAPI are kept:
the harness answers them with the in-process simulator, so nothing leaves the test. Only logout
is left out (it would end the session every later case needs). Bounded and deterministic:
MAX_EXAMPLES rounds, each drawing one case per operation, from a fixed seed.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from argon2 import PasswordHasher
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.schemas import APIOperation

from tests.support.tenants import APP_BASE, Harness, Tenant
from whatrack.app import create_app
from whatrack.auth import service as auth_service
from whatrack.settings import Settings

MAX_EXAMPLES = 25
SKIP = {("POST", "/api/v1/auth/logout")}


def _operations() -> list[APIOperation[Any, Any, Any, Any]]:
    schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
    ops = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]  # Err raises
    return [op for op in ops if (op.method.upper(), op.path) not in SKIP]


OPERATIONS = _operations()


def _part(value: object) -> bytes | str:
    return value if isinstance(value, bytes | str) else json.dumps(value)


def _request(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis' requests-style arguments as httpx ones."""
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params") or None,
        "headers": {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "connection"},
    }
    if kwargs.get("cookies"):
        out["cookies"] = kwargs["cookies"]
    if "json" in kwargs:
        out["content"] = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("files") is not None:
        out["files"] = [(name, (fn or "", _part(value))) for name, (fn, value) in kwargs["files"]]
        if isinstance(kwargs.get("data"), dict):
            out["data"] = kwargs["data"]
    elif isinstance(kwargs.get("data"), dict):
        out["data"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        out["content"] = data if isinstance(data, bytes) else str(data).encode()
    return out


@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is listed as it is
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_no_input_answers_5xx(harness: Harness, data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    # Logins and new users hash with argon2 by design (~0.2 s each): a cheap hasher keeps the
    # run bounded; hashes name their parameters, so verifying works the same.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth_service, "_hasher", cheap)
    monkeypatch.setattr(auth_service, "_DUMMY_HASH", cheap.hash("not-a-real-password"))
    client: httpx.AsyncClient | None = getattr(harness, "_schema_client", None)
    if client is None:
        t: Tenant = await harness.tenant("Schema")
        # A bug answers 500 (not an exception in the test), like it would over the network.
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=harness.app, raise_app_exceptions=False),
            base_url=APP_BASE,
            cookies=t.client.cookies,
            headers={"X-CSRF-Token": t.client.headers["X-CSRF-Token"]},
        )
        harness.clients.append(client)
        harness._schema_client = client  # type: ignore[attr-defined]
    failures: list[str] = []
    for op in OPERATIONS:
        case = data.draw(op.as_strategy(), label=f"{op.method.upper()} {op.path}")
        request = _request(case.as_transport_kwargs(base_url=APP_BASE))
        try:
            resp = await client.request(**request)
        except (UnicodeEncodeError, httpx.InvalidURL, ValueError, TypeError):
            continue  # a request httpx itself cannot send (e.g. a header outside latin-1)
        if resp.status_code >= 500:
            failures.append(f"{op.method.upper()} {op.path} -> {resp.status_code} {resp.text[:200]}\n{request}")
    assert not failures, "\n\n".join(failures)
