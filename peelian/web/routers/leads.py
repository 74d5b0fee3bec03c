"""The review queue: people accept or reject algorithmic leads, with a reason (pages and API)."""

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from peelian.errors import NotFound, PeelianError
from peelian.governance import leads
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.web.access import STAFF, Access
from peelian.web.pages import render

router = APIRouter()
JUDGES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})
viewers = Access(roles=STAFF)
judges = Access(roles=JUDGES)
proposers = Access(roles=frozenset({Role.SUPERVISOR, Role.ADMIN}))
PAGE = 25
STATUS = Query("open", pattern="^(open|accepted|rejected|unsure|all)$", description="'all' for every status")
LEAD_TYPE = Query(None, max_length=40)


class JudgementIn(BaseModel):
    decision: Literal["accept", "reject", "unsure"]
    reason: str = Field(..., max_length=leads.MAX_REASON, description="Why: required, kept in the audit")


class LeadIn(BaseModel):
    lead_type: str = Field(..., max_length=40)
    title: str = Field(..., max_length=200)
    explanation: str = Field(..., max_length=20_000)
    provenance: dict[str, Any] = Field(..., description="JSON object naming the 'model' and its inputs")
    subjects: list[Any] | dict[str, Any]
    score: float


def _status(value: str) -> str | None:
    return None if value == "all" else value


def _seen(request: Request, rows: list[dict], total: int) -> None:
    """What the audit records as returned: the count and the first ids."""
    request.state.records = {"count": len(rows), "total": total, "ids": [r["id"] for r in rows[:50]]}


def _may_judge(principal: Principal) -> bool:
    return bool(JUDGES & set(principal.account.roles))


def _review(request: Request, principal: Principal, status: str, lead_type: str | None, page: int, **extra):
    engine = request.app.state.engine
    total = leads.count(engine, _status(status), lead_type or None)
    rows = leads.queue(engine, _status(status), lead_type or None, PAGE, (page - 1) * PAGE)
    _seen(request, rows, total)
    judged = leads.history(engine, [r["id"] for r in rows if r["status"] != "open"])
    for row in rows:  # shown whole, as escaped text: provenance is what a reviewer checks
        row["provenance_text"] = json.dumps(row["provenance"], indent=1, ensure_ascii=False, sort_keys=True)
        row["subjects_text"] = json.dumps(row["subjects"], indent=1, ensure_ascii=False)
        row["judgements"] = judged.get(row["id"], [])
    return render(
        request, "review.html", principal, rows=rows, total=total, page=page, status=status,
        lead_type=lead_type or "", may_judge=_may_judge(principal), rates=leads.rates(engine),
        judged=extra.pop("judged", None), error=extra.pop("error", None), **extra,
    )  # fmt: skip


@router.get("/review", include_in_schema=False)
def review_page(
    request: Request,
    status: str = STATUS,
    lead_type: str | None = LEAD_TYPE,
    page: int = Query(1, ge=1, le=10_000),
    judged: str | None = Query(None, max_length=40),
    principal: Principal = Depends(viewers),
) -> Response:
    return _review(request, principal, status, lead_type, page, judged=judged)


@router.post("/review/{lead_id}", include_in_schema=False)
def review_judge(
    request: Request,
    lead_id: str,
    decision: str = Form(..., max_length=10),
    reason: str = Form("", max_length=leads.MAX_REASON),
    status: str = Form("open", pattern="^(open|accepted|rejected|unsure|all)$"),
    principal: Principal = Depends(judges),
) -> Response:
    """The form's decision; a refusal (blank reason, already judged) re-renders the queue with why."""
    try:
        leads.judge(request.app.state.engine, lead_id, decision, reason, principal.account.username,
                    principal.purpose, principal.case_ref)  # fmt: skip
    except PeelianError as exc:
        response = _review(request, principal, status, None, 1, error=str(exc), failed=lead_id, typed=reason)
        response.status_code = 404 if isinstance(exc, NotFound) else 422
        return response
    request.state.records = {"ids": [lead_id], "decision": decision}
    return RedirectResponse(f"/review?status={status}&judged={lead_id}", status_code=303)


@router.get("/api/leads", tags=["leads"])
def api_leads(
    request: Request,
    status: str = STATUS,
    lead_type: str | None = LEAD_TYPE,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(viewers),
) -> dict:
    """Leads in a status (open by default), strongest score first."""
    engine = request.app.state.engine
    total = leads.count(engine, _status(status), lead_type or None)
    rows = leads.queue(engine, _status(status), lead_type or None, limit, offset)
    _seen(request, rows, total)
    return {"total": total, "limit": limit, "offset": offset, "leads": rows}


@router.post("/api/leads", tags=["leads"], status_code=201)
def api_propose(request: Request, body: LeadIn, principal: Principal = Depends(proposers)) -> dict:
    """Propose a lead by hand (supervisors and admins; models propose from within Peelian)."""
    engine = request.app.state.engine
    lead_id = leads.propose(engine, body.lead_type, body.title, body.explanation, body.provenance,
                            body.subjects, body.score, principal.account.username)  # fmt: skip
    request.state.records = {"ids": [lead_id]}
    return leads.get(engine, lead_id)


@router.get("/api/leads/rates", tags=["leads"])
def api_rates(request: Request, principal: Principal = Depends(viewers)) -> list[dict]:
    """Per lead type: proposed, open, accepted, rejected, overrides, and override and rejection rates."""
    return leads.rates(request.app.state.engine)


@router.get("/api/leads/{lead_id}", tags=["leads"])
def api_lead(request: Request, lead_id: str, principal: Principal = Depends(viewers)) -> dict:
    """One lead with its explanation, provenance and every judgement on it."""
    found = leads.get(request.app.state.engine, lead_id)
    request.state.records = {"ids": [lead_id]}
    return found


@router.post("/api/leads/{lead_id}/judgements", tags=["leads"], status_code=201)
def api_judge(
    request: Request, lead_id: str, body: JudgementIn, principal: Principal = Depends(judges)
) -> dict:
    """Accept or reject a lead with a reason; reversing an earlier decision counts as an override."""
    engine = request.app.state.engine
    purpose, case_ref = getattr(request.state, "purpose", None) or (principal.purpose, principal.case_ref)
    leads.judge(engine, lead_id, body.decision, body.reason, principal.account.username, purpose, case_ref)
    request.state.records = {"ids": [lead_id], "decision": body.decision}
    return leads.get(engine, lead_id)
