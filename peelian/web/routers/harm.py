"""The powerful few in the web app and API: offenders ranked by harm, each offence behind a score.

A priority list names people, so every route needs a declared purpose; the audit middleware
records the offenders returned (``request.state.records``). Keeping a refresh proposes a lead for
each offender new to the list, to be judged in the review queue like every other lead.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.harm import available_indices, service
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
purposeful = Access(purpose=True)
proposers = Access(roles=frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}), purpose=True)
OFFENDER = Path(..., min_length=4, max_length=40, pattern="^p[ep]_[0-9a-f]{1,37}$")


@dataclass(frozen=True)
class Spec:
    index: str
    method: str
    window_days: float
    half_life_days: float | None
    top: int


def _spec(
    index: str = Query("cchi", pattern="^[a-z_]{1,20}$", description="Harm index: cchi or ons_css"),
    method: str = Query("harm", pattern="^(harm|rfg)$"),
    window: float = Query(365.0, ge=1, le=3650, description="Days of offending counted"),
    half_life: float | None = Query(
        None, ge=1, le=3650, description="Days after which an offence counts half"
    ),
    top: int = Query(25, ge=1, le=200),
) -> Spec:
    return Spec(index, method, window, half_life, top)


def _ranking(request: Request, spec: Spec, principal: Principal, propose: bool = False) -> dict:
    found = service.ranking(
        request.app.state.engine,
        principal.account.username,
        spec.index,
        spec.method,
        None,
        spec.window_days,
        spec.half_life_days,
        spec.top,
        propose,
    )
    request.state.records = {"refresh": found["refresh"], "ids": [r["offender"] for r in found["top"]]}
    return found


@router.get("/harm", include_in_schema=False)
def harm_page(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(purposeful)
) -> Response:
    found = _ranking(request, spec, principal)
    may_propose = bool(proposers.roles & set(principal.account.roles))
    return render(
        request,
        "harm.html",
        principal,
        r=found,
        spec=spec,
        indices=available_indices(),
        may_propose=may_propose,
        proposed=request.query_params.get("proposed"),
    )


@router.post("/harm/refresh", include_in_schema=False)
def refresh_page(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(proposers)
) -> Response:
    """Keep this ranking as a refresh: churn against the last one, and leads for newcomers."""
    found = _ranking(request, spec, principal, propose=True)
    query = dict(request.query_params) | {"proposed": str(len(found["leads"]))}
    return RedirectResponse("/harm?" + urlencode(query), status_code=303)


@router.get("/api/harm/ranking", tags=["harm"])
def api_ranking(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(purposeful)
) -> dict:
    """Offenders ranked by harm (or RFG) with the offences that no index entry weighs."""
    return _ranking(request, spec, principal)


@router.post("/api/harm/refresh", tags=["harm"], status_code=201)
def api_refresh(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(proposers)
) -> dict:
    """Keep the ranking as a refresh: its churn against the last one, and a lead per newcomer."""
    return _ranking(request, spec, principal, propose=True)


@router.get("/api/harm/offenders/{offender}", tags=["harm"])
def api_offender(
    request: Request,
    offender: str = OFFENDER,
    spec: Spec = Depends(_spec),
    principal: Principal = Depends(purposeful),
) -> dict:
    """One offender's score, offence by offence: index entry, weight, decay and contribution."""
    found = service.breakdown_of(
        request.app.state.engine,
        offender,
        spec.index,
        spec.method,
        None,
        spec.window_days,
        spec.half_life_days,
    )
    request.state.records = {"ids": [offender, *[o["event_id"] for o in found["offences"]]][:200]}
    return found
