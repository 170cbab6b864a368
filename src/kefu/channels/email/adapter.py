"""The email channel's adapter: raw mail → one service call.

`accept` is what the SMTP listener and the IMAP poller call with the bytes they received
(durable store, dedup by Message-ID); `process_pending` is what the worker calls to turn
the stored mails into tickets (parse, then `services.email.receive_mail`).
"""

from __future__ import annotations

import logging

from kefu.channels.email.parse import ParsedMail, ParseOptions, parse_mail, peek
from kefu.services import email as service
from kefu.services.context import ServiceContext
from kefu.services.email_policy import EmailSetup
from kefu.services.email_ports import InboundRecord

log = logging.getLogger(__name__)


def options_for(setup: EmailSetup) -> ParseOptions:
    p = setup.policy
    return ParseOptions(
        screenshot_min_bytes=p.screenshot_min_bytes,
        recording_extensions=p.recording_extensions,
        screenshot_extensions=p.screenshot_extensions,
    )


def accept(
    ctx: ServiceContext,
    raw: bytes,
    *,
    source: str,
    mail_from: str = "",
    rcpt_to: tuple[str, ...] = (),
    peer: str = "",
) -> int | None:
    """Store a received mail durably; its row id, or None for a Message-ID seen before."""
    message_id, subject, header_from = peek(raw)
    return service.accept_mail(
        ctx,
        service.RawMail(
            message_id=message_id,
            raw=raw,
            source=source,
            mail_from=mail_from,
            rcpt_to=rcpt_to,
            peer=peer,
            header_from=header_from,
            subject=subject,
        ),
    )


def incoming(rec: InboundRecord, parsed: ParsedMail) -> service.IncomingMail:
    """The parsed mail with its envelope, as the intake use case takes it."""
    m = parsed.message
    assert rec.id is not None
    if rec.source == "smtp":
        envelope: str | None = rec.mail_from
    else:  # a mailbox: the delivering server wrote the envelope sender as Return-Path
        envelope = parsed.return_path if parsed.return_path is not None else m.sender
    automated = m.automated
    if envelope == "" and automated is None:
        automated = "null sender"
    bounce = None
    if parsed.bounce is not None:
        b = parsed.bounce
        bounce = service.BounceReport(b.recipients, b.permanent, b.reason, b.original_message_id)
    recipients = tuple(dict.fromkeys([*parsed.to, *parsed.cc, *(r.lower() for r in rec.rcpt_to)]))
    return service.IncomingMail(
        inbound_id=rec.id,
        message_id=rec.message_id,
        subject=m.subject,
        body=m.body,
        from_address=m.sender,
        from_name=m.sender_name,
        reply_to=parsed.reply_to,
        envelope_sender=envelope or None,
        recipients=recipients,
        uid=m.customer_uid,
        problem_type=m.problem_type,
        urgent=m.urgent,
        ticket_ref=m.ticket_ref,
        thread_keys=m.thread_keys,
        attachments=tuple(
            service.MailFile(a.filename, a.content_type, a.data, a.evidence, a.inline)
            for a in m.attachments
        ),
        automated=automated,
        bounce=bounce,
    )


def process(ctx: ServiceContext, setup: EmailSetup, rec: InboundRecord) -> service.Outcome:
    raw = ctx.blobs.get(rec.raw_sha256)
    parsed = parse_mail(raw, options_for(setup))
    if parsed.problems:
        log.info("mail %s: %s", rec.message_id, "; ".join(parsed.problems[:5]))
    return service.receive_mail(ctx, setup, incoming(rec, parsed))


def process_pending(ctx: ServiceContext, setup: EmailSetup, limit: int = 50) -> int:
    """Turn stored mails into tickets, one batch; return how many were taken."""
    batch = service.claim_inbound(ctx, limit)
    for rec in batch:
        assert rec.id is not None
        try:
            process(ctx, setup, rec)
        except Exception as exc:  # the mail stays stored; it is retried, then listed
            log.exception("processing mail %s failed", rec.message_id)
            service.fail_inbound(ctx, rec.id, f"{type(exc).__name__}: {exc}", rec.attempts + 1)
    return len(batch)
