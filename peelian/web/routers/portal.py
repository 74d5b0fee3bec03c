"""The public portal: report a crime without an account, get a reference at once, and track it
with the private code shown then; messages and more evidence both ways.

Abuse resistance needs no outside service: per-client rate limits, a honeypot field and a
minimum fill time that bots fail, uploads checked by their bytes, and a form token per page.
The tracking cookie holds the reference and code and is checked against the stored hash on
every request (nothing to steal from the server). Quick exit and the 999 interrupt are in the
page itself.
"""

import secrets
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from peelian.errors import PeelianError
from peelian.portal import CATEGORIES, Emergency, check, parse, service
from peelian.portal.answers import MAX_ITEMS, PROPERTY_CATEGORIES, VEHICLE_CATEGORIES
from peelian.portal.uploads import MAX_FILE_BYTES, MAX_FILES
from peelian.web.access import PUBLIC_FORM_COOKIE, Public
from peelian.web.pages import render
from peelian.web.ratelimit import Limiter

router = APIRouter(include_in_schema=False)
public = Public()
TRACK_COOKIE = "peelian_track"
MIN_FILL_SECONDS = 3.0  # a person cannot answer the form faster; a bot posting at once can
LIMITS = {"report": (5, 3600.0), "track": (10, 600.0), "reply": (20, 3600.0)}


def _limited(request: Request, action: str) -> bool:
    """True when this client has done ``action`` too often lately."""
    state = request.app.state
    if not hasattr(state, "portal_limits"):
        state.portal_limits = {name: Limiter(*limit) for name, limit in LIMITS.items()}
    return not state.portal_limits[action].allow(request.client.host if request.client else "?")


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A portal page with a fresh form token (cookie and hidden field)."""
    token = request.cookies.get(PUBLIC_FORM_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        name,
        None,
        form_token=token,
        categories=CATEGORIES,
        property_categories=sorted(PROPERTY_CATEGORIES),
        vehicle_categories=sorted(VEHICLE_CATEGORIES),
        max_items=MAX_ITEMS,
        max_files=MAX_FILES,
        max_mb=MAX_FILE_BYTES // 1024**2,
        exit_url=request.app.state.settings.portal_exit_url,
        **context,
    )
    response.status_code = status
    secure = request.app.state.settings.cookie_secure
    response.set_cookie(PUBLIC_FORM_COOKIE, token, httponly=True, samesite="strict", secure=secure)
    return response


async def _evidence(form) -> list:
    uploads = [f for f in form.getlist("evidence") if isinstance(f, UploadFile) and f.filename]
    if len(uploads) > MAX_FILES:
        raise PeelianError(f"at most {MAX_FILES} files")
    files = []
    for upload in uploads:
        content = await upload.read(MAX_FILE_BYTES + 1)
        files.append(check(upload.filename, content))
    return files


@router.get("/report")
def report_page(request: Request, _: None = Depends(public)) -> Response:
    return _page(request, "portal_report.html", values={}, started=time.time(), error=None)


@router.post("/report")
async def report(request: Request, _: None = Depends(public)) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    engine = request.app.state.engine
    if values.get("website") or time.time() - _float(values.get("started")) < MIN_FILL_SECONDS:
        request.state.records = {"caught": "honeypot or filled too fast"}  # in this request's audit entry
        error = "Your report could not be sent. Please wait a moment and try again."
        return _page(request, "portal_report.html", 400, values={}, started=time.time(), error=error)
    if _limited(request, "report"):
        error = "Too many reports from this connection: please try again later, or call 101."
        return _page(request, "portal_report.html", 429, values=values, started=time.time(), error=error)
    try:
        answers = parse(values)
        files = await _evidence(form)
        address = request.client.host if request.client else "?"
        client = await run_in_threadpool(service.client_hash, engine, address)  # reads the store's key
        made = await run_in_threadpool(service.submit, engine, answers, files, client)
    except Emergency as emergency:
        return _page(request, "portal_emergency.html", 200, reasons=emergency.reasons)
    except PeelianError as refused:
        return _page(
            request, "portal_report.html", 400, values=values, started=time.time(), error=str(refused)
        )
    return _page(request, "portal_done.html", 201, made=made)


def _float(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def _tracked(request: Request) -> str | None:
    """The report this visitor's tracking cookie opens, if it still does."""
    held = request.cookies.get(TRACK_COOKIE, "")
    reference, _, code = held.partition(":")
    if not reference or not code:
        return None
    try:
        return service.open_case(request.app.state.engine, reference, code)
    except PeelianError:
        return None


@router.get("/track")
def track_page(request: Request, _: None = Depends(public)) -> Response:
    if _tracked(request):
        return RedirectResponse("/track/case", status_code=303)
    return _page(request, "portal_track.html", error=None)


@router.post("/track")
async def track(request: Request, _: None = Depends(public)) -> Response:
    form = await request.form()
    reference, code = str(form.get("reference", ""))[:40], str(form.get("code", ""))[:40]
    if _limited(request, "track"):
        return _page(
            request, "portal_track.html", 429, error="Too many attempts: wait ten minutes and try again."
        )
    try:
        await run_in_threadpool(service.open_case, request.app.state.engine, reference, code)
    except PeelianError as refused:
        return _page(request, "portal_track.html", 400, error=str(refused).capitalize() + ".")
    response = RedirectResponse("/track/case", status_code=303)
    secure = request.app.state.settings.cookie_secure
    value = f"{reference.strip().upper()}:{code.strip().upper()}"
    response.set_cookie(TRACK_COOKIE, value, max_age=3600, httponly=True, samesite="strict", secure=secure)
    return response


@router.get("/track/case")
def case_page(request: Request, _: None = Depends(public)) -> Response:
    report_id = _tracked(request)
    if report_id is None:
        return RedirectResponse("/track", status_code=303)
    return _page(
        request, "portal_case.html", case=service.case(request.app.state.engine, report_id), error=None
    )


@router.post("/track/case")
async def case_reply(request: Request, _: None = Depends(public)) -> Response:
    """A message to the officer, more evidence, or both."""
    report_id = _tracked(request)
    if report_id is None:
        return RedirectResponse("/track", status_code=303)
    engine = request.app.state.engine
    if _limited(request, "reply"):
        error = "Too many messages from this connection: please try again later."
        return _page(request, "portal_case.html", 429, case=service.case(engine, report_id), error=error)
    form = await request.form()
    try:
        files = await _evidence(form)
        text = str(form.get("message", ""))
        if not files and not text.strip():
            raise PeelianError("write a message or choose a file")
        if text.strip():
            await run_in_threadpool(service.message, engine, report_id, "reporter", text)
        if files:
            await run_in_threadpool(service.add_evidence, engine, report_id, files)
    except PeelianError as refused:
        return _page(
            request, "portal_case.html", 400, case=service.case(engine, report_id), error=str(refused)
        )
    return RedirectResponse("/track/case", status_code=303)


@router.post("/track/leave")
def leave(request: Request, _: None = Depends(public)) -> Response:
    response = RedirectResponse("/track", status_code=303)
    response.delete_cookie(TRACK_COOKIE)
    return response
