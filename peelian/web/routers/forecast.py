"""The forecast page: choose crime type, area, period and model; see the risk map with its patrol
areas, each cell's reasons and latest crimes, and how the model did on this store's own data."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from peelian.db.schema import areas
from peelian.errors import PeelianError
from peelian.forecast import card, catalogue, outputs, service
from peelian.forecast.backtest import oracle_hit_rate, ratio_interval
from peelian.forecast.backtest import report as backtest_report
from peelian.forecast.counts import PERIODS
from peelian.forecast.metrics import COVERAGES
from peelian.forecast.study import Study
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.web.access import Access
from peelian.web.pages import render
from peelian.web.responses import FastJSON
from peelian.web.routers.store import summaries

router = APIRouter()
staff = Access()
proposers = Access(roles=frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}))
forecasts = service.ForecastCache()
backtests = service.ForecastCache()
BACKTEST_PERIODS = 6
MODEL_LABELS = {"prior": "Prior counts", "retrospective": "Retrospective hotspot",
                "prospective": "Prospective hotspot", "kde": "Space-time KDE",
                "sepp": "Self-exciting point process (PredPol)",
                "recency": "Recency-weighted counts", "boosted": "Boosted Poisson (LightGBM)"}  # fmt: skip


def _spec(
    request: Request,
    category: str | None = Query(None, max_length=120, description="Crime category; all if empty"),
    scheme: str | None = Query(None, max_length=40, description="Boundary scheme bounding the study area"),
    area: str | None = Query(None, max_length=40, description="One area of the scheme, by code"),
    period: str = Query("month", pattern=f"^({'|'.join(PERIODS)})$"),
    model: str = Query("boosted", pattern=f"^({'|'.join(catalogue.NAMES)})$"),
    cell_m: float = Query(250.0, ge=50.0, le=2000.0, description="Cell side in metres"),
    coverage: float = Query(0.05, ge=0.005, le=0.5, description="Share of the study area to flag"),
) -> service.Spec:
    zone = request.app.state.settings.timezone
    study = Study(category or None, period, cell_m, scheme or None, area or None, zone=zone)
    return service.Spec(study, model, coverage)


def _forecast(request: Request, spec: service.Spec) -> service.Forecast:
    engine = request.app.state.engine
    return forecasts.get(engine, spec, lambda: service.make(engine, spec))


def _backtest(request: Request, spec: service.Spec) -> dict:
    """The chosen model beside prior counts over the last periods of data, scored as in the CLI."""
    engine = request.app.state.engine

    def compute() -> dict:
        history = _forecast(request, spec).history
        results = service.recent_backtest(history, spec, BACKTEST_PERIODS)
        chosen, prior = results[0], results[-1]
        return {"periods": BACKTEST_PERIODS, "models": [r.summary() for r in results],
                "oracle_hit_rate": {c: oracle_hit_rate(chosen, c) for c in COVERAGES},
                "ratio_5pct": ratio_interval(chosen, prior, 0.05) if chosen is not prior else None,
                "results": results}  # fmt: skip

    return backtests.get(engine, spec, compute)


def _schemes(request: Request) -> list[str]:
    with request.app.state.engine.connect() as conn:
        return list(conn.execute(select(areas.c.scheme).distinct().order_by(areas.c.scheme)).scalars())


def _seen(request: Request, forecast: service.Forecast) -> None:
    request.state.records = {"count": len(forecast.frame), "forecast": forecast.about["model"]}


@router.get("/forecast", include_in_schema=False)
def forecast_page(
    request: Request,
    spec: service.Spec = Depends(_spec),
    run: bool = Query(False, description="Forecast now (else only the form is shown)"),
    proposed: int | None = Query(None, ge=0, le=1000),
    principal: Principal = Depends(staff),
) -> Response:
    forecast, error = None, None
    if run:
        try:
            forecast = _forecast(request, spec)
            _seen(request, forecast)
        except PeelianError as exc:
            error = str(exc)
    query = str(request.query_params)
    areas_summary = []
    if forecast is not None:
        grouped = forecast.frame.groupby("patrol_area")
        areas_summary = [{"area": int(a), "cells": len(g), "expected": float(g["expected_crimes"].sum()),
                          "why": g["why"].iloc[0], "cell": int(g["cell"].iloc[0])}
                         for a, g in list(grouped)[:20]]  # fmt: skip
    page = render(request, "forecast.html", principal, spec=spec, forecast=forecast, error=error, query=query,
                  patrol=areas_summary, periods=PERIODS, models=MODEL_LABELS, schemes=_schemes(request),
                  categories=[c["category"] for c in summaries.get(request.app.state.engine)["categories"]],
                  coverages=COVERAGES, proposed=proposed,
                  may_propose=bool(proposers.roles & set(principal.account.roles)))  # fmt: skip
    page.status_code = 400 if error else 200
    return page


@router.get("/forecast/backtest", include_in_schema=False)
def backtest_fragment(
    request: Request, spec: service.Spec = Depends(_spec), principal: Principal = Depends(staff)
) -> Response:
    """The backtest table, loaded into the page after the map (it takes longer)."""
    try:
        report, error = _backtest(request, spec), None
    except PeelianError as exc:
        report, error = None, str(exc)
    return render(request, "forecast_backtest.html", principal, report=report, error=error,
                  coverages=COVERAGES, query=str(request.query_params))  # fmt: skip


@router.get("/api/forecast", tags=["forecast"], response_class=FastJSON)
def api_forecast(
    request: Request, spec: service.Spec = Depends(_spec), principal: Principal = Depends(staff)
) -> FastJSON:
    """Forecast the period after the data ends: the flagged cells (riskiest first) with reasons;
    x and y are cell centres in the store's CRS."""
    forecast = _forecast(request, spec)
    _seen(request, forecast)
    cells = forecast.frame.to_dict(orient="records")
    return FastJSON(forecast.about | {"cells_in_study_area": forecast.history.grid.n_cells, "cells": cells})


@router.get("/api/forecast.geojson", tags=["forecast"], response_class=FastJSON)
def api_forecast_geojson(
    request: Request, spec: service.Spec = Depends(_spec), principal: Principal = Depends(staff)
) -> FastJSON:
    """The flagged cells and their patrol areas as lon/lat GeoJSON, for a map."""
    forecast = _forecast(request, spec)
    _seen(request, forecast)
    return FastJSON(outputs.geojson(forecast.frame, forecast.shapes(), forecast.crs, forecast.about))


@router.get("/api/forecast/cells/{cell}", tags=["forecast"], response_class=FastJSON)
def api_forecast_cell(
    request: Request,
    cell: Annotated[int, Path(ge=0, le=10_000_000)],
    spec: service.Spec = Depends(_spec),
    principal: Principal = Depends(staff),
) -> FastJSON:
    """One cell: its forecast and rank, why, crimes recorded there lately, and the latest of them."""
    detail = service.cell_detail(request.app.state.engine, _forecast(request, spec), cell)
    request.state.records = {"count": len(detail["recent_crimes"]),
                             "ids": [r["id"] for r in detail["recent_crimes"]]}  # fmt: skip
    return FastJSON(detail)


@router.get("/api/forecast/backtest", tags=["forecast"], response_class=FastJSON)
def api_forecast_backtest(
    request: Request, spec: service.Spec = Depends(_spec), principal: Principal = Depends(staff)
) -> FastJSON:
    """The chosen model against prior counts over the last periods of data, with the oracle."""
    report = _backtest(request, spec)
    return FastJSON({k: v for k, v in report.items() if k != "results"})


@router.get("/api/forecast/coverage.png", tags=["forecast"], response_class=Response)
def api_forecast_coverage(
    request: Request, spec: service.Spec = Depends(_spec), principal: Principal = Depends(staff)
) -> Response:
    """The backtest's coverage curve: hit rate against the share of the area flagged, with the oracle."""
    from peelian.forecast import plots  # matplotlib loads when a chart is first asked for

    report = _backtest(request, spec)
    title = f"{spec.study.category or 'all crime'}, last {report['periods']} {spec.study.period}s"
    png = plots.coverage_curve(report["results"], title=title)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.post("/forecast/leads", include_in_schema=False)
def propose_page(
    request: Request,
    spec: service.Spec = Depends(_spec),
    count: int = Form(10, ge=1, le=100),
    principal: Principal = Depends(proposers),
) -> Response:
    """Send the riskiest patrol areas to the review queue, where a person accepts or rejects each."""
    ids = _propose(request, spec, count, principal)
    query = dict(request.query_params) | {"run": "true", "proposed": str(len(ids))}
    return RedirectResponse("/forecast?" + urlencode(query), status_code=303)


@router.post("/api/forecast/leads", tags=["forecast"], status_code=201)
def api_propose(
    request: Request,
    spec: service.Spec = Depends(_spec),
    count: int = Query(10, ge=1, le=100, description="How many patrol areas, riskiest first"),
    principal: Principal = Depends(proposers),
) -> dict:
    """Propose the riskiest patrol areas as hotspot leads for review."""
    return {"leads": _propose(request, spec, count, principal)}


def _propose(request: Request, spec: service.Spec, count: int, principal: Principal) -> list[str]:
    forecast = _forecast(request, spec)
    try:  # the card carries the model's recent backtest when there is enough data for one
        checked = backtest_report(forecast.history, _backtest(request, spec)["results"])
    except PeelianError as exc:
        checked = {"skipped": str(exc)}
    written = card.build(forecast.model, forecast.about, checked)
    provenance = forecast.about | {"card": service.card_for_lead(written)}
    user = principal.account.username
    ids = service.propose(request.app.state.engine, forecast, count, user, provenance)
    request.state.records = {"count": len(ids), "ids": ids}
    return ids
