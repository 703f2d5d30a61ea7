"""The outbox wakes other processes' drainers by itself

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-16 10:00:00.000000

PostgreSQL: a statement-level AFTER INSERT trigger on `outbox` sends `NOTIFY whatrack_outbox`
(delivered at commit, once per transaction however many rows) with the writer's
application_name as payload, so a process ignores the NOTIFYs of its own commits (whatrack.db
tags each engine's connections). The app used to send the NOTIFY itself, one more round trip in
every transaction that wrote events, and woke its own drainer twice (issue 16). SQLite has no
NOTIFY: one process drains its own outbox, woken by the commit hook.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION whatrack_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('whatrack_outbox', current_setting('application_name')); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION whatrack_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS whatrack_outbox_notify()")
