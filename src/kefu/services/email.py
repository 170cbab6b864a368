"""Email intake: keep a received mail durably (before its sender hears 250), then turn it
into a ticket — or a message on its ticket — under the seed's mail rules.

Turning a stored mail into a ticket is one unit of work: the ticket (through the ordinary
`open_ticket` / `add_message` use cases), the mail's `processed` mark, its thread and the
automatic replies commit together or not at all. A crash in between leaves the mail
`received`, and it is processed again at restart — once, since the mark is conditional.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.customers import IdentityKind, normalise_uid
from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.organisation import Channel
from kefu.domain.tickets import FINAL, MAX_BODY, MAX_SUBJECT, MessageKind, Ticket
from kefu.services import email_replies as replies
from kefu.services import sla
from kefu.services.context import ServiceContext
from kefu.services.email_joined import AlreadyProcessed, joined
from kefu.services.email_policy import EmailSetup
from kefu.services.email_ports import InboundRecord
from kefu.services.email_types import BounceReport, IncomingMail, MailFile, Outcome, RawMail
from kefu.services.ports import UnitOfWork
from kefu.services.tickets import AttachmentRef, OpenTicket, add_message, open_ticket

log = logging.getLogger(__name__)

CHANNEL = Channel.EMAIL
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
NO_BODY = "（邮件没有正文）\n(The mail has no text.)"
MERGE_HOPS = 5

__all__ = ["BounceReport", "IncomingMail", "MailFile", "Outcome", "RawMail"]


# ---- storing before 250 -----------------------------------------------------------------


def rate_key(mail_from: str, peer: str) -> str:
    """Whose quota a mail counts against: the envelope sender, or the peer for `<>`."""
    return mail_from.lower()[:320] if mail_from else f"<>{peer.split(':')[0]}"[:320]


def sender_over_limit(ctx: ServiceContext, setup: EmailSetup, mail_from: str, peer: str) -> bool:
    """Has this sender used up its mails for the window (SMTP answers 451, retry later)?"""
    p = setup.policy
    since = ctx.clock.now() - timedelta(minutes=p.window_minutes)
    with ctx.uow(readonly=True) as uow:
        return uow.email.sender_count(rate_key(mail_from, peer), since) >= p.per_sender


def accept_mail(ctx: ServiceContext, mail: RawMail) -> int | None:
    """Store a mail's raw bytes (fsync'd) and its row; return the row id, or None when a
    mail with the same Message-ID was already stored (it changes nothing then)."""
    sha = ctx.blobs.put(mail.raw)
    with ctx.uow() as uow:
        new_id = uow.email.add_inbound(
            InboundRecord(
                message_id=mail.message_id,
                source=mail.source,
                mail_from=mail.mail_from[:320],
                rcpt_to=[r[:320] for r in mail.rcpt_to],
                peer=mail.peer[:100],
                rate_key=rate_key(mail.mail_from, mail.peer),
                header_from=mail.header_from[:320],
                subject=mail.subject[:MAX_SUBJECT],
                size=len(mail.raw),
                raw_sha256=sha,
                received_at=ctx.clock.now(),
            )
        )
        uow.commit()
    return new_id


def claim_inbound(ctx: ServiceContext, limit: int = 50) -> list[InboundRecord]:
    """Stored mails not yet processed, leased to the caller for a while."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        rows = uow.email.claim_inbound(now, limit, now + LEASE)
        uow.commit()
    return rows


def release_leases(ctx: ServiceContext) -> int:
    """At the start of the only process (embedded mode): take back a dead process' leases."""
    with ctx.uow() as uow:
        n = uow.email.release_inbound_leases()
        uow.commit()
    return n


def fail_inbound(ctx: ServiceContext, inbound_id: int, error: str, attempts: int) -> None:
    """Processing raised: retry later, and after MAX_ATTEMPTS leave it `failed` (kept raw,
    listed by the API for an operator)."""
    now = ctx.clock.now()
    retry = None if attempts >= MAX_ATTEMPTS else now + LEASE * (2**attempts)
    with ctx.uow() as uow:
        uow.email.fail_inbound(inbound_id, error[:2000], retry, now)
        uow.commit()


# ---- the seed's rules -------------------------------------------------------------------


def split_attachments(
    setup: EmailSetup, files: Sequence[MailFile]
) -> tuple[list[MailFile], list[MailFile]]:
    """Kept and refused: over 5 MB each, or beyond 20 MB together, in the mail's order."""
    p = setup.policy
    kept: list[MailFile] = []
    refused: list[MailFile] = []
    total = 0
    for f in files:
        size = len(f.data)
        if size > p.attachment_bytes or total + size > p.total_attachment_bytes:
            refused.append(f)
        else:
            kept.append(f)
            total += size
    return kept, refused


def grade_of(files: Sequence[MailFile]) -> str:
    """Completeness grade: a screen recording, else screenshots, else text only."""
    kinds = {f.evidence for f in files}
    if "recording" in kinds:
        return "recording"
    return "screenshots" if "screenshot" in kinds else "text"


def _body(mail: IncomingMail) -> str:
    body = mail.body.strip() or NO_BODY
    if len(body) > MAX_BODY:
        cut = "\n\n[正文过长，已截断；原始邮件已完整保存 / body truncated; the raw mail is kept]"
        body = body[: MAX_BODY - len(cut)] + cut
    return body


def _actor(mail: IncomingMail) -> Actor:
    return Actor(Role.INTEGRATION, f"email:{mail.from_address or 'unknown'}"[:120])


def _store(ctx: ServiceContext, files: Sequence[MailFile]) -> list[AttachmentRef]:
    return [AttachmentRef(ctx.blobs.put(f.data), f.filename, f.content_type) for f in files]


def _thread_target(uow: UnitOfWork, mail: IncomingMail) -> int | None:
    """The ticket a reply belongs to: by Message-ID, or by `[#123]` from its owner."""
    found = uow.email.ticket_of_message_ids(list(mail.thread_keys)) if mail.thread_keys else None
    if found is None and mail.ticket_ref is not None:
        ticket = uow.tickets.get(mail.ticket_ref)
        if ticket is not None and _same_customer(uow, ticket, mail):
            found = ticket.id
    for _ in range(MERGE_HOPS):  # a merged ticket's conversation lives on in its survivor
        ticket = uow.tickets.get(found) if found is not None else None
        if ticket is None or ticket.merged_into_id is None:
            break
        found = ticket.merged_into_id
    return found


def _same_customer(uow: UnitOfWork, ticket: Ticket, mail: IncomingMail) -> bool:
    """`[#123]` alone is guessable: the writer must be the ticket's customer."""
    if mail.uid is not None:
        try:
            if normalise_uid(mail.uid) == ticket.customer.uid:
                return True
        except InvalidInput:
            pass
    addr = (mail.from_address or "").lower()
    if not addr:
        return False
    assert ticket.id is not None
    thread = uow.email.thread(ticket.id)
    if thread is not None and thread.address == addr:
        return True
    owner = uow.customers.find_by_identity(IdentityKind.EMAIL, addr)
    return owner is not None and owner.uid == ticket.customer.uid


def _customer_uid(uow: UnitOfWork, setup: EmailSetup, mail: IncomingMail) -> tuple[str, bool]:
    """(UID, identified): the subject's UID, else the sender's linked customer, else the
    placeholder customer of unidentified mail."""
    if mail.uid is not None:
        try:
            return normalise_uid(mail.uid), True
        except InvalidInput:
            pass
    if mail.from_address:
        owner = uow.customers.find_by_identity(IdentityKind.EMAIL, mail.from_address.lower())
        if owner is not None:
            return owner.uid, True
    return setup.policy.unidentified_uid, False


def receive_mail(ctx: ServiceContext, setup: EmailSetup, mail: IncomingMail) -> Outcome:
    """A stored mail becomes a ticket, a message on its ticket, or a bounce record."""
    if mail.bounce is not None:  # a delivery report: mark the addresses, tell the agents
        return _note(ctx, mail, "bounce", replies.bounce_text(mail.bounce))
    with ctx.uow(readonly=True) as uow:
        target = _thread_target(uow, mail)
        uid, identified = _customer_uid(uow, setup, mail)
    kept, refused = split_attachments(setup, mail.attachments)
    refs = _store(ctx, kept)
    if target is not None:
        outcome = _join_thread(ctx, setup, mail, target, refs, refused)
        if outcome is not None:
            return outcome
    try:
        try:
            return _open(ctx, setup, mail, uid, identified, refs, kept, refused)
        except DomainError as exc:  # e.g. a customer record that refuses: keep the mail
            log.warning("mail %s: %s; kept as unidentified", mail.message_id, exc.message)
            fallback = replace(mail, uid=None, problem_type=None)
            unknown = setup.policy.unidentified_uid
            return _open(ctx, setup, fallback, unknown, False, refs, kept, refused)
    except AlreadyProcessed:
        return Outcome("duplicate", None)


def _open(
    ctx: ServiceContext,
    setup: EmailSetup,
    mail: IncomingMail,
    uid: str,
    identified: bool,
    refs: list[AttachmentRef],
    kept: list[MailFile],
    refused: list[MailFile],
) -> Outcome:
    taxonomy = ctx.policies.taxonomy
    subcategory = setup.policy.subcategory_for(mail.problem_type, taxonomy)
    legal_cc = any(setup.is_legal(a) for a in mail.recipients)
    grade = grade_of(kept)
    tags = []
    if mail.uid is None:
        tags.append("missing_uid")
    if mail.automated:
        tags.append("auto_submitted")
    if mail.urgent and identified:  # also 【 紧急 】, ［紧急］: the quota decides
        tags.append("urgent")
    subject = mail.subject
    if not identified:  # the placeholder customer's quota is nobody's: no urgent privilege
        for marker in ctx.policies.quotas.urgent_markers:
            if marker.startswith(("【", "[")):
                subject = subject.replace(marker, "")
    cmd = OpenTicket(
        customer_uid=uid,
        channel=CHANNEL.value,
        body=_body(mail),
        subject=subject.strip()[:MAX_SUBJECT],
        subcategory=subcategory,
        tags=tags,
        attachments=refs,
        signals={"grade": grade, "legal_cc": legal_cc},
    )
    holder: list[int] = []

    def hook(uow: UnitOfWork, touched: list[Ticket]) -> None:
        ticket = touched[0]
        assert ticket.id is not None
        holder.append(ticket.id)
        now = ctx.clock.now()
        if not uow.email.finish_inbound(mail.inbound_id, "opened", ticket.id, now):
            raise AlreadyProcessed(mail.inbound_id)
        thread = replies.start_thread(uow, setup, mail, ticket, now)
        if refused:
            _note_refused(ticket, refused, now)
            uow.tickets.save(ticket)
        sections = []
        if mail.uid is None:
            sections.append(setup.policy.render("format_help", ticket_id=ticket.id))
        elif setup.policy.acknowledge:
            sections.append(replies.acknowledgement(setup, ticket, grade))
        if refused:
            sections.append(replies.refused_text(setup, ticket, refused))
        replies.queue_auto_reply(uow, setup, mail, thread, sections, now)

    open_ticket(joined(ctx, hook), _actor(mail), cmd)
    return Outcome("opened", holder[0])


def _join_thread(
    ctx: ServiceContext,
    setup: EmailSetup,
    mail: IncomingMail,
    ticket_id: int,
    refs: list[AttachmentRef],
    refused: list[MailFile],
) -> Outcome | None:
    """Add the reply to its ticket; None when the ticket takes no more messages."""
    if mail.automated:
        return _note(ctx, mail, "auto_reply", replies.automated_text(mail), ticket_id)

    def hook(uow: UnitOfWork, touched: list[Ticket]) -> None:
        ticket = touched[0]
        now = ctx.clock.now()
        if not uow.email.finish_inbound(mail.inbound_id, "threaded", ticket_id, now):
            raise AlreadyProcessed(mail.inbound_id)
        thread = replies.continue_thread(uow, setup, mail, ticket, now)
        if refused:
            _note_refused(ticket, refused, now)
            uow.tickets.save(ticket)
            refusal = [replies.refused_text(setup, ticket, refused)]
            replies.queue_auto_reply(uow, setup, mail, thread, refusal, now)

    try:
        add_message(
            joined(ctx, hook),
            _actor(mail),
            ticket_id,
            _body(mail) if mail.body.strip() or not refs else "",
            channel=CHANNEL.value,
            attachments=refs,
        )
    except AlreadyProcessed:
        return Outcome("duplicate", ticket_id)
    except DomainError:  # closed (or gone): the reply starts a new ticket
        return None
    return Outcome("threaded", ticket_id)


def _note_refused(ticket: Ticket, refused: Sequence[MailFile], now: datetime) -> None:
    names = "、".join(f"{f.filename} ({len(f.data) / 1024 / 1024:.1f} MB)" for f in refused)
    ticket.add_message(
        MessageKind.SYSTEM,
        f"超出大小限制而未接收的附件：{names}；已回信说明。\n"
        f"Attachments refused as over the size limits: {names}; the sender was told.",
        SYSTEM,
        now,
        channel=CHANNEL,
    )


def _note(
    ctx: ServiceContext,
    mail: IncomingMail,
    outcome: str,
    text: str,
    ticket_id: int | None = None,
) -> Outcome:
    """Record a machine mail (bounce, auto-reply) on its ticket without reopening it; a
    bounce also marks the addresses that failed. One unit of work."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        report = mail.bounce
        if report is not None:
            ids = [report.original_message_id] if report.original_message_id else []
            ticket_id = uow.email.ticket_of_message_ids(ids + list(mail.thread_keys))
            for address in report.recipients:
                uow.email.record_bounce(address, report.reason, report.permanent, now)
        if ticket_id is not None:
            ticket = uow.tickets.get(ticket_id, for_update=True)
            if ticket is not None and ticket.status not in FINAL:
                sla.attach_calendar(uow, ctx, ticket)
                ticket.add_message(MessageKind.SYSTEM, text, SYSTEM, now, channel=CHANNEL)
                uow.tickets.save(ticket)
        if not uow.email.finish_inbound(mail.inbound_id, outcome, ticket_id, now):
            return Outcome("duplicate", ticket_id)
        uow.commit()
    return Outcome(outcome, ticket_id)
