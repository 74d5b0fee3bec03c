"""Sign-in, sign-out, and the purpose a user declares for the task at hand."""

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from peelian.governance import accounts, sessions
from peelian.governance.accounts import AuthenticationFailed
from peelian.governance.sessions import PURPOSES, Principal
from peelian.web.access import SESSION_COOKIE, Access
from peelian.web.pages import render

router = APIRouter()
FORM_COOKIE = "peelian_form"  # double-submit token for the sign-in form, which has no session yet


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", None, form_token=token, next=_safe_next(next), error=None)
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.settings.cookie_secure
    )
    return response


@router.post("/sign-in", include_in_schema=False)
async def sign_in(
    request: Request,
    username: str = Form(..., max_length=80),
    password: str = Form(..., max_length=1000),
    code: str = Form("", max_length=12),
    form_token: str = Form(..., max_length=100),
    next: str = Form("/", max_length=500),
) -> Response:
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form_token):
        response = render(request, "sign_in.html", None, form_token=expected, next=_safe_next(next),
                          error="The form expired. Please try again.")  # fmt: skip
        response.status_code = 403
        return response  # fmt: skip
    engine = request.app.state.engine
    try:
        account = await run_in_threadpool(accounts.authenticate, engine, username, password, code or None)
    except AuthenticationFailed as exc:
        response = render(
            request, "sign_in.html", None, form_token=expected, next=_safe_next(next), error=str(exc)
        )
        response.status_code = 401
        return response
    cookie, _csrf = sessions.start(engine, account)
    response = RedirectResponse(_safe_next(next), status_code=303)
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=settings.cookie_secure
    )
    response.delete_cookie(FORM_COOKIE)
    return response


@router.post("/sign-out", include_in_schema=False)
def sign_out(request: Request, principal: Principal = Depends(Access())) -> Response:
    if principal.session_hash:
        sessions.end(request.app.state.engine, principal.session_hash)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/purpose", include_in_schema=False)
def purpose_page(request: Request, next: str = "/", principal: Principal = Depends(Access())) -> Response:
    return render(request, "purpose.html", principal, purposes=PURPOSES, next=_safe_next(next), error=None)


@router.post("/purpose", include_in_schema=False)
def declare_purpose(
    request: Request,
    purpose: str = Form(..., max_length=40),
    case_ref: str = Form(..., max_length=80),
    next: str = Form("/", max_length=500),
    principal: Principal = Depends(Access()),
) -> Response:
    case_ref = case_ref.strip()
    if purpose not in PURPOSES or not case_ref:
        response = render(request, "purpose.html", principal, purposes=PURPOSES, next=_safe_next(next),
                          error="Choose a purpose and give the case reference.")  # fmt: skip
        response.status_code = 422
        return response
    sessions.declare_purpose(request.app.state.engine, principal.session_hash, purpose, case_ref)
    request.state.purpose = (purpose, case_ref)
    return RedirectResponse(_safe_next(next), status_code=303)
