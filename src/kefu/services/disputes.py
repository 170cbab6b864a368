"""Dispute use cases (SPEC §8): one function per step, one unit of work each.

Every step loads the dispute FOR UPDATE (PostgreSQL row lock; SQLite's writer lock), so
what it decides — an evidence count above all — is decided under the lock. Lock order:
the dispute, then its ticket. Files are checked before the lock is taken.

Opening is the exception: the ticket is opened first (`open_ticket`, its own unit of work,
as the buyer), then the dispute is stored and linked to it. Everything that can refuse an
opening is checked before the ticket exists; if storing the dispute still fails (a
concurrent dispute for the same order), the ticket is resolved with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.dispute_rules import Contact
from kefu.domain.disputes import (
    Closure,
    Dispute,
    DisputeType,
    Outcome,
    Party,
    State,
)
from kefu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.domain.timers import Timer
from kefu.services.dispute_access import (
    DisputeContext,
    FileRef,
    dispute_for,
    evidence_files,
)
from kefu.services.dispute_tickets import APPEAL_WINDOW, SELLER_DEADLINE, follow, link_ticket
from kefu.services.ports import UnitOfWork
from kefu.services.tickets import AttachmentRef, OpenTicket, open_ticket, transition_ticket
from kefu.services.timers import TimerHandler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submit:
    """A party's statement with files and (private) contact data."""

    statement: str = ""
    files: Sequence[FileRef] = ()
    contact: Contact = field(default_factory=Contact)


@dataclass(frozen=True)
class OpenDispute:
    order_id: str
    type: str
    statement: str
    subject: str = ""
    files: Sequence[FileRef] = ()
    contact: Contact = field(default_factory=Contact)


def parse_type(value: str) -> DisputeType:
    try:
        return DisputeType(value)
    except ValueError:
        raise InvalidInput(
            f"unknown dispute type '{value}': expected one of "
            f"{', '.join(t.value for t in DisputeType)}",
            details={"type": value},
        ) from None


def open_dispute(dc: DisputeContext, actor: Actor, cmd: OpenDispute) -> Dispute:
    if actor.role is not Role.CUSTOMER or actor.customer_uid is None:
        raise Forbidden(
            "纠纷由订单买家发起。\nA dispute is opened by the order's buyer, with a customer "
            f"token; you are '{actor.role.value}'.",
            details={"role": actor.role.value},
        )
    dtype = parse_type(cmd.type)
    order = dc.orders.get(cmd.order_id)
    if order is None or actor.customer_uid not in (order.buyer_uid, order.seller_uid):
        raise NotFound(
            f"订单 {cmd.order_id} 不存在。\norder {cmd.order_id} not found",
            details={"order_id": cmd.order_id},
        )
    party = Party.BUYER if actor.customer_uid == order.buyer_uid else Party.SELLER
    files = evidence_files(dc, cmd.files)
    now = dc.ctx.clock.now()
    dispute = Dispute.open(
        order=order,
        type=dtype,
        party=party,
        actor=actor.label,
        statement=cmd.statement,
        files=files,
        contact=cmd.contact,
        policy=dc.policy,
        now=now,
    )
    with dc.ctx.uow(readonly=True) as uow:
        existing = uow.disputes.active_for_order(order.id)
    if existing is not None:
        raise Conflict(
            f"订单 {order.id} 已有纠纷 #{existing}。\nOrder {order.id} already has dispute "
            f"#{existing}.",
            details={"order_id": order.id, "dispute_id": existing},
        )
    zh, _ = dc.policy.type_label(dtype.value)
    ticket = open_ticket(
        dc.ctx,
        actor,
        OpenTicket(
            customer_uid=order.buyer_uid,
            channel="dispute",
            body=dispute.new_submissions[0].body,
            subject=cmd.subject or f"【纠纷·{zh}】订单 {order.id}",
            subcategory=dtype.subcategory,
            attachments=[AttachmentRef(f.sha256, f.filename, f.content_type) for f in files],
        ),
    )
    try:
        with dc.ctx.uow() as uow:
            dispute.ticket_id = ticket.id
            steps = list(dispute.new_history)
            uow.disputes.add(dispute)
            link_ticket(uow, dc, dispute, steps, now)
            uow.disputes.save(dispute)
            uow.commit()
    except Exception as exc:
        _abandon(dc, ticket.id, exc)
        raise
    return dispute


def _abandon(dc: DisputeContext, ticket_id: int | None, exc: Exception) -> None:
    """The dispute could not be stored: its ticket is resolved, saying why."""
    if ticket_id is None:
        return
    try:
        transition_ticket(dc.ctx, SYSTEM, ticket_id, "resolved", f"dispute not opened: {exc}")
    except Exception:  # the original error is what the caller must see
        log.exception("could not resolve ticket #%s of a dispute that failed", ticket_id)


Step = Callable[[Dispute, Party, datetime], object]


def _change(dc: DisputeContext, actor: Actor, dispute_id: int, step: Step) -> Dispute:
    """Load and lock, take the step, follow it (timers, ticket), save, commit."""
    with dc.ctx.uow() as uow:
        dispute, party = dispute_for(uow, actor, dispute_id, dc.policy, lock=True)
        now = dc.ctx.clock.now()
        step(dispute, party, now)
        follow(uow, dc, dispute, list(dispute.new_history), now)
        uow.disputes.save(dispute)
        uow.commit()
    return dispute


def respond(
    dc: DisputeContext, actor: Actor, dispute_id: int, *, accept: bool, sub: Submit
) -> Dispute:
    """The seller's answer: accept (full refund, closed) or contest (arbitration)."""
    files = evidence_files(dc, sub.files)
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.respond(
            p,
            actor.label,
            accept=accept,
            statement=sub.statement,
            files=files,
            contact=sub.contact,
            policy=dc.policy,
            now=now,
        ),
    )


def submit_evidence(dc: DisputeContext, actor: Actor, dispute_id: int, sub: Submit) -> Dispute:
    files = evidence_files(dc, sub.files)
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.submit_evidence(
            p,
            actor.label,
            statement=sub.statement,
            files=files,
            contact=sub.contact,
            policy=dc.policy,
            now=now,
        ),
    )


def request_appraisal(dc: DisputeContext, actor: Actor, dispute_id: int, reason: str) -> Dispute:
    return _change(
        dc, actor, dispute_id, lambda d, p, now: d.request_appraisal(p, actor.label, reason, now)
    )


def submit_report(dc: DisputeContext, actor: Actor, dispute_id: int, sub: Submit) -> Dispute:
    """A third-party inspection report (during a quality appraisal)."""
    files = evidence_files(dc, sub.files)
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.submit_report(
            p, actor.label, statement=sub.statement, files=files, policy=dc.policy, now=now
        ),
    )


def decide(
    dc: DisputeContext,
    actor: Actor,
    dispute_id: int,
    *,
    outcome: str,
    refund_fen: int | None,
    reason: str,
) -> Dispute:
    try:
        result = Outcome(outcome)
    except ValueError:
        raise InvalidInput(
            f"unknown outcome '{outcome}': expected one of {', '.join(o.value for o in Outcome)}",
            details={"outcome": outcome},
        ) from None
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.decide(
            p,
            actor.label,
            outcome=result,
            refund_fen=refund_fen,
            reason=reason,
            policy=dc.policy,
            now=now,
        ),
    )


def appeal(dc: DisputeContext, actor: Actor, dispute_id: int, sub: Submit) -> Dispute:
    files = evidence_files(dc, sub.files)
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.appeal(
            p, actor.label, reason=sub.statement, files=files, policy=dc.policy, now=now
        ),
    )


def close(dc: DisputeContext, actor: Actor, dispute_id: int, reason: str = "") -> Dispute:
    """The arbitrator closes a decided dispute before the appeal window ends."""
    return _change(
        dc,
        actor,
        dispute_id,
        lambda d, p, now: d.close(p, actor.label, now, Closure.ARBITRATOR, reason),
    )


def withdraw(dc: DisputeContext, actor: Actor, dispute_id: int, reason: str = "") -> Dispute:
    return _change(dc, actor, dispute_id, lambda d, p, now: d.withdraw(p, actor.label, reason, now))


# ---- durable timers ------------------------------------------------------------------------


def _locked(uow: UnitOfWork, timer: Timer) -> Dispute | None:
    return uow.disputes.get(int(timer.payload["dispute_id"]), for_update=True)


def seller_deadline_handler(dc: DisputeContext) -> TimerHandler:
    """`dispute.seller_deadline`: the seller did not answer in time → arbitration."""

    def handle(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        d = _locked(uow, timer)
        if d is None or d.state is not State.AWAITING_SELLER or now < d.seller_deadline_at:
            return
        d.deadline_passed(now)
        follow(uow, dc, d, list(d.new_history), now)
        uow.disputes.save(d)

    return handle


def appeal_window_handler(dc: DisputeContext) -> TimerHandler:
    """`dispute.appeal_window`: nobody appealed in time → closed."""

    def handle(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        d = _locked(uow, timer)
        if (
            d is None
            or d.state is not State.DECIDED
            or d.decisions != int(timer.payload.get("decision", d.decisions))
            or d.appeal_deadline_at is None
            or now < d.appeal_deadline_at
        ):
            return
        d.close(Party.SYSTEM, SYSTEM.label, now, Closure.APPEAL_WINDOW_ENDED)
        follow(uow, dc, d, list(d.new_history), now)
        uow.disputes.save(d)

    return handle


def timer_handlers(dc: DisputeContext) -> dict[str, TimerHandler]:
    """The dispute timers' kinds and handlers, for `Container.timer_handlers`."""
    return {
        SELLER_DEADLINE: seller_deadline_handler(dc),
        APPEAL_WINDOW: appeal_window_handler(dc),
    }
