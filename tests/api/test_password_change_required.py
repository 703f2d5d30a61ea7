"""A member with a temporary password (issue 12) may only read /auth/me, change the password or
log out until they choose their own: every other route answers 403 password_change_required."""

from __future__ import annotations

from tests.support.tenants import PASSWORD, Harness

NEW = "minha propria senha 2025"


async def test_temporary_password_refuses_everything_but_the_change(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    body = {"email": "caio@example.com", "name": "Caio", "role": "agent", "password": PASSWORD}
    assert (await t.client.post("/api/v1/users", json=body)).status_code == 201
    caio = await harness.login("caio@example.com")

    me = await caio.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["mustChangePassword"] is True
    for method, path in [
        ("GET", "/api/v1/conversations"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/auth/sessions"),
        ("POST", "/api/v1/chat/centrifugo/token"),
        ("GET", "/api/v1/instances"),
    ]:
        resp = await caio.request(method, path)
        assert resp.status_code == 403, (path, resp.text)
        assert resp.json()["error"]["code"] == "password_change_required"

    wrong = await caio.post("/api/v1/auth/password", json={"currentPassword": "nope", "newPassword": NEW})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_password"
    assert (await caio.get("/api/v1/conversations")).status_code == 403
    ok = await caio.post("/api/v1/auth/password", json={"currentPassword": PASSWORD, "newPassword": NEW})
    assert ok.status_code == 204
    assert (await caio.get("/api/v1/auth/me")).json()["mustChangePassword"] is False
    assert (await caio.get("/api/v1/conversations")).status_code == 200


async def test_logout_is_allowed_with_a_temporary_password(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    body = {"email": "duda@example.com", "name": "Duda", "role": "agent", "password": PASSWORD}
    assert (await t.client.post("/api/v1/users", json=body)).status_code == 201
    duda = await harness.login("duda@example.com")
    assert (await duda.post("/api/v1/auth/logout")).status_code == 204
    assert (await duda.get("/api/v1/auth/me")).status_code == 401
