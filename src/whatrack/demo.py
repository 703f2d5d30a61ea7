"""Demo mode: a simulated WuzAPI inside the app process, wired to a "Demo" instance.

`make run` starts it so a newcomer sees leads arrive, replies go out and ticks turn blue within
a minute, with no WhatsApp account. The simulator is served under /_simulator on the app's own
port; it calls the app's webhook over loopback exactly as a real WuzAPI would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.db import transaction
from whatrack.instances import service as instances
from whatrack.instances.webhook import webhook_url
from whatrack.models import Instance, InstanceStatus, Organization
from whatrack.settings import Settings
from whatrack.simulator import history_sync
from whatrack.simulator.app import create_simulator_app
from whatrack.simulator.demo import DemoDirector
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.server import add_user
from whatrack.simulator.state import SimulatorState, SimUser

DEMO_NAME = "Demo (simulado)"
MOUNT = "/_simulator"
AUTO_PAIR_SECONDS = 4.0


class EmbeddedDemo:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The simulated phone "scans" a shown QR code after a few seconds: after "Desvincular" the
        # Demo number pairs again through Conectar, as a real one would with a phone at hand.
        self.state = SimulatorState(delivered_delay=1.5, read_delay=4.0, auto_pair_seconds=AUTO_PAIR_SECONDS)
        self.emitter = WebhookEmitter(self.state)
        self.app: FastAPI = create_simulator_app(self.state, self.emitter)
        self.director = DemoDirector(self.state, self.emitter)

    @property
    def self_url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host  # noqa: S104
        return f"http://{host}:{self.settings.port}"  # loopback: never leaves the machine

    async def start(self, factory: async_sessionmaker[AsyncSession]) -> None:
        token = "demo-" + self.state.admin_token[:24]
        async with transaction(factory) as db:
            org = await db.scalar(select(Organization).order_by(Organization.created_at).limit(1))
            if org is None:
                return
            inst = await db.scalar(
                select(Instance).where(Instance.organization_id == org.id, Instance.is_demo.is_(True))
            )
            base_url = self.self_url + MOUNT
            first = inst is None
            if inst is None:
                inst = await instances.create_instance(
                    db, org.id, name=DEMO_NAME, base_url=base_url, token=token, is_demo=True
                )
                inst.history_days = 30  # the demo number comes with a few weeks of chats
            inst.base_url, inst.token = base_url, token
            await instances.set_status(db, inst, InstanceStatus.CONNECTED, jid="5511999990000@s.whatsapp.net")
            webhook = webhook_url(inst, self.self_url)
        user = add_user(self.state, token=token, webhook=webhook, name=DEMO_NAME)
        if first:  # as if just paired: WhatsApp's history arrives as HistorySync webhooks
            user.phone_history = history_sync.demo_past(datetime.now(UTC))
            chunks = history_sync.chunks(user.phone_history, 30)
            self.state.spawn(self._send_history(user, chunks))
        self.director.start()

    async def _send_history(self, user: SimUser, chunks: list[dict[str, Any]]) -> None:
        for chunk in chunks:
            await self.emitter.emit(user, chunk)

    async def stop(self) -> None:
        await self.director.stop()
        await self.state.cancel_all()
        await self.emitter.aclose()
