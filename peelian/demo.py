"""The demo: a fresh embedded store built from the real sample shipped in the package.

It must work on a new machine with no network, so it reads only ``peelian/data/sample``.
"""

import secrets
import tempfile
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from peelian.db import make_engine, schema, upgrade
from peelian.errors import PeelianError
from peelian.geo.boundaries import assign_events, load_boundaries
from peelian.governance import accounts
from peelian.ingest import quarantine
from peelian.ingest.pipeline import IngestReport, ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.resolve import service as resolve_service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals

SAMPLE = Path(str(files("peelian.data") / "sample"))
CRIMES = SAMPLE / "police_uk"
LSOA = SAMPLE / "lsoa11_camden_islington_hackney.geojson"
DEMO_CRS = "EPSG:27700"
NOMINALS = 1_000  # synthetic people for the entity-resolution demo


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str
    totp_secret: str | None


@dataclass
class DemoSummary:
    database: str
    ingest: IngestReport
    areas_loaded: int
    events_assigned: int
    by_borough_year: pd.DataFrame
    quarantine: list[dict[str, Any]]
    accounts: list[DemoAccount]
    resolution: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "ingest": self.ingest.as_dict()["totals"],
            "areas_loaded": self.areas_loaded,
            "events_assigned": self.events_assigned,
            "by_borough_year": {
                borough: {str(year): int(n) for year, n in row.items()}
                for borough, row in self.by_borough_year.iterrows()
            },
            "quarantine": self.quarantine,
            "accounts": [asdict(a) for a in self.accounts],
            "resolution": self.resolution,
        }


def prepare_database(url: str) -> Engine:
    """Start from an empty SQLite file; refuse to wipe a store that is not a demo store."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise PeelianError(
            "the demo builds an embedded SQLite store: set PEELIAN_DATABASE_URL=sqlite:///file.db"
        )
    path = Path(parsed.database)
    if path.exists():
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                marker = conn.exec_driver_sql(
                    "SELECT value FROM store_meta WHERE key = 'demo'"
                    if _has_table(conn, "store_meta")
                    else "SELECT NULL"
                ).scalar()
        except DatabaseError:
            marker = None  # not a database at all: certainly not ours to delete
        finally:
            engine.dispose()
        if marker != "yes" and path.stat().st_size > 0:
            raise PeelianError(
                f"{path} already holds a store that the demo did not build; it will not be overwritten. "
                "Choose another file with PEELIAN_DATABASE_URL=sqlite:///demo.db"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(url)
    upgrade(engine, DEMO_CRS)
    with engine.begin() as conn:
        conn.execute(schema.store_meta.insert().values(key="demo", value="yes"))
    return engine


def _has_table(conn, name: str) -> bool:
    found = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return found.first() is not None


def build(url: str, progress=None) -> DemoSummary:
    engine = prepare_database(url)
    report = ingest(engine, PoliceUkAdapter(), CRIMES, 50_000, 1 << 30, progress, parallel=False)
    loaded = load_boundaries(engine, LSOA, "lsoa11", "LSOA11CD", "LSOA11NM")
    assigned = assign_events(engine, "lsoa11")
    summary = DemoSummary(
        database=url,
        ingest=report,
        areas_loaded=loaded.features,
        events_assigned=assigned.assigned,
        by_borough_year=_by_borough_year(engine),
        quarantine=quarantine.summary(engine),
        accounts=_demo_accounts(engine),
        resolution=_resolve_nominals(nominals_url(url)),
    )
    engine.dispose()
    return summary


def nominals_url(url: str) -> str:
    """The demo's second store, beside the first: ``demo.db`` -> ``demo-nominals.db``."""
    path = Path(make_url(url).database)
    sibling = path.with_name(path.stem + "-nominals" + (path.suffix or ".db"))
    return f"sqlite:///{sibling}"


def _resolve_nominals(url: str) -> dict[str, Any]:
    """Synthetic nominals from six systems, loaded through their mappings like any source, then
    resolved into people; cluster quality is measured against the generator's truth. They get a
    store of their own: their invented crimes must never enter the real data's counts, maps and
    forecasts."""
    engine = prepare_database(url)
    with tempfile.TemporaryDirectory(prefix="peelian-nominals-") as tmp:
        folder = Path(tmp)
        made = nominals.generate(NOMINALS, seed=1)
        nominals.write(made, folder)
        ingest_nominals(engine, folder, 50_000, 1 << 30)
        truth = pd.read_csv(folder / nominals.TRUTH, dtype=str)
    run = resolve_service.run(engine, "person", "demo")
    quality = resolve_service.quality(engine, "person", resolve_service.truth_by_record(engine, truth))
    engine.dispose()
    return {
        "database": url,
        "people": NOMINALS,
        "records": run["records"],
        "entities": run["entities"],
        "threshold": run["threshold"],
        "review_proposed": run["review_proposed"],
        "quality": quality,
    }


def _demo_accounts(engine: Engine) -> list[DemoAccount]:
    """One account per staff role, with fresh random passwords (printed once, never fixed)."""
    made = []
    for role in ("analyst", "supervisor", "officer", "auditor", "admin"):
        password = secrets.token_urlsafe(12)
        _, secret = accounts.create(engine, f"demo.{role}", f"Demo {role.title()}", password, [role], "demo")
        made.append(DemoAccount(f"demo.{role}", role, password, secret))
    return made


def _by_borough_year(engine: Engine) -> pd.DataFrame:
    query = (
        select(schema.areas.c.attributes, schema.events.c.time_from)
        .select_from(schema.events)
        .join(schema.event_areas, schema.event_areas.c.event_id == schema.events.c.id)
        .join(schema.areas, schema.areas.c.id == schema.event_areas.c.area_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(
        {"borough": [r.attributes.get("LAD11NM") for r in rows], "year": [r.time_from.year for r in rows]}
    )
    return frame.groupby(["borough", "year"]).size().unstack(fill_value=0)
