"""Cross-cutting request handling: security headers, body limits, sign-in rate limits, auditing."""

import re
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peelian.governance import audit
from peelian.web.audit_writer import AuditWriter
from peelian.web.problems import problem_response

NOT_AUDITED = ("/static/", "/healthz")
SIGN_IN_LIMIT = (10, 60.0)  # attempts per window (seconds) from one address


def _csp(tile_url: str | None) -> str:
    images = "'self' data:"
    if tile_url:  # e.g. https://{s}.tile.example.org/{z}/{x}/{y}.png -> https://*.tile.example.org
        parts = urlsplit(tile_url.replace("{s}", "*"))
        images += f" {parts.scheme}://{parts.netloc}"
    # No inline script or style anywhere: every script is a file under /static.
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(text: str, limit: int) -> str:
    """Printable text only: a NUL in a path must not make the audit write fail (and go unrecorded)."""
    return _CONTROL.sub("\ufffd", text)[:limit]


SECRET_PARAMS = {"token"}  # path parameters that are credentials (CCTV upload links): never logged


def _entry(request: Request, status: int) -> audit.Entry:
    principal = getattr(request.state, "principal", None)
    purpose, case_ref = getattr(request.state, "purpose", None) or (
        (principal.purpose, principal.case_ref) if principal else (None, None)
    )
    outcome = (
        "allowed" if status < 400 else "refused" if status in (401, 403, 411, 413, 428, 429) else "failed"
    )
    route = getattr(request.scope.get("route"), "path", None)
    path = request.url.path
    for name in SECRET_PARAMS & set(request.path_params):
        path = path.replace(str(request.path_params[name]), f"{{{name}}}")
    path = _clean(path, 500)
    details = {
        "method": request.method,
        "path": path,
        "route": route,
        "query": {_clean(k, 100): _clean(v, 200) for k, v in list(request.query_params.items())[:30]},
        "status": status,
        "records": getattr(request.state, "records", None),
    }
    actor = principal.account.username if principal else "anonymous"
    action = _clean(f"{request.method} {route or path}", 80)
    return audit.Entry(actor, action, outcome, details, purpose, case_ref)


class Guard:
    """Body limits, the sign-in rate limit, security headers, and an audit entry for every request
    but static files (allowed, refused or failed), written before the answer leaves. Plain ASGI:
    three ``@app.middleware`` layers cost about 1 ms a request in task and stream hand-offs."""

    def __init__(self, app: ASGIApp, settings, engine) -> None:
        self.app, self.settings, self.audit = app, settings, AuditWriter(engine)
        self.policy = _csp(settings.tile_url)
        self.attempts: dict[str, deque[float]] = defaultdict(deque)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        audited = not request.url.path.startswith(NOT_AUDITED)
        recorded = False

        async def answer(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start":
                self._headers(request, MutableHeaders(scope=message))
                if audited:
                    recorded = True
                    await self.audit.record(_entry(request, message["status"]))
            await send(message)

        refusal = self._refusal(request)
        try:
            await (refusal or self.app)(scope, receive, answer)
        except Exception:
            if audited and not recorded:  # the app's 500 handler answers after this, outside
                await self.audit.record(_entry(request, 500))
            raise

    def _refusal(self, request: Request) -> Response | None:
        limit = self.settings.max_upload_bytes
        length = request.headers.get("content-length")
        if length is None and "transfer-encoding" in request.headers:
            # A chunked body has no declared size to check: ask for one rather than read unbounded.
            return problem_response(request, 411, "Length required", "send a Content-Length header")
        if length and (not length.isdigit() or int(length) > limit):
            return problem_response(request, 413, "Too large", f"bodies over {limit:,} bytes are refused")
        if request.url.path == "/sign-in" and request.method == "POST":
            client = request.client.host if request.client else "?"
            window, now = self.attempts[client], time.monotonic()
            while window and now - window[0] > SIGN_IN_LIMIT[1]:
                window.popleft()
            if len(window) >= SIGN_IN_LIMIT[0]:
                return problem_response(request, 429, "Too many attempts", "wait a minute, then try again")
            window.append(now)
        return None

    def _headers(self, request: Request, headers: MutableHeaders) -> None:
        headers["Content-Security-Policy"] = self.policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if self.settings.cookie_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.url.path.startswith("/api/") or "text/html" in headers.get("content-type", ""):
            headers["Cache-Control"] = "no-store"


def install(app: FastAPI) -> None:
    app.add_middleware(Guard, settings=app.state.settings, engine=app.state.engine)
