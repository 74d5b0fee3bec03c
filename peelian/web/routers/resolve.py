"""Entity resolution in the web app: where it stands, and one entity with the evidence behind it.

Uncertain pairs are judged in the review queue like every other lead (type ``entity_match``),
where each shows its waterfall. Looking at an entity reads personal data, so it needs a declared
purpose and is audited with the records shown.
"""

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from peelian.governance.sessions import Principal
from peelian.resolve import review, service
from peelian.resolve.spec import ENTITIES
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
staff = Access()
purposeful = Access(purpose=True)
ENTITY = Query("person", pattern="^(" + "|".join(ENTITIES) + ")$")
ENTITY_ID = Path(..., min_length=1, max_length=40, pattern="^[a-z]{2}_[0-9a-f]{1,37}$")


@router.get("/resolve", include_in_schema=False)
def resolve_page(request: Request, entity: str = ENTITY, principal: Principal = Depends(staff)) -> Response:
    found = service.status(request.app.state.engine, entity)
    return render(request, "resolve.html", principal, status=found, entity=entity, entities=ENTITIES,
                  lead_type=review.LEAD_TYPE)  # fmt: skip


@router.get("/api/resolve/status", tags=["resolve"])
def api_status(request: Request, entity: str = ENTITY, principal: Principal = Depends(staff)) -> dict:
    return service.status(request.app.state.engine, entity)


def _explain(request: Request, entity_id: str, principal: Principal) -> dict:
    found = service.explain(
        request.app.state.engine, entity_id, principal.account.username, principal.purpose
    )
    request.state.records = {"entity_id": entity_id, "ids": [r["unique_id"] for r in found["records"]][:50]}
    return found


@router.get("/resolve/entities/{entity_id}", include_in_schema=False)
def entity_page(
    request: Request, entity_id: str = ENTITY_ID, principal: Principal = Depends(purposeful)
) -> Response:
    return render(request, "resolve_entity.html", principal, entity=_explain(request, entity_id, principal))


@router.get("/api/resolve/entities/{entity_id}", tags=["resolve"])
def api_entity(
    request: Request, entity_id: str = ENTITY_ID, principal: Principal = Depends(purposeful)
) -> dict:
    """The entity's records, the scored pairs between them (with waterfalls) and its history."""
    return _explain(request, entity_id, principal)
