"""Tables. The domain objects are plain classes; repositories translate between them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kefu.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger ids on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    daily_plays: Mapped[int] = mapped_column(BigInteger, default=0)
    has_shop: Mapped[bool] = mapped_column(Boolean, default=False)
    verification: Mapped[str] = mapped_column(String(32), default="none")
    annual_ad_spend: Mapped[int] = mapped_column(BigInteger, default=0)
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    segment: Mapped[str] = mapped_column(String(32), index=True)
    segments: Mapped[list[Any]] = mapped_column(JSON)
    key_account: Mapped[bool] = mapped_column(Boolean, default=False)
    hotline_boost: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class IdentityRow(Base):
    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identity_kind_value"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))


class TeamRow(Base):
    __tablename__ = "teams"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    zh: Mapped[str] = mapped_column(String(100))
    en: Mapped[str] = mapped_column(String(100))


class QueueRow(Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("team", "lane", name="uq_queue_team_lane"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team: Mapped[str] = mapped_column(ForeignKey("teams.code"))
    lane: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    backup_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"), nullable=True)


class AgentRow(Base):
    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    teams: Mapped[list[Any]] = mapped_column(JSON)
    skills: Mapped[list[Any]] = mapped_column(JSON)
    languages: Mapped[list[Any]] = mapped_column(JSON)
    capacity: Mapped[dict[str, Any]] = mapped_column(JSON)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    created_at: Mapped[datetime]


class UserRow(Base):
    """A holder of an API token: a person (customer, staff) or an integration."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_uid: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_customer_id_id", "customer_id", "id"),
        Index("ix_tickets_team_status", "team", "status"),
        Index("ix_tickets_status_priority", "status", "priority"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20), index=True)
    channels: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    subcategory: Mapped[str] = mapped_column(String(60), index=True)
    team: Mapped[str] = mapped_column(String(40))
    lane: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    priority_terms: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id"), nullable=True, index=True
    )
    tags: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)


class MessageRow(Base):
    __tablename__ = "ticket_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(140))
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    attachments: Mapped[list[Any]] = mapped_column(JSON)
    at: Mapped[datetime]


class AuditRow(Base):
    __tablename__ = "ticket_audit"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(140))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class LinkRow(Base):
    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "target_id", name="uq_ticket_link"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    aggregate: Mapped[str] = mapped_column(String(30))
    aggregate_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
