"""/api/v1/email — received mails (and their raw bytes), outgoing mails, counts."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from kefu.services import email_queries as svc
from kefu.services.email_ports import InboundRecord, OutboundRecord
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Timestamp

router = APIRouter(prefix="/email", tags=["email"])


class InboundOut(BaseModel):
    id: int
    message_id: str
    source: str
    mail_from: str
    rcpt_to: list[str]
    header_from: str
    subject: str
    size: int
    status: str
    outcome: str | None
    ticket_id: int | None
    attempts: int
    last_error: str | None
    times_seen: int
    received_at: Timestamp
    processed_at: Timestamp | None


class OutboundOut(BaseModel):
    id: int
    message_id: str
    kind: str
    ticket_id: int | None
    from_address: str
    to_address: str
    subject: str
    body: str
    in_reply_to: str | None
    references: list[str]
    auto: bool
    status: str
    attempts: int
    last_error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None


class InboundPage(BaseModel):
    items: list[InboundOut]
    next_before: int | None
    """Pass as `before` for the next page; null on the last page."""


class OutboundPage(BaseModel):
    items: list[OutboundOut]
    next_before: int | None


def _in(r: InboundRecord) -> InboundOut:
    assert r.id is not None
    return InboundOut(
        id=r.id,
        message_id=r.message_id,
        source=r.source,
        mail_from=r.mail_from,
        rcpt_to=list(r.rcpt_to),
        header_from=r.header_from,
        subject=r.subject,
        size=r.size,
        status=r.status,
        outcome=r.outcome,
        ticket_id=r.ticket_id,
        attempts=r.attempts,
        last_error=r.last_error,
        times_seen=r.times_seen,
        received_at=r.received_at,
        processed_at=r.processed_at,
    )


def _out(r: OutboundRecord) -> OutboundOut:
    assert r.id is not None
    sent: datetime | None = r.sent_at
    return OutboundOut(
        id=r.id,
        message_id=r.message_id,
        kind=r.kind,
        ticket_id=r.ticket_id,
        from_address=r.from_address,
        to_address=r.to_address,
        subject=r.subject,
        body=r.body,
        in_reply_to=r.in_reply_to,
        references=list(r.references),
        auto=r.auto,
        status=r.status,
        attempts=r.attempts,
        last_error=r.last_error,
        created_at=r.created_at,
        sent_at=sent,
    )


@router.get("/inbound", response_model=InboundPage)
def list_inbound(
    actor: ActorDep,
    ctx: CtxDep,
    status: str | None = None,
    limit: int = Query(50),
    before: int | None = None,
) -> InboundPage:
    """Received mails, newest first (`status`: received | processed | failed)."""
    items = svc.list_inbound(ctx, actor, status, limit, before)
    return InboundPage(
        items=[_in(r) for r in items], next_before=items[-1].id if len(items) == limit else None
    )


@router.get("/inbound/{inbound_id}/raw")
def inbound_raw(inbound_id: int, actor: ActorDep, ctx: CtxDep) -> Response:
    """The mail exactly as it arrived (message/rfc822)."""
    rec, raw = svc.inbound_raw(ctx, actor, inbound_id)
    return Response(
        raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="mail-{rec.id}.eml"'},
    )


@router.get("/outbound", response_model=OutboundPage)
def list_outbound(
    actor: ActorDep,
    ctx: CtxDep,
    ticket_id: int | None = None,
    limit: int = Query(50),
    before: int | None = None,
) -> OutboundPage:
    """Mails we sent or will send (`ticket_id` for one ticket's), newest first."""
    items = svc.list_outbound(ctx, actor, ticket_id, limit, before)
    return OutboundPage(
        items=[_out(r) for r in items], next_before=items[-1].id if len(items) == limit else None
    )


@router.get("/stats")
def stats(actor: ActorDep, ctx: CtxDep) -> dict[str, dict[str, int]]:
    """Received and outgoing mails by status."""
    return svc.email_stats(ctx, actor)
