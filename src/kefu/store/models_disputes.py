"""Tables of e-commerce disputes: the dispute, its submissions (evidence) and its history.

Migration `0006_disputes` creates them; keep the two in step
(`tests/integration/test_disputes_store.py` compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.models import Base, Id


class DisputeRow(Base):
    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_state", "state"),
        Index("ix_disputes_type_opened", "type", "opened_at"),
        Index("ix_disputes_buyer_uid", "buyer_uid"),
        Index("ix_disputes_seller_uid", "seller_uid"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    active_order_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    """The order id while the dispute is not withdrawn: one live dispute per order."""
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    buyer_uid: Mapped[str] = mapped_column(String(32))
    seller_uid: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    order: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The order as it was at opening: items, logistics status, currency."""
    complete_bundle: Mapped[bool] = mapped_column(Boolean, default=False)
    large: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    seller_deadline_at: Mapped[datetime]
    arbitration_started_at: Mapped[datetime | None]
    arbitration_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    refund_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    appeal_deadline_at: Mapped[datetime | None]
    appeals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buyer_submissions: Mapped[int] = mapped_column(Integer, default=0)
    seller_submissions: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]
    closure: Mapped[str | None] = mapped_column(String(30), nullable=True)
    updated_at: Mapped[datetime]


class DisputeSubmissionRow(Base):
    __tablename__ = "dispute_submissions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    party: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text)
    files: Mapped[list[Any]] = mapped_column(JSON)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Private: shown to the party that gave it and to arbitrators only."""
    author: Mapped[str] = mapped_column(String(140))
    at: Mapped[datetime]


class DisputeHistoryRow(Base):
    """Every step of every dispute: the audit trail and the source of the reports."""

    __tablename__ = "dispute_history"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(140))
    party: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[str | None] = mapped_column(String(20), nullable=True)
    after: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
