"""The email channel as it runs: settings → setup, transport, worker, listener.

`EmailChannel.from_settings` is called by `bootstrap.build` (cheap: no threads, no
sockets). `kefu serve` then calls `start(...)`: the worker thread (stored mails →
tickets, agents' replies → mail, queued mail → relay) and the SMTP listener. `kefu email
poll` uses the IMAP poller and the same worker steps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from kefu.channels.email import adapter
from kefu.channels.email.outbound import ConsoleTransport, SmtpTransport
from kefu.channels.email.smtp import IntakeHandler, SmtpListener
from kefu.services import email as service
from kefu.services import email_replies
from kefu.services.context import ServiceContext
from kefu.services.email_policy import EmailSetup, load_email_policy
from kefu.services.email_ports import MailTransport

log = logging.getLogger(__name__)


class _Bus(Protocol):
    def subscribe(self, handler: Callable[[dict[str, Any]], None]) -> None: ...


class _Settings(Protocol):
    policy_dir: Any
    smtp_domains: str
    smtp_hostname: str
    smtp_from: str | None
    smtp_smarthost: str | None
    smtp_smarthost_user: str | None
    smtp_smarthost_password: str | None
    smtp_smarthost_tls: str
    smtp_max_message_bytes: int | None
    smtp_workers: int


def transport_from(settings: _Settings) -> MailTransport:
    if not settings.smtp_smarthost:
        return ConsoleTransport()
    host, _, port = settings.smtp_smarthost.rpartition(":")
    return SmtpTransport(
        host or settings.smtp_smarthost,
        int(port) if host and port.isdigit() else 25,
        user=settings.smtp_smarthost_user,
        password=settings.smtp_smarthost_password,
        tls=settings.smtp_smarthost_tls,
        local_hostname=settings.smtp_hostname,
    )


def _drain_inbound(ctx: ServiceContext, setup: EmailSetup, batch: int) -> int:
    work = 0
    while n := adapter.process_pending(ctx, setup, batch):
        work += n
    return work


def run_once(
    ctx: ServiceContext, setup: EmailSetup, transport: MailTransport, parallel: int = 1
) -> int:
    """One sweep of every email chore; return how much work it found. `parallel` threads
    turn stored mail into tickets side by side (each claims its own small batches)."""
    if parallel <= 1:
        work = _drain_inbound(ctx, setup, 50)
    else:
        with ThreadPoolExecutor(parallel, thread_name_prefix="kefu-email-in") as pool:
            work = sum(pool.map(lambda _: _drain_inbound(ctx, setup, 10), range(parallel)))
    work += email_replies.queue_agent_replies(ctx, setup)
    while n := email_replies.deliver_outbound(ctx, setup, transport):
        work += n
    return work


class EmailWorker(threading.Thread):
    """Stored mail → tickets, agent replies → mail, queued mail → relay, on every poke
    (a stored mail, an agent's message) and every `interval` seconds."""

    def __init__(
        self,
        ctx: ServiceContext,
        setup: EmailSetup,
        transport: MailTransport,
        interval: float = 2.0,
        parallel: int = 1,
    ) -> None:
        super().__init__(name="kefu-email", daemon=True)
        self.ctx, self.setup, self.transport, self.interval = ctx, setup, transport, interval
        self.parallel = parallel
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.idle = threading.Event()

    def poke(self) -> None:
        self._wake.set()

    def on_event(self, event: dict[str, Any]) -> None:
        if (
            event.get("name") == "ticket.message_added"
            and (event.get("data") or {}).get("kind") == "agent"
        ):
            self.poke()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            self.idle.clear()
            try:
                run_once(self.ctx, self.setup, self.transport, self.parallel)
            except Exception:
                log.exception("email worker sweep failed; retrying")
            self.idle.set()
            self._wake.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)


@dataclass
class EmailChannel:
    ctx: ServiceContext
    setup: EmailSetup
    transport: MailTransport
    size_limit: int
    parallel: int = 1
    worker: EmailWorker | None = None
    listener: SmtpListener | None = None
    _subscribed: list[Any] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: _Settings, ctx: ServiceContext) -> EmailChannel:
        policy = load_email_policy(settings.policy_dir, ctx.policies.taxonomy)
        domains = tuple(d.strip().lower() for d in settings.smtp_domains.split(",") if d.strip())
        setup = EmailSetup(policy, domains, settings.smtp_hostname, settings.smtp_from or None)
        size = settings.smtp_max_message_bytes or policy.message_bytes
        return cls(ctx, setup, transport_from(settings), size, max(1, settings.smtp_workers))

    def accept(self, raw: bytes, mail_from: str, rcpt_to: tuple[str, ...], peer: str) -> int | None:
        return adapter.accept(
            self.ctx, raw, source="smtp", mail_from=mail_from, rcpt_to=rcpt_to, peer=peer
        )

    def over_limit(self, mail_from: str, peer: str) -> bool:
        return service.sender_over_limit(self.ctx, self.setup, mail_from, peer)

    def start_worker(self, bus: _Bus | None = None) -> EmailWorker:
        """Start the worker. It first takes back the leases a killed process left on
        stored mails, so they are processed now rather than when the leases run out
        (safe beside live workers: marking a mail processed is conditional, so a mail
        two workers take still becomes one ticket)."""
        if self.worker is None:
            service.release_leases(self.ctx)
            self.worker = EmailWorker(self.ctx, self.setup, self.transport, parallel=self.parallel)
            self.worker.start()
            if bus is not None and not self._subscribed:
                bus.subscribe(self.worker.on_event)
                self._subscribed.append(bus)
        return self.worker

    def start_listener(self, host: str, port: int) -> SmtpListener:
        poke = self.worker.poke if self.worker is not None else (lambda: None)
        handler = IntakeHandler(self.setup, self.accept, self.over_limit, poke)
        self.listener = SmtpListener(
            handler, host, port, size_limit=self.size_limit, hostname=self.setup.hostname
        )
        self.listener.start()
        return self.listener

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
