"""Inbox UI speed in a real Chromium, on a big SQLite inbox. Not a test: prints JSON.

    .venv/bin/python -m bench.bench_ui            # 10,000 conversations, one of 5,000 messages
    .venv/bin/python -m bench.bench_ui --quick    # 2,000 conversations, one of 1,000 messages

The real app (embedded hub, SQLite, outbox drainer on) serves the built front end on a
loopback port, wired to a real WuzAPI simulator. The inbox is seeded with bulk core inserts
(executemany) before the app starts. Timings are taken inside the page with a
MutationObserver + requestAnimationFrame (the frame after the element appears), so they
include React's render and the browser's layout, not Playwright's polling.

Measured:
  list_painted       navigation to /inbox -> first conversation row painted (performance.now()
                     since navigation start; first run has a cold HTTP cache)
  chat_painted       click on the 5,000-message conversation -> its newest bubble painted
                     (fresh page each run, so nothing is cached)
  received           webhook POST (timed in Python) -> the bubble painted in the open chat
                     (wall clock, same machine), p50/p95 over N messages sent one at a time
  optimistic         Enter keydown -> the agent's own bubble painted
  bundle             frontend/dist/assets/*.js gzipped (level 9) in Python: all of it, and the
                     initial route's (the scripts index.html loads or preloads)
Targets: list < 1 s, chat < 500 ms, received p95 < 250 ms, optimistic < 50 ms, initial JS < 300 kB gz.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
from playwright.async_api import Page, async_playwright
from sqlalchemy import Table, insert, text
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DIST, PASSWORD, AppServer, WsSpy, ensure_frontend_built

from whatrack.auth import service as auth
from whatrack.db import create_engine, create_session_factory, new_id, transaction
from whatrack.instances import service as instances
from whatrack.instances.webhook import webhook_url
from whatrack.leads.phones import normalize_phone
from whatrack.models import Conversation, Lead, Message, Role, Ticket
from whatrack.models.enums import MessageStatus, MessageType, SenderType, TicketStatus
from whatrack.simulator import SimulatorServer, SimulatorState, payloads

TARGETS_MS = {"list_painted": 1000.0, "chat_painted": 500.0, "received_p95": 250.0, "optimistic_p95": 50.0}
BUNDLE_TARGET_KB = 300.0
EMAIL = "bench@example.com"
BIG_PHONE = "5511987650000"
BIG_NAME = "Lead Histórico Longo"
BATCH = 2000

# Installed before any page script: records when elements matching a selector (and text)
# first appear, stamped in the frame after (rAF + macrotask ~ after paint).
PAINT_PROBE = """
(() => {
  const waits = [];
  window.__paintWait = (selector, text, key) => {
    waits.push({ selector, text, key });
    scan();
  };
  window.__painted = {};
  const stamp = (key) => {
    const dom = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.__painted[key] = { dom, now: performance.now(), epoch: performance.timeOrigin + performance.now() };
    }, 0));
  };
  const scan = () => {
    for (let i = waits.length - 1; i >= 0; i--) {
      const w = waits[i];
      for (const el of document.querySelectorAll(w.selector)) {
        if (w.text && !el.textContent.includes(w.text)) continue;
        waits.splice(i, 1);
        stamp(w.key);
        break;
      }
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true });
  window.__paintWait('[data-testid="conversation-row"]', "", "list");
})();
"""


def stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    n = len(ordered)

    def pct(p: float) -> float:
        return round(ordered[min(n - 1, max(0, round(p * n + 0.5) - 1))], 1)

    return {
        "n": n,
        "p50": round(statistics.median(ordered), 1),
        "p95": pct(0.95),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


# --- seeding -----------------------------------------------------------------------------------


async def seed(
    database_url: str, sim_base_url: str, token: str, public_url: str, conversations: int, history: int
) -> dict[str, Any]:
    """Org + user + instance through the services; then leads, conversations, tickets, messages in bulk."""
    started = time.perf_counter()
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    async with transaction(factory) as db:
        org = await auth.create_organization(db, "Bench Ltda")
        await auth.create_user(db, org, email=EMAIL, name="Bench Agent", password=PASSWORD, role=Role.ADMIN)
        inst = await instances.create_instance(db, org.id, name="Bench WhatsApp", base_url=sim_base_url, token=token)
        org_id, inst_id = org.id, inst.id
        webhook = webhook_url(inst, public_url)

    now = datetime.now(UTC)
    leads: list[dict[str, Any]] = []
    convs: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    msgs: list[dict[str, Any]] = []
    big_conv: uuid.UUID | None = None
    for i in range(conversations):
        big = i == 0
        digits = BIG_PHONE if big else f"55119{i:08d}"
        lead_id, conv_id, ticket_id, msg_id = new_id(), new_id(), new_id(), new_id()
        at = now - timedelta(minutes=i + (0 if big else 1))  # the big one is the most recent
        name = BIG_NAME if big else f"Lead {i:05d}"
        preview = f"Mensagem de histórico nº {history - 1}" if big else f"Olá, sou o lead {i}"
        leads.append(
            {
                "id": lead_id,
                "organization_id": org_id,
                "phone": normalize_phone(digits),
                "remote_jid": f"{digits}@s.whatsapp.net",
                "name": name,
                "push_name": name,
                "created_at": at,
            }
        )
        convs.append(
            {
                "id": conv_id,
                "organization_id": org_id,
                "lead_id": lead_id,
                "instance_id": inst_id,
                "current_ticket_id": ticket_id,
                "ticket_status": TicketStatus.OPEN,
                "unread_count": 0 if big else i % 3,
                "last_message_at": at,
                "last_message_preview": preview,
                "last_message_sender_type": SenderType.LEAD,
                "last_message_id": msg_id,
                "waiting_since": at,
                "created_at": at,
            }
        )
        tickets.append(
            {
                "id": ticket_id,
                "organization_id": org_id,
                "conversation_id": conv_id,
                "number": 1,
                "status": TicketStatus.OPEN,
                "source": "whatsapp",
                "referral": {},
                "follow_up_enabled": False,
                "last_activity_at": at,
                "created_at": at,
            }
        )
        if big:
            big_conv = conv_id
            start = at - timedelta(seconds=history * 30)
            for k in range(history):
                lead_msg = k % 2 == 0
                sent = at if k == history - 1 else start + timedelta(seconds=30 * k)
                msgs.append(
                    _message(
                        msg_id if k == history - 1 else new_id(),
                        org_id,
                        conv_id,
                        ticket_id,
                        inst_id,
                        f"Mensagem de histórico nº {k}" + ("" if k % 7 else " — com um texto um pouco mais longo " * 3),
                        SenderType.LEAD if lead_msg or k == history - 1 else SenderType.USER,
                        sent,
                        k,
                    )
                )
        else:
            msgs.append(_message(msg_id, org_id, conv_id, ticket_id, inst_id, preview, SenderType.LEAD, at, i))

    async with engine.begin() as conn:
        # conversations <-> tickets reference each other: check the keys at commit
        await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table, rows in (
            (Lead.__table__, leads),
            (Conversation.__table__, convs),
            (Ticket.__table__, tickets),
            (Message.__table__, msgs),
        ):
            for n in range(0, len(rows), BATCH):
                await conn.execute(insert(cast(Table, table)), rows[n : n + BATCH])
    await engine.dispose()
    assert big_conv is not None
    return {
        "organization_id": org_id,
        "big_conversation_id": str(big_conv),
        "webhook": webhook,
        "history": history,
        "rows": {"conversations": len(convs), "messages": len(msgs)},
        "seconds": round(time.perf_counter() - started, 2),
    }


def _message(
    msg_id: uuid.UUID,
    org_id: uuid.UUID,
    conv_id: uuid.UUID,
    ticket_id: uuid.UUID,
    inst_id: uuid.UUID,
    content: str,
    sender: SenderType,
    at: datetime,
    n: int,
) -> dict[str, Any]:
    return {
        "id": msg_id,
        "organization_id": org_id,
        "conversation_id": conv_id,
        "ticket_id": ticket_id,
        "instance_id": inst_id,
        "sender_type": sender,
        "sender_name": "Bench Agent" if sender == SenderType.USER else None,
        "message_type": MessageType.TEXT,
        "content": content,
        "status": MessageStatus.READ if sender == SenderType.USER else MessageStatus.DELIVERED,
        "external_id": f"BENCH{n:08d}{secrets.token_hex(4).upper()}",
        "edited": False,
        "deleted": False,
        "reactions": [],
        "metadata": {},
        "sent_at": at,
        "created_at": at,
    }


# --- measuring ---------------------------------------------------------------------------------


async def painted(page: Page, key: str, limit: float = 30.0) -> dict[str, float]:
    await page.wait_for_function("(k) => !!window.__painted[k]", arg=key, timeout=limit * 1000)
    result: dict[str, float] = await page.evaluate("(k) => window.__painted[k]", key)
    return result


async def measure(base_url: str, info: dict[str, Any], runs: int, samples: int) -> dict[str, Any]:
    big = info["big_conversation_id"]
    newest = f"Mensagem de histórico nº {info['history'] - 1}"
    out: dict[str, Any] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            base_url=base_url, locale="pt-BR", timezone_id="America/Sao_Paulo", viewport={"width": 1280, "height": 800}
        )
        await context.add_init_script(PAINT_PROBE)
        resp = await context.request.post("/api/v1/auth/login", data={"email": EMAIL, "password": PASSWORD})
        assert resp.ok, await resp.text()

        # navigation -> list painted
        list_ms: list[float] = []
        for _ in range(runs):
            page = await context.new_page()
            await page.goto("/inbox")
            list_ms.append((await painted(page, "list"))["now"])
            await page.close()
        out["list_painted_ms"] = {"first_cold": round(list_ms[0], 1), **stats(list_ms)}

        # click -> the 5,000-message chat painted (a fresh page each time: nothing cached)
        chat_ms: list[float] = []
        for _ in range(runs):
            page = await context.new_page()
            await page.goto("/inbox")
            await painted(page, "list")
            row = page.locator(f'[data-testid="conversation-row"][data-conversation-id="{big}"]')
            await row.wait_for()
            await page.evaluate(
                """([sel, text]) => {
                  const at = () => { window.__clickAt = performance.now(); };
                  document.addEventListener("click", at, { capture: true, once: true });
                  window.__paintWait(sel, text, "chat");
                }""",
                ['[data-testid="message-list"] [data-testid="message-bubble"]', newest],
            )
            await row.click()
            done = await painted(page, "chat")
            chat_ms.append(done["now"] - await page.evaluate("window.__clickAt"))
            await page.close()
        out["chat_painted_ms"] = stats(chat_ms)

        # keep one page with the big chat open for the live measurements
        page = await context.new_page()
        spy = WsSpy.attach(page)
        await page.goto(f"/inbox?c={big}")
        await page.get_by_test_id("composer-input").wait_for()
        await spy.wait_subscribed(f"chat:conversation:{big}")
        await spy.wait_subscribed(f"chat:org:{info['organization_id']}")

        # webhook POST -> bubble painted
        received: list[float] = []
        async with httpx.AsyncClient(timeout=10) as client:
            for n in range(samples):
                marker = f"bench-rx-{n}-{secrets.token_hex(3)}"
                await page.evaluate(
                    "([sel, text]) => window.__paintWait(sel, text, text)",
                    ['[data-testid="message-list"] [data-testid="message-bubble"]', marker],
                )
                body = payloads.text_message(text=f"Pergunta {marker}", phone=BIG_PHONE, push_name=BIG_NAME)
                t0 = time.time() * 1000
                r = await client.post(info["webhook"], json=body)
                assert r.status_code == 200, r.text
                done = await painted(page, marker)
                received.append(done["epoch"] - t0)
                await asyncio.sleep(0.05)
        out["received_ms"] = stats(received)

        # Enter -> optimistic bubble painted
        await page.evaluate(
            """() => document.addEventListener("keydown", (e) => {
                 const box = e.target.matches('[data-testid="composer-input"]');
                 if (e.key === "Enter" && box) window.__enterAt = performance.now();
               }, { capture: true })"""
        )
        optimistic: list[float] = []
        optimistic_dom: list[float] = []
        box = page.get_by_test_id("composer-input")
        for n in range(max(10, samples // 2)):
            marker = f"bench-tx-{n}-{secrets.token_hex(3)}"
            await box.fill(f"Resposta {marker}")
            await page.evaluate(
                "([sel, text]) => window.__paintWait(sel, text, text)",
                ['[data-testid="message-list"] [data-testid="message-bubble"][data-sender="USER"]', marker],
            )
            await box.press("Enter")
            done = await painted(page, marker)
            enter_at = await page.evaluate("window.__enterAt")
            optimistic.append(done["now"] - enter_at)
            optimistic_dom.append(done["dom"] - enter_at)
            await asyncio.sleep(1.0)  # let this message's ✓/✓✓/read receipts land before the next
        out["optimistic_ms"] = stats(optimistic)
        out["optimistic_in_dom_ms"] = stats(optimistic_dom)  # before the frame: React's share
        await browser.close()
    return out


def bundle_size() -> dict[str, Any]:
    """All JS, and the initial route's: the scripts index.html loads or preloads (the picker,
    recorder, reports and leads pages are chunks loaded when used)."""
    files = sorted((DIST / "assets").glob("*.js"))
    initial_names = set(re.findall(r'(?:src|href)="/assets/([^"]+\.js)"', (DIST / "index.html").read_text()))
    initial = [f for f in files if f.name in initial_names]

    def gz(fs: list[Path]) -> int:
        return sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in fs)

    css = sorted((DIST / "assets").glob("*.css"))
    return {
        "files": [f.name for f in files],
        "initial_files": [f.name for f in initial],
        "js_raw_kb": round(sum(f.stat().st_size for f in files) / 1024, 1),
        "js_gzip_kb": round(gz(files) / 1024, 1),
        "initial_js_gzip_kb": round(gz(initial) / 1024, 1),
        "css_gzip_kb": round(gz(css) / 1024, 1),
    }


async def main_async(quick: bool) -> dict[str, Any]:
    conversations, history = (2000, 1000) if quick else (10_000, 5000)
    runs, samples = (3, 15) if quick else (5, 50)
    ensure_frontend_built()
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        state = SimulatorState(delivered_delay=0.3, read_delay=0.8)
        with SimulatorServer(state) as sim:
            app = AppServer(Path(tmp), log_level="ERROR")
            await asyncio.to_thread(app.migrate)
            info = await seed(app.database_url, sim.base_url, token, app.url, conversations, history)
            sim.add_user(token=token, webhook=info["webhook"], name="Bench")
            await asyncio.to_thread(app.start)
            try:
                ui = await measure(app.url, info, runs, samples)
            finally:
                await asyncio.to_thread(app.stop)
    bundle = bundle_size()
    result: dict[str, Any] = {
        "benchmark": "ui",
        "quick": quick,
        "seed": {**info["rows"], "seconds": info["seconds"]},
        **ui,
        "bundle": bundle,
    }
    result["targets"] = {
        "list_painted_ms<1000": ui["list_painted_ms"]["p50"] < TARGETS_MS["list_painted"],
        "chat_painted_ms<500": ui["chat_painted_ms"]["p50"] < TARGETS_MS["chat_painted"],
        "received_p95_ms<250": ui["received_ms"]["p95"] < TARGETS_MS["received_p95"],
        "optimistic_p95_ms<50": ui["optimistic_ms"]["p95"] < TARGETS_MS["optimistic_p95"],
        "initial_js_gzip_kb<300": bundle["initial_js_gzip_kb"] < BUNDLE_TARGET_KB,
    }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inbox and fewer samples")
    args = parser.parse_args(argv)
    result = asyncio.run(main_async(args.quick))
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
