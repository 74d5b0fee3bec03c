"""Boundaries: loading areas from GIS files and placing events in them."""

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import func, select
from typer.testing import CliRunner

import peelian.db
from peelian.cli import app as cli_app
from peelian.cli import geo as geo_cli
from peelian.db.schema import areas, event_areas, events
from peelian.errors import NotFound, PeelianError
from peelian.geo import boundaries
from peelian.geo.boundaries import assign_events, list_areas, load_boundaries
from peelian.pole.ids import entity_id

X0, Y0 = 530_000.0, 180_000.0  # central London, in EPSG:27700
# Three 100 m squares: A | B side by side, C on top of A. Codes sort A < B < C.
SQUARES = {"A": (0, 0, 100, 100), "B": (100, 0, 200, 100), "C": (0, 100, 100, 200)}


def square(code: str) -> shapely.Polygon:
    minx, miny, maxx, maxy = SQUARES[code]
    return shapely.box(X0 + minx, Y0 + miny, X0 + maxx, Y0 + maxy)


def write_layer(path: Path, geoms, fields: dict[str, list], crs: str | None, driver: str) -> Path:
    wkb = np.array(shapely.to_wkb(np.array(geoms, dtype=object)), dtype=object)
    names = list(fields)
    # Strings (and missing values) as objects; numbers keep their dtype, so the field is numeric.
    data = [
        np.array(v, dtype=object if any(isinstance(x, str | None) for x in v) else None)
        for v in fields.values()
    ]
    pyogrio.raw.write(
        path, wkb, data, names, geometry_type="Polygon", crs=crs, driver=driver, promote_to_multi=False
    )
    return path


def squares_file(tmp_path: Path, name: str = "squares.geojson", crs: str = "EPSG:27700", **extra) -> Path:
    codes = list(SQUARES)
    geoms = [square(c) for c in codes]
    if crs != "EPSG:27700":
        to = Transformer.from_crs("EPSG:27700", crs, always_xy=True)
        geoms = list(shapely.transform(np.array(geoms), lambda c: np.column_stack(to.transform(*c.T))))
    fields = {"code": codes, "name": [f"Square {c}" for c in codes], "pop": [10, 20, 30]} | extra
    return write_layer(tmp_path / name, geoms, fields, crs, "GeoJSON")


@pytest.fixture
def engine(store):
    """The shared fresh store, on SQLite and on PostgreSQL."""
    return store


def add_events(engine, points: dict[str, tuple[float | None, float | None]]) -> None:
    """Events at offsets from (X0, Y0); None for an event without coordinates."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": entity_id("event", "test", key),
            "source_system": "test",
            "natural_key": key,
            "version": 1,
            "event_type": "crime",
            "category": "burglary",
            "time_from": now,
            "time_to": now,
            "time_precision": "minute",
            "x": None if dx is None else X0 + dx,
            "y": None if dy is None else Y0 + dy,
            "ingested_at": now,
        }
        for key, (dx, dy) in points.items()
    ]
    with engine.begin() as conn:
        conn.execute(events.insert(), rows)


def assigned(engine, scheme: str) -> dict[str, str]:
    """natural key of each event -> code of its area in ``scheme``."""
    query = (
        select(events.c.natural_key, areas.c.code)
        .join(event_areas, event_areas.c.event_id == events.c.id)
        .join(areas, areas.c.id == event_areas.c.area_id)
        .where(event_areas.c.scheme == scheme)
    )
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def area_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.code: dict(r._mapping) for r in conn.execute(select(areas))}


# ---------------------------------------------------------------------------- loading


def test_load_writes_areas_in_store_crs_and_wgs84(engine, tmp_path):
    report = load_boundaries(engine, squares_file(tmp_path), "test", "code", "name")
    assert (report.features, report.inserted, report.updated, report.repaired) == (3, 3, 0, 0)
    assert report.source_crs == "EPSG:27700"
    rows = area_rows(engine)
    assert set(rows) == {"A", "B", "C"}
    a = rows["A"]
    assert a["id"] == entity_id("area", "test", "A")
    assert a["name"] == "Square A"
    assert a["attributes"] == {"pop": 10}
    assert a["source_name"] == "squares.geojson"
    assert a["loaded_at"].tzinfo is not None
    assert shapely.equals(shapely.from_wkb(a["geometry"]), square("A"))
    assert (a["minx"], a["miny"], a["maxx"], a["maxy"]) == (X0, Y0, X0 + 100, Y0 + 100)
    gj = json.loads(a["geometry_wgs84"])
    assert gj["type"] == "Polygon"
    lon, lat = gj["coordinates"][0][0]
    assert -0.2 < lon < -0.1 and 51.4 < lat < 51.6
    coords = [c for ring in gj["coordinates"] for pt in ring for c in pt]
    assert all(round(c, 6) == c for c in coords)


def test_load_reprojects_from_the_file_crs(engine, tmp_path):
    path = squares_file(tmp_path, "wgs84.geojson", crs="EPSG:4326")
    report = load_boundaries(engine, path, "test", "code")
    assert report.source_crs == "EPSG:4326"
    geom = shapely.from_wkb(area_rows(engine)["B"]["geometry"])
    # Back in metres: the same square, to well under a metre.
    assert shapely.hausdorff_distance(geom, square("B")) < 0.01
    assert area_rows(engine)["B"]["name"] is None


def test_reload_upserts_by_scheme_and_code(engine, tmp_path):
    path = squares_file(tmp_path)
    load_boundaries(engine, path, "test", "code", "name")
    again = load_boundaries(engine, path, "test", "code", "name")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    other = load_boundaries(engine, path, "other", "code")
    assert other.inserted == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(areas)).scalar() == 6


def test_reload_with_changed_geometry_clears_its_assignments(engine, tmp_path):
    load_boundaries(engine, squares_file(tmp_path), "test", "code")
    add_events(engine, {"in_a": (50, 50), "in_b": (150, 50)})
    assign_events(engine, "test")
    # B grows to cover A's right half: B's old assignments must go, A's stay.
    grown = [square("A"), shapely.box(X0 + 50, Y0, X0 + 200, Y0 + 100), square("C")]
    path = write_layer(tmp_path / "v2.geojson", grown, {"code": ["A", "B", "C"]}, "EPSG:27700", "GeoJSON")
    report = load_boundaries(engine, path, "test", "code")
    assert (report.updated, report.unchanged, report.assignments_cleared) == (1, 2, 1)
    assert assigned(engine, "test") == {"in_a": "A"}
    assert assign_events(engine, "test").assigned == 1
    assert assigned(engine, "test") == {"in_a": "A", "in_b": "B"}


def test_zipped_shapefile(engine, tmp_path):
    shp = write_layer(
        tmp_path / "sq.shp", [square(c) for c in SQUARES], {"CODE": list(SQUARES)}, "EPSG:27700", None
    )
    archive = tmp_path / "sq.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob("sq.*"):
            if part != archive:
                zf.write(part, part.name)
    report = load_boundaries(engine, archive, "zipped", "CODE")
    assert report.features == 3
    assert report.source_name == "sq.zip"


def test_invalid_polygon_is_repaired(engine, tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    path = write_layer(tmp_path / "bow.geojson", [bowtie], {"code": ["X"]}, "EPSG:27700", "GeoJSON")
    report = load_boundaries(engine, path, "bow", "code")
    assert report.repaired == 1
    geom = shapely.from_wkb(area_rows(engine)["X"]["geometry"])
    assert geom.is_valid
    assert geom.area == pytest.approx(5000)


def test_unknown_code_field_lists_the_fields(engine, tmp_path):
    with pytest.raises(PeelianError, match=r"no field 'LSOA11CD'; its fields are: code, name, pop"):
        load_boundaries(engine, squares_file(tmp_path), "test", "LSOA11CD")
    with pytest.raises(PeelianError, match="no field 'title'"):
        load_boundaries(engine, squares_file(tmp_path), "test", "code", name_field="title")


def test_duplicate_and_empty_codes_are_refused(engine, tmp_path):
    geoms = [square(c) for c in SQUARES]
    dup = write_layer(tmp_path / "dup.geojson", geoms, {"code": ["A", "B", "A"]}, "EPSG:27700", "GeoJSON")
    with pytest.raises(PeelianError, match=r"not unique; 1 code\(s\) repeat: A"):
        load_boundaries(engine, dup, "test", "code")
    empty = write_layer(
        tmp_path / "empty.geojson", geoms, {"code": ["A", " ", None]}, "EPSG:27700", "GeoJSON"
    )
    with pytest.raises(PeelianError, match=r"2 feature\(s\) have no code"):
        load_boundaries(engine, empty, "test", "code")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(areas)).scalar() == 0


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_file_without_crs_is_refused(engine, tmp_path):
    path = write_layer(tmp_path / "nocrs.shp", [square("A")], {"code": ["A"]}, None, None)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(PeelianError, match="declares no coordinate reference system"):
        load_boundaries(engine, path, "test", "code")


def test_missing_file_and_unmigrated_store(engine, tmp_path):
    with pytest.raises(PeelianError, match="no such boundary file"):
        load_boundaries(engine, tmp_path / "absent.geojson", "test", "code")
    bare = peelian.db.make_engine(f"sqlite:///{tmp_path}/bare.db")
    with pytest.raises(PeelianError, match="peelian db upgrade"):
        load_boundaries(bare, squares_file(tmp_path), "test", "code")


# ---------------------------------------------------------------------------- assigning

POINTS = {
    "inside_a": (50, 50),
    "inside_b": (150, 25),
    "inside_c": (10, 190),
    "border_ab": (100, 50),  # shared by A and B -> A, the lower code
    "border_ac": (30, 100),  # shared by A and C -> A
    "corner_abc": (100, 100),  # touches all three -> A
    "edge_c_only": (100, 150),  # C's outer edge: C alone
    "outside": (150, 150),
    "far_away": (-5000, 0),
    "no_coordinates": (None, None),
}
EXPECTED = {
    "inside_a": "A",
    "inside_b": "B",
    "inside_c": "C",
    "border_ab": "A",
    "border_ac": "A",
    "corner_abc": "A",
    "edge_c_only": "C",
}


@pytest.fixture
def loaded(engine, tmp_path):
    load_boundaries(engine, squares_file(tmp_path), "test", "code", "name")
    add_events(engine, POINTS)
    return engine


def test_assign_inside_outside_and_border(loaded):
    report = assign_events(loaded, "test", batch_size=3)
    assert (report.areas, report.considered, report.assigned, report.outside) == (3, 9, 7, 2)
    assert assigned(loaded, "test") == EXPECTED


def test_assign_is_idempotent_and_reassign_redoes(loaded):
    assign_events(loaded, "test")
    second = assign_events(loaded, "test")
    assert (second.considered, second.assigned, second.outside) == (2, 0, 2)  # only the outsiders
    redo = assign_events(loaded, "test", reassign=True)
    assert (redo.cleared, redo.considered, redo.assigned, redo.outside) == (7, 9, 7, 2)
    assert assigned(loaded, "test") == EXPECTED


def test_schemes_are_independent(loaded, tmp_path):
    load_boundaries(loaded, squares_file(tmp_path, "b.geojson"), "other", "code")
    assign_events(loaded, "test")
    assert assign_events(loaded, "other").assigned == 7
    assign_events(loaded, "test", reassign=True)
    assert assigned(loaded, "other") == EXPECTED
    summary = {r["scheme"]: r for r in list_areas(loaded)}
    assert {k: (v["areas"], v["events_assigned"]) for k, v in summary.items()} == {
        "other": (3, 7),
        "test": (3, 7),
    }
    assert summary["test"]["source_name"] == "squares.geojson"
    assert summary["test"]["loaded_at"].tzinfo is not None


def test_assign_unknown_scheme(engine):
    with pytest.raises(NotFound, match="no areas loaded for scheme 'nope'"):
        assign_events(engine, "nope")


def first_square(dx: int, dy: int) -> int:
    """Index (in code order) of the first square containing the point, borders included."""
    for i, (minx, miny, maxx, maxy) in enumerate(SQUARES.values()):
        if minx <= dx <= maxx and miny <= dy <= maxy:
            return i
    return -1


coordinate = st.one_of(st.integers(-50, 250), st.sampled_from([0, 100, 200]))


@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=50))
def test_locate_matches_arithmetic(points):
    tree = shapely.STRtree([square(c) for c in SQUARES])
    xy = np.array([(X0 + dx, Y0 + dy) for dx, dy in points], dtype=float)
    assert boundaries._locate(tree, xy).tolist() == [first_square(dx, dy) for dx, dy in points]


# ---------------------------------------------------------------------------- CLI


def test_cli(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(geo_cli, "engine", lambda: engine)
    add_events(engine, POINTS)
    runner = CliRunner()
    path = str(squares_file(tmp_path))
    result = runner.invoke(
        cli_app, ["geo", "load-boundaries", path, "--scheme", "test", "--code-field", "code", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["load"]["inserted"] == 3
    assert out["assign"]["assigned"] == 7
    result = runner.invoke(cli_app, ["geo", "assign", "--scheme", "test", "--reassign"])
    assert result.exit_code == 0, result.output
    assert "Cleared 7" in result.output
    result = runner.invoke(cli_app, ["geo", "areas"])
    assert result.exit_code == 0 and "test" in result.output
    result = runner.invoke(
        cli_app, ["geo", "load-boundaries", path, "--scheme", "x", "--code-field", "nope", "--no-assign"]
    )
    assert result.exit_code == 1
    assert "its fields are" in result.output
