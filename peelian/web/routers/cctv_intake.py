"""CCTV evidence intake: staff open per-case upload links and send footage themselves; a business
sends its footage through a link, with no account. The domain (``peelian.video.intake``) does the
work and the auditing; this is the shell.

The resumable upload protocol (JSON). Staff use ``/api/cctv/uploads`` with their session (and the
``X-CSRF-Token`` header) or an API token (with ``X-Purpose`` and ``X-Case-Ref``); a link's holder
uses ``/api/cctv/links/{token}/uploads``, where the token is the only credential::

    POST {base}   {"case_ref" (staff only), "name", "total_bytes", "details": {...}}
        201 {"id", "url", "received_bytes": 0, "total_bytes", "chunk_bytes"}
    PUT  {url}?offset=N   the next bytes as the body (application/octet-stream, <= chunk_bytes)
        200 {"received_bytes", "total_bytes", "status", "complete", "reference", "sha256"}
        409 N is not where the upload has got to: the Upload-Offset header says where it has
        415 the first chunk (it must hold the first 512 bytes) is not a video container
    GET  {url}   {"received_bytes", "total_bytes", "status", ...}: where to resume from

A 200 means the chunk is on disk: after a dropped connection, GET and carry on from
``received_bytes``. The chunk that completes the file seals it (its SHA-256 and footage
reference come back); if that reply was lost, PUT an empty body at ``offset=total_bytes``.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from peelian.errors import PeelianError
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.video import intake
from peelian.video.containers import NotVideo
from peelian.web.access import Access, UploadLink
from peelian.web.pages import render
from peelian.web.problems import Problem
from peelian.web.ratelimit import Limiter

router = APIRouter()
staff = Access(roles=frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}), purpose=True)
upload_link = UploadLink()
UPLOAD = Path(..., min_length=4, max_length=40, pattern="^vu_[0-9a-f]{1,37}$")
LINK = Path(..., min_length=4, max_length=40, pattern="^vl_[0-9a-f]{1,37}$")
TOKEN = Path(..., min_length=1, max_length=100)
OFFSET = Query(..., ge=0, le=2**62)
LINK_UPLOADS = (20, 3600.0)  # uploads opened through links, per client per hour


class NewUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=255)
    total_bytes: int = Field(..., ge=1, le=2**62)
    details: dict[str, Any] = Field(default_factory=dict)


class StaffUpload(NewUpload):
    case_ref: str = Field(..., max_length=60)


def _chunk_bytes(request: Request) -> int:
    """The largest chunk: the domain's cap, or less where the server's body limit is lower."""
    return min(intake.CHUNK_BYTES, request.app.state.settings.max_upload_bytes)


def _opened(request: Request, upload: dict[str, Any], url: str) -> dict[str, Any]:
    request.state.records = (getattr(request.state, "records", None) or {}) | {"ids": [upload["id"]]}
    return {
        "id": upload["id"], "url": url, "received_bytes": upload["received_bytes"],
        "total_bytes": upload["total_bytes"], "chunk_bytes": _chunk_bytes(request),
    }  # fmt: skip


async def _body(request: Request, cap: int) -> bytes:
    """The raw body, refused past ``cap`` bytes however it is sent (Content-Length is only a claim)."""
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > cap:
            raise Problem(413, "Too large", f"a chunk is at most {cap:,} bytes")
    return bytes(body)


async def _append(request: Request, upload_id: str, offset: int, link_id: str | None = None) -> dict:
    engine, settings = request.app.state.engine, request.app.state.settings
    data = await _body(request, _chunk_bytes(request))
    try:
        state = await run_in_threadpool(
            intake.append_chunk, engine, settings, upload_id, offset, data, link_id=link_id
        )
    except intake.WrongOffset as wrong:
        raise Problem(409, "Wrong offset", str(wrong), {"Upload-Offset": str(wrong.received)}) from None
    except NotVideo as refused:
        raise Problem(415, "Not video", str(refused)) from None
    found = [upload_id, *([state["reference"]] if state["reference"] else [])]
    request.state.records = (getattr(request.state, "records", None) or {}) | {"ids": found}
    return state


def _page(
    request: Request, principal: Principal, case: str | None, made: dict | None = None,
    error: str | None = None, done: str | None = None,
) -> Response:  # fmt: skip
    engine, footage, links = request.app.state.engine, [], []
    if case:
        try:
            footage, links = intake.case_footage(engine, case), intake.links(engine, case)
        except PeelianError as refused:
            case, error = None, str(refused)
    request.state.records = {"case": case, "ids": [f["reference"] for f in footage]}
    response = render(
        request, "cctv.html", principal, case=case, footage=footage, links=links, made=made, error=error,
        done=done, audiences=intake.AUDIENCES, max_days=intake.MAX_LINK_DAYS,
        chunk_bytes=_chunk_bytes(request), start_url="/api/cctv/uploads",
    )  # fmt: skip
    response.status_code = 400 if error else 200
    return response


@router.get("/cctv", include_in_schema=False)
def cctv_page(
    request: Request,
    case: str | None = Query(None, max_length=60),
    done: str | None = Query(None, max_length=20),
    principal: Principal = Depends(staff),
) -> Response:
    """A case's footage and upload links (the declared case, unless another is asked for)."""
    return _page(request, principal, case or principal.case_ref, done=done)


@router.post("/cctv/links", include_in_schema=False)
async def create_link(
    request: Request,
    case_ref: str = Form(..., max_length=60),
    audience: str = Form("business", max_length=10),
    owner: str = Form("", max_length=200),
    days: int = Form(7, ge=1, le=intake.MAX_LINK_DAYS),
    principal: Principal = Depends(staff),
) -> Response:
    """A new link, shown in full this once: only its hash is kept."""
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        link, token = await run_in_threadpool(
            intake.create_link, engine, case_ref, audience, owner or None, principal.account.username,
            max_bytes=settings.max_video_bytes, days=days,
        )  # fmt: skip
    except PeelianError as refused:
        return _page(request, principal, case_ref, error=str(refused))
    url = str(request.base_url).rstrip("/") + f"/cctv/upload/{token}"
    return _page(request, principal, link["case_ref"], made={"link": link, "url": url})


@router.post("/cctv/links/{link_id}/revoke", include_in_schema=False)
async def revoke_link(
    request: Request,
    link_id: str = LINK,
    case_ref: str = Form(..., max_length=60),
    principal: Principal = Depends(staff),
) -> Response:
    try:
        engine, user = request.app.state.engine, principal.account.username
        await run_in_threadpool(intake.revoke_link, engine, link_id, user)
    except PeelianError as refused:
        return _page(request, principal, case_ref, error=str(refused))
    return RedirectResponse("/cctv?" + urlencode({"case": case_ref, "done": "withdrawn"}), status_code=303)


@router.post("/api/cctv/uploads", tags=["cctv"], status_code=201)
async def start_upload(request: Request, body: StaffUpload, principal: Principal = Depends(staff)) -> dict:
    """Open a resumable upload for a case (see the protocol in this module's description)."""
    upload = await run_in_threadpool(
        intake.start_upload, request.app.state.engine, request.app.state.settings, case_ref=body.case_ref,
        uploaded_by=principal.account.username, name=body.name, total_bytes=body.total_bytes,
        details=body.details,
    )  # fmt: skip
    return _opened(request, upload, f"/api/cctv/uploads/{upload['id']}")


@router.put("/api/cctv/uploads/{upload_id}", tags=["cctv"])
async def put_chunk(
    request: Request, upload_id: str = UPLOAD, offset: int = OFFSET, principal: Principal = Depends(staff)
) -> dict:
    """Add the next chunk (the raw body) at ``offset``; 409 with ``Upload-Offset`` if that is not where
    the upload has got to."""
    return await _append(request, upload_id, offset)


@router.get("/api/cctv/uploads/{upload_id}", tags=["cctv"])
def upload_status(request: Request, upload_id: str = UPLOAD, principal: Principal = Depends(staff)) -> dict:
    """Where an upload has got to: resume from ``received_bytes``."""
    request.state.records = {"ids": [upload_id]}
    return intake.upload_status(request.app.state.engine, upload_id)


@router.get("/cctv/upload/{token}", include_in_schema=False)
def link_page(request: Request, token: str = TOKEN, link: dict = Depends(upload_link)) -> Response:
    """The page a business opens from its link, on a phone as often as not."""
    return render(
        request, "cctv_link.html", None, link=link, chunk_bytes=_chunk_bytes(request),
        start_url=f"/api/cctv/links/{token}/uploads", max_gib=link["max_bytes"] / 1024**3,
    )  # fmt: skip


@router.post("/api/cctv/links/{token}/uploads", include_in_schema=False, status_code=201)
async def link_start_upload(
    request: Request, body: NewUpload, token: str = TOKEN, link: dict = Depends(upload_link)
) -> dict:
    state = request.app.state
    if not hasattr(state, "cctv_limit"):
        state.cctv_limit = Limiter(*LINK_UPLOADS)
    if not state.cctv_limit.allow(request.client.host if request.client else "?"):
        raise Problem(429, "Too many uploads", "too many uploads from this connection: try again in an hour")
    upload = await run_in_threadpool(
        intake.start_upload, state.engine, state.settings, case_ref=link["case_ref"],
        uploaded_by=link["owner"] or "upload link", name=body.name, total_bytes=body.total_bytes,
        details=body.details, link_id=link["id"],
    )  # fmt: skip
    return _opened(request, upload, f"/api/cctv/links/{token}/uploads/{upload['id']}")


@router.put("/api/cctv/links/{token}/uploads/{upload_id}", include_in_schema=False)
async def link_put_chunk(
    request: Request, token: str = TOKEN, upload_id: str = UPLOAD, offset: int = OFFSET,
    link: dict = Depends(upload_link),
) -> dict:  # fmt: skip
    return await _append(request, upload_id, offset, link["id"])


@router.get("/api/cctv/links/{token}/uploads/{upload_id}", include_in_schema=False)
def link_upload_status(
    request: Request, token: str = TOKEN, upload_id: str = UPLOAD, link: dict = Depends(upload_link)
) -> dict:
    return intake.upload_status(request.app.state.engine, upload_id, link_id=link["id"])
