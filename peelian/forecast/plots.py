"""Pictures of forecasts as PNG bytes: the backtest's coverage curve, and the risk map an analyst
hands over with a forecast.

Drawn with matplotlib's object API on the Agg canvas, never pyplot: no global figure state, so the
web server may draw from worker threads, and no display or network is needed (no map tiles; the
study area's own boundaries give the reader their bearings).
"""

import io
from collections.abc import Sequence

import numpy as np
import shapely
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import ListedColormap, PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from peelian.forecast.backtest import ModelResult, oracle_curve
from peelian.forecast.history import History
from peelian.forecast.metrics import COVERAGES
from peelian.forecast.outputs import numbered, patrol_areas

DPI = 100
FLAGGED, OUTLINE = "#d7301f", "#67000d"  # strong reds over a light blue surface
SURFACE = ListedColormap(colormaps["Blues"](np.linspace(0.12, 1, 256)))  # zero risk still reads as "in"
LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": OUTLINE, "lw": 0.5, "alpha": 0.85}
Curve = tuple[np.ndarray, np.ndarray]  # coverages and hit rates, both shares (0..1)


def coverage_curve(results: Sequence[ModelResult], oracle: Curve | None = None, title: str = "") -> bytes:
    """Hit rate against the share of the area flagged, one line per model, with the oracle above and
    chance (hit rate = area) below: how much crime each choice of patrol area would have caught.
    ``oracle`` defaults to the best possible curve over the periods of ``results[0]``."""
    fig = Figure(figsize=(9, 6), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    top = 0.0
    for result in results:
        x, y = result.curve()
        style, label = ("--", f"{result.name} (baseline)") if result.classic else ("-", result.name)
        (line,) = ax.plot(x * 100, y * 100, style, lw=1.8, label=label)
        ax.plot([c * 100 for c in COVERAGES], [result.hit_rate(c) * 100 for c in COVERAGES], "o", ms=4,
                color=line.get_color())  # fmt: skip
        top = max(top, float(np.nanmax(y)))
    if results or oracle is not None:
        x, y = oracle if oracle is not None else oracle_curve(results[0])
        ax.plot(np.asarray(x) * 100, np.asarray(y) * 100, ":", color="black", lw=2,
                label="oracle (the period's own counts)")  # fmt: skip
        top = max(top, float(np.nanmax(y)))
    ax.plot([0, 20], [0, 20], color="grey", lw=1, alpha=0.7, label="chance (hit rate = area)")
    ax.axvline(5, color="grey", lw=0.8, ls="-.", alpha=0.5)
    ax.set(xlim=(0, 20), ylim=(0, min(100, max(top * 100 * 1.05, 25))), title=title,
           xlabel="share of the study area flagged",
           ylabel="share of crimes in the flagged cells (hit rate)")  # fmt: skip
    ax.xaxis.set_major_locator(MultipleLocator(2))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return _png(fig)


def numbered_areas(history: History, risk: np.ndarray, cells: np.ndarray) -> list[np.ndarray]:
    """Patrol areas in the order ``outputs.table`` numbers them (most expected crime first)."""
    return numbered(patrol_areas(history, cells), risk)


def risk_map(
    history: History,
    risk: np.ndarray,
    cells: np.ndarray,
    boundaries: shapely.Geometry | Sequence[shapely.Geometry] | None = None,
    crs: str | None = None,
    title: str = "",
    boundary_label: str = "study area",
    label_areas: int = 20,
    outlines: Sequence[shapely.Geometry] | None = None,
    flagged_label: str | None = None,
) -> bytes:
    """Every cell shaded by risk, the flagged ``cells`` filled strongly and their patrol areas
    outlined and numbered (the first ``label_areas``, as in the forecast's table), over
    ``boundaries`` in the grid's projected metres (the grid's own outline when None), framed on the
    grid. ``crs`` only names the axes' coordinates. ``outlines`` replaces the cells' patrol areas
    (areal units: each group of touching flagged units, numbered as in the forecast's table), and
    is then filled instead of the cells; ``flagged_label`` says what was flagged, for the legend.

    Risk is shaded on a square-root scale so the many low cells stay distinguishable from zero."""
    grid = history.grid
    fig = Figure(figsize=map_size(history), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    extent = (grid.x0, grid.x0 + grid.nx * grid.size, grid.y0, grid.y0 + grid.ny * grid.size)
    values = np.full(grid.ny * grid.nx, np.nan)
    values[grid.inside] = risk
    peak = float(np.nanmax(risk)) if len(risk) and np.nanmax(risk) > 0 else 1.0
    image = ax.imshow(values.reshape(grid.ny, grid.nx), origin="lower", extent=extent, cmap=SURFACE,
                      norm=PowerNorm(0.5, vmin=0, vmax=peak), interpolation="nearest")  # fmt: skip
    squares = grid.polygons()
    if outlines is None:
        flagged = np.full(grid.ny * grid.nx, np.nan)
        flagged[grid.inside[cells]] = 1.0
        ax.imshow(flagged.reshape(grid.ny, grid.nx), origin="lower", extent=extent, interpolation="nearest",
                  cmap=ListedColormap([FLAGGED]), vmin=0, vmax=1)  # fmt: skip
        outlines = [shapely.union_all(squares[group]) for group in numbered_areas(history, risk, cells)]
        flagged_label = flagged_label or f"{len(cells):,} flagged cells"
    else:
        rings = [shapely.get_coordinates(shapely.get_exterior_ring(part))
                 for part in shapely.get_parts(np.asarray(outlines, dtype=object))]  # fmt: skip
        ax.add_collection(PolyCollection(rings, facecolors=FLAGGED, edgecolors="none"))
        flagged_label = flagged_label or f"{len(outlines):,} flagged areas"
    ax.add_collection(LineCollection(_lines(outlines), colors=OUTLINE, linewidths=1.0))
    for number, shape in enumerate(outlines[:label_areas], 1):
        spot = shape.point_on_surface()
        ax.annotate(str(number), (spot.x, spot.y), xytext=(4, 4), textcoords="offset points", fontsize=8,
                    fontweight="bold", color="black", bbox=LABEL_BOX)  # fmt: skip
    if boundaries is None:
        shapes = [shapely.coverage_union_all(squares)]
    else:
        shapes = [boundaries] if isinstance(boundaries, shapely.Geometry) else list(boundaries)
    width = 0.9 if len(shapes) < 50 else 0.4
    ax.add_collection(LineCollection(_lines(shapes), colors="#333333", linewidths=width))
    minx, maxx, miny, maxy = extent  # the grid's extent: boundaries beyond the study area are cut off
    pad = 0.02 * max(maxx - minx, maxy - miny)
    ax.set(xlim=(minx - pad, maxx + pad), ylim=(miny - pad, maxy + pad), title=title)
    ax.set_aspect("equal")
    km = FuncFormatter(lambda value, _: f"{value / 1000:g}")
    ax.xaxis.set_major_formatter(km)
    ax.yaxis.set_major_formatter(km)
    where = f" ({crs})" if crs else ""
    ax.set_xlabel(f"easting, km{where}")
    ax.set_ylabel(f"northing, km{where}")
    ax.tick_params(labelsize=8)
    length = _nice_length((maxx - minx) / 5)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.add_artist(AnchoredSizeBar(ax.transData, length, label, "lower left", pad=0.5, sep=4, frameon=True,
                                  size_vertical=(maxy - miny) / 150))  # fmt: skip
    bar = ax.inset_axes((1.02, 0.0, 0.025, 1.0))  # as tall as the map, whatever its aspect
    fig.colorbar(image, cax=bar, label="expected crimes per cell (square-root scale)")
    handles = [Patch(facecolor=FLAGGED, edgecolor=OUTLINE, label=f"{flagged_label} in "
                     f"{len(outlines):,} patrol areas (numbered by expected crime)"),
               Line2D([], [], color="#333333", lw=width, label=boundary_label)]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return _png(fig)


def map_size(history: History) -> tuple[float, float]:
    """The map's size in inches: 9 wide (900 px), and as tall as the study area's shape needs, so a
    wide city is not framed by blank bands (between 4.5 and 12 inches)."""
    shape = history.grid.ny / history.grid.nx
    return 9.0, float(np.clip(round(7.2 * shape + 1.8, 1), 4.5, 12.0))


def _lines(shapes: Sequence[shapely.Geometry]) -> list[np.ndarray]:
    """Every ring and line of ``shapes`` as coordinate arrays, for one LineCollection."""
    parts = shapely.get_parts(np.asarray(shapes, dtype=object))
    polygonal = np.isin(shapely.get_type_id(parts), (3, 6))  # polygons draw their rings
    edges = shapely.get_parts(np.where(polygonal, shapely.boundary(parts), parts))
    return [shapely.get_coordinates(edge) for edge in edges if not edge.is_empty]


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 times a power of ten no longer than ``target`` metres."""
    if target <= 0:
        return 1.0
    power = 10 ** np.floor(np.log10(target))
    return float(max(step * power for step in (1, 2, 5) if step * power <= target))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()
