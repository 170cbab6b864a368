"""Tables of the email channel (migration 0003_email)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.models import Base, Id


class InboundMailRow(Base):
    """Every mail received, stored before the sender was told 250; the raw bytes are the
    blob `raw_sha256`. `status`: received → processed (or failed after retries)."""

    __tablename__ = "inbound_mails"
    __table_args__ = (
        Index("ix_inbound_mails_status_due", "status", "next_attempt_at"),
        Index("ix_inbound_mails_rate", "rate_key", "received_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[list[Any]] = mapped_column(JSON)
    peer: Mapped[str] = mapped_column(String(100))
    rate_key: Mapped[str] = mapped_column(String(330))
    header_from: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="received")
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]


class EmailThreadRow(Base):
    """A ticket's mail conversation: the customer's address and the ids replies answer."""

    __tablename__ = "email_threads"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    our_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    root_message_id: Mapped[str] = mapped_column(String(500))
    last_inbound_message_id: Mapped[str] = mapped_column(String(500))
    references: Mapped[list[Any]] = mapped_column(JSON)
    last_mailed_message_id: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EmailMessageIdRow(Base):
    """Message-ID → ticket, for every mail in and out: how replies find their ticket."""

    __tablename__ = "email_message_ids"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]


class OutboundMailRow(Base):
    """A mail to send (queued in the transaction that decided it) and its delivery state."""

    __tablename__ = "outbound_mails"
    __table_args__ = (
        Index("ix_outbound_mails_status_due", "status", "next_attempt_at"),
        Index("ix_outbound_mails_to", "to_address", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    from_address: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(500), nullable=True)
    references: Mapped[list[Any]] = mapped_column(JSON)
    attachments: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class EmailAddressRow(Base):
    """What we know of an address we mail: its bounces; suppressed after a hard one."""

    __tablename__ = "email_addresses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_bounce_at: Mapped[datetime | None]
    last_bounce_reason: Mapped[str] = mapped_column(String(300), default="")


class EmailStateRow(Base):
    """Small named values of the email workers (the agent-reply sweep's cursor)."""

    __tablename__ = "email_state"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
