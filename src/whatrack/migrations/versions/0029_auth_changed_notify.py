"""Changes that can alter a resolved session NOTIFY every app process

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 10:00:00.000000

Each app process keeps the sessions it resolved (auth/session_cache.py), so an authenticated
request needs no lookup statement. What a resolved session says comes from four tables:
auth_sessions (logout, expiry), users (deactivation, password change, name), memberships (role)
and organizations (the visibility policy). A statement-level trigger on each sends one NOTIFY
'whatrack_auth' at commit, whoever writes: a route of any process, the CLI, an operator's SQL.
Inserts alter no resolved session (a new session or membership was never cached).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("auth_sessions", "users", "memberships", "organizations")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION whatrack_auth_changed() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('whatrack_auth', ''); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION whatrack_auth_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS whatrack_auth_changed()")
