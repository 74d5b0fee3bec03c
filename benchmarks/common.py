"""Shared benchmark plumbing: where the shared data is, fresh stores, result files."""

import json
import os
import resource
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine

from peelian.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def shared_data() -> Path:
    path = Path(os.environ.get("PEELIAN_SHARED_DATA", ROOT.parent.parent / "shared" / "data"))
    if not path.is_dir():
        raise SystemExit(f"shared data not found at {path}; set PEELIAN_SHARED_DATA")
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children (the parser), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


@contextmanager
def sqlite_store(directory: Path, crs: str = "EPSG:27700") -> Iterator[Engine]:
    path = directory / f"bench-{uuid.uuid4().hex[:8]}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, crs)
    try:
        yield engine
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_store(url: str | None = None, crs: str = "EPSG:27700") -> Iterator[Engine]:
    """A fresh schema on the server, dropped afterwards."""
    url = url or os.environ.get("PEELIAN_TEST_DATABASE_URL", DEFAULT_PG)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    upgrade(engine, crs)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def write_result(name: str, data: dict) -> Path:
    out = ROOT / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return out
