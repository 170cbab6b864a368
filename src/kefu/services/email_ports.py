"""What the email services need from storage and from a mail relay (Protocols + records).

`store/email.py` implements `EmailRepository` (as `uow.email`); `channels/email/outbound.py`
implements `MailTransport` (SMTP smarthost, console, memory).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(slots=True)
class InboundRecord:
    """A received mail, stored raw before the sender was told 250."""

    message_id: str
    source: str
    """`smtp` or `imap`."""
    mail_from: str
    """Envelope sender; empty for the null sender `<>`."""
    rcpt_to: list[str]
    peer: str
    rate_key: str
    header_from: str
    subject: str
    size: int
    raw_sha256: str
    received_at: datetime
    status: str = "received"
    """`received` (not yet a ticket), `processed` or `failed`."""
    outcome: str | None = None
    ticket_id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    times_seen: int = 1
    processed_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class ThreadRecord:
    """A ticket's mail conversation: where replies go and which ids they answer."""

    ticket_id: int
    address: str
    """The customer's address (Reply-To or From)."""
    our_address: str
    subject: str
    root_message_id: str
    last_inbound_message_id: str
    references: list[str] = field(default_factory=list)
    last_mailed_message_id: int = 0
    """Agent messages of the ticket up to this id have been queued as mail."""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class OutboundRecord:
    message_id: str
    kind: str
    """`auto_reply` or `agent_reply`."""
    from_address: str
    to_address: str
    subject: str
    body: str
    created_at: datetime
    ticket_id: int | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    """`{"sha256", "filename", "content_type"}` of the blobs to attach."""
    auto: bool = False
    """An automatic reply: marked Auto-Submitted, sent with a null envelope sender."""
    status: str = "pending"
    """`pending`, `sent`, `failed` or `suppressed` (address bounced)."""
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AddressRecord:
    address: str
    bounces: int
    suppressed: bool
    last_bounce_at: datetime | None
    last_bounce_reason: str


@dataclass(frozen=True, slots=True)
class AgentMessageRef:
    message_id: int
    ticket_id: int


class EmailRepository(Protocol):
    # ---- intake ---------------------------------------------------------------------
    def add_inbound(self, rec: InboundRecord) -> int | None:
        """Store a received mail; None when its Message-ID was already stored (the
        earlier row counts one more sighting)."""
        ...

    def inbound(self, inbound_id: int) -> InboundRecord | None: ...
    def sender_count(self, rate_key: str, since: datetime) -> int: ...
    def claim_inbound(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> builtins.list[InboundRecord]:
        """Received mails due for processing, leased to the caller until `lease_until`."""
        ...

    def release_inbound_leases(self) -> int: ...
    def finish_inbound(
        self, inbound_id: int, outcome: str, ticket_id: int | None, now: datetime
    ) -> bool:
        """Mark a received mail processed; False when it already was (by someone else)."""
        ...

    def fail_inbound(
        self, inbound_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None: ...
    def list_inbound(
        self, status: str | None, limit: int, before_id: int | None
    ) -> builtins.list[InboundRecord]: ...
    def counts(self) -> dict[str, dict[str, int]]: ...

    # ---- threads --------------------------------------------------------------------
    def thread(self, ticket_id: int) -> ThreadRecord | None: ...
    def add_thread(self, rec: ThreadRecord) -> None: ...
    def save_thread(self, rec: ThreadRecord) -> None: ...
    def last_message_id(self, ticket_id: int) -> int:
        """The newest message id of a ticket (0 when none)."""
        ...

    def ticket_of_message_ids(self, message_ids: builtins.list[str]) -> int | None: ...
    def add_message_id(
        self, message_id: str, ticket_id: int, direction: str, at: datetime
    ) -> None: ...
    def agent_messages_after(self, after_id: int, limit: int) -> builtins.list[AgentMessageRef]:
        """Agent messages with id > after_id on tickets that have a mail thread, to mail."""
        ...

    def state(self, key: str) -> str | None: ...
    def set_state(self, key: str, value: str) -> None: ...

    # ---- outgoing -------------------------------------------------------------------
    def add_outbound(self, rec: OutboundRecord) -> bool:
        """Queue a mail; False when one with its Message-ID is already queued."""
        ...

    def claim_outbound(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> builtins.list[OutboundRecord]: ...
    def finish_outbound(
        self, outbound_id: int, status: str, now: datetime, error: str | None = None
    ) -> None: ...
    def retry_outbound(self, outbound_id: int, error: str, retry_at: datetime) -> None: ...
    def auto_replies_since(self, address: str, since: datetime) -> int: ...
    def list_outbound(
        self, ticket_id: int | None, limit: int, before_id: int | None
    ) -> builtins.list[OutboundRecord]: ...

    # ---- addresses ------------------------------------------------------------------
    def address(self, address: str) -> AddressRecord | None: ...
    def record_bounce(self, address: str, reason: str, permanent: bool, at: datetime) -> None: ...
    def clear_bounce(self, address: str) -> None: ...


@dataclass(frozen=True, slots=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One mail for a relay to deliver: the transport builds the MIME message."""

    message_id: str
    from_address: str
    from_name: str
    to_address: str
    subject: str
    body: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto: bool = False
    attachments: tuple[OutgoingAttachment, ...] = ()


class MailTransport(Protocol):
    def send(self, mails: builtins.list[OutgoingMail]) -> builtins.list[str | None]:
        """Deliver a batch; for each mail None (accepted by the relay) or an error text.
        An error that starts with "5" is permanent (the relay refused it for good)."""
        ...
