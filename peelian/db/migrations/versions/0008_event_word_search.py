"""Word search over events: an FTS5 index keyed by start time (SQLite), a GIN index (PostgreSQL)

A substring scan of every event took 1.2-1.8 s on the London data and stalled the web server;
see peelian/pole/search.py for how each index is queried.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 09:10:00
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PG_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(location_text, '') || ' ' || category || ' ' || "
    "coalesce(subcategory, '') || ' ' || coalesce(outcome, '') || ' ' || coalesce(area_name, '') || ' ' || "
    "coalesce(area_code, '') || ' ' || natural_key)"
)
SPAN = 1 << 24  # keys per second of start time; peelian.pole.search.KEY_SHIFT


def _body(row: str) -> str:
    return (
        f"coalesce({row}.location_text, '') || ' ' || {row}.category || ' ' || coalesce({row}.subcategory, '') "
        f"|| ' ' || coalesce({row}.outcome, '') || ' ' || coalesce({row}.area_name, '') || ' ' || "
        f"coalesce({row}.area_code, '') || ' ' || {row}.natural_key"
    )


def _add(row: str) -> str:
    """Statements giving event ``row`` the next free key of its start second, then indexing it."""
    base = f"(CAST(strftime('%s', {row}.time_from) AS INTEGER) * {SPAN})"
    return f"""
    INSERT INTO event_search_keys (event_id, search_key)
      SELECT {row}.id, coalesce(
        (SELECT max(search_key) + 1 FROM event_search_keys
          WHERE search_key >= {base} AND search_key < {base} + {SPAN}),
        {base});
    INSERT INTO event_search (rowid, body)
      SELECT search_key, {_body(row)} FROM event_search_keys WHERE event_id = {row}.id;"""


# A contentless index can only forget a row if told the exact text it indexed: the old row's.
_REMOVE_OLD = f"""
    INSERT INTO event_search (event_search, rowid, body)
      SELECT 'delete', search_key, {_body('old')} FROM event_search_keys WHERE event_id = old.id;
    DELETE FROM event_search_keys WHERE event_id = old.id;"""

_CHANGED = " OR ".join(
    f"old.{c} IS NOT new.{c}"
    for c in ("time_from", "location_text", "category", "subcategory", "outcome", "area_name", "area_code",
              "natural_key")
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX ix_events_search ON events USING gin ({PG_VECTOR})")
        return
    op.execute(
        # No foreign key: the ingest writer indexes a chunk's new events just before inserting them.
        "CREATE TABLE event_search_keys (event_id VARCHAR(40) NOT NULL PRIMARY KEY, "
        "search_key BIGINT NOT NULL UNIQUE) WITHOUT ROWID"
    )
    op.execute(
        "CREATE VIRTUAL TABLE event_search USING fts5(body, content='', detail=none, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    # The ingest writer indexes whole chunks itself (a trigger per row tripled ingest time); this
    # catches any other insert.
    op.execute(
        "CREATE TRIGGER events_search_insert AFTER INSERT ON events "
        f"WHEN NOT EXISTS (SELECT 1 FROM event_search_keys WHERE event_id = new.id) BEGIN {_add('new')} END"
    )
    op.execute(
        f"CREATE TRIGGER events_search_update AFTER UPDATE ON events WHEN {_CHANGED} "
        f"BEGIN {_REMOVE_OLD} {_add('new')} END"
    )
    op.execute(f"CREATE TRIGGER events_search_delete BEFORE DELETE ON events BEGIN {_REMOVE_OLD} END")
    # Existing events, oldest first so that keys within a second follow the order they arrived.
    op.execute(
        f"INSERT INTO event_search_keys (event_id, search_key) "
        f"SELECT id, CAST(strftime('%s', time_from) AS INTEGER) * {SPAN} + "
        f"row_number() OVER (PARTITION BY CAST(strftime('%s', time_from) AS INTEGER) ORDER BY rowid) - 1 "
        f"FROM events"
    )
    op.execute(
        f"INSERT INTO event_search (rowid, body) SELECT k.search_key, {_body('e')} "
        "FROM event_search_keys k JOIN events e ON e.id = k.event_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_events_search")
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER events_search_{trigger}")
    op.execute("DROP TABLE event_search")
    op.execute("DROP TABLE event_search_keys")
