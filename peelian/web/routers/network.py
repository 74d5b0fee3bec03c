"""Organised crime networks in the web app and API: groups, central people and key players, drawn
as an interactive network from which a person opens their subject profile.

A network names people and who they associate with, so every route needs a declared purpose; the
audit middleware records the people returned (``request.state.records``) and the analysis audits
itself too. Sending key players to the review queue is for analysts and supervisors.
"""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from peelian.errors import NotFound, PeelianError
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.network import service
from peelian.network.store import KINDS
from peelian.search.service import MAX_AUDITED
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
purposeful = Access(purpose=True)
proposers = Access(roles=frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}), purpose=True)
PERSON = Path(..., min_length=4, max_length=40, pattern="^p[ep]_[0-9a-f]{1,37}$")
VIEW = 300  # people drawn on the page: whole groups, largest first


@dataclass(frozen=True)
class Spec:
    kinds: list[str] | None
    since: datetime | None
    until: datetime | None
    resolution: float
    top: int
    key: int
    groups: int

    def query(self) -> dict[str, object]:
        """The settings as query parameters, for links and redirects that keep them."""
        query: dict[str, object] = {
            "resolution": self.resolution,
            "top": self.top,
            "key": self.key,
            "groups": self.groups,
        }
        if self.kinds:
            query["kind"] = self.kinds
        for name in ("since", "until"):
            if value := getattr(self, name):
                query[name] = value.date().isoformat()
        return query


def _moment(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def _spec(
    kind: list[str] | None = Query(None, description=f"Association kinds (default all): {', '.join(KINDS)}"),
    since: date | None = Query(None, description="Evidence from this date"),
    until: date | None = Query(None, description="Evidence before this date"),
    resolution: float = Query(1.0, ge=0.01, le=100, description="Higher finds smaller groups"),
    top: int = Query(20, ge=1, le=200, description="Most central people listed"),
    key: int = Query(3, ge=1, le=10, description="Key players sought per group"),
    groups: int = Query(3, ge=1, le=10, description="Largest groups analysed"),
) -> Spec:
    unknown = [value for value in kind or [] if value not in KINDS]
    if unknown or len(kind or []) > len(KINDS):
        named = ", ".join(unknown)[:80] or "(too many)"
        raise PeelianError(f"unknown association kind {named}: choose from {', '.join(KINDS)}")
    return Spec(kind or None, _moment(since), _moment(until), resolution, top, key, groups)


def _analysis(request: Request, spec: Spec, principal: Principal, view: int) -> dict:
    found = service.analyse(
        request.app.state.engine,
        principal.account.username,
        principal.purpose,
        principal.case_ref,
        spec.kinds,
        spec.since,
        spec.until,
        spec.top,
        spec.key,
        spec.groups,
        resolution=spec.resolution,
        view=view,
    )
    shown = [n["data"]["id"] for n in found.get("elements", {}).get("nodes", [])]
    request.state.records = {"ids": ([r["id"] for r in found["top"]] + shown)[:MAX_AUDITED]}
    return found


def _near(request: Request, person: str, spec: Spec, depth: int) -> dict:
    found = service.neighbourhood(
        request.app.state.engine, person, depth, VIEW, spec.kinds, spec.since, spec.until
    )
    request.state.records = {"ids": [n["data"]["id"] for n in found["nodes"]][:MAX_AUDITED]}
    return found


@router.get("/network", include_in_schema=False)
def network_page(
    request: Request,
    spec: Spec = Depends(_spec),
    centre: str | None = Query(None, min_length=4, max_length=40, pattern="^p[ep]_[0-9a-f]{1,37}$"),
    depth: int = Query(2, ge=1, le=3),
    principal: Principal = Depends(purposeful),
) -> Response:
    """The network, or one person's associates: a drawing, the groups and the most central people."""
    found, near, empty = None, None, None
    try:
        if centre:
            near = _near(request, centre, spec, depth)
        else:
            found = _analysis(request, spec, principal, VIEW)
    except NotFound as gone:
        empty = str(gone)
    return render(
        request,
        "network.html",
        principal,
        r=found,
        near=near,
        empty=empty,
        spec=spec,
        kinds=KINDS,
        centre=centre,
        depth=depth,
        query=urlencode(spec.query(), doseq=True),
        may_propose=bool(proposers.roles & set(principal.account.roles)),
        proposed=request.query_params.get("proposed"),
    )


@router.post("/network/leads", include_in_schema=False)
def leads_page(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(proposers)
) -> Response:
    """Send this analysis's key players to the review queue, then show the network again."""
    found = _analysis(request, spec, principal, 0)
    proposed = service.propose_key_players(request.app.state.engine, principal.account.username, found)
    query = urlencode(spec.query() | {"proposed": str(len(proposed))}, doseq=True)
    return RedirectResponse(f"/network?{query}", status_code=303)


@router.get("/api/network/analysis", tags=["network"])
def api_analysis(
    request: Request,
    spec: Spec = Depends(_spec),
    view: int = Query(0, ge=0, le=1_000, description="People of the largest groups as Cytoscape elements"),
    principal: Principal = Depends(purposeful),
) -> dict:
    """Communities with their stability, the most central people, and key players per group."""
    return _analysis(request, spec, principal, view)


@router.get("/api/network/people/{person}", tags=["network"])
def api_neighbourhood(
    request: Request,
    person: str = PERSON,
    spec: Spec = Depends(_spec),
    depth: int = Query(2, ge=1, le=3),
    principal: Principal = Depends(purposeful),
) -> dict:
    """A person's associates to ``depth`` steps as Cytoscape elements, each tie with its evidence."""
    return _near(request, person, spec, depth)


@router.post("/api/network/leads", tags=["network"], status_code=201)
def api_leads(
    request: Request, spec: Spec = Depends(_spec), principal: Principal = Depends(proposers)
) -> dict:
    """Propose each key player found (who holds no open or accepted key-player lead) as a lead."""
    found = _analysis(request, spec, principal, 0)
    proposed = service.propose_key_players(request.app.state.engine, principal.account.username, found)
    return {"leads": proposed, "groups": found["groups"]}
