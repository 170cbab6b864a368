"""Tables of the in-app chat and of satisfaction ratings.

Migration `0008_chat` creates them; keep the two in step (`tests/integration/
test_chat_ws.py::test_the_chat_migration_matches_the_models` compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.models import Base, Id


class ConversationRow(Base):
    __tablename__ = "chat_conversations"
    __table_args__ = (Index("ix_chat_conversations_customer_state", "customer_uid", "state"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_uid: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12))
    ticket_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("tickets.id"), unique=True, nullable=True
    )
    bot_state: Mapped[dict[str, Any]] = mapped_column()
    handoff: Mapped[dict[str, Any]] = mapped_column()
    """What travels with the hand-off: classification and reasons."""
    last_seq: Mapped[int] = mapped_column(Integer)
    bot_seq: Mapped[int] = mapped_column(Integer)
    """The last customer message the bot answered (a crash before its answer re-answers)."""
    read_customer: Mapped[int] = mapped_column(Integer)
    read_agent: Mapped[int] = mapped_column(Integer)
    ticket_cursor: Mapped[int] = mapped_column(Id)
    """The last ticket message id mirrored into the chat (agent replies from any client)."""
    handoff_claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatMessageRow(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_seq"),
        UniqueConstraint("conversation_id", "client_id", name="uq_chat_messages_client_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Id, ForeignKey("chat_conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author: Mapped[str] = mapped_column(String(10))
    author_name: Mapped[str] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column()
    citations: Mapped[list[Any]] = mapped_column()
    meta: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime]


class RatingRow(Base):
    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        Index("ix_satisfaction_ratings_agent", "agent_id"),
        Index("ix_satisfaction_ratings_team", "team"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id"), unique=True)
    agent_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    team: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    subcategory: Mapped[str] = mapped_column(String(60))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]


class RatingRequestRow(Base):
    __tablename__ = "rating_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id"), unique=True)
    nonce: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
