"""Engine creation and the migration guard every command passes through."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from peelian.db.schema import store_meta
from peelian.errors import ConfigError, DatabaseNotReady

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    # 16 KiB pages (set before the file's first table; a no-op after): bulk inserts of wide rows
    # ran about a third faster than with 4 KiB in our measurements.
    cur.execute("PRAGMA page_size=16384")
    # WAL lets readers (web, analytics) run during an ingest; NORMAL is durable at each commit
    # in WAL mode except on power loss, which costs at most the last transaction.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # 32 MiB of page cache per connection: the web server keeps POOL_SIZE of them, each with its own.
    cur.execute("PRAGMA cache_size=-32768")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA busy_timeout=30000")
    # Checkpoint every 64 MiB of WAL, not 4 MiB: bulk ingest otherwise fsyncs every few chunks.
    cur.execute("PRAGMA wal_autocheckpoint=16384")
    cur.close()


# Connections kept open: a connection opened for a burst and closed after (SQLAlchemy's default
# overflow) starts with a cold page cache and costs its set-up each time; under 50 concurrent web
# clients that churn took a tenth of the server's time. Beyond this many, callers wait their turn;
# the most recently used connection goes out first, so few connections serve most requests warm.
POOL_SIZE = 12


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL server."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database URL {url!r} is not valid: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, pool_size=POOL_SIZE, max_overflow=0, pool_use_lifo=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=0, pool_use_lifo=True
        )
    raise ConfigError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DatabaseError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseNotReady(f"cannot open the database {url}: {exc.orig}") from exc


def upgrade(engine: Engine, crs: str) -> tuple[str | None, str]:
    """Migrate to head and fix the store's CRS on first creation; returns (before, after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    with engine.begin() as conn:
        stored = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "crs")).scalar()
        if stored is None:
            conn.execute(store_meta.insert().values(key="crs", value=crs))
    return before, head_revision()


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that is not at the latest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "is empty or not a Peelian store" if current is None else f"is at revision {current}"
        raise DatabaseNotReady(
            f"the database {engine.url.render_as_string(hide_password=True)} {state}; "
            f"this version needs revision {head}. Run: peelian db upgrade"
        )


def store_crs(engine: Engine) -> str:
    with engine.connect() as conn:
        value = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "crs")).scalar()
    if value is None:
        raise DatabaseNotReady("the store has no CRS recorded. Run: peelian db upgrade")
    return value
