"""Pages: the customer portal — my requests, a new request with live advice, one request.

Routes only parse, call one service and render; the read models are in
`kefu.services.portal_views`, the presenters in `portal_views.py` next to this file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kefu.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from kefu.services import portal_views as views
from kefu.services import satisfaction
from kefu.services import tickets as svc
from kefu.services.ports import TicketFilter
from kefu.web.deps import CtxDep
from kefu.web.pages import portal_views as present
from kefu.web.pages.guards import CustomerActor
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)

PORTAL_CHANNEL = "inapp"
"""The portal is the web face of the in-app help center (policies/channels.toml `inapp`)."""
MAX_DESCRIPTION = 5000
MoreFile = Annotated[UploadFile | None, File()]


@router.get("/portal")
def index(request: Request, actor: CustomerActor, ctx: CtxDep) -> Response:
    items, _ = svc.list_tickets(ctx, actor, TicketFilter(), 100, None)
    rows = [present.row(t, ctx, language(request)) for t in items]
    chat = present.chat_url(request, actor, language(request))
    return render(request, "portal/index.html", {"rows": rows, "chat_url": chat}, actor=actor)


@router.get("/portal/new")
def new_form(request: Request, actor: CustomerActor) -> Response:
    chat = present.chat_url(request, actor, language(request))
    return render(request, "portal/new.html", {"description": "", "chat_url": chat}, actor=actor)


@router.get("/portal/preview")
def preview(request: Request, actor: CustomerActor, ctx: CtxDep, text: str = "") -> Response:
    """The detected problem type and the channel advice, as an HTML fragment for the form."""
    lang = language(request)
    found = views.preview(ctx, actor, text, lang)
    context = {"p": present.preview(found, lang) if found else None}
    return render(request, "portal/_advice.html", context, actor=actor)


@router.post("/portal/new")
async def create(
    request: Request,
    actor: CustomerActor,
    ctx: CtxDep,
    description: Annotated[str, Form()] = "",
    attachment: MoreFile = None,
) -> Response:
    text = description.strip()
    error = None
    if not text:
        error = "Describe the problem first."
    elif len(text) > MAX_DESCRIPTION:
        error = "The description is too long."
    refs: tuple[svc.AttachmentRef, ...] = ()
    if error is None:
        try:
            refs = await present.store_upload(request, attachment)
        except InvalidInput as exc:
            error = str(exc)
    if error is not None:
        return render(
            request,
            "portal/new.html",
            {"description": description, "error": error},
            status=422,
            actor=actor,
        )
    cmd = svc.OpenTicket(
        customer_uid=actor.customer_uid or "",
        channel=PORTAL_CHANNEL,
        body=text,
        attachments=refs,
    )
    ticket = await run_in_threadpool(svc.open_ticket, ctx, actor, cmd)
    return RedirectResponse(f"/portal/tickets/{ticket.id}?created=1", status_code=303)


@router.get("/portal/tickets/{ticket_id}")
def ticket(
    request: Request, ticket_id: int, actor: CustomerActor, ctx: CtxDep, created: int = 0
) -> Response:
    detail = svc.get_ticket(ctx, actor, ticket_id)
    context = present.ticket(detail, ctx, language(request))
    context["created"] = bool(created)
    context["flash"] = request.query_params.get("done", "")
    context["chat_url"] = present.chat_url(request, actor, language(request))
    context["rating"] = satisfaction.ticket_rating(present.chat(request), actor, ticket_id)
    return render(request, "portal/ticket.html", context, actor=actor)


@router.post("/portal/tickets/{ticket_id}/rating")
def rate(
    request: Request,
    ticket_id: int,
    actor: CustomerActor,
    ctx: CtxDep,
    score: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The customer rates their resolved request: 1–5 stars and an optional comment."""
    chat = present.chat(request)
    value: object = int(score) if score.strip().isdigit() else score
    try:
        satisfaction.rate_ticket(chat, actor, ticket_id, value, comment)
    except (InvalidInput, Conflict) as exc:
        status = 422 if isinstance(exc, InvalidInput) else 409
        detail = svc.get_ticket(ctx, actor, ticket_id)
        context = present.ticket(detail, ctx, language(request))
        context["rating"] = satisfaction.ticket_rating(chat, actor, ticket_id)
        context["rating_error"] = present.rating_error(exc)
        context["rating_comment"] = comment
        return render(request, "portal/ticket.html", context, status=status, actor=actor)
    return RedirectResponse(f"/portal/tickets/{ticket_id}?done=rated#rating", status_code=303)


@router.post("/portal/tickets/{ticket_id}/reply")
async def reply(
    request: Request,
    ticket_id: int,
    actor: CustomerActor,
    ctx: CtxDep,
    body: Annotated[str, Form()] = "",
    attachment: MoreFile = None,
) -> Response:
    text = body.strip()
    try:
        refs = await present.store_upload(request, attachment)
        if not text and refs:
            text = ", ".join(r.filename for r in refs)
        if not text:
            raise InvalidInput("Write a reply or add a file first.")
        await run_in_threadpool(
            lambda: svc.add_message(
                ctx, actor, ticket_id, text, channel=PORTAL_CHANNEL, attachments=refs
            )
        )
    except NotFound:
        raise
    except DomainError as exc:
        detail = await run_in_threadpool(svc.get_ticket, ctx, actor, ticket_id)
        context = present.ticket(detail, ctx, language(request))
        context.update(error=str(exc), draft=body)
        return render(request, "portal/ticket.html", context, status=422, actor=actor)
    return RedirectResponse(f"/portal/tickets/{ticket_id}?done=sent#latest", status_code=303)


@router.post("/portal/tickets/{ticket_id}/status")
def change_status(
    request: Request,
    ticket_id: int,
    actor: CustomerActor,
    ctx: CtxDep,
    to: Annotated[str, Form()] = "",
) -> Response:
    if to not in present.CUSTOMER_STEPS:
        raise InvalidInput(f"a customer may not move a request to '{to}'")
    svc.transition_ticket(ctx, actor, ticket_id, to, "by the customer in the portal")
    return RedirectResponse(f"/portal/tickets/{ticket_id}?done={to}", status_code=303)


@router.get("/portal/tickets/{ticket_id}/files/{sha256}")
def download(ticket_id: int, sha256: str, actor: CustomerActor, ctx: CtxDep) -> Response:
    """A file of one of the customer's own requests (staff use /api/v1/attachments)."""
    detail = svc.get_ticket(ctx, actor, ticket_id)
    files = {a.sha256: a for m in detail.messages for a in m.attachments}
    found = files.get(sha256)
    if found is None:
        raise NotFound(f"no file {sha256[:12]}… on request #{ticket_id}")
    return Response(
        ctx.blobs.get(sha256),
        media_type=found.content_type or "application/octet-stream",
        headers={"Content-Disposition": present.disposition(found.filename)},
    )
