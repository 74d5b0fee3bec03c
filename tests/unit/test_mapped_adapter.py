"""The mapped adapter end to end: shipped mappings and samples into a fresh SQLite store."""

import csv
import dataclasses
import io
import pickle
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from typer.testing import CliRunner

import peelian.db
from peelian.config import get_settings
from peelian.db import schema
from peelian.geo.crs import projector
from peelian.ingest.adapter import ParseContext
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping, loads_mapping
from peelian.ingest.pipeline import ingest
from peelian.ingest.sources import SourceFile

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mapped"
RMS = FIXTURES / "crimes_extract.csv"
STOPS = FIXTURES / "2021-06-metropolitan-stop-and-search.csv"
CTX = ParseContext(projector("EPSG:27700"), 50_000, 1 << 32, datetime(2024, 1, 1, tzinfo=UTC))


@pytest.fixture
def engine(store):
    """The shared fresh store, on SQLite and on PostgreSQL."""
    return store


@pytest.fixture(scope="module")
def rms():
    return load_mapping("force_rms_crimes")


def run(engine, mapping, path, max_bytes=1 << 32, chunk_size=50_000):
    return ingest(engine, MappedAdapter(mapping), path, chunk_size, max_bytes)


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).fetchall()


def batches(mapping, csv_text: str, name: str = "sample.csv") -> list:
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / name).write_text(csv_text, encoding="utf-8")
        return list(MappedAdapter(mapping).batches(SourceFile(folder / name), CTX))
    finally:
        shutil.rmtree(folder)


# -- the RMS sample ---------------------------------------------------------------------------


def test_rms_counts_and_quarantine_reasons(engine, rms):
    report = run(engine, rms, RMS)
    assert report.failed == []
    totals = report.as_dict()["totals"]
    assert (totals["rows_read"], totals["inserted"], totals["quarantined"]) == (15, 8, 7)
    reasons = dict(rows(engine, "SELECT line_number, reason_code FROM quarantine"))
    assert reasons == {
        10: "bad_date",  # 31 June
        11: "bad_time_range",  # committed_to before committed_from
        12: "missing_key",  # blank crime_ref
        13: "bad_dob",  # 31 February
        14: "bad_coordinates",  # easting with a letter l
        15: "missing_category",
        16: "column_count",  # a truncated line
    }
    (reason,) = rows(engine, "SELECT reason FROM quarantine WHERE line_number = 11")[0]
    assert "committed_to is before committed_from" in reason
    counts = {t: rows(engine, f"SELECT count(*) FROM {t}")[0][0] for t in ("events", "locations", "persons")}
    assert counts == {"events": 8, "locations": 7, "persons": 10}


def test_rms_event_windows_places_and_attributes(engine, rms):
    run(engine, rms, RMS)
    with engine.connect() as conn:
        events = {r.natural_key: r for r in conn.execute(select(schema.events))}
    burglary = events["CR/2021/000101"]
    # 18:00 BST to 07:30 BST, to the end of the 07:30 minute.
    assert burglary.time_from == datetime(2021, 6, 1, 17, 0, tzinfo=UTC)
    assert burglary.time_to == datetime(2021, 6, 2, 6, 31, tzinfo=UTC)
    assert burglary.time_precision == "range"
    assert (burglary.x, burglary.y) == (531205.0, 181420.0)
    assert 51.5 < burglary.lat < 51.53 and -0.12 < burglary.lon < -0.1
    assert burglary.location_id is not None and burglary.area_code == "E01002722"
    assert burglary.force == "Example Constabulary" and burglary.event_type == "crime"
    assert burglary.attributes["premises_type"] == "Dwelling"
    robbery = events["CR/2021/000103"]
    assert robbery.time_precision == "minute"
    assert robbery.time_to - robbery.time_from == pd.Timedelta(minutes=1)
    prison = events["CR/2021/000105"]  # no coordinates given: kept, with no place
    assert prison.location_id is None and prison.x is None
    assert prison.location_text == "HMP Pentonville, Caledonian Road, London"


def test_rms_persons_objects_and_links(engine, rms):
    run(engine, rms, RMS)
    with engine.connect() as conn:
        persons = {r.natural_key: r for r in conn.execute(select(schema.persons))}
    smith = persons["person:N100234"]
    assert (smith.forename, smith.surname, smith.full_name) == ("John", "Smith", "John Smith")
    assert smith.dob == date(1990, 3, 14) and smith.gender == "male"  # M mapped through values
    links = rows(
        engine,
        "SELECT p.natural_key, l.role, e.natural_key FROM links l "
        "JOIN persons p ON p.id = l.subject_id JOIN events e ON e.id = l.object_id",
    )
    by_person: dict[str, set] = {}
    for person, role, event in links:
        by_person.setdefault(person, set()).add((role, event))
    # The same suspect in two rows is one person with two suspect links.
    assert by_person["person:N100234"] == {("suspect", "CR/2021/000101"), ("suspect", "CR/2021/000102")}
    # One nominal id is one person whatever the role.
    assert by_person["person:N100555"] == {("suspect", "CR/2021/000103"), ("victim", "CR/2021/000104")}
    assert len(links) == 12
    vehicles = rows(
        engine,
        "SELECT o.natural_key, o.kind, o.make, l.role, e.natural_key FROM links l "
        "JOIN objects o ON o.id = l.subject_id JOIN events e ON e.id = l.object_id ORDER BY e.natural_key",
    )
    assert vehicles == [
        ("vehicle:AB12 CDE", "vehicle", "Ford", "used_in", "CR/2021/000101"),
        ("vehicle:AB12 CDE", "vehicle", "Ford", "used_in", "CR/2021/000103"),
        ("vehicle:LK19 XYZ", "vehicle", "BMW", "used_in", "CR/2021/000107"),
    ]
    assert rows(engine, "SELECT count(*) FROM objects")[0][0] == 2


def test_reingest_is_unchanged_and_a_changed_row_is_version_2(engine, rms, tmp_path):
    run(engine, rms, RMS)
    again = run(engine, rms, RMS).as_dict()["totals"]
    assert (again["inserted"], again["updated"], again["unchanged"], again["quarantined_new"]) == (0, 0, 8, 0)

    changed = tmp_path / "crimes_extract.csv"
    original = RMS.read_text(encoding="utf-8")
    changed.write_text(
        original.replace("Under investigation,N100234,John,Smith", "Charged,N100234,John,Smith", 1)
    )
    totals = run(engine, rms, changed).as_dict()["totals"]
    assert (totals["inserted"], totals["updated"], totals["unchanged"]) == (0, 1, 7)
    versions = rows(engine, "SELECT version FROM source_records WHERE natural_key = 'CR/2021/000101'")
    assert sorted(v for (v,) in versions) == [1, 2]
    event = rows(engine, "SELECT version, outcome FROM events WHERE natural_key = 'CR/2021/000101'")
    assert event == [(2, "Charged")]
    # The changed row's links are restated, not lost or doubled.
    assert rows(engine, "SELECT count(*) FROM links WHERE source_key = 'CR/2021/000101'")[0][0] == 3
    assert rows(engine, "SELECT count(*) FROM links")[0][0] == 15


def test_owner_links(engine, rms):
    objects = (dataclasses.replace(rms.objects[0], owner=rms.persons[0].role),)
    run(engine, dataclasses.replace(rms, objects=objects), RMS)
    owners = rows(
        engine,
        "SELECT p.natural_key, o.natural_key FROM links l JOIN persons p ON p.id = l.subject_id "
        "JOIN objects o ON o.id = l.object_id WHERE l.role = 'owner' ORDER BY l.source_key",
    )
    assert owners == [("person:N100234", "vehicle:AB12 CDE"), ("person:N100555", "vehicle:AB12 CDE")]


@pytest.mark.parametrize("name", ["force_rms_crimes", "police_uk_stop_search"])
def test_samples_on_each_backend(store, name, tmp_path):
    """``store`` (tests/conftest.py) is SQLite and, where a server is given, PostgreSQL."""
    mapping = load_mapping(name)
    path = RMS if name == "force_rms_crimes" else STOPS
    first = run(store, mapping, path).as_dict()["totals"]
    assert first["failed"] == 0 and first["inserted"] == 8
    again = run(store, mapping, path).as_dict()["totals"]
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 8)
    with store.connect() as conn:
        persons = conn.execute(select(schema.persons.c.natural_key, schema.persons.c.dob)).all()
        events = conn.execute(select(schema.events.c.time_from, schema.events.c.attributes)).all()
    assert len(persons) == (10 if name == "force_rms_crimes" else 7)
    assert all(isinstance(e.attributes, dict) and e.time_from.tzinfo is not None for e in events)
    if name == "force_rms_crimes":
        assert dict(persons)["person:N100234"] == date(1990, 3, 14)
        changed = tmp_path / "crimes_extract.csv"
        changed.write_text(RMS.read_text(encoding="utf-8").replace("Charged,N100555", "Convicted,N100555"))
        totals = run(store, mapping, changed).as_dict()["totals"]
        assert (totals["updated"], totals["unchanged"]) == (1, 7)


# -- Parquet ----------------------------------------------------------------------------------


def rms_frame() -> pd.DataFrame:
    """The RMS sample's well-formed rows, all text (the truncated line has no Parquet form)."""
    header, *body = list(csv.reader(io.StringIO(RMS.read_text(encoding="utf-8"))))
    return pd.DataFrame([r for r in body if len(r) == len(header)], columns=header)


def parquet_mapping(mapping):
    return dataclasses.replace(mapping, source=dataclasses.replace(mapping.source, format="parquet",
                                                                   files=r"\.parquet$"))  # fmt: skip


def events_of(engine) -> list:
    return rows(
        engine,
        "SELECT natural_key, event_type, category, time_from, time_to, time_precision, x, y, "
        "location_text, outcome FROM events ORDER BY natural_key",
    )


def test_parquet_gives_the_same_events(sqlite_store, rms, tmp_path):
    engine = sqlite_store  # compares raw SQL text, typed as SQLite returns it
    run(engine, rms, RMS)
    path = tmp_path / "crimes.parquet"
    pq.write_table(pa.Table.from_pandas(rms_frame(), preserve_index=False), path, row_group_size=5)
    other = peelian.db.make_engine(f"sqlite:///{tmp_path}/p.db")
    peelian.db.upgrade(other, "EPSG:27700")
    report = run(other, parquet_mapping(rms), path, chunk_size=4)  # several chunks
    assert report.failed == []
    assert events_of(other) == events_of(engine)
    assert len(rows(other, "SELECT * FROM persons")) == 10
    (raw, line) = rows(
        other, "SELECT raw, line_number FROM source_records WHERE natural_key = 'CR/2021/000102'"
    )[0]
    assert line == 2 and raw.startswith('{"address": "Outside 4 Rosebery Road')
    reasons = {r for (r,) in rows(other, "SELECT reason_code FROM quarantine")}
    assert reasons == {
        "bad_date",
        "bad_time_range",
        "missing_key",
        "bad_dob",
        "bad_coordinates",
        "missing_category",
    }
    other.dispose()


def test_parquet_typed_columns_read_as_text(sqlite_store, tmp_path):
    engine = sqlite_store  # compares raw SQL text, typed as SQLite returns it
    mapping = loads_mapping(
        """
        [source]
        system = "typed"
        format = "parquet"
        natural_key = ["id"]
        [event]
        type = "incident"
        category = {column = "kind"}
        time_from = {column = "at", format = "ISO8601", timezone = "Europe/London", precision = "second"}
        lon = {column = "lon"}
        lat = {column = "lat"}
        attributes = ["priority", "flag"]
        """
    )
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "kind": ["Concern for welfare", "Noise", None],
            "at": pa.array(
                [datetime(2022, 7, 1, 12, 0, tzinfo=UTC), datetime(2022, 7, 1, 13, 0, tzinfo=UTC), None],
                pa.timestamp("us", tz="UTC"),
            ),
            "lon": [-0.1, float("nan"), -0.1],
            "lat": [51.5, None, 51.5],
            "priority": pa.array([1, 2, 3], pa.int32()),
            "flag": [True, False, None],
        }
    )
    pq.write_table(table, tmp_path / "calls.parquet")
    report = run(engine, mapping, tmp_path / "calls.parquet")
    assert report.as_dict()["totals"]["inserted"] == 2
    got = rows(engine, "SELECT natural_key, time_from, lon, attributes FROM events ORDER BY natural_key")
    assert [(k, t) for k, t, *_ in got] == [
        ("1", "2022-07-01 12:00:00.000000"),
        ("2", "2022-07-01 13:00:00.000000"),
    ]
    assert got[0][2] == -0.1 and got[1][2] is None
    assert '"flag": "true"' in got[0][3] and '"priority": "1"' in got[0][3]
    (raw,) = rows(engine, "SELECT raw FROM quarantine")[0]
    assert raw == '{"at": null, "flag": null, "id": 3, "kind": null, "lat": 51.5, "lon": -0.1, "priority": 3}'


def test_parquet_over_the_size_limit_is_refused(engine, rms, tmp_path):
    rms_frame().to_parquet(tmp_path / "crimes.parquet", index=False)
    report = run(engine, parquet_mapping(rms), tmp_path / "crimes.parquet", max_bytes=1000)
    assert report.files[0].status == "failed" and "1,000-byte limit" in report.files[0].message


def test_missing_columns_fail_the_file_naming_them(engine, rms, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("crime_ref,offence\nCR1,Theft\n")
    report = run(engine, rms, path)
    assert report.files[0].status == "failed"
    assert "missing column(s) committed_from, committed_to" in report.files[0].message


# -- the stop-and-search sample ---------------------------------------------------------------


def test_stop_search_sample(sqlite_store):
    engine = sqlite_store  # compares raw SQL text, typed as SQLite returns it
    mapping = load_mapping("police_uk_stop_search")
    report = run(engine, mapping, FIXTURES)  # the folder: only the stop-and-search file is read
    assert len(report.files) == 1
    totals = report.as_dict()["totals"]
    assert (totals["rows_read"], totals["inserted"], totals["quarantined"]) == (13, 8, 5)
    reasons = dict(rows(engine, "SELECT line_number, reason_code FROM quarantine"))
    assert reasons == {
        9: "bad_date",
        10: "missing_category",
        11: "bad_coordinates",
        12: "coordinates_out_of_range",  # New York
        13: "missing_date",
    }
    keys = [k for (k,) in rows(engine, "SELECT natural_key FROM events ORDER BY natural_key")]
    # Two people stopped together: the same time and place, numbered in file order.
    assert "metropolitan|2021-06-03T01:20:00+00:00|51.549531|-0.109932#2" in keys
    assert all(k.startswith("metropolitan|") for k in keys)
    event = rows(
        engine,
        "SELECT event_type, category, subcategory, time_from, time_precision, force, outcome, attributes "
        "FROM events WHERE natural_key = :k",
        k="metropolitan|2021-06-01T08:40:00+00:00|51.538622|-0.102186",
    )[0]
    assert event[:7] == (
        "stop", "Person search", "Controlled drugs", "2021-06-01 08:40:00.000000", "minute", "metropolitan",
        "A no further action disposal",
    )  # fmt: skip
    assert '"legislation": "Misuse of Drugs Act 1971 (section 23)"' in event[7]
    # A stop with no place is kept, with no location.
    assert rows(engine, "SELECT count(*) FROM events WHERE location_id IS NULL")[0][0] == 1
    # One person per row; the vehicle-only search names nobody.
    people = rows(engine, "SELECT gender, age_range, ethnicity, attributes FROM persons")
    assert len(people) == 7
    assert ("Male", "18-24", "Black") in [p[:3] for p in people]
    assert all("self_defined_ethnicity" in p[3] for p in people)
    roles = rows(engine, "SELECT DISTINCT subject_type, role, object_type FROM links")
    assert roles == [("person", "subject", "event")]
    assert rows(engine, "SELECT count(*) FROM links")[0][0] == 7
    assert run(engine, mapping, STOPS).as_dict()["totals"]["unchanged"] == 8


# -- times ------------------------------------------------------------------------------------


def mapping_with(event_extra: str, columns_key: str = "id"):
    return loads_mapping(
        f"""
        [source]
        system = "t"
        natural_key = ["{columns_key}"]
        [event]
        type = "report"
        category = "test"
        {event_extra}
        """
    )


def test_day_precision_follows_local_midnight_across_dst():
    mapping = mapping_with(
        'time_from = {column = "d", format = "%d/%m/%Y", timezone = "Europe/London", precision = "day"}'
    )
    (batch,) = batches(mapping, "id,d\n1,28/03/2021\n2,01/07/2021\n")
    events = batch.events
    assert events["time_from"].tolist() == [pd.Timestamp("2021-03-28 00:00", tz="UTC"),
                                            pd.Timestamp("2021-06-30 23:00", tz="UTC")]  # fmt: skip
    assert events["time_to"].tolist() == [pd.Timestamp("2021-03-28 23:00", tz="UTC"),
                                          pd.Timestamp("2021-07-01 23:00", tz="UTC")]  # fmt: skip
    assert set(events["time_precision"]) == {"day"}


def test_iso_times_honour_offsets_and_read_bare_times_in_the_zone():
    mapping = mapping_with('time_from = {column = "t", format = "ISO8601", timezone = "Europe/London"}')
    (batch,) = batches(
        mapping, "id,t\n1,2021-07-01T12:00:00+02:00\n2,2021-07-01T12:00:00\n3,2021-07-01T12:00Z\n"
    )
    assert batch.events["time_from"].tolist() == [
        pd.Timestamp("2021-07-01 10:00", tz="UTC"),
        pd.Timestamp("2021-07-01 11:00", tz="UTC"),
        pd.Timestamp("2021-07-01 12:00", tz="UTC"),
    ]


def test_month_precision_and_to_window():
    mapping = mapping_with(
        'time_from = {column = "a", format = "%Y-%m", timezone = "UTC", precision = "month"}\n'
        'time_to = {column = "b"}'
    )
    (batch,) = batches(mapping, "id,a,b\n1,2021-01,2021-03\n2,2021-12,\n3,2021-05,2021-04\n4,1850-01,\n")
    assert batch.events["time_to"].tolist() == [
        pd.Timestamp("2021-04-01", tz="UTC"),
        pd.Timestamp("2022-01-01", tz="UTC"),
    ]
    assert batch.events["time_precision"].tolist() == ["range", "month"]
    assert [q.reason_code for q in batch.quarantined] == ["bad_time_range", "date_out_of_range"]


def test_object_kind_from_a_column_and_one_object_per_row():
    mapping = loads_mapping(
        """
        [source]
        system = "property"
        natural_key = ["ref"]
        [[objects]]
        kind = {column = "type", values = {PH = "phone", VE = "vehicle"}}
        key = []
        description = {column = "what"}
        """
    )
    (batch,) = batches(mapping, "ref,type,what\nP1,PH,iPhone 12\nP2,VE,red van\nP3,XX,thing\nP4,,\n")
    assert batch.objects["natural_key"].tolist() == ["phone@P1/1", "vehicle@P2/1"]
    assert batch.events is None and batch.links is None
    assert [q.reason_code for q in batch.quarantined] == ["bad_object_kind"]
    assert len(batch.records) == 3  # P4 holds no object, and is still a source record


def test_values_too_long_for_the_store_are_quarantined():
    mapping = loads_mapping(
        """
        [source]
        system = "s"
        natural_key = ["id"]
        [[persons]]
        key = ["id"]
        ethnicity = {column = "e"}
        """
    )
    (batch,) = batches(mapping, f"id,e\n1,White\n2,{'x' * 121}\n")
    assert batch.persons["natural_key"].tolist() == ["person:1"]
    assert [(q.reason_code, q.reason) for q in batch.quarantined] == [
        ("value_too_long", "person ethnicity is longer than 120 characters")
    ]


def test_adapter_pickles_for_the_parallel_parser(rms):
    adapter = pickle.loads(pickle.dumps(MappedAdapter(rms)))
    assert adapter.mapping == rms and adapter.discover(RMS)


# -- properties -------------------------------------------------------------------------------

cells = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=27, max_size=27), min_size=1, max_size=6))
def test_any_text_is_mapped_or_quarantined_never_an_error(table):
    header = RMS.read_text(encoding="utf-8").splitlines()[0].split(",")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(table)
    mapping = load_mapping("force_rms_crimes")
    read = kept = quarantined = 0
    for batch in batches(mapping, out.getvalue()):
        read += batch.rows_read
        kept += len(batch.records)
        quarantined += len(batch.quarantined)
        if batch.events is not None:
            assert batch.events["_row"].max() < len(batch.records) if len(batch.events) else True
    assert read == kept + quarantined


# -- CLI --------------------------------------------------------------------------------------


def test_cli_lists_mappings_and_ingests(tmp_path, monkeypatch):
    from peelian.cli import app

    monkeypatch.setenv("PEELIAN_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(app, ["ingest", "mappings", "--json"])
        assert listed.exit_code == 0 and "police.uk-stop-search" in listed.stdout
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        done = runner.invoke(app, ["ingest", "mapped", "--mapping", "force_rms_crimes", str(RMS), "--json"])
        assert done.exit_code == 0, done.output
        assert '"inserted": 8' in done.stdout
        bad = tmp_path / "bad.toml"
        bad.write_text('[source]\nsystem = "x"\nnatural_key = ["id"]\n[event]\ntype = "crime"\n')
        failed = runner.invoke(app, ["ingest", "mapped", "-m", str(bad), str(RMS)])
        assert failed.exit_code == 1 and "event.category is required" in failed.output
    finally:
        get_settings.cache_clear()
