"""Mail we send: automatic replies (acknowledgement, subject-format help, refused
attachments), agents' replies, and their delivery through a `MailTransport`.

Every outgoing mail is first a row queued in the unit of work that decided it, with a
Message-ID fixed at that moment (derived from what it answers, so deciding twice queues
it once); a sender delivers the rows after commit and retries with backoff. Replies are
threaded: In-Reply-To the customer's last mail, References the conversation so far.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.actors import SYSTEM
from kefu.domain.organisation import Channel
from kefu.domain.sla import Metric
from kefu.domain.tickets import FINAL, MessageKind, Ticket
from kefu.services.context import ServiceContext
from kefu.services.email_policy import EmailSetup
from kefu.services.email_ports import (
    MailTransport,
    OutboundRecord,
    OutgoingAttachment,
    OutgoingMail,
    ThreadRecord,
)
from kefu.services.email_types import BounceReport, IncomingMail, MailFile
from kefu.services.ports import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_SEND_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
MAX_REFERENCES = 10
CURSOR = "agent_reply_cursor"
OVERLAP = 5000
"""Agent messages re-read below the cursor on each sweep: a transaction that committed
late with a lower id is still mailed (queueing is idempotent, so re-reading is free)."""
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
GRADES = {
    "text": ("基础版（仅文字）", "basic (text only)"),
    "screenshots": ("标准版（文字+截图）", "standard (text and screenshots)"),
    "recording": ("专业版（录屏证据）", "professional (screen recording)"),
}
_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
_REF = re.compile(r"\s*\[#\d+\]\s*")


def core_subject(subject: str) -> str:
    """A subject without reply prefixes and ticket numbers, for `Re: … [#123]`."""
    return _REF.sub(" ", _PREFIX.sub("", subject)).strip() or "(无主题 / no subject)"


def _chain(keys: Sequence[str], latest: str) -> list[str]:
    ids = [k for k in keys if k != latest] + [latest]
    return ids if len(ids) <= MAX_REFERENCES else ids[:1] + ids[-(MAX_REFERENCES - 1) :]


def _reply_address(mail: IncomingMail) -> str:
    return (mail.reply_to or mail.from_address or mail.envelope_sender or "").lower()


# ---- threads ----------------------------------------------------------------------------


def start_thread(
    uow: UnitOfWork,
    setup: EmailSetup,
    mail: IncomingMail,
    ticket: Ticket,
    now: datetime,
    *,
    earlier_messages: bool = False,
) -> ThreadRecord:
    """The mail conversation of a ticket the mail opened (or, with `earlier_messages`, of a
    ticket from another channel whose earlier agent messages were not mail)."""
    assert ticket.id is not None
    thread = ThreadRecord(
        ticket_id=ticket.id,
        address=_reply_address(mail),
        our_address=setup.default_from(mail.recipients),
        subject=core_subject(mail.subject)[:300],
        root_message_id=mail.message_id,
        last_inbound_message_id=mail.message_id,
        references=_chain(mail.thread_keys, mail.message_id),
        last_mailed_message_id=uow.email.last_message_id(ticket.id) if earlier_messages else 0,
        created_at=now,
        updated_at=now,
    )
    uow.email.add_thread(thread)
    uow.email.add_message_id(mail.message_id, ticket.id, "in", now)
    _heard_from(uow, thread.address)
    return thread


def continue_thread(
    uow: UnitOfWork, setup: EmailSetup, mail: IncomingMail, ticket: Ticket, now: datetime
) -> ThreadRecord:
    assert ticket.id is not None
    thread = uow.email.thread(ticket.id)
    if thread is None:  # a ticket from another channel, answered by mail from now on
        return start_thread(uow, setup, mail, ticket, now, earlier_messages=True)
    thread.last_inbound_message_id = mail.message_id
    thread.references = _chain(thread.references, mail.message_id)
    thread.address = _reply_address(mail) or thread.address
    thread.updated_at = now
    uow.email.save_thread(thread)
    uow.email.add_message_id(mail.message_id, ticket.id, "in", now)
    _heard_from(uow, thread.address)
    return thread


def _heard_from(uow: UnitOfWork, address: str) -> None:
    """Mail from an address that bounced shows that it works again."""
    known = uow.email.address(address) if address else None
    if known is not None and known.suppressed:
        uow.email.clear_bounce(address)


# ---- texts ------------------------------------------------------------------------------


def _when(at: datetime | None) -> str:
    if at is None:
        return "尽快 / as soon as possible"
    return at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M (UTC+08:00)")


def acknowledgement(setup: EmailSetup, ticket: Ticket, grade: str) -> str:
    zh, en = GRADES.get(grade, GRADES["text"])
    return setup.policy.render(
        "acknowledgement",
        ticket_id=ticket.id,
        grade_zh=zh,
        grade_en=en,
        first_response=_when(ticket.sla.due(Metric.FIRST_RESPONSE)),
    )


def refused_text(setup: EmailSetup, ticket: Ticket, refused: Sequence[MailFile]) -> str:
    lines = "\n".join(f"  - {f.filename} ({len(f.data) / 1024 / 1024:.1f} MB)" for f in refused)
    return setup.policy.render("attachments_refused", ticket_id=ticket.id, refused=lines)


def automated_text(mail: IncomingMail) -> str:
    excerpt = mail.body.strip()[:500]
    return (
        f"收到一封自动回复邮件（{mail.automated}），未回复。\n"
        f"An automatic mail arrived ({mail.automated}); it was not answered.\n\n"
        f"{mail.subject}\n{excerpt}"
    )


def bounce_text(report: BounceReport) -> str:
    who = "、".join(report.recipients) or "?"
    kind = ("退信", "bounced") if report.permanent else ("延迟投递", "delayed")
    return (
        f"邮件{kind[0]}：发往 {who} 的邮件未能投递（{report.reason}）。\n"
        f"Mail {kind[1]}: mail to {who} could not be delivered ({report.reason})."
    )


# ---- queueing ---------------------------------------------------------------------------


def may_auto_reply(
    uow: UnitOfWork, setup: EmailSetup, mail: IncomingMail, now: datetime
) -> str | None:
    """Where an automatic reply may go (RFC 3834: the envelope sender), or None: never to
    machine mail, the null sender, ourselves, a bounced address, or past the daily cap."""
    to = (mail.envelope_sender or "").lower()
    if mail.automated or not to or "@" not in to or setup.is_ours(to):
        return None
    known = uow.email.address(to)
    if known is not None and known.suppressed:
        return None
    since = now - timedelta(days=1)
    if uow.email.auto_replies_since(to, since) >= setup.policy.auto_replies_per_day:
        return None
    return to


def queue_auto_reply(
    uow: UnitOfWork,
    setup: EmailSetup,
    mail: IncomingMail,
    thread: ThreadRecord,
    sections: Sequence[str],
    now: datetime,
) -> bool:
    """Queue one automatic reply made of `sections`, if an automatic reply may go."""
    to = may_auto_reply(uow, setup, mail, now) if sections else None
    if to is None:
        return False
    tid = thread.ticket_id
    rec = OutboundRecord(
        message_id=f"<kefu.{tid}.auto.{mail.inbound_id}@{setup.hostname}>",
        kind="auto_reply",
        from_address=thread.our_address,
        to_address=to,
        subject=setup.policy.render("ack_subject", ticket_id=tid, subject=thread.subject)[:300],
        body="\n\n".join(sections),
        created_at=now,
        ticket_id=tid,
        in_reply_to=mail.message_id,
        references=_chain(mail.thread_keys, mail.message_id),
        auto=True,
    )
    if uow.email.add_outbound(rec):
        uow.email.add_message_id(rec.message_id, tid, "out", now)
    return True


def queue_agent_replies(ctx: ServiceContext, setup: EmailSetup, limit: int = 500) -> int:
    """Queue agents' new public replies on mail tickets as threaded mail; return how many.
    Driven by `ticket.message_added` events and by a periodic sweep (events over Redis
    pub/sub can be missed); idempotent either way."""
    queued = 0
    with ctx.uow() as uow:
        cursor = int(uow.email.state(CURSOR) or 0)
        refs = uow.email.agent_messages_after(max(0, cursor - OVERLAP), limit)
        if not refs:
            return 0
        by_ticket: dict[int, list[int]] = defaultdict(list)
        for r in refs:
            by_ticket[r.ticket_id].append(r.message_id)
        now = ctx.clock.now()
        for ticket_id, ids in sorted(by_ticket.items()):
            thread = uow.email.thread(ticket_id)
            if thread is None or max(ids) <= thread.last_mailed_message_id:
                continue
            queued += _queue_thread(uow, setup, thread, now)
        uow.email.set_state(CURSOR, str(max(cursor, max(r.message_id for r in refs))))
        uow.commit()
    return queued


def _queue_thread(uow: UnitOfWork, setup: EmailSetup, thread: ThreadRecord, now: datetime) -> int:
    messages = [
        m
        for m in uow.tickets.messages(thread.ticket_id, include_notes=False)
        if m.kind is MessageKind.AGENT
        and m.id is not None
        and m.id > thread.last_mailed_message_id
        and m.channel in (None, Channel.EMAIL)
    ]
    if not messages:
        return 0
    known = uow.email.address(thread.address) if thread.address else None
    dead = not thread.address or (known is not None and known.suppressed)
    for m in messages:
        assert m.id is not None
        rec = OutboundRecord(
            message_id=f"<kefu.{thread.ticket_id}.m{m.id}@{setup.hostname}>",
            kind="agent_reply",
            from_address=thread.our_address,
            to_address=thread.address,
            subject=setup.policy.render(
                "reply_subject", subject=thread.subject, ticket_id=thread.ticket_id
            )[:300],
            body=m.body.rstrip()
            + "\n\n"
            + setup.policy.render("reply_footer", ticket_id=thread.ticket_id),
            created_at=now,
            ticket_id=thread.ticket_id,
            in_reply_to=thread.last_inbound_message_id,
            references=list(thread.references),
            attachments=[
                {"sha256": a.sha256, "filename": a.filename, "content_type": a.content_type}
                for a in m.attachments
            ],
            status="suppressed" if dead else "pending",
        )
        if uow.email.add_outbound(rec):
            uow.email.add_message_id(rec.message_id, thread.ticket_id, "out", now)
            thread.references = _chain(thread.references, rec.message_id)
        thread.last_mailed_message_id = m.id
    if dead:
        _system_note(
            uow,
            thread.ticket_id,
            f"客户邮箱 {thread.address or '（无）'} 无法投递（已退信），回复未通过邮件发送。\n"
            f"The customer's address {thread.address or '(none)'} bounces; the reply was "
            "not sent by mail.",
            now,
        )
    thread.updated_at = now
    uow.email.save_thread(thread)
    return len(messages)


def _system_note(uow: UnitOfWork, ticket_id: int | None, text: str, now: datetime) -> None:
    ticket = uow.tickets.get(ticket_id, for_update=True) if ticket_id is not None else None
    if ticket is not None and ticket.status not in FINAL:
        ticket.add_message(MessageKind.SYSTEM, text, SYSTEM, now, channel=Channel.EMAIL)
        uow.tickets.save(ticket)


# ---- delivery ---------------------------------------------------------------------------


def _outgoing(ctx: ServiceContext, setup: EmailSetup, rec: OutboundRecord) -> OutgoingMail:
    files = []
    for a in rec.attachments:
        if ctx.blobs.size(a["sha256"]) is not None:
            files.append(
                OutgoingAttachment(a["filename"], a["content_type"], ctx.blobs.get(a["sha256"]))
            )
    return OutgoingMail(
        message_id=rec.message_id,
        from_address=rec.from_address,
        from_name=setup.policy.from_name,
        to_address=rec.to_address,
        subject=rec.subject,
        body=rec.body,
        in_reply_to=rec.in_reply_to,
        references=tuple(rec.references),
        auto=rec.auto,
        attachments=tuple(files),
    )


def deliver_outbound(
    ctx: ServiceContext, setup: EmailSetup, transport: MailTransport, limit: int = 50
) -> int:
    """Send one batch of queued mail; return how many were tried."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        recs = uow.email.claim_outbound(now, limit, now + LEASE)
        uow.commit()
    if not recs:
        return 0
    try:
        results = transport.send([_outgoing(ctx, setup, r) for r in recs])
    except Exception as exc:  # the relay is down: every mail of the batch waits
        log.warning("mail relay failed: %s", exc)
        results = [f"relay unavailable: {type(exc).__name__}: {exc}"] * len(recs)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        for rec, error in zip(recs, results, strict=True):
            assert rec.id is not None
            if error is None:
                uow.email.finish_outbound(rec.id, "sent", now)
            elif error.startswith("5") or rec.attempts + 1 >= MAX_SEND_ATTEMPTS:
                uow.email.finish_outbound(rec.id, "failed", now, error[:2000])
                if error.startswith("5"):
                    uow.email.record_bounce(rec.to_address, error[:300], True, now)
                if not rec.auto:
                    _system_note(
                        uow,
                        rec.ticket_id,
                        f"回复邮件发送失败：{error[:300]}\nThe reply mail could not be sent: "
                        f"{error[:300]}",
                        now,
                    )
            else:
                delay = min(FIRST_RETRY * (2**rec.attempts), LONGEST_RETRY)
                uow.email.retry_outbound(rec.id, error[:2000], now + delay)
        uow.commit()
    return len(recs)
