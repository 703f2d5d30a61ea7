"""Messages missed while the app was down.

WuzAPI gives up on a webhook after its retries. When the instance keeps history (`history` > 0
on its WuzAPI user), every message is also in WuzAPI's `message_history`; after a start (and
when an instance reconnects) this asks `GET /chat/history?chat_jid=index` which chats moved in
the last RECOVERY_WINDOW, reads each one's recent messages, and hands every message whose
WhatsApp event WuzAPI stored (`data_json`) to the normal receive path, oldest first, each in its
own transaction: a message already there is a duplicate (by WhatsApp id) and changes nothing;
a missing one is stored, counted unread and published like a live one.

Messages sent through the API have no stored event (`sender_jid` "me", `data_json` ""): they
were sent by this app, which stored them before calling WuzAPI, so they are skipped. An
instance without history answers 501: nothing can be recovered (the settings page says so).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.db import commit_hook, transaction
from whatrack.inbox.receive import receive
from whatrack.instances import service as instances
from whatrack.models import Instance
from whatrack.whatsapp.client import WuzapiClient, WuzapiError
from whatrack.whatsapp.jid import jid_server
from whatrack.whatsapp.parsing import PayloadError, parse_payload

log = logging.getLogger(__name__)

RECOVERY_WINDOW = timedelta(hours=24)
HISTORY_LIMIT = 500
_ONE_TO_ONE = frozenset({"s.whatsapp.net", "lid", "hosted.lid"})


@dataclass
class Recovery:
    instance_id: uuid.UUID
    enabled: bool = True
    chats: int = 0
    seen: int = 0
    inserted: int = 0
    error: str | None = None


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def recover_instance(  # noqa: C901 - one pass: index, chats, then receive one by one
    factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    instance_id: uuid.UUID,
    media: Any,
    *,
    call_timeout: float = 10.0,
    window: timedelta = RECOVERY_WINDOW,
    now: datetime | None = None,
) -> Recovery:
    """Insert what WuzAPI's history has and the inbox lacks, for one instance. Never raises
    for WuzAPI trouble (the result says what happened); holds no transaction during calls."""
    result = Recovery(instance_id)
    async with factory() as db:
        inst = await db.get(Instance, instance_id)
        if inst is None:
            result.error = "no such instance"
            return result
        base_url, token, user_id = inst.base_url, inst.token, inst.wuzapi_user_id
    client = WuzapiClient(http, base_url, token, call_timeout)
    since = (now or datetime.now(UTC)) - window
    try:
        if not user_id:
            user_id = str((await client.session_status()).get("id") or "") or None
        index = await client.chat_history("index")
        chats = (index.get(user_id) if isinstance(index, dict) and user_id else None) or []
        rows: list[dict[str, Any]] = []
        for chat in chats:
            jid = str(chat.get("chat_jid", "")) if isinstance(chat, dict) else ""
            updated = _when(chat.get("last_updated")) if isinstance(chat, dict) else None
            if jid_server(jid) not in _ONE_TO_ONE or updated is None or updated < since:
                continue
            result.chats += 1
            data = await client.chat_history(jid, HISTORY_LIMIT)
            for row in data if isinstance(data, list) else []:
                at = _when(row.get("timestamp")) if isinstance(row, dict) else None
                if at is not None and at >= since and row.get("data_json"):
                    rows.append(row)
    except WuzapiError as exc:
        if exc.status_code == 501:
            result.enabled = False
            await _remember(factory, instance_id, False)
        else:
            result.error = exc.message
            log.warning("instance %s: history recovery failed: %s", instance_id, exc.message)
        return result
    await _remember(factory, instance_id, True)
    rows.sort(key=lambda r: (_when(r["timestamp"]), int(r.get("id") or 0)))
    for row in rows:
        result.seen += 1
        try:
            event = json.loads(row["data_json"])
            envelope = parse_payload({"type": "Message", "event": event, "userID": user_id})
        except (ValueError, PayloadError) as exc:
            log.warning("instance %s: history row %s unreadable: %s", instance_id, row.get("message_id"), exc)
            continue
        try:
            async with transaction(factory) as db:
                inst = await db.get(Instance, instance_id)
                if inst is None:
                    return result
                outcome = await receive(db, inst, envelope, media)
        except Exception:  # one bad row must not stop the others
            log.exception("instance %s: could not recover %s", instance_id, row.get("message_id"))
            continue
        if outcome.status == "ok":
            result.inserted += 1
    if result.inserted:
        log.info("instance %s: recovered %d missed messages", instance_id, result.inserted)
    return result


async def _remember(factory: async_sessionmaker[AsyncSession], instance_id: uuid.UUID, keeps: bool) -> None:
    """Store whether this instance's WuzAPI keeps history (the settings page warns when not)."""
    async with transaction(factory) as db:
        inst = await db.get(Instance, instance_id)
        if inst is not None and inst.wuzapi_history is not keeps:
            instances.set_keeps_history(inst, keeps)


class Recoverer:
    """Runs recover_instance in the background when an instance (re)connects: listens to the
    session factory's commit hook for instances.service.CONNECTED_TOPIC, so the status update
    commits first and is never held up. One run per instance at a time; a reconnect during a
    run asks for one more run after it (messages may have arrived meanwhile)."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        media: Any,
        *,
        call_timeout: float = 10.0,
        window: timedelta = RECOVERY_WINDOW,
    ) -> None:
        self._factory, self._http, self._media = factory, http, media
        self._call_timeout, self._window = call_timeout, window
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._again: set[uuid.UUID] = set()
        self._unlisten: Callable[[], None] | None = None
        self.results: list[Recovery] = []
        """Every finished run, oldest first (logs and tests)."""

    def start(self) -> None:
        self._unlisten = commit_hook(self._factory).listen(instances.CONNECTED_TOPIC, self.request)

    def request(self, instance_id: Any) -> None:
        """Recover this instance soon (called after the commit that connected it)."""
        if not isinstance(instance_id, uuid.UUID):
            return
        if instance_id in self._tasks:
            self._again.add(instance_id)
            return
        self._tasks[instance_id] = asyncio.get_running_loop().create_task(
            self._run(instance_id), name=f"recovery-{instance_id}"
        )

    async def _run(self, instance_id: uuid.UUID) -> None:
        try:
            while True:
                self._again.discard(instance_id)
                try:
                    result = await recover_instance(
                        self._factory,
                        self._http,
                        instance_id,
                        self._media,
                        call_timeout=self._call_timeout,
                        window=self._window,
                    )
                    self.results.append(result)
                except Exception:
                    log.exception("instance %s: history recovery after reconnect failed", instance_id)
                if instance_id not in self._again:
                    return
        finally:
            self._tasks.pop(instance_id, None)

    async def settle(self) -> None:
        """Wait for the runs under way (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)


async def recover_all(
    factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    media: Any,
    *,
    call_timeout: float = 10.0,
    window: timedelta = RECOVERY_WINDOW,
) -> list[Recovery]:
    """Every non-demo instance, one after the other (run at start)."""
    async with factory() as db:
        ids = list((await db.scalars(select(Instance.id).where(Instance.is_demo.is_(False)))).all())
    out = []
    for instance_id in ids:
        try:
            out.append(
                await recover_instance(factory, http, instance_id, media, call_timeout=call_timeout, window=window)
            )
        except Exception:
            log.exception("instance %s: history recovery failed", instance_id)
    return out
