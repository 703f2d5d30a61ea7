"""The outbox NOTIFYs only for rows other processes may take now

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 06:00:00.000000

A process with a running drainer leases the rows it commits (available_at = created_at + the
lease) and publishes them itself (realtime/events.py, OWN_ROWS). No other drainer may take them
before the lease ends, so the NOTIFY its commit sent woke every other process for nothing, and
its own drainer received and ignored it: a NOTIFY per webhook at PostgreSQL and in each app
process. The trigger now reads the statement's rows (a transition table) and notifies only when
one of them is available at once: available_at within a second of created_at (both set by the
writer, so no clock is compared with PostgreSQL's; the lease is 5 s, and ORM defaults read the
clock once per column).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION whatrack_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM inserted WHERE available_at <= created_at + interval '1 second') THEN "
        "PERFORM pg_notify('whatrack_outbox', current_setting('application_name')); END IF; "
        "RETURN NULL; END $$"
    )
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION whatrack_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION whatrack_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('whatrack_outbox', current_setting('application_name')); RETURN NULL; END $$"
    )
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION whatrack_outbox_notify()"
    )
