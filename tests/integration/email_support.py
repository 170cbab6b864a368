"""Shared pieces of the email tests: a real SMTP listener on loopback, a relay sink that
collects what kefu sends, and an smtplib client — all on free ports of 127.0.0.1."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kefu.bootstrap import Container
from kefu.channels.email.outbound import SmtpTransport
from kefu.channels.email.runtime import EmailChannel, run_once
from kefu.config import Settings
from kefu.services.email_policy import EmailSetup
from tests.conftest import Api, RoleClient

DOMAIN = "kefu.test"
FEEDBACK = f"feedback@{DOMAIN}"
LEGAL = f"legal@{DOMAIN}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    """A relay that accepts everything and keeps it (kefu's smarthost in tests)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self._lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [m for _, _, m in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for _, rcpts, m in self.received if address in rcpts]


@dataclass
class Rig:
    container: Container
    channel: EmailChannel
    sink: Sink
    api: Api
    admin: RoleClient
    port: int
    sent: list[str] = field(default_factory=list)

    @property
    def setup(self) -> EmailSetup:
        return self.channel.setup

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, timeout=30)

    def send(
        self,
        msg: EmailMessage | bytes,
        *,
        mail_from: str = "alice@example.com",
        to: tuple[str, ...] = (FEEDBACK,),
    ) -> tuple[int, str]:
        """One mail over a real SMTP session; the DATA reply (code, text)."""
        raw = msg.as_bytes(policy=policy.SMTP) if isinstance(msg, EmailMessage) else msg
        with self.smtp() as s:
            s.ehlo("client.example.com")
            code, text = s.mail(mail_from)
            assert code == 250, text
            for rcpt in to:
                code, text = s.rcpt(rcpt)
                assert code == 250, text
            code, reply = s.data(raw)
            return code, reply.decode()

    def process(self) -> int:
        """What the worker does: stored mail → tickets, replies → the sink."""
        return run_once(self.channel.ctx, self.setup, self.channel.transport)

    def deliver(self, msg: EmailMessage | bytes, **kw: Any) -> dict[str, Any]:
        """Send, process, and return the ticket the mail became or joined."""
        code, reply = self.send(msg, **kw)
        assert code == 250, reply
        self.process()
        inbound = self.admin.get("/api/v1/email/inbound?limit=1").json()["items"][0]
        assert inbound["status"] == "processed", inbound
        return self.ticket(inbound["ticket_id"])

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        r = self.admin.get(f"/api/v1/tickets/{ticket_id}")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def tickets(self, **params: Any) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in {"limit": 200, **params}.items())
        return self.admin.get(f"/api/v1/tickets?{query}").json()["items"]  # type: ignore[no-any-return]


def mail(
    subject: str = "UID12345678_账号解封",
    body: str = "时间线：3月1日账号被封。\n证据：见附件。\n诉求：申请解封。",
    *,
    sender: str = "张三 <alice@example.com>",
    to: str = FEEDBACK,
    cc: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    if cc:
        m["Cc"] = cc
    m["Subject"] = subject
    m["Message-ID"] = message_id or f"<{time.monotonic_ns()}.{id(m)}@example.com>"
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    for name, ctype, data in attachments:
        main, _, sub = ctype.partition("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


def rig_settings(settings: Settings, sink: Sink) -> Settings:
    return settings.model_copy(
        update={
            "smtp_domains": DOMAIN,
            "smtp_hostname": "kefu.test",
            "smtp_smarthost": f"127.0.0.1:{sink.controller.port}",
        }
    )


@pytest.fixture(name="sink")
def sink_fixture() -> Iterator[Sink]:
    s = Sink()
    s.controller.start()
    yield s
    s.controller.stop()


def make_rig(
    container: Container,
    settings: Settings,
    sink: Sink,
    api: Api,
    admin: RoleClient,
    size_limit: int | None = None,
    **policy: Any,
) -> Rig:
    channel = EmailChannel.from_settings(rig_settings(settings, sink), container.ctx)
    if size_limit is not None:
        channel.size_limit = size_limit
    if policy:
        channel = replace(
            channel, setup=replace(channel.setup, policy=replace(channel.setup.policy, **policy))
        )
    assert isinstance(channel.transport, SmtpTransport)
    listener = channel.start_listener("127.0.0.1", free_port())
    return Rig(container, channel, sink, api, admin, listener.port)


@pytest.fixture(name="rig")
def rig_fixture(
    container: Container, settings: Settings, sink: Sink, api: Api, admin: RoleClient
) -> Iterator[Rig]:
    r = make_rig(container, settings, sink, api, admin)
    yield r
    r.channel.stop()
