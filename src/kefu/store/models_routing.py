"""Routing tables: work items, offers, assignments and agents' desks (migration 0004).

Invariants the database itself keeps:
- one work item per ticket (`uq_routing_work_ticket_id`);
- at most one *active* assignment per ticket (`uq_routing_assignment_active`, a partial
  unique index on `ticket_id` where `released_at IS NULL`) — a ticket is never held by
  two agents at once, whatever the number of processes;
- at most one *pending* offer per ticket (`uq_routing_offer_pending`).
Capacity is kept by the desk row (`routing_desks`), locked before any load changes; each
assignment records the load it brought the agent to (`load_after`) next to `capacity`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.models import Base, Id


class WorkRow(Base):
    __tablename__ = "routing_work"
    __table_args__ = (Index("ix_routing_work_queue", "state", "team", "lane", "medium"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    team: Mapped[str] = mapped_column(String(40))
    lane: Mapped[str] = mapped_column(String(20))
    home_queue: Mapped[str] = mapped_column(String(64))
    medium: Mapped[str] = mapped_column(String(8))
    skills: Mapped[str] = mapped_column(String(200), default="")
    """Required skills, sorted and comma-separated (groupable on every database)."""
    language: Mapped[str] = mapped_column(String(16), default="zh-CN")
    state: Mapped[str] = mapped_column(String(12))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    declined: Mapped[str] = mapped_column(String(2000), default="")
    """Agents who declined or let an offer lapse, comma-separated."""
    offers: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime]
    enqueued_epoch: Mapped[float] = mapped_column(Float)
    """`enqueued_at` as seconds since the epoch: the aging order is arithmetic on it."""
    overflowed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    wait_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)


class OfferRow(Base):
    __tablename__ = "routing_offers"
    __table_args__ = (
        Index(
            "uq_routing_offer_pending",
            "ticket_id",
            unique=True,
            sqlite_where=text("outcome = 'pending'"),
            postgresql_where=text("outcome = 'pending'"),
        ),
        Index("ix_routing_offers_agent", "agent_id", "outcome"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("routing_work.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    medium: Mapped[str] = mapped_column(String(8))
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(200), default="")


class AssignmentRow(Base):
    __tablename__ = "routing_assignments"
    __table_args__ = (
        Index(
            "uq_routing_assignment_active",
            "ticket_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_routing_assignments_agent", "agent_id", "released_at"),
        Index("ix_routing_assignments_released", "released_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    medium: Mapped[str] = mapped_column(String(8))
    queue: Mapped[str] = mapped_column(String(64))
    how: Mapped[str] = mapped_column(String(12))
    assigned_at: Mapped[datetime]
    load_after: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime | None]
    handle_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class DeskRow(Base):
    """An agent's routing state; its row lock guards the agent's capacity."""

    __tablename__ = "routing_desks"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    load_call: Mapped[int] = mapped_column(Integer, default=0)
    load_chat: Mapped[int] = mapped_column(Integer, default=0)
    load_email: Mapped[int] = mapped_column(Integer, default=0)
    idle_since: Mapped[datetime]
    schedule: Mapped[str | None] = mapped_column(String(40), nullable=True)
