"""The audit viewer: auditors only, and never their own activity."""

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from peelian.governance import audit
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
auditors = Access(roles=frozenset({Role.AUDITOR}))


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request, actor: str | None = Query(None, max_length=80), principal: Principal = Depends(auditors)
) -> Response:
    engine = request.app.state.engine
    rows = list(
        audit.entries(engine, principal.account.username, actor or None, limit=200, newest_first=True)
    )
    return render(request, "audit.html", principal, rows=rows, check=audit.verify(engine), actor=actor or "")


@router.get("/api/audit", tags=["oversight"])
def api_audit(
    request: Request,
    actor: str | None = Query(None, max_length=80),
    limit: int = Query(200, ge=1, le=10_000),
    principal: Principal = Depends(auditors),
) -> list[dict]:
    """Audit entries, oldest first, without the requesting auditor's own."""
    return list(audit.entries(request.app.state.engine, principal.account.username, actor or None, limit))


@router.get("/api/audit/verify", tags=["oversight"])
def api_audit_verify(request: Request, principal: Principal = Depends(auditors)) -> dict:
    """Recompute the hash chain and report the first broken entry, if any."""
    return audit.verify(request.app.state.engine).as_dict()
