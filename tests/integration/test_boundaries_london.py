"""Real London boundaries against a real month of police.uk crimes.

police.uk names the 2011 LSOA of every crime's (anonymised) map point, so placing the points in
our loaded LSOA polygons is a cross-check of the whole geometry path: file CRS, reprojection,
WKB storage and point-in-polygon.

The shared boundaries are ONS "gen20" files, generalised to 20 m. police.uk snap points often lie
on street centre lines, which are also LSOA borders, so about 5% of them fall on the wrong side of
a generalised border. Exact agreement is therefore checked at 94%, and agreement within the
20 m generalisation at 99.9%.
"""

import os
from pathlib import Path

import pytest
import shapely
from sqlalchemy import select

import peelian.db
from peelian.db.schema import areas, event_areas, events
from peelian.geo.boundaries import assign_events, list_areas, load_boundaries
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter

SHARED = Path(
    os.environ.get("PEELIAN_SHARED_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
BOUNDARIES = SHARED / "london_boundaries"
BOROUGHS = BOUNDARIES / "london-2021-lad22-gen20.shp"
LSOA11 = BOUNDARIES / "london-2011-lsoa-gen20.shp"
CRIMES = SHARED / "london_met_burglary_street" / "2015-06-metropolitan-street.csv.gz"
GENERALISATION_M = 20.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not all(p.exists() for p in (BOROUGHS, LSOA11, CRIMES)),
        reason=f"shared London data not found under {SHARED} (set PEELIAN_SHARED_DATA)",
    ),
]


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    path = tmp_path_factory.mktemp("london") / "t.db"
    engine = peelian.db.make_engine(f"sqlite:///{path}")
    peelian.db.upgrade(engine, "EPSG:27700")
    loads = {
        "borough": load_boundaries(engine, BOROUGHS, "borough", "LAD22CD", "LAD22NM"),
        "lsoa11": load_boundaries(engine, LSOA11, "lsoa11", "LSOA11CD", "LSOA11NM"),
    }
    report = ingest(engine, PoliceUkAdapter(), CRIMES, 50_000, 1 << 32)
    assert not report.failed
    assigns = {scheme: assign_events(engine, scheme) for scheme in loads}
    yield engine, loads, assigns
    engine.dispose()


def located_events(engine, scheme: str) -> list:
    """(x, y, source area code, assigned area code) for each located event with a source code."""
    query = (
        select(events.c.x, events.c.y, events.c.area_code, areas.c.code)
        .select_from(events)
        .outerjoin(event_areas, (event_areas.c.event_id == events.c.id) & (event_areas.c.scheme == scheme))
        .outerjoin(areas, areas.c.id == event_areas.c.area_id)
        .where(events.c.x.is_not(None), events.c.area_code.is_not(None))
    )
    with engine.connect() as conn:
        return conn.execute(query).all()


def test_london_boundaries_load(london):
    engine, loads, _ = london
    assert loads["borough"].features == 33
    assert loads["lsoa11"].features == 4_835
    assert all(r.source_crs == "EPSG:27700" for r in loads.values())
    counts = {r["scheme"]: r["areas"] for r in list_areas(engine)}
    assert counts == {"borough": 33, "lsoa11": 4_835}
    with engine.connect() as conn:
        codes = set(conn.execute(select(areas.c.code).where(areas.c.scheme == "borough")).scalars())
    assert codes == {f"E090000{n:02d}" for n in range(1, 34)}


def test_every_met_event_lands_in_london(london):
    _, _, assigns = london
    for report in assigns.values():
        assert report.considered > 4_000
        assert report.outside <= 0.005 * report.considered


def test_events_land_in_their_own_lsoa(london):
    engine, _, _ = london
    rows = located_events(engine, "lsoa11")
    assert len(rows) > 4_000
    exact = sum(r.area_code == r.code for r in rows) / len(rows)
    with engine.connect() as conn:
        shapes = {
            code: shapely.from_wkb(wkb)
            for code, wkb in conn.execute(
                select(areas.c.code, areas.c.geometry).where(areas.c.scheme == "lsoa11")
            )
        }
    near = sum(
        r.area_code == r.code
        or (
            r.area_code in shapes
            and shapes[r.area_code].distance(shapely.Point(r.x, r.y)) <= GENERALISATION_M
        )
        for r in rows
    ) / len(rows)
    assert exact >= 0.94, f"only {exact:.1%} of events fell in their own LSOA"
    assert near >= 0.999, f"only {near:.2%} of events fell in or within 20 m of their own LSOA"


def test_borough_agrees_with_the_lsoa_borough(london):
    """The LSOA file names each LSOA's borough; the borough polygons must agree for its events."""
    engine, _, _ = london
    lsoa = event_areas.alias("lsoa")
    borough = event_areas.alias("borough")
    lsoa_area = areas.alias("lsoa_area")
    borough_area = areas.alias("borough_area")
    query = (
        select(lsoa_area.c.attributes, borough_area.c.code)
        .select_from(lsoa)
        .join(lsoa_area, lsoa_area.c.id == lsoa.c.area_id)
        .join(borough, (borough.c.event_id == lsoa.c.event_id) & (borough.c.scheme == "borough"))
        .join(borough_area, borough_area.c.id == borough.c.area_id)
        .where(lsoa.c.scheme == "lsoa11")
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    assert len(rows) > 4_000
    agree = sum(attrs["LAD11CD"] == code for attrs, code in rows) / len(rows)
    assert agree >= 0.99


def test_assign_again_adds_nothing(london):
    engine, _, assigns = london
    again = assign_events(engine, "lsoa11")
    assert again.assigned == 0
    assert again.considered == assigns["lsoa11"].outside
