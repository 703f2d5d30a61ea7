"""Team and access in real browsers (issue 12): an admin adds an agent in the Equipe settings,
the agent (second browser) changes the temporary password, sees only their own and unassigned
conversations, and one reassigned away disappears live; an agent starts a conversation with a
new number from the search box."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import AppServer, Browsers, Shots, create_tenant, lead_writes, login, new_phone, row
from tests.e2e.test_tenancy import api_post
from whatrack.db import transaction
from whatrack.models import Organization
from whatrack.models.enums import AgentVisibility
from whatrack.simulator import SimulatorServer

pytestmark = pytest.mark.e2e

TEMPORARY = "temporaria bem longa 2026"
OWN = "a senha da bia agora 77"


async def restrict(app: AppServer, organization_id: uuid.UUID) -> None:
    async def go() -> None:
        async with transaction(app.session_factory) as db:
            org = await db.get(Organization, organization_id)
            assert org is not None
            org.agent_visibility = AgentVisibility.ASSIGNED_AND_UNASSIGNED

    await app.call(go())


async def conversation_id(page: Page, name: str) -> str:
    await expect(row(page, name)).to_be_visible()
    cid: str | None = await row(page, name).get_attribute("data-conversation-id")
    assert cid
    return cid


async def test_admin_adds_agent_who_sees_only_theirs_and_loses_one_live(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    org = await create_tenant(app_server, simulator, "Equipe")
    await restrict(app_server, org.organization_id)
    admin = await browsers.page()
    shot = Shots(admin, shots_prefix + "-admin")
    await login(admin, org.email)

    # the admin adds Bia in Configurações → Equipe
    await admin.get_by_test_id("settings-link").click()
    await admin.get_by_test_id("member-add").click()
    await admin.get_by_test_id("member-name").fill("Bia Atendente")
    email = f"bia-{uuid.uuid4().hex[:6]}@example.com"
    await admin.get_by_test_id("member-email").fill(email)
    await expect(admin.get_by_test_id("member-role")).to_have_value("agent")
    await admin.get_by_test_id("member-password").fill(TEMPORARY)
    await admin.get_by_test_id("member-submit").click()
    bia_row = admin.locator(f'[data-testid="member-row"][data-email="{email}"]')
    await expect(bia_row).to_contain_text("Troca de senha pendente")
    await shot("equipe-bia-added")
    users = await (await admin.request.get("/api/v1/users")).json()
    bia_id = next(u["id"] for u in users if u["email"] == email)

    # three leads: one for Bia, one for the admin, one nobody's
    for name in ("Lead da Bia", "Lead do Admin", "Lead Sem Dono"):
        await lead_writes(org, f"Oi, sou {name}", phone=new_phone(), name=name)
    await admin.goto("/inbox")
    bias = await conversation_id(admin, "Lead da Bia")
    admins = await conversation_id(admin, "Lead do Admin")
    await conversation_id(admin, "Lead Sem Dono")
    assert (await api_post(admin, f"/api/v1/conversations/{bias}/assign", {"userId": bia_id}))[0] == 200
    assert (await api_post(admin, f"/api/v1/conversations/{admins}/assign", {"userId": str(org.user_id)}))[0] == 200

    # Bia, in her own browser, must choose her password first
    agent = await browsers.page()
    agent_shot = Shots(agent, shots_prefix + "-agent")
    await agent.goto("/login")
    await agent.get_by_test_id("login-email").fill(email)
    await agent.get_by_test_id("login-password").fill(TEMPORARY)
    await agent.get_by_test_id("login-submit").click()
    await expect(agent.get_by_test_id("change-password-page")).to_be_visible()
    await agent_shot("must-change-password")
    await agent.get_by_test_id("password-current").fill(TEMPORARY)
    await agent.get_by_test_id("password-new").fill(OWN)
    await agent.get_by_test_id("password-confirm").fill(OWN)
    await agent.get_by_test_id("password-submit").click()
    await expect(agent.get_by_test_id("conversation-list")).to_be_visible()
    await expect(row(agent, "Lead da Bia")).to_be_visible()
    await expect(row(agent, "Lead Sem Dono")).to_be_visible()
    await expect(row(agent, "Lead do Admin")).to_have_count(0)
    await agent_shot("only-hers-and-unassigned")

    # the admin takes Bia's lead: it leaves her list live (no reload)
    await agent.evaluate("window.__e2eNoReload = true")
    assert (await api_post(admin, f"/api/v1/conversations/{bias}/assign", {"userId": str(org.user_id)}))[0] == 200
    await expect(row(agent, "Lead da Bia")).to_have_count(0)
    await expect(row(agent, "Lead Sem Dono")).to_be_visible()
    assert await agent.evaluate("window.__e2eNoReload === true")
    await agent_shot("reassigned-away")


async def test_agent_starts_a_conversation_from_the_search_box(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    org = await create_tenant(app_server, simulator, "Prospeccao")
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    await login(page, org.email)
    digits = new_phone()  # e.g. 5511987654321
    national = f"({digits[2:4]}) {digits[4:9]}-{digits[9:]}"
    await page.get_by_test_id("search-input").fill(national)
    offer = page.get_by_test_id("start-from-search")
    await expect(offer).to_have_text(re.compile(r"Conversar com \+55 " + digits[2:4]))
    await shot("offer")
    await offer.click()
    await expect(page.get_by_test_id("new-conversation-phone")).to_have_value(re.compile(r"^\+55"))
    await page.get_by_test_id("new-conversation-name").fill("Prospect Novo")
    await page.get_by_test_id("new-conversation-content").fill("Olá! Vi seu cadastro no site.")
    await page.get_by_test_id("new-conversation-submit").click()
    await expect(page.get_by_test_id("chat-lead-name")).to_contain_text("Prospect Novo")
    await expect(page.get_by_test_id("message-list")).to_contain_text("Olá! Vi seu cadastro no site.")
    await shot("started")
    checks = [r for r in simulator.state.requests if r.path == "/user/check"]
    assert checks and checks[-1].json == {"Phone": [digits]}
    sent = [m for m in simulator.state.requests if m.path == "/chat/send/text"]
    assert sent[-1].json is not None and sent[-1].json["Phone"] == f"{digits}@s.whatsapp.net"
