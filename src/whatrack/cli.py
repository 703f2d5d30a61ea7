"""whatrack serve | worker | db upgrade | user create | instance create | metrics rebuild | import legacy |
media migrate | simulator"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack import migrate
from whatrack.auth import service as auth
from whatrack.db import create_engine, create_session_factory, transaction
from whatrack.errors import DomainError, OrganizationNotFound
from whatrack.instances import service as instances
from whatrack.instances.webhook import webhook_url
from whatrack.models import Organization, Role
from whatrack.settings import Settings, get_settings

app = typer.Typer(no_args_is_help=True, help="Whatrack Chat: WhatsApp team inbox for sales leads.")
db_app = typer.Typer(help="Database commands.")
user_app = typer.Typer(help="Users.")
instance_app = typer.Typer(help="WhatsApp instances (WuzAPI users).")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(instance_app, name="instance")
metrics_app = typer.Typer(help="Response metrics (reports).")
app.add_typer(metrics_app, name="metrics")
import_app = typer.Typer(help="Bring data in from elsewhere.")
app.add_typer(import_app, name="import")
media_app = typer.Typer(help="Media files (local directory or S3-compatible storage).")
app.add_typer(media_app, name="media")
console = Console()
T = TypeVar("T")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    console.print(f"[green]Database at head[/]: {settings.database_url.split('@')[-1]}")


async def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            return await work(db)
    finally:
        await engine.dispose()


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` in one transaction; a domain error becomes a one-line message and exit code 1."""
    try:
        return asyncio.run(_in_transaction(settings, work))
    except DomainError as exc:
        console.print(f"[red]Error:[/] {exc.message}")
        raise typer.Exit(1) from exc


async def _organization(db: AsyncSession, organization_id: str | None) -> Organization | None:
    """The organization a command acts on: the given id, or the first one created."""
    if organization_id:
        try:
            return await db.get(Organization, uuid.UUID(organization_id))
        except ValueError:
            raise typer.BadParameter("--organization must be a UUID") from None
    return await db.scalar(select(Organization).order_by(Organization.created_at).limit(1))


@metrics_app.command("rebuild")
def metrics_rebuild(
    organization: Annotated[str | None, typer.Option(help="Organization id (default: every organization)")] = None,
    chunk: Annotated[int, typer.Option(min=1, help="Conversations per transaction")] = 500,
) -> None:
    """Recompute every ticket's and conversation's response metrics from the messages, and
    resolved tickets' resolution times, on each organization's clock as set now (wall clock or
    business hours: run it after changing that setting). Idempotent: run it as often as you
    like; live traffic waits per chunk."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from whatrack.reports import metrics

    org_id: uuid.UUID | None = None
    if organization:
        try:
            org_id = uuid.UUID(organization)
        except ValueError:
            raise typer.BadParameter("--organization must be a UUID") from None
    settings = get_settings()

    async def work() -> int:
        engine = create_engine(settings.database_url)
        try:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("Conversations", total=None)
                return await metrics.rebuild(
                    create_session_factory(engine),
                    org_id,
                    chunk=chunk,
                    on_start=lambda total: bar.update(task, total=total),
                    on_chunk=lambda done: bar.advance(task, done),
                )
        finally:
            await engine.dispose()

    count = asyncio.run(work())
    console.print(f"[green]Metrics rebuilt[/] for {count} conversations")


@import_app.command("legacy")
def import_legacy(
    source: Annotated[str, typer.Option("--from", help="Legacy Whatrack database, postgresql://user:pass@host/db")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be imported; write nothing")] = False,
    mapping: Annotated[
        Path | None, typer.Option(help="TOML file for renamed tables/columns (docs/legacy-mapping.example.toml)")
    ] = None,
    organization: Annotated[str | None, typer.Option(help="Target organization id (default: the first one)")] = None,
    instance: Annotated[str | None, typer.Option(help="Target instance id (default: the organization's first)")] = None,
    legacy_organization: Annotated[
        str | None, typer.Option(help="Only the legacy leads of this legacy organization id")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Legacy people per transaction")] = 500,
) -> None:
    """Import leads, tickets (Inbound) and messages from the legacy Whatrack database: resumable
    (keyed by legacy ids), ends with a verification table."""
    from whatrack.legacy.command import import_legacy as run_import
    from whatrack.legacy.mapping import MappingError

    def as_uuid(value: str | None, name: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(value) if value else None
        except ValueError:
            raise typer.BadParameter(f"--{name} must be a UUID") from None

    org_id, inst_id = as_uuid(organization, "organization"), as_uuid(instance, "instance")
    settings = get_settings()
    try:
        report = asyncio.run(
            run_import(
                console,
                settings.database_url,
                source,
                mapping_file=mapping,
                organization=org_id,
                instance=inst_id,
                legacy_organization=legacy_organization,
                batch_size=batch_size,
                dry_run=dry_run,
            )
        )
    except (DomainError, MappingError, ValueError) as exc:
        console.print(f"[red]Error:[/] {getattr(exc, 'message', None) or exc}")
        raise typer.Exit(1) from exc
    if not all(ok for *_, ok in report.verification()):
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    demo: Annotated[bool | None, typer.Option("--demo/--no-demo", help="Start the simulated WhatsApp instance")] = None,
    workers: Annotated[
        int, typer.Option(envvar="WEB_CONCURRENCY", min=1, help="Worker processes (PostgreSQL + Centrifugo only)")
    ] = 1,
) -> None:
    """Migrate, make sure an admin exists, and serve the app (API, front end, real-time)."""
    settings = get_settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    if demo is not None:
        settings.demo = demo
    # Each process has its own drainer and jobs (rows are claimed with SKIP LOCKED); the
    # embedded hub and SQLite live in one process, so they rule several out.
    if workers > 1 and (settings.is_sqlite or not settings.centrifugo_url or settings.demo):
        raise typer.BadParameter("--workers > 1 needs PostgreSQL and CENTRIFUGO_URL, without --demo")
    migrate.upgrade(settings.database_url)
    password = settings.admin_password or secrets.token_urlsafe(9)

    async def bootstrap(db: AsyncSession) -> bool:
        _org, _user, created = await auth.ensure_bootstrap(
            db, organization_name=settings.organization_name, email=settings.admin_email, password=password
        )
        return created

    created = _run(settings, bootstrap)
    url = f"http://{settings.host}:{settings.port}"
    lines = [f"Open [bold]{url}[/]"]
    if created:
        lines.append(f"Log in as [bold]{settings.admin_email}[/] with password [bold]{password}[/]")
    else:
        lines.append(
            f"Log in as [bold]{settings.admin_email}[/] (password printed at the first start; "
            f"forgot it? `whatrack user password {settings.admin_email}`)"
        )
    if settings.demo:
        lines.append("Demo WhatsApp instance: simulated leads will start writing in a few seconds.")
    console.print(Panel("\n".join(lines), title="Whatrack Chat", expand=False))

    from whatrack.app import create_app

    if workers > 1:
        uvicorn.run(
            "whatrack.app:create_app",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            proxy_headers=True,
            ws_per_message_deflate=False,
        )
        return
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=True,
        ws_per_message_deflate=False,  # like Centrifugo: no per-subscriber compression
    )


@user_app.command("create")
def user_create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    organization: Annotated[str | None, typer.Option(help="Organization id (default: the first one)")] = None,
    admin: Annotated[bool, typer.Option(help="Organization admin")] = False,
) -> None:
    """Create a user in an organization."""
    settings = get_settings()

    async def work(db: AsyncSession) -> str:
        org = await _organization(db, organization) or await auth.create_organization(db, settings.organization_name)
        role = Role.ADMIN if admin else Role.AGENT
        user = await auth.create_user(db, org, email=email, name=name, password=password, role=role)
        return f"{user.email} in {org.name} ({org.id})"

    console.print(f"[green]Created[/] {_run(settings, work)}")


@user_app.command("password")
def user_password(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a user's password (and end their open sessions)."""
    settings = get_settings()

    async def work(db: AsyncSession) -> str:
        await auth.set_password(db, email, password)
        return email

    console.print(f"[green]Password changed[/] for {_run(settings, work)}")


@instance_app.command("create")
def instance_create(
    name: str,
    base_url: Annotated[str, typer.Option(help="WuzAPI base URL, e.g. http://wuzapi:8080")],
    token: Annotated[str, typer.Option(help="The WuzAPI user token")],
    hmac_key: Annotated[str | None, typer.Option(help="WuzAPI HMAC key (>= 32 chars)")] = None,
    organization: Annotated[str | None, typer.Option(help="Organization id (default: the first one)")] = None,
) -> None:
    """Register a WuzAPI instance and print the webhook URL to configure in WuzAPI."""
    settings = get_settings()

    async def work(db: AsyncSession) -> str:
        org = await _organization(db, organization)
        if org is None:
            raise OrganizationNotFound("No organization yet: run `whatrack serve` once or `whatrack user create`")
        inst = await instances.create_instance(db, org.id, name=name, base_url=base_url, token=token, hmac_key=hmac_key)
        return webhook_url(inst, settings.external_url)

    url = _run(settings, work)
    console.print(f"[green]Instance created.[/] Configure this webhook in WuzAPI:\n{url}")


@media_app.command("migrate")
def media_migrate(
    to: Annotated[str, typer.Option("--to", help="Target store: s3://bucket/prefix (S3_* variables) or file:///dir")],
    source: Annotated[Path | None, typer.Option("--from", help="Local media directory (default: MEDIA_DIR)")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Files copied at once")] = 4,
) -> None:
    """Copy local media files to another store, verified; re-run to resume. Then set MEDIA_STORE_URL."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from whatrack import storage
    from whatrack.storage.migrate import MigrateReport, migrate

    settings = get_settings()
    settings.media_store_url = to
    try:
        target = storage.from_settings(settings)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None
    origin = storage.LocalStore(source or settings.media_dir)
    if not origin.root.is_dir():
        raise typer.BadParameter(f"{origin.root} is not a directory", param_hint="--from")
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress("[progress.description]{task.description}", *columns, console=console) as progress:
        task = progress.add_task("media", total=None)

        async def work() -> MigrateReport:
            await storage.prepare(target)
            try:
                return await migrate(
                    origin,
                    target,
                    concurrency=concurrency,
                    on_start=lambda files, size: progress.update(task, total=size, description=f"{files} files"),
                    on_file=lambda _, size: progress.advance(task, size),
                )
            finally:
                await target.close()

        report = asyncio.run(work())
    console.print(
        f"{origin.url} -> {target.url}: [green]{report.copied} copied[/] ({report.bytes_copied:,} bytes), "
        f"{report.skipped} already there, [red]{len(report.failed)} failed[/]"
    )
    for key, reason in report.failed[:50]:
        console.print(f"  [red]{key}[/]: {reason}")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def worker() -> None:
    """Background jobs only (outbox publishing, inactivity close, instance status): run any number."""
    from whatrack.jobs.worker import run_standalone

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    console.print("[green]Worker started[/] (Ctrl+C to stop)")
    asyncio.run(run_standalone(settings))


@app.command()
def simulator(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8080,
    admin_token: Annotated[str, typer.Option(envvar="WUZAPI_ADMIN_TOKEN", help="Admin token")] = "simulator-admin",  # noqa: S107  # noqa: S107
    demo: Annotated[bool, typer.Option(help="Emit demo lead traffic and pair sessions by themselves")] = False,
) -> None:
    """Run the WuzAPI simulator standalone (same wire format as WuzAPI)."""
    from whatrack.simulator.server import serve as serve_simulator

    serve_simulator(host, port, admin_token, demo)


def main() -> None:
    app()
