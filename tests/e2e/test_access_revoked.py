"""Access changed in real browsers (issue 12): an agent reading a colleague's conversation when
the organization turns restrictive is told at once that they no longer have access (no reload),
and an agent's list takes in colleagues' conversations when it turns open (no reload either);
an admin creates an API token in Settings, sees its secret once, uses it, and revokes it."""

from __future__ import annotations

import secrets
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    Browsers,
    Shots,
    create_tenant,
    lead_writes,
    login,
    new_phone,
    open_conversation,
)
from tests.e2e.test_team_ui import conversation_id
from tests.e2e.test_tenancy import api_post
from tests.support.tenants import PASSWORD
from whatrack.auth import service as auth
from whatrack.db import transaction
from whatrack.models import Organization, Role
from whatrack.models.enums import AgentVisibility
from whatrack.simulator import SimulatorServer

pytestmark = pytest.mark.e2e


async def _agent(
    app: AppServer, organization_id: uuid.UUID, policy: AgentVisibility = AgentVisibility.ALL
) -> tuple[uuid.UUID, str]:
    email = f"caio-{secrets.token_hex(3)}@example.com"

    async def make() -> uuid.UUID:
        async with transaction(app.session_factory) as db:
            org = await db.get(Organization, organization_id)
            assert org is not None
            org.agent_visibility = policy
            user = await auth.create_user(
                db, org, email=email, name="Caio Atendente", password=PASSWORD, role=Role.AGENT
            )
            return user.id

    return await app.call(make()), email


async def _patch(page: Page, path: str, body: dict[str, object]) -> int:
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    resp = await page.request.patch(path, data=body, headers={"X-CSRF-Token": cookies.get("whatrack_csrf", "")})
    return resp.status


async def test_open_chat_says_access_is_gone_when_the_organization_turns_restrictive(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    org = await create_tenant(app_server, simulator, "Revogada")
    _, agent_email = await _agent(app_server, org.organization_id)
    admin = await browsers.page()
    await login(admin, org.email)
    await lead_writes(org, "Oi, quero falar com o admin", phone=new_phone(), name="Lead do Admin")
    cid = await conversation_id(admin, "Lead do Admin")
    assert (await api_post(admin, f"/api/v1/conversations/{cid}/assign", {"userId": str(org.user_id)}))[0] == 200

    agent = await browsers.page()
    shot = Shots(agent, shots_prefix)
    await login(agent, agent_email)
    await open_conversation(agent, "Lead do Admin")  # policy `all`: a colleague's conversation
    await expect(agent.get_by_test_id("composer")).to_be_visible()
    await agent.evaluate("window.__e2eNoReload = true")

    assert await _patch(admin, "/api/v1/organization", {"agentVisibility": "assigned_and_unassigned"}) == 200
    await expect(agent.get_by_test_id("conversation-revoked")).to_have_text("Você não tem mais acesso a esta conversa.")
    await expect(agent.get_by_test_id("composer")).to_have_count(0)
    await expect(agent.get_by_test_id("conversation-row").filter(has_text="Lead do Admin")).to_have_count(0)
    assert await agent.evaluate("window.__e2eNoReload === true")
    await shot("access-gone")


async def test_the_list_widens_without_a_reload_when_the_organization_turns_open(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    org = await create_tenant(app_server, simulator, "Aberta")
    _, agent_email = await _agent(app_server, org.organization_id, AgentVisibility.ASSIGNED_AND_UNASSIGNED)
    admin = await browsers.page()
    await login(admin, org.email)
    await lead_writes(org, "Oi, quero falar com a admin", phone=new_phone(), name="Lead da Admin")
    cid = await conversation_id(admin, "Lead da Admin")
    assert (await api_post(admin, f"/api/v1/conversations/{cid}/assign", {"userId": str(org.user_id)}))[0] == 200
    await lead_writes(org, "Alguém me atende?", phone=new_phone(), name="Lead Livre")  # unassigned

    agent = await browsers.page()
    shot = Shots(agent, shots_prefix)
    await login(agent, agent_email)
    rows = agent.get_by_test_id("conversation-row")
    await expect(rows.filter(has_text="Lead Livre")).to_have_count(1)  # the list has loaded
    await expect(rows.filter(has_text="Lead da Admin")).to_have_count(0)  # a colleague's, hidden
    await agent.evaluate("window.__e2eNoReload = true")

    assert await _patch(admin, "/api/v1/organization", {"agentVisibility": "all"}) == 200
    await expect(rows.filter(has_text="Lead da Admin")).to_have_count(1)
    # and it goes on arriving live: the agent now listens to the organization's feed
    await lead_writes(org, "Mais uma coisa", phone=new_phone(), name="Lead Novo")
    await expect(rows.filter(has_text="Lead Novo")).to_have_count(1)
    assert await agent.evaluate("window.__e2eNoReload === true")
    await shot("list-widened")


async def test_admin_creates_uses_and_revokes_an_api_token(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    org = await create_tenant(app_server, simulator, "Integracao")
    page = await browsers.page()
    shot = Shots(page, shots_prefix)
    await login(page, org.email)
    await page.get_by_test_id("settings-link").click()
    section = page.get_by_test_id("api-tokens-section")
    await expect(section).to_contain_text("Nenhum token ainda.")
    await section.get_by_test_id("api-token-add").click()
    await section.get_by_test_id("api-token-name").fill("CRM")
    await section.get_by_test_id("api-token-submit").click()
    secret = (await section.get_by_test_id("api-token-secret").inner_text()).strip()
    assert secret.startswith("wtk_")
    await expect(section.get_by_test_id("api-token-row")).to_contain_text("CRM")
    await shot("created")

    async def status_with_token() -> int:
        resp = await page.request.get("/api/v1/conversations", headers={"Authorization": f"Bearer {secret}"})
        return resp.status

    assert await status_with_token() == 200
    await section.get_by_test_id("api-token-done").click()
    await expect(section.get_by_test_id("api-token-secret")).to_have_count(0)
    await page.reload()
    await expect(section.get_by_test_id("api-token-row")).to_contain_text(secret[:10])
    assert secret not in await section.inner_text()  # never shown again

    page.once("dialog", lambda d: d.accept())
    await section.get_by_test_id("api-token-revoke").click()
    await expect(section.get_by_test_id("api-token-row")).to_contain_text("revogado")
    assert await status_with_token() == 401
    await shot("revoked")
