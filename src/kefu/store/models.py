"""Tables. The domain objects are plain classes; repositories translate between them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
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
    login: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    """The name typed on the web login page (None: API token only)."""
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


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
    # Service levels: the matched policy, its clocks (JSON), and whether any target broke.
    sla_policy: Mapped[str] = mapped_column(String(80), default="")
    sla_clocks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inputs of dynamic priority that are not elsewhere on the row (urgency, materials…).
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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


class TimerRow(Base):
    """A durable "at time T do X": fired once by a worker, even across crashes."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_status_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class CalendarOverrideRow(Base):
    """An admin's correction of the holiday data: this day is a workday / a holiday."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("calendar", "day", name="uq_calendar_override_day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    calendar: Mapped[str] = mapped_column(String(40), default="*")
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(200), default="")


class SlaRuleRow(Base):
    """An SLA policy row; the most specific match for a ticket wins."""

    __tablename__ = "sla_rules"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    segment: Mapped[str | None] = mapped_column(String(32), nullable=True)
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    subcategory: Mapped[str | None] = mapped_column(String(60), nullable=True)
    sla_class: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    legal_cc: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    calendar: Mapped[str | None] = mapped_column(String(40), nullable=True)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CompensationRow(Base):
    """Service time credited to an enterprise for a breached SLA (its ledger)."""

    __tablename__ = "compensation_credits"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    metric: Mapped[str] = mapped_column(String(30))
    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]


class QuotaUseRow(Base):
    """One use of a limited privilege (the 【紧急】 tag, a traffic diagnosis, …)."""

    __tablename__ = "quota_uses"
    __table_args__ = (Index("ix_quota_uses_lookup", "customer_id", "quota", "period"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    quota: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    honoured: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
