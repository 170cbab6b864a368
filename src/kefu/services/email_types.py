"""The inputs and results of the email use cases (what the email channel hands in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawMail:
    """A mail as received, before anything is decided about it."""

    message_id: str
    """The natural key: the Message-ID, or a digest of the bytes when it has none."""
    raw: bytes
    source: str
    """`smtp` or `imap`."""
    mail_from: str = ""
    """The envelope sender; empty for the null sender `<>`."""
    rcpt_to: tuple[str, ...] = ()
    peer: str = ""
    header_from: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class MailFile:
    """An attachment or inline part."""

    filename: str
    content_type: str
    data: bytes
    evidence: str | None = None
    """`recording`, `screenshot`, or None (not evidence of the completeness grade)."""
    inline: bool = False


@dataclass(frozen=True, slots=True)
class BounceReport:
    """A delivery status notification about mail we sent."""

    recipients: tuple[str, ...]
    """Addresses that failed."""
    permanent: bool
    """5.x.x: the address is dead; 4.x.x: delayed, it may still arrive."""
    reason: str
    original_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingMail:
    """A parsed mail, ready for the rules (SPEC §4.3)."""

    inbound_id: int
    message_id: str
    subject: str
    body: str
    from_address: str | None = None
    from_name: str = ""
    reply_to: str | None = None
    envelope_sender: str | None = None
    """Where automatic replies go (RFC 3834); None for the null sender."""
    recipients: tuple[str, ...] = ()
    """To, Cc and the envelope recipients (legal@ in copy is read from these)."""
    uid: str | None = None
    """From the subject `UID12345678_问题类型`."""
    problem_type: str | None = None
    urgent: bool = False
    ticket_ref: int | None = None
    """`[#123456]` in the subject."""
    thread_keys: tuple[str, ...] = ()
    """In-Reply-To first, then References, newest first."""
    attachments: tuple[MailFile, ...] = ()
    automated: str | None = None
    """Why this mail is machine-sent (Auto-Submitted, Precedence, …): never auto-answer."""
    bounce: BounceReport | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str
    """`opened`, `threaded`, `auto_reply`, `bounce` or `duplicate`."""
    ticket_id: int | None
