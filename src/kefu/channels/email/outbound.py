"""Mail transports (the `MailTransport` port): an SMTP smarthost, the console, memory.

`build_message` makes the MIME message every transport sends: UTF-8 text, RFC 2047
subject, Message-ID / In-Reply-To / References for threading, and for automatic replies
`Auto-Submitted: auto-replied` plus `X-Auto-Response-Suppress: All` (RFC 3834), sent with
a null envelope sender so that a bounce of an automatic reply never comes back to us.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from kefu.services.email_ports import OutgoingMail

log = logging.getLogger(__name__)


def build_message(mail: OutgoingMail, now: datetime | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((mail.from_name, mail.from_address))
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    if mail.auto:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg["Content-Language"] = "zh-CN, en"
    msg.set_content(mail.body, charset="utf-8")
    for a in mail.attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(
            a.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=a.filename,
        )
    return msg


def envelope_sender(mail: OutgoingMail) -> str:
    return "" if mail.auto else mail.from_address


class SmtpTransport:
    """Sends through a relay (`KEFU_SMTP_SMARTHOST`), one connection per batch."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        user: str | None = None,
        password: str | None = None,
        tls: str = "none",
        timeout: float = 30.0,
        local_hostname: str | None = None,
    ) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError("tls must be none, starttls or ssl")
        self.host, self.port, self.user, self.password = host, port, user, password
        self.tls, self.timeout, self.local_hostname = tls, timeout, local_hostname

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.timeout,
                local_hostname=self.local_hostname,
                context=ssl.create_default_context(),
            )
        else:
            conn = smtplib.SMTP(
                self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname
            )
            if self.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if self.user:
            conn.login(self.user, self.password or "")
        return conn

    def send(self, mails: list[OutgoingMail]) -> list[str | None]:
        conn = self._connect()  # a failure here: the caller retries the whole batch
        results: list[str | None] = []
        try:
            for mail in mails:
                try:
                    refused = conn.send_message(
                        build_message(mail),
                        from_addr=envelope_sender(mail),
                        to_addrs=[mail.to_address],
                    )
                    results.append(f"5 refused {refused}" if refused else None)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = next(iter(exc.recipients.values()))
                    results.append(f"{code} {text.decode(errors='replace')}")
                except smtplib.SMTPResponseException as exc:
                    results.append(f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}")
                    if exc.smtp_code == 421:
                        break
                except (smtplib.SMTPException, OSError) as exc:
                    results.append(f"4xx {type(exc).__name__}: {exc}")
                    break
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
        # Mails after a broken connection were not tried: they are retried later.
        results += ["4xx connection closed before this mail"] * (len(mails) - len(results))
        return results


class ConsoleTransport:
    """No relay configured: log each mail (the demo, a laptop) and count it as sent."""

    def send(self, mails: list[OutgoingMail]) -> list[str | None]:
        for m in mails:
            log.info("mail (console) to %s: %s [%s]", m.to_address, m.subject, m.message_id)
        return [None] * len(mails)


class MemoryTransport:
    """Keeps what it sends (tests); `fail_with` makes it refuse every mail."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with: str | None = None
        self._lock = threading.Lock()

    def send(self, mails: list[OutgoingMail]) -> list[str | None]:
        with self._lock:
            if self.fail_with is not None:
                return [self.fail_with] * len(mails)
            self.sent.extend(build_message(m) for m in mails)
            return [None] * len(mails)
