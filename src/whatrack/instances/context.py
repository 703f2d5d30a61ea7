"""`InstanceContext`: what every instance operation that calls WuzAPI needs, in one value.

Those operations take the session *factory*: they read in one short transaction, call WuzAPI
with no transaction open, and write in another (committed by `transaction`). Holding a
transaction across a slow WuzAPI call would block every other request on SQLite, which runs
on a single connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.auth.service import Actor
from whatrack.db import transaction
from whatrack.instances import service
from whatrack.instances.schemas import InstanceConnection
from whatrack.instances.targets import check_instance
from whatrack.instances.wuzapi import SessionState
from whatrack.models import Instance
from whatrack.settings import Settings
from whatrack.whatsapp.client import WuzapiAdminClient, WuzapiClient


@dataclass(frozen=True, slots=True)
class Target:
    """What a WuzAPI call needs, read before the call so no transaction stays open."""

    id: uuid.UUID
    base_url: str
    token: str
    is_demo: bool

    @classmethod
    def of(cls, instance: Instance) -> Target:
        return cls(instance.id, instance.base_url, instance.token, instance.is_demo)


@dataclass(frozen=True, slots=True)
class InstanceContext:
    """Session factory, outgoing HTTP client and settings (built per request from app.state)."""

    factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    settings: Settings

    def client(self, base_url: str, token: str, timeout: float | None = None) -> WuzapiClient:
        return WuzapiClient(
            self.http, base_url, token, self.settings.wuzapi_timeout_seconds if timeout is None else timeout
        )

    def admin(self, base_url: str, admin_token: str) -> WuzapiAdminClient:
        return WuzapiAdminClient(self.http, base_url, admin_token, self.settings.wuzapi_timeout_seconds)

    async def target(self, actor: Actor, instance_id: uuid.UUID) -> Target:
        async with transaction(self.factory) as db:
            target = Target.of(await service.get_instance(db, actor, instance_id))
        return target

    async def client_for(self, actor: Actor, instance_id: uuid.UUID) -> WuzapiClient:
        """The instance's WuzAPI client (read in its own short transaction). Raises
        WuzapiHostNotAllowed for a URL outside WUZAPI_ALLOWED_HOSTS (added before it was set)."""
        target = await self.target(actor, instance_id)
        check_instance(target.base_url, is_demo=target.is_demo, settings=self.settings)
        return self.client(target.base_url, target.token)

    async def store(self, actor: Actor, instance_id: uuid.UUID, state: SessionState) -> InstanceConnection:
        """Write what WuzAPI said (emits `instance_updated` on change) and answer with it."""
        async with transaction(self.factory) as db:
            instance = await service.get_instance(db, actor, instance_id)
            await service.apply_state(db, instance, state)
            connection = InstanceConnection(
                id=instance.id,
                status=instance.status,
                phone=instance.phone,
                connected=state.connected,
                logged_in=state.logged_in,
                qr_code=instance.qr_code,
            )
        return connection
