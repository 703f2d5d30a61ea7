"""The `whatrack import legacy` command's work: resolve the target, run with a progress bar,
print the verification table."""

from __future__ import annotations

import uuid
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.db import create_engine, create_session_factory
from whatrack.errors import InstanceNotFound, OrganizationNotFound
from whatrack.legacy.importer import Report, Target, run
from whatrack.legacy.mapping import Mapping
from whatrack.legacy.source import LegacySource
from whatrack.models import Instance, Organization


async def resolve_target(
    factory: async_sessionmaker[AsyncSession], organization: uuid.UUID | None, instance: uuid.UUID | None
) -> Target:
    """The organization (default: the first one) and its instance (default: the first one)."""
    async with factory() as session:
        org = (
            await session.get(Organization, organization)
            if organization
            else await session.scalar(select(Organization).order_by(Organization.created_at).limit(1))
        )
        if org is None:
            raise OrganizationNotFound("No such organization (run `whatrack serve` once, or pass --organization)")
        stmt = select(Instance).where(Instance.organization_id == org.id)
        stmt = stmt.where(Instance.id == instance) if instance else stmt.order_by(Instance.created_at).limit(1)
        inst = await session.scalar(stmt)
        if inst is None:
            raise InstanceNotFound("The organization has no such WhatsApp instance (create one, or pass --instance)")
        return Target(org.id, inst.id)


async def import_legacy(
    console: Console,
    database_url: str,
    source_url: str,
    *,
    mapping_file: Path | None,
    organization: uuid.UUID | None,
    instance: uuid.UUID | None,
    legacy_organization: str | None,
    batch_size: int,
    dry_run: bool,
) -> Report:
    mapping = Mapping.load(mapping_file)
    source = LegacySource(source_url, mapping, legacy_organization)
    engine = create_engine(database_url)
    try:
        factory = create_session_factory(engine)
        target = await resolve_target(factory, organization, instance)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("Legacy leads" + (" (dry run)" if dry_run else ""), total=None)
            report = await run(
                source,
                factory,
                target,
                batch_size=batch_size,
                dry_run=dry_run,
                on_start=lambda total: bar.update(task, total=total),
                on_batch=lambda done: bar.advance(task, done),
            )
    finally:
        await source.aclose()
        await engine.dispose()
    print_report(console, report)
    return report


def verification_table(report: Report) -> Table:
    title = "Verification (dry run: what would be imported)" if report.dry_run else "Verification"
    table = Table(title=title)
    table.add_column("Kind")
    table.add_column("Legacy", justify="right")
    table.add_column("Would import" if report.dry_run else "Imported", justify="right")
    table.add_column("Difference explained")
    table.add_column("OK")
    for kind, legacy, imported, why, ok in report.verification():
        table.add_row(kind, str(legacy), str(imported), why, "✓" if ok else "✗")
    return table


def print_report(console: Console, report: Report) -> None:
    for phone, ids in report.merges[:50]:
        console.print(f"merged: legacy leads {', '.join(ids)} → one lead {phone}")
    if len(report.merges) > 50:
        console.print(f"... and {len(report.merges) - 50} more merges")
    for note, n in sorted(report.notes.items()):
        console.print(f"note: {n} {note}")
    written = ", ".join(f"{n} {k}" for k, n in sorted(report.written.items())) or "nothing"
    console.print(("Would write: " if report.dry_run else "Written this run: ") + written)
    console.print(verification_table(report))
