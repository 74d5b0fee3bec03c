"""Errors as RFC 9457 problem details (``application/problem+json``) for the API; pages redirect."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from peelian.errors import NotFound, PeelianError
from peelian.web.pages import render

log = logging.getLogger(__name__)


class Problem(Exception):
    """An error with an HTTP status, a short title and a plain-language detail."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers


class Unauthenticated(Problem):
    def __init__(self, detail: str = "sign in first") -> None:
        super().__init__(401, "Not signed in", detail, {"WWW-Authenticate": 'Bearer realm="peelian"'})


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "Forbidden", detail)


class PurposeRequired(Problem):
    def __init__(self) -> None:
        super().__init__(428, "Purpose required", "declare a purpose and case reference for this task first")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem_response(request: Request, status: int, title: str, detail: str, headers=None) -> Response:
    """problem+json for the API and for scripts; a readable page for people on page routes."""
    if not is_api(request) and "text/html" in request.headers.get("accept", ""):
        page = render(
            request, "error.html", getattr(request.state, "principal", None), title=title, detail=detail
        )
        page.status_code = status
        return page
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        if not is_api(request) and isinstance(exc, Unauthenticated):
            return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
        if not is_api(request) and isinstance(exc, PurposeRequired):
            return RedirectResponse(f"/purpose?next={request.url.path}", status_code=303)
        return problem_response(request, exc.status, exc.title, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        return problem_response(request, 422, "Invalid request", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return problem_response(request, exc.status_code, "HTTP error", str(exc.detail), exc.headers)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return problem_response(request, 404, "Not found", str(exc))

    @app.exception_handler(PeelianError)
    async def _domain(request: Request, exc: PeelianError):
        return problem_response(request, 400, "Bad request", str(exc))

    @app.exception_handler(DataError)  # PostgreSQL: NUL in text, integer out of the column's range
    @app.exception_handler(OverflowError)  # SQLite: integer beyond 64 bits
    async def _unstorable(request: Request, exc: Exception):
        detail = "a value is out of range, or holds a character (such as NUL) that cannot be stored"
        return problem_response(request, 422, "Invalid request", detail)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "Internal error", "something went wrong; it has been logged")
