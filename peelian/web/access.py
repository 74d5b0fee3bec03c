"""One mechanism for every route: who may call it, and whether a declared purpose is needed.

Every route is declared with an ``Access`` dependency (or listed in ``OPEN_PATHS``); the app
refuses to start otherwise, so a new route cannot ship unguarded.
"""

import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from peelian.errors import PeelianError
from peelian.governance import sessions
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.video import intake
from peelian.web.problems import Forbidden, PurposeRequired, Unauthenticated

SESSION_COOKIE = "peelian_session"
OPEN_PATHS = {"/sign-in", "/healthz", "/api/openapi.json"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
STAFF = frozenset({Role.ANALYST, Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN})


def look_up(request: Request) -> sessions.Lookup:
    engine, settings = request.app.state.engine, request.app.state.settings
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return sessions.look_up_token(engine, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return sessions.look_up_session(engine, cookie, timedelta(minutes=settings.idle_minutes))
    return sessions.Lookup(None)


@dataclass(frozen=True)
class Access:
    roles: frozenset[Role] = field(default=STAFF)
    purpose: bool = False

    async def __call__(self, request: Request) -> Principal:
        # One read by primary key, done here: a hand-off to a worker thread cost more than the read.
        # Writes can wait on a lock (SQLite, during an ingest), so the rare one owed goes to a thread.
        lookup = look_up(request)
        principal = await run_in_threadpool(lookup.settle) if lookup.owed else lookup.principal
        request.state.principal = principal
        if principal is None:
            raise Unauthenticated()
        if not self.roles & set(principal.account.roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(sorted(self.roles))}")
        if request.method in UNSAFE and principal.via == "session":
            await _check_csrf(request, principal)
        if self.purpose and not principal.purpose and principal.via == "session":
            raise PurposeRequired()
        if self.purpose and principal.via == "token":
            _token_purpose(request, principal)
        return principal


PUBLIC_FORM_COOKIE = "peelian_public_form"  # double-submit token: the public have no session


@dataclass(frozen=True)
class Public(Access):
    """Anyone, signed in or not: the public portal. A form sent must carry the token its page set
    in a cookie, so another site cannot submit in a visitor's name."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        request.state.principal = None
        if request.method in UNSAFE:
            expected = request.cookies.get(PUBLIC_FORM_COOKIE, "")
            sent = (await request.form()).get("form_token")
            if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
                raise Forbidden("the form expired: go back, reload the page and send it again")


@dataclass(frozen=True)
class UploadLink(Access):
    """Whoever holds a live CCTV upload link (a business has no account): the token in the path,
    unguessable and shown once, is the credential, and it opens only its own case's uploads. No
    cookie is involved, so another site cannot send in a holder's name. Returns the link."""

    async def __call__(self, request: Request) -> dict:  # type: ignore[override]
        request.state.principal = None
        token = request.path_params.get("token", "")
        try:
            link = await run_in_threadpool(intake.link_for_token, request.app.state.engine, token)
        except PeelianError as refused:
            raise Forbidden(str(refused)) from None
        request.state.records = {"link": link["id"], "case": link["case_ref"]}
        return link


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), principal.csrf_token or ""):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")


def _token_purpose(request: Request, principal: Principal) -> None:
    """Scripts declare the purpose per request, in headers, since they have no session."""
    purpose = request.headers.get("x-purpose", "")
    case_ref = request.headers.get("x-case-ref", "").strip()
    if purpose not in sessions.PURPOSES or not case_ref:
        raise PurposeRequired()
    request.state.purpose = (purpose, case_ref[:80])


def api_routes(routes) -> list[APIRoute]:
    """Every endpoint, looking inside included routers (newer FastAPI wraps them)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def is_public(route: APIRoute) -> bool:
    """A route anyone may call, guarded by ``Public`` (the portal) or ``UploadLink``, not by a role."""
    return any(isinstance(d.call, Public | UploadLink) for d in route.dependant.dependencies)


def assert_guarded(app: FastAPI) -> None:
    """Refuse to start if any route lacks an ``Access`` dependency."""
    for route in api_routes(app.routes):
        if route.path in OPEN_PATHS:
            continue
        if not any(isinstance(d.call, Access) for d in route.dependant.dependencies):
            raise RuntimeError(f"route {route.methods} {route.path} has no Access dependency")
