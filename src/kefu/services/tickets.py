"""Ticket use cases. Each runs in one unit of work and commits once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.customers import Customer
from kefu.domain.errors import Conflict, Forbidden, InvalidInput
from kefu.domain.organisation import Channel, Lane, parse_channel
from kefu.domain.priority import Priority
from kefu.domain.routing import choose_lane
from kefu.domain.sla import SlaState
from kefu.domain.tickets import (
    Attachment,
    AuditEntry,
    CustomerRef,
    LinkKind,
    Message,
    MessageKind,
    Status,
    Ticket,
)
from kefu.services import routing, sla, triage
from kefu.services.access import require_role, ticket_for, visible_filter
from kefu.services.context import ServiceContext
from kefu.services.customers import get_or_register
from kefu.services.ports import TicketFilter, UnitOfWork

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MAX_PAGE = 200


@dataclass(frozen=True)
class AttachmentRef:
    sha256: str
    filename: str
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OpenTicket:
    customer_uid: str
    channel: str
    body: str
    subject: str = ""
    subcategory: str | None = None
    tags: Sequence[str] = ()
    attachments: Sequence[AttachmentRef] = field(default_factory=tuple)
    signals: Mapping[str, Any] = field(default_factory=dict)
    """press3, green_channel, grade (email completeness), legal_cc — from channels/staff."""


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    messages: list[Message]


def _placement(
    ctx: ServiceContext,
    subcategory: str,
    customer: Customer,
    channel: Channel | None = None,
    signals: Mapping[str, Any] | None = None,
) -> tuple[str, Lane]:
    sub = ctx.policies.taxonomy.get(subcategory)
    team = ctx.policies.teams[sub.team]
    via = channel.value if channel is not None else None
    segments = customer.segmentation.segments
    lane = choose_lane(
        team, sub.code, segments, channel=via, signals=signals, policy=ctx.policies.routing
    )
    return team.code, lane


def _attachments(ctx: ServiceContext, refs: Sequence[AttachmentRef]) -> tuple[Attachment, ...]:
    out = []
    for ref in refs:
        size = ctx.blobs.size(ref.sha256)
        if size is None:
            raise InvalidInput(
                f"attachment {ref.sha256} is not stored: upload it to /api/v1/attachments first",
                details={"sha256": ref.sha256},
            )
        out.append(Attachment(ref.sha256, ref.filename, ref.content_type, size))
    return tuple(out)


def _signals(actor: Actor, raw: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(raw) - sla.SIGNAL_KEYS
    if unknown:
        raise InvalidInput(
            f"unknown signals {sorted(unknown)}: expected {sorted(sla.SIGNAL_KEYS)}",
            details={"signals": sorted(unknown)},
        )
    if raw and actor.role is Role.CUSTOMER:
        raise Forbidden("urgency signals are set by channels and staff, not by customers")
    if "grade" in raw and raw["grade"] not in sla.GRADES:
        raise InvalidInput(f"grade must be one of {sorted(sla.GRADES)}")
    return {k: v for k, v in raw.items() if v not in (None, False)}


def open_ticket(ctx: ServiceContext, actor: Actor, cmd: OpenTicket) -> Ticket:
    channel = parse_channel(cmd.channel)
    if actor.role is Role.CUSTOMER and actor.customer_uid != cmd.customer_uid:
        raise Forbidden("a customer may only open tickets for their own UID")
    taxonomy = ctx.policies.taxonomy
    if cmd.subcategory is not None:
        taxonomy.get(cmd.subcategory)  # unknown code → InvalidInput before anything is written
    signals = _signals(actor, cmd.signals)
    attachments = _attachments(ctx, cmd.attachments)
    now = ctx.clock.now()
    urgent = ctx.policies.quotas.urgent_requested(cmd.subject, cmd.tags)
    # Outside the transaction: the classifier may take a while on its first use.
    guess = None if cmd.subcategory else triage.classify_for_intake(ctx, cmd.subject, cmd.body)
    chosen = cmd.subcategory or (guess.label if guess is not None and guess.confident else None)
    with ctx.uow() as uow:
        customer = get_or_register(uow, ctx, cmd.customer_uid, lock=urgent)
        assert customer.id is not None
        code = chosen or taxonomy.FALLBACK
        team, lane = _placement(ctx, code, customer, channel, signals)
        if chosen is None:
            # Nobody (customer, classifier) says what this is about: the triage queue decides.
            lane = Lane.TRIAGE if Lane.TRIAGE in ctx.policies.teams[team].lanes else lane
        ticket = Ticket.open(
            customer=CustomerRef(customer.id, customer.uid, customer.segmentation.primary.value),
            channel=channel,
            subject=cmd.subject,
            body=cmd.body,
            subcategory=code,
            team=team,
            lane=lane,
            priority=Priority(0, ()),
            sla=SlaState(),
            actor=actor,
            now=now,
            attachments=attachments,
        )
        ticket.signals.update(signals)
        if guess is not None:
            triage.note_prediction(ticket, guess, applied=chosen is not None, now=now)
        if cmd.tags:
            ticket.tag(cmd.tags, (), actor, now)
        urgent_use = sla.decide_urgent(uow, ctx, ticket, customer, now) if urgent else None
        sla.begin(uow, ctx, ticket, customer, now)
        ticket.priority = sla.priority_of(ctx, ticket, customer, now)
        ticket.transition(Status.TRIAGED, SYSTEM, now, "subcategory " + code)
        ticket.transition(Status.QUEUED, SYSTEM, now, f"queue {team}/{lane.value}")
        uow.tickets.add(ticket)  # everything is decided: one INSERT per row, no UPDATE
        if urgent_use is not None:
            sla.record_urgent_use(uow, ctx, ticket, customer, urgent_use, now)
        sla.refresh(uow, ctx, ticket, customer, now)
        routing.enqueue(uow, ctx, ticket, now)
        uow.customers.save(customer)
        uow.commit()
        return ticket


def _load(uow: UnitOfWork, ctx: ServiceContext, actor: Actor, ticket_id: int) -> Ticket:
    """The ticket for a change: locked, visible to the actor, with its SLA calendar."""
    ticket = ticket_for(uow, actor, ticket_id, for_update=True)
    sla.attach_calendar(uow, ctx, ticket)
    return ticket


def _finish(uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, now: datetime) -> None:
    """Every change ends here: priority, SLA timer, compensation, then save."""
    customer = uow.customers.get(ticket.customer.uid, identities=False)
    assert customer is not None  # a foreign key guarantees it
    sla.refresh(uow, ctx, ticket, customer, now)
    routing.sync(uow, ctx, ticket, now)
    uow.tickets.save(ticket)
    uow.customers.save(customer)


def get_ticket(ctx: ServiceContext, actor: Actor, ticket_id: int) -> TicketDetail:
    with ctx.uow(readonly=True) as uow:
        ticket = ticket_for(uow, actor, ticket_id)
        sla.attach_calendar(uow, ctx, ticket)
        messages = uow.tickets.messages(ticket_id, include_notes=actor.is_staff)
        return TicketDetail(ticket, messages)


def list_tickets(
    ctx: ServiceContext, actor: Actor, flt: TicketFilter, limit: int, before_id: int | None
) -> tuple[list[Ticket], int | None]:
    """A page of tickets, newest first, and the cursor of the next page (or None)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", details={"limit": limit})
    if flt.channel is not None:
        parse_channel(flt.channel)
    if flt.status is not None and flt.status not in Status.__members__.values():
        raise InvalidInput(
            f"unknown status '{flt.status}': expected one of {', '.join(s.value for s in Status)}"
        )
    if flt.subcategory is not None:
        ctx.policies.taxonomy.get(flt.subcategory)
    flt = visible_filter(actor, flt)
    with ctx.uow(readonly=True) as uow:
        items = uow.tickets.list(flt, limit=limit + 1, before_id=before_id)
        cals = sla.calendars(uow, ctx)
        for t in items:
            t.calendar = cals
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].id if more and items else None)


def transition_ticket(
    ctx: ServiceContext, actor: Actor, ticket_id: int, to: str, reason: str = ""
) -> Ticket:
    try:
        target = Status(to)
    except ValueError:
        raise InvalidInput(
            f"unknown status '{to}': expected one of {', '.join(s.value for s in Status)}",
            details={"to": to},
        ) from None
    if actor.role is Role.INTEGRATION:
        raise Forbidden("integrations may not change a ticket's status")
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        now = ctx.clock.now()
        ticket.transition(target, actor, now, reason)
        _finish(uow, ctx, ticket, now)
        uow.commit()
        return ticket


def add_message(
    ctx: ServiceContext,
    actor: Actor,
    ticket_id: int,
    body: str,
    *,
    channel: str | None = None,
    attachments: Sequence[AttachmentRef] = (),
    note: bool = False,
) -> tuple[Ticket, Message]:
    if note:
        require_role(actor, *STAFF)
        kind = MessageKind.NOTE
    elif actor.is_staff:
        kind = MessageKind.AGENT
    elif actor.role is Role.BOT:
        kind = MessageKind.BOT
    else:
        kind = MessageKind.CUSTOMER
    via: Channel | None = parse_channel(channel) if channel else None
    files = _attachments(ctx, attachments)
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        now = ctx.clock.now()
        message = ticket.add_message(kind, body, actor, now, channel=via, attachments=files)
        if kind is MessageKind.CUSTOMER and files:
            sla.accept_material(ctx, ticket, now)
        _finish(uow, ctx, ticket, now)
        uow.commit()
        return ticket, message


def assign_ticket(ctx: ServiceContext, actor: Actor, ticket_id: int, agent_id: int) -> Ticket:
    require_role(actor, *STAFF)
    if actor.role is Role.AGENT and actor.agent_id != agent_id:
        raise Forbidden("an agent may only take tickets themselves; a supervisor assigns others")
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        agent = uow.org.agent(agent_id)
        if agent is None:
            raise InvalidInput(f"agent {agent_id} does not exist", details={"agent_id": agent_id})
        if ticket.team not in agent.teams:
            raise Conflict(
                f"agent {agent.name} is not in team '{ticket.team}' that owns ticket #{ticket_id}",
                details={"team": ticket.team, "agent_teams": agent.teams},
            )
        now = ctx.clock.now()
        ticket.assign(agent_id, actor, now)
        _finish(uow, ctx, ticket, now)
        uow.commit()
        return ticket


def change_subcategory(ctx: ServiceContext, actor: Actor, ticket_id: int, code: str) -> Ticket:
    require_role(actor, *STAFF)
    sub = ctx.policies.taxonomy.get(code)
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        customer = uow.customers.get(ticket.customer.uid)
        assert customer is not None  # a foreign key guarantees it
        now = ctx.clock.now()
        team, lane = _placement(ctx, sub.code, customer, ticket.channel, ticket.signals)
        before = ticket.subcategory
        ticket.change_subcategory(sub.code, team, lane, actor, now)
        triage.record_correction(uow, ticket, before, actor, now)
        sla.retarget(uow, ctx, ticket, customer, now)
        sla.refresh(uow, ctx, ticket, customer, now)
        routing.sync(uow, ctx, ticket, now)
        uow.tickets.save(ticket)
        uow.commit()
        return ticket


def merge_tickets(ctx: ServiceContext, actor: Actor, ticket_id: int, into_id: int) -> Ticket:
    """Merge `ticket_id` (the duplicate) into `into_id` (the survivor); return the survivor."""
    require_role(actor, *STAFF)
    if ticket_id == into_id:
        raise InvalidInput("a ticket cannot be merged into itself")
    with ctx.uow() as uow:
        # Fixed lock order (lower id first) so two opposite merges cannot deadlock.
        first, second = sorted((ticket_id, into_id))
        locked = {tid: _load(uow, ctx, actor, tid) for tid in (first, second)}
        duplicate, survivor = locked[ticket_id], locked[into_id]
        now = ctx.clock.now()
        duplicate.merge_into(survivor, actor, now)
        _finish(uow, ctx, duplicate, now)
        _finish(uow, ctx, survivor, now)
        uow.commit()
        return survivor


def tag_ticket(
    ctx: ServiceContext, actor: Actor, ticket_id: int, add: Sequence[str], remove: Sequence[str]
) -> Ticket:
    require_role(actor, *STAFF, Role.INTEGRATION)
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        now = ctx.clock.now()
        ticket.tag(add, remove, actor, now)
        if ctx.policies.quotas.urgent_requested("", add):
            customer = uow.customers.get(ticket.customer.uid, for_update=True, identities=False)
            assert customer is not None
            use = sla.decide_urgent(uow, ctx, ticket, customer, now)
            if use is not None:
                sla.record_urgent_use(uow, ctx, ticket, customer, use, now)
                if use[1]:
                    sla.retarget(uow, ctx, ticket, customer, now)
            uow.customers.save(customer)
        _finish(uow, ctx, ticket, now)
        uow.commit()
        return ticket


def link_tickets(
    ctx: ServiceContext, actor: Actor, ticket_id: int, kind: str, target_id: int
) -> Ticket:
    require_role(actor, *STAFF)
    try:
        link_kind = LinkKind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown link kind '{kind}': expected one of {', '.join(k.value for k in LinkKind)}"
        ) from None
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        ticket_for(uow, actor, target_id)
        ticket.link(link_kind, target_id, actor, ctx.clock.now())
        uow.tickets.save(ticket)
        uow.commit()
        return ticket


def ticket_audit(ctx: ServiceContext, actor: Actor, ticket_id: int) -> list[AuditEntry]:
    require_role(actor, *STAFF)
    with ctx.uow(readonly=True) as uow:
        ticket_for(uow, actor, ticket_id)
        return uow.tickets.audit(ticket_id)
