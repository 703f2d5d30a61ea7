"""Quick replies: organization-wide and personal, a shortcut unique per scope, bad input, tenancy."""

from __future__ import annotations

import secrets
import uuid

import httpx

from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.models import Organization, Role

URL = "/api/v1/quick-replies"


async def colleague(
    harness: Harness, t: Tenant, name: str, role: Role = Role.AGENT
) -> tuple[uuid.UUID, httpx.AsyncClient]:
    """Another user of the tenant's organization, logged in."""
    email = f"{name.lower()}-{secrets.token_hex(3)}@example.com"
    async with harness.db() as db:
        org = await db.get(Organization, t.organization_id)
        assert org is not None
        user = await auth.create_user(db, org, email=email, name=name, password=PASSWORD, role=role)
        user_id = user.id
    return user_id, await harness.login(email)


async def test_organization_and_personal_quick_replies(harness: Harness) -> None:
    admin = await harness.tenant("Acme")
    agent_id, agent = await colleague(harness, admin, "Bia")

    org_qr = await admin.client.post(
        URL, json={"shortcut": "/Preco", "content": "Olá {nome}!", "scope": "organization"}
    )
    assert org_qr.status_code == 201, org_qr.text
    assert org_qr.json()["shortcut"] == "preco" and org_qr.json()["scope"] == "organization"
    mine = await agent.post(URL, json={"shortcut": "preco", "content": "Oi {primeiro_nome}, sou {atendente}"})
    assert mine.status_code == 201, mine.text  # same shortcut, another scope
    assert mine.json()["scope"] == "personal" and mine.json()["ownerId"] == str(agent_id)

    # the agent sees both (personal first on the same shortcut), the admin only the organization's
    listed = (await agent.get(URL)).json()["items"]
    assert [(q["scope"], q["editable"]) for q in listed] == [("personal", True), ("organization", False)]
    assert [q["scope"] for q in (await admin.client.get(URL)).json()["items"]] == ["organization"]

    # unique within a scope
    dup = await agent.post(URL, json={"shortcut": "PRECO", "content": "outro"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "quick_reply_shortcut_taken"
    dup_org = await admin.client.post(URL, json={"shortcut": "preco", "content": "x", "scope": "organization"})
    assert dup_org.status_code == 409
    # agents cannot create or change organization-wide ones
    denied = await agent.post(URL, json={"shortcut": "oi", "content": "x", "scope": "organization"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "admin_required"
    org_id = org_qr.json()["id"]
    assert (await agent.patch(f"{URL}/{org_id}", json={"content": "x"})).status_code == 403
    assert (await agent.delete(f"{URL}/{org_id}")).status_code == 403
    # a colleague's personal one is not found, even for an admin
    mine_id = mine.json()["id"]
    hidden = await admin.client.patch(f"{URL}/{mine_id}", json={"content": "x"})
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "quick_reply_not_found"
    assert (await admin.client.delete(f"{URL}/{mine_id}")).status_code == 404

    # edit and delete
    edited = await agent.patch(f"{URL}/{mine_id}", json={"shortcut": "valor", "content": "R$ 10"})
    assert edited.status_code == 200 and edited.json()["shortcut"] == "valor" and edited.json()["content"] == "R$ 10"
    assert (await agent.delete(f"{URL}/{mine_id}")).status_code == 204
    assert [q["id"] for q in (await agent.get(URL)).json()["items"]] == [org_id]
    assert (await agent.delete(f"{URL}/{mine_id}")).status_code == 404


async def test_quick_reply_bad_input(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    bad_bodies = [
        {"shortcut": "", "content": "x"},
        {"shortcut": "com espaço", "content": "x"},
        {"shortcut": "a" * 33, "content": "x"},
        {"shortcut": "ok", "content": ""},
        {"shortcut": "ok", "content": "x" * 4097},
        {"shortcut": "ok", "content": "x", "scope": "everyone"},
        {"shortcut": "ok", "content": "x", "extra": 1},
        {"shortcut": 5, "content": "x"},
        {"content": "x"},
    ]
    for body in bad_bodies:
        resp = await t.client.post(URL, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"]["code"] == "validation_error"
    resp = await t.client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422
    created = (await t.client.post(URL, json={"shortcut": "promoção", "content": "10% off"})).json()
    assert created["shortcut"] == "promoção"  # letters of any alphabet
    nothing = await t.client.patch(f"{URL}/{created['id']}", json={})
    assert nothing.status_code == 400 and nothing.json()["error"]["code"] == "nothing_to_update"
    assert (await t.client.patch(f"{URL}/not-a-uuid", json={"content": "x"})).status_code == 422
    assert (await t.client.patch(f"{URL}/{uuid.uuid4()}", json={"content": "x"})).status_code == 404
    # CSRF like every write
    no_csrf = harness.client()
    no_csrf.cookies = t.client.cookies
    assert (await no_csrf.post(URL, json={"shortcut": "x", "content": "y"})).status_code in (401, 403)


async def test_other_organization_never_sees_quick_replies(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    org_qr = (await a.client.post(URL, json={"shortcut": "oi", "content": "a", "scope": "organization"})).json()
    mine = (await a.client.post(URL, json={"shortcut": "tchau", "content": "b"})).json()
    assert (await b.client.get(URL)).json()["items"] == []
    for qr in (org_qr, mine):
        patched = await b.client.patch(f"{URL}/{qr['id']}", json={"content": "hacked"})
        assert patched.status_code == 404 and patched.json()["error"]["code"] == "quick_reply_not_found"
        deleted = await b.client.delete(f"{URL}/{qr['id']}")
        assert deleted.status_code == 404 and deleted.json()["error"]["code"] == "quick_reply_not_found"
    # B may use the same shortcuts: uniqueness is per organization
    assert (
        await b.client.post(URL, json={"shortcut": "oi", "content": "b", "scope": "organization"})
    ).status_code == 201
    assert [q["content"] for q in (await a.client.get(URL)).json()["items"]] == ["a", "b"]
