"""Accent- and case-free search: wt_fold(text) and the search indexes rebuilt on folded text

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 12:00:00.000000

Agents type "catalogo" for "catálogo" and "JOAO" for "João". Search compares `wt_fold(column)`
with the folded term (`whatrack.db.fold`: accents dropped, lower case).

PostgreSQL: the `unaccent` extension and an IMMUTABLE wrapper `wt_fold(text)` =
`lower(unaccent('unaccent', text))` (unaccent() itself is only STABLE, so no index could use it);
the trigram indexes on leads.name, leads.push_name and messages.content are rebuilt on
`wt_fold(column)` (the phone index stays: digits only).

SQLite: `wt_fold` is a Python function every connection registers
(`whatrack.db.register_sqlite_functions`); `messages_fts` becomes a contentless FTS5 trigram
table of the folded text (SQLite 3.40 has no trigram `remove_diacritics`), kept by triggers.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PG_INDEXES = (
    ("ix_leads_name_trgm", "leads", "name"),
    ("ix_leads_push_name_trgm", "leads", "push_name"),
    ("ix_messages_content_trgm", "messages", "content"),
)
FOLD_PG_INDEXES = (
    ("ix_leads_name_fold_trgm", "leads", "name"),
    ("ix_leads_push_name_fold_trgm", "leads", "push_name"),
    ("ix_messages_content_fold_trgm", "messages", "content"),
)


def _sqlite_folded_fts() -> None:
    """messages_fts of wt_fold(content), contentless, kept by triggers (rows without text skipped)."""
    op.execute("CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='', tokenize='trigram')")
    op.execute(
        "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages WHEN new.content IS NOT NULL BEGIN "
        "INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, wt_fold(new.content)); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages WHEN old.content IS NOT NULL BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, wt_fold(old.content)); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content) SELECT 'delete', old.rowid, wt_fold(old.content) "
        "WHERE old.content IS NOT NULL; "
        "INSERT INTO messages_fts(rowid, content) SELECT new.rowid, wt_fold(new.content) "
        "WHERE new.content IS NOT NULL; END"
    )
    op.execute(
        "INSERT INTO messages_fts(rowid, content) SELECT rowid, wt_fold(content) FROM messages "
        "WHERE content IS NOT NULL"
    )


def _sqlite_drop_fts() -> None:
    for trigger in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS messages_fts")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema = bind.execute(
            text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'unaccent'"
            )
        ).scalar_one()
        schema = '"' + str(schema).replace('"', '""') + '"'
        op.execute(
            "CREATE OR REPLACE FUNCTION wt_fold(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
            f"$$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$"
        )
        for name, _table, _column in OLD_PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for name, table, column in FOLD_PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (wt_fold({column}) gin_trgm_ops)")
    else:
        _sqlite_drop_fts()
        _sqlite_folded_fts()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _column in FOLD_PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for name, table, column in OLD_PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
        op.execute("DROP FUNCTION IF EXISTS wt_fold(text)")
    else:
        _sqlite_drop_fts()
        op.execute(
            "CREATE VIRTUAL TABLE messages_fts USING fts5("
            "content, content='messages', content_rowid='rowid', tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
            "INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
            "INSERT INTO messages_fts(messages_fts, rowid, content) VALUES('delete', old.rowid, old.content); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN "
            "INSERT INTO messages_fts(messages_fts, rowid, content) VALUES('delete', old.rowid, old.content); "
            "INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content); END"
        )
        op.execute("INSERT INTO messages_fts(messages_fts) VALUES('rebuild')")
