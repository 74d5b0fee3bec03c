"""Real public data on both backends: counts, idempotence, versions, quarantine, interruption."""

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from peelian.db import schema
from peelian.ingest.chicago import ChicagoAdapter
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter

pytestmark = [pytest.mark.shared_data]
MONTH = "2015-06-metropolitan-street.csv.gz"


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(schema.metadata.tables[name])).scalar()
            for name in ("events", "source_records", "quarantine", "locations")
        }


@pytest.fixture
def month(shared_data, tmp_path) -> Path:
    folder = tmp_path / "month"
    folder.mkdir()
    (folder / MONTH).write_bytes((shared_data / "london_met_burglary_street" / MONTH).read_bytes())
    return folder


def test_real_month_counts_idempotence_and_versions(store, month, tmp_path):
    expected = pd.read_csv(month / MONTH, dtype=str, keep_default_na=False)
    no_coords = int(((expected["Longitude"] == "") | (expected["Latitude"] == "")).sum())

    first = ingest(store, PoliceUkAdapter(), month, 2_000, 1 << 30, parallel=False).files[0]
    assert first.rows_read == len(expected) == 5_300
    assert first.quarantined == no_coords == 54
    assert first.inserted == len(expected) - no_coords
    counts = _counts(store)
    assert counts["events"] == counts["source_records"] == first.inserted
    with store.connect() as conn:
        reasons = set(conn.execute(select(schema.quarantine.c.reason_code)).scalars())
        outcomes = dict(
            conn.execute(
                select(schema.events.c.outcome, func.count()).group_by(schema.events.c.outcome)
            ).all()
        )
    assert reasons == {"missing_coordinates"}
    located = expected[expected["Longitude"] != ""]
    assert outcomes == located["Last outcome category"].replace("", None).value_counts(dropna=False).to_dict()

    again = ingest(store, PoliceUkAdapter(), month, 2_000, 1 << 30, parallel=False).files[0]
    assert (again.inserted, again.updated, again.unchanged, again.quarantined_new) == (
        0,
        0,
        first.inserted,
        0,
    )
    assert _counts(store) == counts

    # The force republishes the month with three outcomes changed: three new versions, nothing else.
    changed = expected.copy()
    targets = changed.index[changed["Crime ID"] != ""][:3]
    changed.loc[targets, "Last outcome category"] = "Offender given a caution"
    republished = tmp_path / "republished"
    republished.mkdir()
    with gzip.open(republished / MONTH, "wt", encoding="utf-8", newline="") as fh:
        changed.to_csv(fh, index=False)
    third = ingest(store, PoliceUkAdapter(), republished, 2_000, 1 << 30, parallel=False).files[0]
    assert (third.inserted, third.updated, third.unchanged) == (0, 3, first.inserted - 3)
    with store.connect() as conn:
        versions = conn.execute(
            select(schema.events.c.version, schema.events.c.outcome).where(
                schema.events.c.natural_key.in_(changed.loc[targets, "Crime ID"].tolist())
            )
        ).all()
    assert versions == [(2, "Offender given a caution")] * 3
    assert _counts(store)["source_records"] == first.inserted + 3


def test_chicago_week(chicago_store, shared_data, tmp_path):
    frame = pd.read_csv(
        shared_data / "chicago_crimes_portal" / "chicago_crimes_2016.csv.gz", dtype=str, keep_default_na=False
    )
    week = frame[frame["Date"].str[:10].isin([f"01/{d:02d}/2016" for d in range(1, 8)])]
    path = tmp_path / "chicago_week.csv"
    week.to_csv(path, index=False)
    report = ingest(chicago_store, ChicagoAdapter(), path, 1_000, 1 << 30, parallel=False).files[0]
    no_coords = int((week["Latitude"] == "").sum())
    assert report.rows_read == len(week)
    assert report.quarantined == no_coords
    assert report.inserted == len(week) - no_coords
    with chicago_store.connect() as conn:
        first = conn.execute(select(schema.events).where(schema.events.c.natural_key == "10364665")).one()
    # 01/01/2016 12:01:00 AM Chicago (CST, UTC-6)
    assert first.time_from.isoformat() == "2016-01-01T06:01:00+00:00"
    assert first.category == "CRIMINAL DAMAGE" and first.area_code == "1011"
    assert first.attributes["iucr"] == "1310" and first.attributes["arrest"] is False
    # EPSG:3435 is in US feet; the store's projected x/y must agree with the portal's own X Coordinate
    assert first.x == pytest.approx(float(first.attributes["x_coordinate_ft"]), abs=60)
    again = ingest(chicago_store, ChicagoAdapter(), path, 1_000, 1 << 30, parallel=False).files[0]
    assert again.unchanged == report.inserted and again.inserted == 0


class _StopAfter:
    """Wraps the real adapter and raises Ctrl-C after ``n`` batches, as a user would mid-file."""

    name = "police-uk"

    def __init__(self, n: int) -> None:
        self.inner, self.n = PoliceUkAdapter(), n

    def discover(self, path):
        return self.inner.discover(path)

    def source_system(self, source):
        return self.inner.source_system(source)

    def batches(self, source, ctx, unchanged=None):
        for i, batch in enumerate(self.inner.batches(source, ctx, unchanged)):
            if i == self.n:
                raise KeyboardInterrupt
            yield batch


def test_interrupted_run_is_consistent_and_rerun_completes(store, month):
    with pytest.raises(KeyboardInterrupt):
        ingest(store, _StopAfter(2), month, 1_000, 1 << 30, parallel=False)
    with store.connect() as conn:
        run = conn.execute(select(schema.ingest_runs)).one()
    counts = _counts(store)
    assert run.status == "interrupted"
    # The pipeline parses one chunk ahead (to close the run in the last chunk's commit), so the
    # interrupt while parsing chunk 3 lands before chunk 2 commits: exactly one chunk is stored.
    assert run.rows_read == 1_000
    assert counts["events"] == counts["source_records"] == run.rows_inserted
    assert counts["quarantine"] == run.rows_quarantined

    rerun = ingest(store, PoliceUkAdapter(), month, 1_000, 1 << 30, parallel=False).files[0]
    assert rerun.unchanged == run.rows_inserted
    assert rerun.unchanged + rerun.inserted + rerun.quarantined == 5_300
    assert _counts(store)["events"] == 5_300 - 54


def test_killed_process_leaves_a_consistent_store(sqlite_store, shared_data, tmp_path):
    """SIGKILL mid-ingest (no chance to clean up): committed chunks stay, a re-run finishes."""
    folder = tmp_path / "year"
    folder.mkdir()
    for f in sorted((shared_data / "london_met_burglary_street").glob("2016-*.csv.gz")):
        (folder / f.name).write_bytes(f.read_bytes())
    env = os.environ | {"PEELIAN_DATABASE_URL": str(sqlite_store.url), "PEELIAN_CHUNK_SIZE": "500"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "peelian.cli", "ingest", "police-uk", str(folder), "--json", "--no-parallel"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sqlite_store.connect() as conn:
            done = conn.execute(select(func.coalesce(func.sum(schema.ingest_runs.c.rows_read), 0))).scalar()
        if done >= 10_000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite_store.connect() as conn:
        committed = conn.execute(select(func.sum(schema.ingest_runs.c.rows_inserted))).scalar()
    counts = _counts(sqlite_store)
    assert counts["events"] == counts["source_records"] == committed > 0

    report = ingest(sqlite_store, PoliceUkAdapter(), folder, 500, 1 << 30, parallel=False)
    totals = report.as_dict()["totals"]
    assert totals["unchanged"] == committed
    assert _counts(sqlite_store)["events"] == totals["inserted"] + committed
