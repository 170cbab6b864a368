"""/api/v1/tickets — a route parses, calls one service, renders."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Query

from kefu.services import tickets as svc
from kefu.services.context import ServiceContext
from kefu.services.ports import TicketFilter
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.errors import ApiError
from kefu.web.schemas import (
    AssignIn,
    AttachmentRefIn,
    AuditOut,
    LinkIn,
    MergeIn,
    MessageIn,
    MessageOut,
    NoteIn,
    SubcategoryIn,
    TagsIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPage,
    TransitionIn,
    audit_out,
    message_out,
    ticket_out,
)

router = APIRouter(prefix="/tickets", tags=["tickets"])


def _out(ctx: ServiceContext, ticket: svc.Ticket) -> TicketOut:
    return ticket_out(ticket, ctx.policies, ctx.clock.now())


def _refs(items: list[AttachmentRefIn]) -> list[svc.AttachmentRef]:
    return [svc.AttachmentRef(a.sha256, a.filename, a.content_type) for a in items]


def encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"t:{ticket_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "t":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422,
            "invalid_cursor",
            "the cursor is not one this API returned; start again without it",
            {"cursor": cursor},
        ) from None


@router.post("", status_code=201, response_model=TicketOut)
def create_ticket(body: TicketIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    cmd = svc.OpenTicket(
        customer_uid=body.customer.uid,
        channel=body.channel,
        body=body.body,
        subject=body.subject,
        subcategory=body.subcategory,
        tags=body.tags,
        attachments=_refs(body.attachments),
        signals=body.signals,
    )
    return _out(ctx, svc.open_ticket(ctx, actor, cmd))


@router.get("", response_model=TicketPage)
def list_tickets(
    actor: ActorDep,
    ctx: CtxDep,
    channel: str | None = None,
    status: str | None = None,
    team: str | None = None,
    subcategory: str | None = None,
    customer_uid: str | None = None,
    assignee_id: int | None = None,
    priority_min: int | None = Query(default=None, ge=0, le=100),
    priority_max: int | None = Query(default=None, ge=0, le=100),
    limit: int = Query(default=50, ge=1, le=svc.MAX_PAGE),
    cursor: str | None = None,
) -> TicketPage:
    flt = TicketFilter(
        channel=channel,
        status=status,
        team=team,
        subcategory=subcategory,
        customer_uid=customer_uid,
        assignee_id=assignee_id,
        priority_min=priority_min,
        priority_max=priority_max,
    )
    before = decode_cursor(cursor) if cursor else None
    items, next_id = svc.list_tickets(ctx, actor, flt, limit, before)
    return TicketPage(
        items=[_out(ctx, t) for t in items],
        next_cursor=encode_cursor(next_id) if next_id is not None else None,
    )


@router.get("/{ticket_id}", response_model=TicketDetailOut)
def get_ticket(ticket_id: int, actor: ActorDep, ctx: CtxDep) -> TicketDetailOut:
    detail = svc.get_ticket(ctx, actor, ticket_id)
    base = _out(ctx, detail.ticket)
    return TicketDetailOut(**base.model_dump(), messages=[message_out(m) for m in detail.messages])


@router.get("/{ticket_id}/messages", response_model=list[MessageOut])
def list_messages(ticket_id: int, actor: ActorDep, ctx: CtxDep) -> list[MessageOut]:
    return [message_out(m) for m in svc.get_ticket(ctx, actor, ticket_id).messages]


@router.post("/{ticket_id}/transitions", response_model=TicketOut)
def transition(ticket_id: int, body: TransitionIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    return _out(ctx, svc.transition_ticket(ctx, actor, ticket_id, body.to, body.reason))


@router.post("/{ticket_id}/messages", status_code=201, response_model=MessageOut)
def add_message(ticket_id: int, body: MessageIn, actor: ActorDep, ctx: CtxDep) -> MessageOut:
    _, message = svc.add_message(
        ctx,
        actor,
        ticket_id,
        body.body,
        channel=body.channel,
        attachments=_refs(body.attachments),
    )
    return message_out(message)


@router.post("/{ticket_id}/notes", status_code=201, response_model=MessageOut)
def add_note(ticket_id: int, body: NoteIn, actor: ActorDep, ctx: CtxDep) -> MessageOut:
    _, message = svc.add_message(ctx, actor, ticket_id, body.body, note=True)
    return message_out(message)


@router.post("/{ticket_id}/assign", response_model=TicketOut)
def assign(ticket_id: int, body: AssignIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    return _out(ctx, svc.assign_ticket(ctx, actor, ticket_id, body.agent_id))


@router.put("/{ticket_id}/subcategory", response_model=TicketOut)
def change_subcategory(
    ticket_id: int, body: SubcategoryIn, actor: ActorDep, ctx: CtxDep
) -> TicketOut:
    return _out(ctx, svc.change_subcategory(ctx, actor, ticket_id, body.subcategory))


@router.post("/{ticket_id}/merge", response_model=TicketOut)
def merge(ticket_id: int, body: MergeIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    """Merge this ticket into `into`; returns the surviving ticket."""
    return _out(ctx, svc.merge_tickets(ctx, actor, ticket_id, body.into))


@router.post("/{ticket_id}/tags", response_model=TicketOut)
def tags(ticket_id: int, body: TagsIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    return _out(ctx, svc.tag_ticket(ctx, actor, ticket_id, body.add, body.remove))


@router.post("/{ticket_id}/links", response_model=TicketOut)
def link(ticket_id: int, body: LinkIn, actor: ActorDep, ctx: CtxDep) -> TicketOut:
    return _out(ctx, svc.link_tickets(ctx, actor, ticket_id, body.kind, body.ticket_id))


@router.get("/{ticket_id}/audit", response_model=list[AuditOut])
def audit(ticket_id: int, actor: ActorDep, ctx: CtxDep) -> list[AuditOut]:
    return [audit_out(a) for a in svc.ticket_audit(ctx, actor, ticket_id)]
