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
        assert resp.json()["error"]["code"] == "unauthorized"
    assert "whatrack_session" not in c.cookies


async def test_unsafe_method_needs_csrf(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    token = t.client.headers.pop("X-CSRF-Token")
    resp = await t.client.post("/api/v1/auth/logout")
    assert resp.status_code == 403
    assert "CSRF" in resp.json()["error"]["message"]
    t.client.headers["X-CSRF-Token"] = token
    assert (await t.client.post("/api/v1/auth/logout")).status_code == 204


async def test_login_validation_error_is_json(harness: Harness) -> None:
    resp = await harness.client().post("/api/v1/auth/login", json={"email": "x"})
    assert resp.status_code == 422
    body = resp.json()["error"]
    assert body["code"] == "validation_error"
    assert any("password" in d["loc"] for d in body["details"])
