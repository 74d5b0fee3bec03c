"""Template rendering shared by the page routes."""

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.web.templates_dir import TEMPLATES

templates = Jinja2Templates(directory=str(TEMPLATES))

NAV = [
    ("/", "Dashboard", None),
    ("/search", "Search", None),
    ("/events", "Events", None),
    ("/forecast", "Forecast", None),
    ("/linkage", "Series", None),
    ("/harm", "Priority", None),
    ("/network", "Networks", None),
    ("/portal/triage", "Public reports", None),
    ("/dispatch", "Control room", None),
    ("/video", "CCTV", None),
    ("/job", "My job", Role.OFFICER),
    ("/resolve", "Entities", None),
    ("/quarantine", "Sources & quarantine", None),
    ("/review", "Review queue", None),
    ("/audit", "Audit", Role.AUDITOR),
]


def render(request: Request, name: str, principal: Principal | None, **context: Any) -> HTMLResponse:
    roles = set(principal.account.roles) if principal else set()
    nav = [(href, label) for href, label, role in NAV if principal and (role is None or role in roles)]
    return templates.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "nav": nav,
            "csrf_token": principal.csrf_token if principal else None,
            "tile_url": request.app.state.settings.tile_url or "",
            **context,
        },
    )
