"""Drawing forecasts: the coverage curve and the risk map decode as PNGs of the promised size and show
what they claim; the fine curve is scored by the same code as the pooled hit rates; compactness
(cells per patrol area) is 1 for scattered cells and the block's size for one block."""

import io
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from matplotlib import image

from peelian.forecast import outputs, plots
from peelian.forecast.backtest import backtest, compactness, oracle_curve, report, stability
from peelian.forecast.grid import Grid
from peelian.forecast.history import History
from peelian.forecast.metrics import COVERAGES, CURVE, captured, captured_at
from peelian.forecast.models.classic import PriorCounts, Prospective

PNG = b"\x89PNG\r\n\x1a\n"


def decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG)
    return image.imread(io.BytesIO(png), format="png")


def history(months: int = 12, side: int = 2500, seed: int = 0) -> History:
    """Crime around two centres on a square grid of 250 m cells, a Poisson draw each month."""
    grid = Grid.over(shapely.box(0, 0, side, side), 250)
    x, y = grid.centres()
    near = np.exp(-((x - 700) ** 2 + (y - 700) ** 2) / 2e5)
    far = np.exp(-((x - 1800) ** 2 + (y - 1900) ** 2) / 1e5)
    rate = 0.05 + 3 * near + 2 * far
    counts = np.random.default_rng(seed).poisson(rate, (months, grid.n_cells)).astype(float)
    edges = np.arange(np.datetime64("2021-01", "M"), np.datetime64("2021-01", "M") + months + 1)
    return History(grid, edges.astype("datetime64[s]"), counts)


@dataclass
class Fixed:
    """A model that forecasts the same surface every period."""

    risk: np.ndarray
    name: str = "fixed"
    classic: bool = False

    def forecast(self, history: History, target: int) -> np.ndarray:
        return self.risk


def test_fine_coverages_score_exactly_as_the_pooled_ones():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 80))
        risk = rng.integers(0, 4, n).astype(float)  # many ties
        actual = rng.poisson(1.0, n).astype(float)
        grid = [0.0, *CURVE, 0.5, 1.0, 1.5]
        assert captured_at(risk, actual, grid) == pytest.approx([captured(risk, actual, c) for c in grid])
    h = history()
    (result,) = backtest(h, [PriorCounts()], targets=[9, 10, 11])
    x, y = result.curve()
    assert x[0] == 0 and y[0] == 0 and np.all(np.diff(y) >= 0)
    for c in COVERAGES:  # every pooled coverage lies on the fine curve
        assert y[list(x).index(c)] == pytest.approx(result.hit_rate(c))
    ox, oy = oracle_curve(result)
    assert np.array_equal(ox, x) and np.all(oy >= y - 1e-12)


def test_compactness_counts_cells_per_patrol_area():
    h = history(months=6)  # 100 cells: the top 5% is five cells
    block = np.zeros(h.grid.n_cells)
    block[[44, 45, 46, 54, 55]] = [9, 8, 7, 6, 5]  # one group of adjacent cells
    scattered = np.zeros(h.grid.n_cells)
    scattered[[0, 9, 44, 90, 99]] = [9, 8, 7, 6, 5]  # no two touch, not even at a corner
    one, apart = backtest(h, [Fixed(block, "block"), Fixed(scattered, "scattered")], targets=[3, 4, 5])
    assert compactness(one) == 5.0 and one.summary()["compactness"] == 5.0
    assert compactness(apart) == 1.0
    assert stability(one) == 1.0  # the same cells every period
    assert [s["patrol_areas"] for s in apart.steps] == [5, 5, 5]


def test_coverage_curve_is_a_900_by_600_png_with_the_oracle_above():
    h = history()
    results = backtest(
        h, [PriorCounts(), Prospective(), Fixed(h.counts[:6].mean(axis=0), "peelian")], [8, 9, 10, 11]
    )
    pixels = decode(plots.coverage_curve(results, title="two centres"))
    assert pixels.shape[:2] == (600, 900)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)) > 20  # lines in colours, not blank
    found = report(h, results, steps=True)
    assert found["oracle_curve"][0] == 0 and len(found["curve_coverage"]) == len(CURVE) + 1
    for model in found["models"]:  # each period's scores pool to the reported hit rate
        for c in COVERAGES:
            pooled = sum(s["captured"][c] for s in model["steps"]) / sum(s["crimes"] for s in model["steps"])
            assert pooled == pytest.approx(model["hit_rate"][c])
        assert all(a <= b + 1e-12 for a, b in zip(model["curve"], found["oracle_curve"], strict=True))
    assert found["models"][0]["steps"][0]["period_start"].startswith("2021-09-01")


def test_risk_map_draws_the_flagged_cells_in_their_colour_at_its_size():
    h = history()
    risk = h.counts.mean(axis=0)
    few, many = outputs.top_cells(h, risk, 0.02), outputs.top_cells(h, risk, 0.2)
    halves = [shapely.box(0, 0, 1250, 2500), shapely.box(1250, 0, 2500, 2500)]
    width, height = plots.map_size(h)
    assert width == 9.0 and 4.5 <= height <= 12.0

    def red_share(cells, boundaries) -> float:
        pixels = decode(plots.risk_map(h, risk, cells, boundaries, "EPSG:27700", "test", "halves"))
        assert pixels.shape[:2] == (round(height * plots.DPI), round(width * plots.DPI))
        target = np.array([int(plots.FLAGGED[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        return float(np.mean(np.all(np.abs(pixels[..., :3] - target) < 0.02, axis=-1)))

    assert 0 < red_share(few, halves) < red_share(many, None)  # ten times the cells, more red
    areas = plots.numbered_areas(h, risk, many)  # numbered as the forecast's table numbers them
    frame = outputs.table(h, risk, many, [""] * len(many), "EPSG:27700")
    for number, group in enumerate(areas, 1):
        assert set(frame.loc[frame["patrol_area"] == number, "cell"]) == set(group.tolist())


def test_map_size_follows_the_study_area_shape():
    wide = History(
        Grid.over(shapely.box(0, 0, 10_000, 1000), 250), np.array([], "datetime64[s]"), np.zeros((0, 160))
    )
    tall = History(
        Grid.over(shapely.box(0, 0, 1000, 10_000), 250), np.array([], "datetime64[s]"), np.zeros((0, 160))
    )
    assert plots.map_size(wide) == (9.0, 4.5) and plots.map_size(tall) == (9.0, 12.0)
