"""Cross-cutting request handling: security headers, body limits, sign-in rate limits, auditing."""

import re
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from peelian.governance import audit
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


def _record(engine, request: Request, status: int) -> None:
    principal = getattr(request.state, "principal", None)
    purpose, case_ref = getattr(request.state, "purpose", None) or (
        (principal.purpose, principal.case_ref) if principal else (None, None)
    )
    outcome = (
        "allowed" if status < 400 else "refused" if status in (401, 403, 411, 413, 428, 429) else "failed"
    )
    route = getattr(request.scope.get("route"), "path", None)
    path = _clean(request.url.path, 500)
    details = {
        "method": request.method,
        "path": path,
        "route": route,
        "query": {_clean(k, 100): _clean(v, 200) for k, v in list(request.query_params.items())[:30]},
        "status": status,
        "records": getattr(request.state, "records", None),
    }
    actor = principal.account.username if principal else "anonymous"
    with engine.begin() as conn:
        audit.append(
            conn, actor, _clean(f"{request.method} {route or path}", 80), outcome, details, purpose, case_ref
        )


def install(app: FastAPI) -> None:
    settings, engine = app.state.settings, app.state.engine
    policy = _csp(settings.tile_url)
    attempts: dict[str, deque[float]] = defaultdict(deque)

    @app.middleware("http")
    async def audit_every_request(request: Request, call_next) -> Response:
        """Every request but static files is recorded (allowed, refused or failed) once answered;
        a crash is recorded too, before the error handler answers it."""
        try:
            response, error = await call_next(request), None
        except Exception as exc:
            response, error = None, exc
        if not request.url.path.startswith(NOT_AUDITED):
            await run_in_threadpool(_record, engine, request, 500 if error else response.status_code)
        if error is not None:
            raise error  # the app's 500 handler answers; the entry above is already written
        return response

    @app.middleware("http")
    async def limits(request: Request, call_next) -> Response:
        length = request.headers.get("content-length")
        if length is None and "transfer-encoding" in request.headers:
            # A chunked body has no declared size to check: ask for one rather than read unbounded.
            return problem_response(request, 411, "Length required", "send a Content-Length header")
        if length and (not length.isdigit() or int(length) > settings.max_upload_bytes):
            return problem_response(
                request, 413, "Too large", f"bodies over {settings.max_upload_bytes:,} bytes are refused"
            )
        if request.url.path == "/sign-in" and request.method == "POST":
            client = request.client.host if request.client else "?"
            window, now = attempts[client], time.monotonic()
            while window and now - window[0] > SIGN_IN_LIMIT[1]:
                window.popleft()
            if len(window) >= SIGN_IN_LIMIT[0]:
                return problem_response(
                    request, 429, "Too many attempts", "wait a minute before signing in again"
                )
            window.append(now)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if settings.cookie_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.url.path.startswith("/api/") or "text/html" in response.headers.get("content-type", ""):
            response.headers["Cache-Control"] = "no-store"
        return response
