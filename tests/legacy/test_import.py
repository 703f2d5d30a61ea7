"""whatrack import legacy: the exact result on the tricky rows, idempotence, crash and resume."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.tenants import Harness, Tenant
from whatrack.legacy import importer
from whatrack.legacy.importer import Report, Target
from whatrack.legacy.mapping import Mapping
from whatrack.legacy.source import LegacySource
from whatrack.models import Conversation, Lead, Message, OutboxEvent, Ticket


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def run_import(harness: Harness, t: Tenant, legacy_url: str, **options: Any) -> Report:
    source = LegacySource(legacy_url, Mapping())
    try:
        return await importer.run(
            source, harness.app.state.session_factory, Target(t.organization_id, t.instance.id), **options
        )
    finally:
        await source.aclose()


async def snapshot(harness: Harness) -> dict[str, Any]:
    """Everything the import writes, by content (ids are random)."""
    async with harness.db() as db:
        leads = {x.id: x for x in (await db.scalars(select(Lead))).all()}
        convs = {c.id: c for c in (await db.scalars(select(Conversation))).all()}
        tickets = {x.id: x for x in (await db.scalars(select(Ticket))).all()}
        phone_of_conv = {c.id: leads[c.lead_id].phone for c in convs.values()}
        msgs = (await db.scalars(select(Message).order_by(Message.sent_at))).all()
        outbox = await db.scalar(select(func.count()).select_from(OutboxEvent))
        return {
            "leads": sorted(
                (x.phone, x.name, x.first_source, x.first_campaign, x.first_medium, x.created_at)
                for x in leads.values()
            ),
            "conversations": sorted(
                (
                    phone_of_conv[c.id],
                    tickets[c.current_ticket_id].number if c.current_ticket_id else None,
                    c.ticket_status.value,
                    c.unread_count,
                    c.last_message_preview,
                    c.last_message_sender_type.value if c.last_message_sender_type else None,
                    c.last_message_at,
                    c.waiting_since,
                )
                for c in convs.values()
            ),
            "tickets": sorted(
                (
                    phone_of_conv[x.conversation_id],
                    x.number,
                    x.status.value,
                    x.source,
                    x.campaign,
                    x.medium,
                    x.ad_id,
                    x.created_at,
                    x.resolved_at,
                )
                for x in tickets.values()
            ),
            "messages": [
                (
                    phone_of_conv[m.conversation_id],
                    tickets[m.ticket_id].number,
                    m.sender_type.value,
                    m.message_type.value,
                    m.content,
                    m.external_id,
                    m.status.value,
                    m.sent_at,
                )
                for m in msgs
            ],
            "outbox": outbox,
        }


EXPECTED: dict[str, Any] = {
    "leads": [
        # L1 and L2 are one person (ninth digit): the first legacy lead's name; first touch from I1
        ("+5511988887777", "José Ação", "meta_ads", "black_friday", "paid", at("2024-01-01 09:00")),
        # first touch from its earliest Inbound (I3) even though its campaign is NULL and I4 has one
        ("+5521977776666", "Zoë 李", "whatsapp", None, None, at("2024-03-01 08:00")),
        # no Inbound: no first touch
        ("+5531988881111", None, None, None, None, at("2024-05-01 08:00")),
    ],
    "conversations": [
        ("+5511988887777", 2, "OPEN", 0, "Promoção", "USER", at("2024-02-02 11:00"), None),
        ("+5521977776666", 2, "RESOLVED", 0, "Bom dia 🌞", "LEAD", at("2024-03-01 10:30"), None),
        ("+5531988881111", 1, "RESOLVED", 0, "Oi, vi o anúncio", "LEAD", at("2024-05-01 09:00"), None),
    ],
    "tickets": [
        (
            "+5511988887777",
            1,
            "RESOLVED",
            "meta_ads",
            "black_friday",
            "paid",
            "120200",
            at("2024-01-01 10:00"),
            at("2024-01-15 12:00"),
        ),
        ("+5511988887777", 2, "OPEN", "organic", None, None, None, at("2024-02-01 10:00"), None),
        ("+5521977776666", 1, "RESOLVED", "whatsapp", None, None, None, at("2024-03-01 10:00"), at("2024-03-01 10:30")),
        # an Inbound with no messages is still a ticket
        (
            "+5521977776666",
            2,
            "RESOLVED",
            "google_ads",
            "natal",
            "cpc",
            None,
            at("2024-04-01 10:00"),
            at("2024-04-01 10:00"),
        ),
        # messages but no Inbound: one ticket for them
        ("+5531988881111", 1, "RESOLVED", None, None, None, None, at("2024-05-01 09:00"), at("2024-05-01 09:00")),
    ],
    "messages": [
        ("+5511988887777", 1, "LEAD", "TEXT", "Olá, quero saber o preço", "WA-1", "READ", at("2024-01-01 10:00:05")),
        ("+5511988887777", 1, "AI", "TEXT", "Oi! Custa R$ 10", "WA-2", "READ", at("2024-01-01 10:01")),
        # only in WhatsappMessage: imported once (W3 repeats it), in the window of ticket 1
        ("+5511988887777", 1, "LEAD", "TEXT", "Só no WhatsappMessage", "WA-7", "DELIVERED", at("2024-01-15 12:00")),
        ("+5511988887777", 2, "USER", "IMAGE", "Promoção", "WA-3", "DELIVERED", at("2024-02-02 11:00")),
        ("+5521977776666", 1, "LEAD", "TEXT", "Bom dia 🌞", "WA-4", "DELIVERED", at("2024-03-01 10:30")),
        ("+5531988881111", 1, "LEAD", "TEXT", "Oi, vi o anúncio", "WA-6", "DELIVERED", at("2024-05-01 09:00")),
    ],
    "outbox": 0,  # imported history publishes nothing
}

VERIFICATION = [
    ("Leads", 5, 3, "1 no valid phone number; 1 same person as another legacy lead (merged)", True),
    ("Conversations", 5, 3, "one per imported lead (legacy conversations are not copied one by one)", True),
    ("Tickets (Inbound)", 5, 4, f"1 {importer.ORPHAN}", True),
    ("Tickets (no Inbound)", 0, 1, "made for leads that have messages but no Inbound", True),
    ("Messages (Message)", 6, 5, f"1 {importer.ORPHAN}", True),
    (
        "Messages (WhatsappMessage)",
        4,
        1,
        f"1 {importer.ALSO_IN_MESSAGE}; 1 {importer.ORPHAN}; 1 {importer.REPEATED}",
        True,
    ),
]


async def test_import_gives_the_exact_result_and_a_second_run_changes_nothing(
    harness: Harness, legacy_url: str
) -> None:
    t = await harness.tenant("Acme")
    dry = await run_import(harness, t, legacy_url, dry_run=True)
    assert dry.verification() == VERIFICATION
    assert (await snapshot(harness))["leads"] == []  # a dry run writes nothing

    report = await run_import(harness, t, legacy_url, batch_size=2)
    assert report.verification() == VERIFICATION
    assert report.merges == [("+5511988887777", ["L1", "L2"])]
    assert report.written == {"leads": 3, "tickets": 5, "messages": 6}
    assert await snapshot(harness) == EXPECTED

    again = await run_import(harness, t, legacy_url)
    assert again.written == {}
    assert again.verification() == VERIFICATION
    assert await snapshot(harness) == EXPECTED


async def test_a_crash_mid_run_then_a_rerun_ends_in_the_same_state(
    harness: Harness, legacy_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await harness.tenant("Acme")
    real = importer._write_messages
    calls = {"n": 0}

    async def crash_on_second_batch(db: Any, rows: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            # leads, conversations and tickets of this batch are flushed, not committed
            raise RuntimeError("power cut")
        return await real(db, rows)

    monkeypatch.setattr(importer, "_write_messages", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        await run_import(harness, t, legacy_url, batch_size=1)
    partial = await snapshot(harness)
    assert [x[0] for x in partial["leads"]] == ["+5511988887777"]  # the first batch was committed
    monkeypatch.setattr(importer, "_write_messages", real)
    report = await run_import(harness, t, legacy_url, batch_size=1)
    assert report.verification() == VERIFICATION
    assert await snapshot(harness) == EXPECTED


async def test_imported_lead_keeps_live_traffic_and_a_live_open_ticket(harness: Harness, legacy_url: str) -> None:
    """A person who already wrote through WhatsApp: the legacy history joins the same lead; the
    live open ticket stays the current one, the legacy open Inbound becomes RESOLVED, and the
    live unread count is kept."""
    from whatrack.simulator import payloads as p

    t = await harness.tenant("Acme")
    resp = await harness.webhook(t, p.text_message(text="oi de novo", phone="5511988887777", message_id="LIVE-1"))
    assert resp.status_code == 200
    report = await run_import(harness, t, legacy_url)
    assert report.notes == {"open in the legacy database but the conversation has an open ticket: imported RESOLVED": 1}
    snap = await snapshot(harness)
    conv = next(c for c in snap["conversations"] if c[0] == "+5511988887777")
    assert conv[1:6] == (1, "OPEN", 1, "oi de novo", "LEAD")  # live ticket 1 current; unread kept
    tickets = [x for x in snap["tickets"] if x[0] == "+5511988887777"]
    assert [(x[1], x[2], x[3]) for x in tickets] == [
        (1, "OPEN", "whatsapp"),
        (2, "RESOLVED", "meta_ads"),
        (3, "RESOLVED", "organic"),
    ]
    lead = next(x for x in snap["leads"] if x[0] == "+5511988887777")
    assert lead[2:5] == ("meta_ads", "black_friday", "paid")  # the legacy first touch is the first


def test_cli_dry_run_prints_the_verification_table(
    legacy_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whatrack.cli import app as cli
    from whatrack.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        no_org = runner.invoke(cli, ["import", "legacy", "--from", legacy_url, "--dry-run"])
        assert no_org.exit_code == 1 and "No such organization" in no_org.output
        made = runner.invoke(cli, ["user", "create", "a@example.com", "--name", "A", "--password", "s3cret-pass"])
        assert made.exit_code == 0
        inst = runner.invoke(cli, ["instance", "create", "V", "--base-url", "http://w:8080", "--token", "tok-1"])
        assert inst.exit_code == 0
        bad_map = tmp_path / "m.toml"
        bad_map.write_text('[tables]\nnope = "x"\n')
        wrong = runner.invoke(cli, ["import", "legacy", "--from", legacy_url, "--mapping", str(bad_map)])
        assert wrong.exit_code == 1 and "unknown table kind" in wrong.output
        dry = runner.invoke(cli, ["import", "legacy", "--from", legacy_url, "--dry-run"], env={"COLUMNS": "200"})
        assert dry.exit_code == 0, dry.output
        assert "Verification (dry run" in dry.output and "merged: legacy leads L1, L2" in dry.output
        done = runner.invoke(cli, ["import", "legacy", "--from", legacy_url], env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.output
        assert "Written this run: 3 leads, 6 messages, 5 tickets" in done.output
    finally:
        get_settings.cache_clear()
