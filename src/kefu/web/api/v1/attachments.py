"""/api/v1/attachments — upload bytes once, reference them by SHA-256 in messages."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from kefu.domain.actors import Role
from kefu.services.access import require_role
from kefu.web.deps import ActorDep, CtxDep, container
from kefu.web.errors import ApiError
from kefu.web.schemas import AttachmentOut

router = APIRouter(prefix="/attachments", tags=["attachments"])


@router.post("", status_code=201, response_model=AttachmentOut)
async def upload(
    request: Request,
    actor: ActorDep,
    filename: str = Query(min_length=1, max_length=255),
) -> AttachmentOut:
    """Send the file as the raw request body, its type as Content-Type."""
    limit = container(request).settings.max_attachment_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413,
            "too_large",
            f"'{filename}' is {declared} bytes; the limit is {limit}",
            {"filename": filename, "limit": limit},
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413,
                "too_large",
                f"'{filename}' exceeds the limit of {limit} bytes",
                {"filename": filename, "limit": limit},
            )
        chunks.append(chunk)
    if size == 0:
        raise ApiError(422, "empty_file", f"'{filename}' is empty", {"filename": filename})
    data = b"".join(chunks)
    store = container(request).ctx.blobs
    from starlette.concurrency import run_in_threadpool

    sha = await run_in_threadpool(store.put, data)
    content_type = request.headers.get("content-type", "application/octet-stream")
    return AttachmentOut(sha256=sha, filename=filename, content_type=content_type, size=size)


@router.get("/{sha256}")
def download(sha256: str, actor: ActorDep, ctx: CtxDep) -> Response:
    """Staff read any attachment (customers see theirs through the ticket pages)."""
    require_role(actor, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
    return Response(ctx.blobs.get(sha256), media_type="application/octet-stream")
