from __future__ import annotations

from tests.support.tenants import PASSWORD, Harness


async def test_login_me_logout(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    me = (await t.client.get("/api/v1/auth/me")).json()
    assert me["user"]["email"] == t.email
    assert me["organization"]["id"] == str(t.organization_id)
    assert me["role"] == "admin"
    assert (await t.client.post("/api/v1/auth/logout")).status_code == 204
    assert (await t.client.get("/api/v1/auth/me")).status_code == 401


async def test_wrong_password_and_unknown_email(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    c = harness.client()
    for email, pw in ((t.email, "nope"), ("ghost@example.com", PASSWORD)):
        resp = await c.post("/api/v1/auth/login", json={"email": email, "password": pw})
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "invalid_credentials"
    assert "whatrack_session" not in c.cookies


async def test_unsafe_method_needs_csrf(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    token = t.client.headers.pop("X-CSRF-Token")
    resp = await t.client.post("/api/v1/auth/logout")
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "csrf_failed"
    assert "CSRF" in resp.json()["error"]["message"]
    t.client.headers["X-CSRF-Token"] = token
    assert (await t.client.post("/api/v1/auth/logout")).status_code == 204


async def test_login_validation_error_is_json(harness: Harness) -> None:
    resp = await harness.client().post("/api/v1/auth/login", json={"email": "x"})
    assert resp.status_code == 422
    body = resp.json()["error"]
    assert body["code"] == "validation_error"
    assert any("password" in d["loc"] for d in body["details"])


async def test_organization_settings_admin_only_and_validated(harness: Harness) -> None:
    from whatrack.models import Role

    t = await harness.tenant("Acme")
    resp = await t.client.patch(
        "/api/v1/organization", json={"timezone": "America/Manaus", "inactivityTimeoutMinutes": 120}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["timezone"] == "America/Manaus" and resp.json()["inactivityTimeoutMinutes"] == 120
    me = (await t.client.get("/api/v1/auth/me")).json()
    assert me["organization"]["timezone"] == "America/Manaus"

    for body, status in (
        ({"timezone": "Mars/Olympus"}, 400),
        ({}, 400),
        ({"inactivityTimeoutMinutes": -1}, 422),
        ({"name": ""}, 422),
    ):
        assert (await t.client.patch("/api/v1/organization", json=body)).status_code == status, body
    assert (await t.client.get("/api/v1/auth/me")).json()["organization"]["timezone"] == "America/Manaus"

    agent = await harness.tenant("Agentes", role=Role.AGENT)
    denied = await agent.client.patch("/api/v1/organization", json={"name": "x"})
    assert denied.status_code == 403
    # another organization's settings are untouched by Acme's change
    assert (await agent.client.get("/api/v1/auth/me")).json()["organization"]["timezone"] == "America/Sao_Paulo"


async def test_me_tells_the_upload_limit(harness: Harness) -> None:
    """The browser refuses a file above this before uploading it; a body of that size still fits."""
    from whatrack.auth.api import upload_limit
    from whatrack.settings import Settings

    t = await harness.tenant("Acme")
    me = (await t.client.get("/api/v1/auth/me")).json()
    settings = Settings(max_body_bytes=10 * 1024 * 1024)
    assert me["maxUploadBytes"] > 0
    assert upload_limit(settings) == 10 * 1024 * 1024 - 64 * 1024
    assert upload_limit(Settings(max_body_bytes=1000)) == 0
