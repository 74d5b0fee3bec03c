"""Risk-terrain layers on hand-checkable grids: distances and densities, the GeoJSON a user may
bring (lon/lat, a legacy CRS, lines and polygons, broken features), clear refusals, and the
boosted model learning from a layer and still forecasting where it is missing."""

import json
import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from peelian.errors import PeelianError
from peelian.forecast import card, outputs, terrain
from peelian.forecast.grid import Grid
from peelian.forecast.history import History
from peelian.forecast.models.boosted import Boosted

CRS = "EPSG:27700"
BNG = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
PEAK = 3 / (math.pi * 0.4**2)  # the quartic kernel at its centre, per km², for a 400 m radius


def collection(*geometries, crs=None) -> dict:
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": g} for g in geometries
    ]}  # fmt: skip
    return data | ({"crs": crs} if crs else {})


def write(path, data) -> object:
    path.write_text(json.dumps(data))
    return path


def point(x, y) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def test_distance_and_density_of_each_cell(tmp_path):
    grid = Grid.over(shapely.box(0, 0, 1000, 1000), 250)  # cell 0 centred on (125, 125), 15 on (875, 875)
    places = collection(point(125, 125), point(625, 125), point(875, 875), crs=BNG)
    layer = terrain.read(write(tmp_path / "Pubs (2024).geojson", places), CRS)
    assert (layer.name, layer.points, layer.skipped) == ("pubs_2024", 3, 0)
    values, names = terrain.covariates([layer], grid, CRS)
    assert names == ("pubs_2024_distance_m", "pubs_2024_density_400m")
    distance, density = values.T
    diagonal = math.hypot(250, 250)
    assert distance[[0, 1, 5, 12, 15]] == pytest.approx([0, 250, diagonal, 750, 0])

    def quartic(d):
        return PEAK * (1 - (d / 400) ** 2) ** 2

    assert density[0] == pytest.approx(PEAK)  # the place at its centre; the next is 500 m away
    assert density[1] == pytest.approx(2 * quartic(250))  # two places 250 m away, one each side
    assert density[5] == pytest.approx(2 * quartic(diagonal))
    assert density[12] == 0  # (125, 875): 750 m from the nearest


def test_density_is_places_per_square_kilometre():
    grid = Grid.over(shapely.box(0, 0, 2000, 2000), 20)
    layer = terrain.Layer("atm", np.array([1000.0, 1003.0]), np.array([1000.0, 990.0]), "atm.geojson", 2, 0)
    density = terrain.measure(layer, grid, CRS, radius_m=300)[:, 1]
    assert density.sum() * (0.02 * 0.02) == pytest.approx(2, rel=0.01)  # the kernel integrates to one
    # A store in US feet (Illinois East): distances still come out in metres.
    feet = terrain.Layer("atm", np.array([0.0]), np.array([0.0]), "atm.geojson", 1, 0)
    square = Grid.over(shapely.box(0, 0, 1000, 1000), 500)  # centres 250 ft and 750 ft from the origin
    assert terrain.measure(feet, square, "EPSG:3435")[0, 0] == pytest.approx(math.hypot(250, 250) * 0.3048006)


def test_lon_lat_points_lines_and_polygons_become_places(tmp_path):
    lons, lats = [-0.1400, -0.1000, -0.1010, -0.1300], [51.5300, 51.5400, 51.5410, 51.5500]
    u_shape = [[-0.12, 51.52], [-0.11, 51.52], [-0.11, 51.53], [-0.111, 51.53], [-0.111, 51.521],
               [-0.119, 51.521], [-0.119, 51.53], [-0.12, 51.53], [-0.12, 51.52]]  # fmt: skip
    data = collection(
        point(lons[0], lats[0]),
        {"type": "MultiPoint", "coordinates": [[lons[1], lats[1]], [lons[2], lats[2]]]},
        {"type": "LineString", "coordinates": [[lons[3] - 0.001, lats[3]], [lons[3] + 0.001, lats[3]]]},
        {"type": "Polygon", "coordinates": [u_shape]},
        None,  # a feature with no geometry
        {"type": "Point", "coordinates": []},  # and one whose geometry is broken
        {"type": "Polygon", "coordinates": "nowhere"},
    )
    layer = terrain.read(write(tmp_path / "places.geojson", data), CRS)
    assert (layer.points, layer.features, layer.skipped) == (5, 7, 3)
    assert "3 feature(s) skipped" in layer.summary()
    to_bng = Transformer.from_crs(4326, CRS, always_xy=True)
    x, y = to_bng.transform(lons, lats)  # the point, the MultiPoint's two, the line's middle
    assert layer.x[:4] == pytest.approx(x, abs=0.01) and layer.y[:4] == pytest.approx(y, abs=0.01)
    polygon = shapely.Polygon([to_bng.transform(*xy) for xy in u_shape])
    assert not polygon.contains(polygon.centroid)  # the U's centroid lies in its gap...
    assert polygon.contains(shapely.Point(layer.x[4], layer.y[4]))  # ...so the place is inside the U


def test_legacy_crs_member_is_honoured(tmp_path):
    old_style = {"type": "EPSG", "properties": {"code": 27700}}
    for crs in (BNG, old_style):
        layer = terrain.read(
            write(tmp_path / "cctv.geojson", collection(point(529000, 182000), crs=crs)), CRS
        )
        assert (layer.x[0], layer.y[0]) == (529000, 182000)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "is not JSON"),
        (json.dumps({"type": "Feature", "geometry": point(0, 51)}), "must be a GeoJSON FeatureCollection"),
        (json.dumps([1, 2]), "must be a GeoJSON FeatureCollection"),
        (json.dumps(collection(None, {"type": "Point"})), "no usable point, line or polygon geometry"),
        (json.dumps(collection(point(529000, 182000))), "outside longitude -180..180"),
        (json.dumps(collection(point(0, 51), crs={"type": "name", "properties": {"name": "EPSG:99999"}})),
         "unknown coordinate reference system"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "layer.geojson"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PeelianError, match=message):
        terrain.read(path, CRS)


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    path = write(tmp_path / "big.geojson", collection(point(0, 51)))
    monkeypatch.setattr(terrain, "MAX_BYTES", 10)
    with pytest.raises(PeelianError, match="the limit is"):
        terrain.read(path, CRS)


def test_two_layers_with_one_name_are_refused():
    layer = terrain.Layer("pubs", np.array([0.0]), np.array([0.0]), "pubs.geojson", 1, 0)
    with pytest.raises(PeelianError, match="both named pubs"):
        terrain.covariates([layer, layer], Grid.over(shapely.box(0, 0, 500, 500), 250), CRS)


def test_shapely_answers_as_scipy_does(monkeypatch):
    grid = Grid.over(shapely.box(0, 0, 3000, 2000), 100)
    rng = np.random.default_rng(7)
    layer = terrain.Layer("bus", rng.uniform(-200, 3200, 60), rng.uniform(-200, 2200, 60), "bus", 60, 0)
    with_scipy = terrain.measure(layer, grid, CRS)
    monkeypatch.setattr(terrain, "cKDTree", None)
    monkeypatch.setattr(terrain, "CHUNK", 97)  # and in chunks
    assert terrain.measure(layer, grid, CRS) == pytest.approx(with_scipy)


def pub_history(months: int = 36):
    """Crime, rare and noisy, mostly in the cells within 300 m of three pubs."""
    grid = Grid.over(shapely.box(0, 0, 2500, 2500), 250)
    pubs = terrain.Layer("pubs", np.array([375.0, 1875, 1125]), np.array([375.0, 625, 2125]), "pubs", 3, 0)
    values, names = terrain.covariates([pubs], grid, CRS)
    near = values[:, 0] < 300
    counts = np.random.default_rng(0).poisson(np.where(near, 0.5, 0.02), (months, grid.n_cells))
    edges = (np.datetime64("2019-01", "M") + np.arange(months + 1)).astype("datetime64[s]")
    return History(grid, edges, counts.astype(float)), values, names, near


def test_boosted_learns_from_terrain_and_explains_with_it():
    history, values, names, near = pub_history()
    model = Boosted(train_periods=24, rounds=40, min_leaf=5)
    counted = model.feature_names
    model.set_terrain(values, names)
    assert model.feature_names == [*counted, "pubs_distance_m", "pubs_density_400m"]
    risk = model.forecast(history, 36)
    assert set(np.argsort(-risk)[: near.sum()]) == set(np.flatnonzero(near))
    contributions = model.explain(history, 36)
    assert contributions.shape == (history.grid.n_cells, len(counted) + 2 + 1)
    assert np.allclose(np.exp(contributions.sum(axis=1)), risk)
    terrain_part = contributions[:, -3:-1].sum(axis=1)
    assert terrain_part[near].min() > 0 > terrain_part[~near].max()  # near a pub raises, far lowers
    top = outputs.top_cells(history, risk, 0.05)
    assert all(
        "pubs distance m +" in why for why in outputs.reasons(contributions, model.feature_names, top, "")
    )
    parameters = card.parameters(model)  # the card names the layers and leaves the table out
    assert parameters["terrain_names"] == list(names)
    assert not any(isinstance(v, np.ndarray) for v in parameters.values())


def test_boosted_still_forecasts_where_a_layer_is_missing():
    history, values, names, near = pub_history()
    gaps = values.copy()
    gaps[::3] = np.nan  # a layer that does not cover a third of the cells
    model = Boosted(train_periods=24, rounds=40, min_leaf=5)
    counted = model.feature_names
    model.set_terrain(gaps, names)
    risk = model.forecast(history, 36)
    assert np.isfinite(risk).all() and (risk > 0).all()
    covered = near & np.isfinite(gaps[:, 0])
    assert risk[covered].min() > np.median(risk[~near])
    model.set_terrain(None)  # and without any layer: the model as before
    assert model.feature_names == counted
    assert model.forecast(history, 36).shape == (history.grid.n_cells,)
    with pytest.raises(PeelianError, match="one column per name"):
        model.set_terrain(values, ("pubs_distance_m",))
    model.set_terrain(values[:10], names)
    with pytest.raises(PeelianError, match="terrain covers 10 cells"):
        model.forecast(history, 36)


def test_attach_gives_terrain_to_the_models_that_take_it(tmp_path):
    history, *_ = pub_history(months=6)
    path = write(tmp_path / "Bus stops.geojson", collection(point(600, 600), crs=BNG))
    boosted, other = Boosted(), object()
    assert terrain.attach([boosted, other], history, [terrain.read(path, CRS)], CRS, radius_m=250) == 1
    assert boosted.terrain_names == ("bus_stops_distance_m", "bus_stops_density_250m")
    assert boosted.terrain.shape == (history.grid.n_cells, 2)
    assert terrain.attach([other], history, [terrain.read(path, CRS)], CRS) == 0
