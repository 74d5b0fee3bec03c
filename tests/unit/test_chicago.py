import csv
from pathlib import Path

from sqlalchemy import select

from peelian.db import schema
from peelian.ingest.chicago import ChicagoAdapter
from peelian.ingest.pipeline import ingest

HEADER = [
    "ID", "Case Number", "Date", "Block", "IUCR", "Primary Type", "Description", "Location Description",
    "Arrest", "Domestic", "Beat", "District", "Ward", "Community Area", "FBI Code", "X Coordinate",
    "Y Coordinate", "Updated On", "Latitude", "Longitude",
]  # fmt: skip


def crime(crime_id, case, date, lat="41.861717546", lon="-87.721386272", arrest="false", kind="BURGLARY"):
    return [
        crime_id, case, date, "014XX S AVERS AVE", "0610", kind, "FORCIBLE ENTRY", "RESIDENCE", arrest,
        "false", "1011", "010", "24", "29", "05", "1150945", "1892794", "", lat, lon,
    ]  # fmt: skip


def write(path: Path, rows) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_keys_times_quarantine_and_block_locations(chicago_store, tmp_path):
    rows = [
        crime("10364665", "HZ100012", "01/01/2016 12:01:00 AM", arrest="true"),
        crime("", "G000647", "07/04/2005 06:00:00 PM"),  # 2001-2011 exports carry no ID
        crime("10364666", "HZ100013", "02/30/2016 01:00:00 AM"),  # no such day
        crime("10364667", "HZ100014", "03/13/2016 02:30:00 AM"),  # inside the spring-forward gap
        crime("10364668", "HZ100015", "01/02/2016 01:00:00 AM", lat="", lon=""),
        crime("", "", "01/02/2016 01:00:00 AM"),
    ]
    report = ingest(chicago_store, ChicagoAdapter(), write(tmp_path / "c.csv", rows), 1_000, 1 << 30).files[0]
    assert (report.inserted, report.quarantined) == (3, 3)
    with chicago_store.connect() as conn:
        events = {e.natural_key: e for e in conn.execute(select(schema.events))}
        reasons = sorted(conn.execute(select(schema.quarantine.c.reason_code)).scalars())
        places = conn.execute(select(schema.locations.c.natural_key, schema.locations.c.kind)).all()
    assert set(events) == {"10364665", "case:G000647", "10364667"}
    assert events["10364665"].outcome == "Arrest made" and events["case:G000647"].outcome is None
    assert events["case:G000647"].time_from.isoformat() == "2005-07-04T23:00:00+00:00"  # CDT, UTC-5
    assert events["10364667"].time_from.isoformat() == "2016-03-13T08:30:00+00:00"  # 03:30 CDT
    assert events["10364665"].time_precision == "minute"
    assert reasons == ["bad_date", "missing_coordinates", "missing_key"]
    assert places == [("block:014XX S AVERS AVE", "block")]  # one block, however many crimes
