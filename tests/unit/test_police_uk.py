import csv
import gzip
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from peelian.db import schema
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.pole.ids import entity_id

HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
MPS = "Metropolitan Police Service"


def row(
    crime_id="c1",
    month="2015-06",
    lon="-0.127758",
    lat="51.507351",
    location="On or near Strand",
    outcome="Under investigation",
    crime_type="Burglary",
):
    return [
        crime_id,
        month,
        MPS,
        MPS,
        lon,
        lat,
        location,
        "E01004736",
        "Westminster 018C",
        crime_type,
        outcome,
        "",
    ]


def write(folder: Path, rows: list[list[str]], month: str = "2015-06", gz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{month}-metropolitan-street.csv{'.gz' if gz else ''}"
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(engine, path: Path):
    return ingest(engine, PoliceUkAdapter(), path, 50_000, 1 << 30, parallel=False)


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_ingest_counts_quarantine_and_idempotence(store, tmp_path):
    rows = [
        row("c1"),
        row("c2", location="On or near Strand"),
        row("", outcome=""),
        row("c3", lon="", lat=""),
        row("c4", month="2015-13"),
        row("c5", lon="-74.0", lat="40.7"),
        row("c6", lon="-200", lat="51"),
    ]
    path = write(tmp_path / "in", rows)
    report = run(store, path)
    totals = report.as_dict()["totals"]
    assert totals == {
        "rows_read": 7,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 4,
        "quarantined_new": 4,
        "files": 1,
        "failed": 0,
    }
    with store.connect() as conn:
        reasons = dict(
            conn.execute(select(schema.quarantine.c.line_number, schema.quarantine.c.reason_code)).all()
        )
        event = conn.execute(select(schema.events).where(schema.events.c.natural_key == "c1")).one()
        run_row = conn.execute(select(schema.ingest_runs)).one()
    assert reasons == {
        5: "missing_coordinates",
        6: "bad_date",
        7: "coordinates_out_of_range",
        8: "coordinates_out_of_range",
    }
    assert event.time_precision == "month"
    assert (event.time_from.isoformat(), event.time_to.isoformat()) == (
        "2015-06-01T00:00:00+00:00",
        "2015-07-01T00:00:00+00:00",
    )
    assert event.id == entity_id("event", "police.uk", "c1")
    assert event.x == pytest.approx(530_000, abs=200)
    assert event.location_id is not None and event.area_code == "E01004736"
    assert run_row.status == "completed" and run_row.rows_read == 7 and run_row.columns == HEADER
    assert count(store, schema.locations) == 1  # the same point, named the same, is one place

    again = run(store, path).as_dict()["totals"]
    assert (again["inserted"], again["updated"], again["unchanged"], again["quarantined_new"]) == (0, 0, 3, 0)
    assert count(store, schema.quarantine) == 4
    assert count(store, schema.source_records) == 3


def test_changed_outcome_becomes_a_new_version(store, tmp_path):
    run(store, write(tmp_path / "v1", [row("c1"), row("c2")]))
    report = run(store, write(tmp_path / "v2", [row("c1", outcome="Offender sent to prison"), row("c2")]))
    assert report.files[0].updated == 1 and report.files[0].unchanged == 1
    with store.connect() as conn:
        event = conn.execute(select(schema.events).where(schema.events.c.natural_key == "c1")).one()
        history = conn.execute(
            select(schema.source_records.c.version, schema.source_records.c.raw)
            .where(schema.source_records.c.natural_key == "c1")
            .order_by(schema.source_records.c.version)
        ).all()
    assert event.outcome == "Offender sent to prison" and event.version == 2
    assert [v for v, _ in history] == [1, 2]
    assert "Under investigation" in history[0].raw and "prison" in history[1].raw


def test_repeated_and_missing_crime_ids_get_stable_keys(sqlite_store, tmp_path):
    rows = [row("dup"), row("dup", outcome="Court result unavailable"), row(""), row("")]
    path = write(tmp_path / "in", rows)
    run(sqlite_store, path)
    with sqlite_store.connect() as conn:
        keys = sorted(conn.execute(select(schema.events.c.natural_key)).scalars())
    assert keys[:2] == ["dup", "dup#2"]
    assert keys[2].startswith("metropolitan:") and keys[3] == keys[2] + "#2"
    assert run(sqlite_store, path).files[0].unchanged == 4


def test_bad_header_fails_that_file_only(sqlite_store, tmp_path):
    folder = tmp_path / "in"
    write(folder, [row("c1")], month="2015-06")
    bad = folder / "2015-07-metropolitan-street.csv"
    bad.write_text("Month,Something\n2015-07,x\n")
    report = run(sqlite_store, folder)
    statuses = {Path(f.source).name: (f.status, f.message) for f in report.files}
    assert statuses["2015-06-metropolitan-street.csv.gz"][0] == "completed"
    status, message = statuses["2015-07-metropolitan-street.csv"]
    assert status == "failed" and "missing column(s) Crime ID" in message
    with sqlite_store.connect() as conn:
        failed = conn.execute(select(schema.ingest_runs).where(schema.ingest_runs.c.status == "failed")).one()
    assert "Crime ID" in failed.message


def test_archive_zip_layout(sqlite_store, tmp_path):
    src = write(tmp_path / "plain", [row("c1")], gz=False)
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(src, "2015-06/2015-06-metropolitan-street.csv")
        zf.writestr("2015-06/2015-06-metropolitan-outcomes.csv", "ignored")
    report = run(sqlite_store, archive)
    assert [f.source.endswith("!2015-06/2015-06-metropolitan-street.csv") for f in report.files] == [True]
    assert report.files[0].inserted == 1


def test_hostile_text_is_stored_verbatim(sqlite_store, tmp_path):
    nasty = "On or near <script>alert(1)</script>'; DROP TABLE events; --"
    run(sqlite_store, write(tmp_path / "in", [row("c1", location=nasty)]))
    with sqlite_store.connect() as conn:
        assert conn.execute(select(schema.events.c.location_text)).scalar() == nasty
    assert count(sqlite_store, schema.events) == 1


def test_context_on_some_rows_only(store, tmp_path):
    with_context = row("c2")
    with_context[-1] = "Reported at the front desk"
    run(store, write(tmp_path / "in", [row("c1"), with_context]))
    with store.connect() as conn:
        attrs = dict(conn.execute(select(schema.events.c.natural_key, schema.events.c.attributes)).all())
    assert attrs == {"c1": None, "c2": {"context": "Reported at the front desk"}}


@pytest.mark.parametrize("parallel", [False, True])
def test_same_key_in_two_files_of_one_ingest_ends_as_the_last_file_says(sqlite_store, tmp_path, parallel):
    """The parser skips unchanged rows ahead of the writer; a key repeated across files must not be
    skipped on a stale view, or the earlier file's version would win."""
    folder = tmp_path / "in"
    write(folder / "a", [row("c1", outcome="Under investigation")])
    write(folder / "b", [row("c1", outcome="Offender sent to prison")])
    for expected in (2, 4):
        report = ingest(sqlite_store, PoliceUkAdapter(), folder, 50_000, 1 << 30, parallel=parallel)
        assert [f.updated + f.inserted for f in report.files] == [1, 1]
        with sqlite_store.connect() as conn:
            event = conn.execute(select(schema.events.c.version, schema.events.c.outcome)).one()
        assert event == (expected, "Offender sent to prison")


def test_unchanged_rows_are_counted_without_being_written(sqlite_store, tmp_path):
    path = write(tmp_path / "in", [row("c1"), row("c2")])
    run(sqlite_store, path)
    changed = write(tmp_path / "again", [row("c1"), row("c2", outcome="Local resolution"), row("c3")])
    report = run(sqlite_store, changed).files[0]
    assert (report.rows_read, report.unchanged, report.updated, report.inserted) == (3, 1, 1, 1)
    with sqlite_store.connect() as conn:
        runs = conn.execute(select(schema.ingest_runs.c.rows_unchanged).order_by(schema.ingest_runs.c.id))
        assert [r for (r,) in runs] == [0, 1]


def test_date_filters_find_every_overlapping_window(store, tmp_path):
    """Month-long windows overlap a date range that starts mid-month: the time-index bound must
    not cut them off (it uses the store's longest window, kept by the writer)."""
    from datetime import date

    from peelian.pole.queries import EventFilter, find_events

    run(
        store,
        write(tmp_path / "a", [row("may", month="2015-05"), row("may2", month="2015-05")], month="2015-05"),
    )
    run(store, write(tmp_path / "b", [row("june")], month="2015-06"))
    total, rows = find_events(store, EventFilter(date_from=date(2015, 5, 20), date_to=date(2015, 5, 21)))
    assert total == 2 and {r["natural_key"] for r in rows} == {"may", "may2"}
    total, _ = find_events(store, EventFilter(date_from=date(2015, 5, 31), date_to=date(2015, 6, 1)))
    assert total == 3
    total, _ = find_events(store, EventFilter(date_from=date(2015, 7, 1)))
    assert total == 0
