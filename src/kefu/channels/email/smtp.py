"""The SMTP listener (aiosmtpd): a mail is stored durably before the sender hears 250.

- RCPT: only the accepted addresses (feedback@, legal@ on our domains; any domain when
  none is configured) — others get 550; at most `max_recipients` per mail.
- MAIL: a sender over its rate limit gets 451 4.7.1, a temporary refusal: a real mail
  server retries later, so nothing is lost. SIZE is advertised; a declared or actual size
  over the limit gets 552 (aiosmtpd enforces both).
- DATA: the raw bytes and a row are committed (`adapter.accept`) and only then 250 goes
  out. A storage failure answers 451 4.3.0 (try again), never 250. The same Message-ID
  again is answered 250 and changes nothing.
Processing into tickets happens after 250, in the email worker (`runtime.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from kefu.services.email_policy import EmailSetup

log = logging.getLogger(__name__)

LINE_LIMIT = 10_000
"""RFC 5321 says 1000 octets a line; real mailers sometimes send longer, so be liberal."""

Accept = Callable[[bytes, str, tuple[str, ...], str], int | None]
"""(raw, envelope sender, recipients, peer) → stored row id, or None for a duplicate."""
OverLimit = Callable[[str, str], bool]
"""(envelope sender, peer) → has this sender used up its quota?"""


class IntakeHandler:
    def __init__(
        self,
        setup: EmailSetup,
        accept: Accept,
        over_limit: OverLimit,
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        self.setup, self.accept, self.over_limit, self.on_stored = (
            setup,
            accept,
            over_limit,
            on_stored,
        )

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        peer = _peer(session)
        try:
            limited = await asyncio.get_running_loop().run_in_executor(
                None, self.over_limit, address, peer
            )
        except Exception:
            log.exception("rate-limit check failed")
            return "451 4.3.0 临时故障，请稍后重试 / Temporary failure, try again later"
        if limited:
            return (
                "451 4.7.1 发信过于频繁，请稍后重试 / Too many mails from this sender, "
                "try again later"
            )
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not self.setup.is_ours(address):
            return f"550 5.1.1 <{address}>: 无此收件地址 / No such mailbox here"
        if len(envelope.rcpt_tos) >= self.setup.policy.max_recipients:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, str):  # decode_data=True: keep the bytes anyway
            raw = envelope.content.encode("utf-8", "surrogateescape")
        try:
            stored = await asyncio.get_running_loop().run_in_executor(
                None,
                self.accept,
                raw,
                envelope.mail_from or "",
                tuple(envelope.rcpt_tos),
                _peer(session),
            )
        except Exception:
            log.exception("storing a received mail failed; the sender will retry")
            return "451 4.3.0 临时故障，请稍后重试 / Temporary failure, try again later"
        if stored is None:
            return "250 2.0.0 OK: already received"
        self.on_stored()
        return f"250 2.0.0 OK: queued as {stored}"


def _peer(session: Session) -> str:
    peer: Any = session.peer
    if isinstance(peer, tuple) and peer:
        return f"{peer[0]}:{peer[1]}" if len(peer) > 1 else str(peer[0])
    return str(peer or "")


class _Smtp(SMTP):
    line_length_limit = LINE_LIMIT


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _Smtp(self.handler, **self.SMTP_kwargs)


class SmtpListener:
    """Runs the aiosmtpd server in its own thread and event loop."""

    def __init__(
        self,
        handler: IntakeHandler,
        host: str,
        port: int,
        *,
        size_limit: int,
        hostname: str = "kefu.localhost",
    ) -> None:
        self.handler = handler
        self.controller = _Controller(
            handler,
            hostname=host,
            port=port,
            server_hostname=hostname,
            data_size_limit=size_limit,
            enable_SMTPUTF8=True,
            decode_data=False,
            ident="kefu ESMTP",
            timeout=300,
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
