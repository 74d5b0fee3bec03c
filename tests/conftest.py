"""Fixtures: fresh SQLite and PostgreSQL stores, and the shared public data sets.

PostgreSQL tests run when PEELIAN_TEST_DATABASE_URL names a server and skip with the reason
otherwise; CI sets PEELIAN_REQUIRE_POSTGRES=1 so that an unreachable server fails instead.
"""

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from peelian.db import make_engine, upgrade

# CLI tables are read at one fixed width, whichever terminal (or test worker, which has none) runs
# them: Rich takes the width from COLUMNS when its console is made, at import.
os.environ["COLUMNS"] = "160"

SHARED = Path(os.environ.get("PEELIAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
PG_URL = os.environ.get("PEELIAN_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared public data not found at {SHARED} (set PEELIAN_SHARED_DATA)")
    return SHARED


def _sqlite(tmp_path: Path, crs: str):
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine, crs)
    return engine


def _postgres(crs: str):
    if not PG_URL:
        if os.environ.get("PEELIAN_REQUIRE_POSTGRES"):
            pytest.fail("PEELIAN_REQUIRE_POSTGRES is set but PEELIAN_TEST_DATABASE_URL is not")
        pytest.skip(
            "PostgreSQL tests need PEELIAN_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("PEELIAN_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.orig}")
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    upgrade(engine, crs)
    return engine, admin, schema


def _store(request, tmp_path: Path, crs: str):
    if request.param == "sqlite":
        engine = _sqlite(tmp_path, crs)
        yield engine
        engine.dispose()
        return
    engine, admin, schema = _postgres(crs)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A fresh, migrated store on each backend (CRS EPSG:27700)."""
    yield from _store(request, tmp_path, "EPSG:27700")


@pytest.fixture(params=BACKENDS)
def chicago_store(request, tmp_path):
    """A fresh store for Chicago data (CRS EPSG:3435, Illinois East, US feet)."""
    yield from _store(request, tmp_path, "EPSG:3435")


@pytest.fixture
def sqlite_store(tmp_path):
    engine = _sqlite(tmp_path, "EPSG:27700")
    yield engine
    engine.dispose()
