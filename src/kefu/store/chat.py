"""The chat repository: conversations, their messages, rating requests and ratings.

Messages are append-only: `save` updates the conversation row and inserts what it appended
since load. `get(for_update=True)` locks the conversation row (PostgreSQL `FOR UPDATE`;
SQLite's writer lock serialises anyway), so sequence numbers and the client-id check are
decided under the lock; the unique constraints are the last line of defence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.chat import (
    Author,
    ChatAttachment,
    ChatMessage,
    Conversation,
    ConversationState,
    MessageKind,
    Side,
)
from kefu.domain.satisfaction import Rating, RatingRequest
from kefu.services.chat_ports import RatingFilter
from kefu.store.models import MessageRow, TicketRow
from kefu.store.models_chat import ChatMessageRow, ConversationRow, RatingRequestRow, RatingRow

ACTIVE = (ConversationState.WAITING.value, ConversationState.WITH_AGENT.value)


def _message(row: ChatMessageRow) -> ChatMessage:
    return ChatMessage(
        seq=row.seq,
        author=Author(row.author),
        body=row.body,
        created_at=row.created_at,
        author_name=row.author_name,
        kind=MessageKind(row.kind),
        client_id=row.client_id,
        attachments=tuple(
            ChatAttachment(a["sha256"], a["filename"], a["content_type"], int(a["size"]))
            for a in row.attachments or []
        ),
        citations=tuple(row.citations or []),
        meta=dict(row.meta or {}),
        conversation_id=row.conversation_id,
    )


def _fill(row: ConversationRow, c: Conversation) -> None:
    row.customer_uid, row.lang, row.state = c.customer_uid, c.lang, c.state.value
    row.ticket_id, row.bot_state, row.handoff = c.ticket_id, dict(c.bot_state), dict(c.handoff)
    row.last_seq, row.bot_seq = c.last_seq, c.bot_seq
    row.read_customer = c.read.get(Side.CUSTOMER, 0)
    row.read_agent = c.read.get(Side.AGENT, 0)
    row.ticket_cursor, row.handoff_claimed_at = c.ticket_cursor, c.handoff_claimed_at
    row.created_at, row.updated_at = c.created_at, c.updated_at


def _rating(row: RatingRow) -> Rating:
    return Rating(
        ticket_id=row.ticket_id,
        agent_id=row.agent_id,
        team=row.team,
        channel=row.channel,
        subcategory=row.subcategory,
        score=row.score,
        comment=row.comment,
        source=row.source,
        created_at=row.created_at,
        id=row.id,
    )


def _request(row: RatingRequestRow) -> RatingRequest:
    return RatingRequest(
        ticket_id=row.ticket_id,
        nonce=row.nonce,
        channel=row.channel,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        id=row.id,
    )


class SqlChatRepository:
    def __init__(self, session: Session, seen: list[Any]) -> None:
        self.s, self._seen = session, seen
        self._rows: dict[int, ConversationRow] = {}

    # ---- conversations ------------------------------------------------------------------

    def _conversation(self, row: ConversationRow) -> Conversation:
        last_customer = self.s.scalar(
            select(func.max(ChatMessageRow.seq)).where(
                ChatMessageRow.conversation_id == row.id,
                ChatMessageRow.author == Author.CUSTOMER.value,
            )
        )
        c = Conversation(
            customer_uid=row.customer_uid,
            lang=row.lang,
            created_at=row.created_at,
            id=row.id,
            state=ConversationState(row.state),
            ticket_id=row.ticket_id,
            bot_state=row.bot_state,
            handoff=row.handoff,
            last_seq=row.last_seq,
            bot_seq=row.bot_seq,
            read={Side.CUSTOMER: row.read_customer, Side.AGENT: row.read_agent},
            ticket_cursor=row.ticket_cursor,
            handoff_claimed_at=row.handoff_claimed_at,
            updated_at=row.updated_at,
            last_customer_seq=last_customer or 0,
        )
        self._rows[row.id] = row
        self._seen.append(c)
        return c

    def add(self, conversation: Conversation) -> None:
        row = ConversationRow()
        _fill(row, conversation)
        self.s.add(row)
        self.s.flush()
        conversation.id = row.id
        self._rows[row.id] = row
        self._seen.append(conversation)
        self._insert_messages(conversation)

    def _select(self, for_update: bool) -> Any:
        stmt = select(ConversationRow)
        return stmt.with_for_update() if for_update else stmt

    def get(self, conversation_id: int, *, for_update: bool = False) -> Conversation | None:
        row = self.s.scalar(self._select(for_update).where(ConversationRow.id == conversation_id))
        return None if row is None else self._conversation(row)

    def for_ticket(self, ticket_id: int, *, for_update: bool = False) -> Conversation | None:
        row = self.s.scalar(self._select(for_update).where(ConversationRow.ticket_id == ticket_id))
        return None if row is None else self._conversation(row)

    def latest_open(self, customer_uid: str) -> Conversation | None:
        row = self.s.scalar(
            select(ConversationRow)
            .where(
                ConversationRow.customer_uid == customer_uid,
                ConversationRow.state != ConversationState.CLOSED.value,
            )
            .order_by(ConversationRow.id.desc())
            .limit(1)
        )
        return None if row is None else self._conversation(row)

    def save(self, conversation: Conversation) -> None:
        assert conversation.id is not None
        row = self._rows[conversation.id]
        _fill(row, conversation)
        self._insert_messages(conversation)
        self.s.flush()

    def _insert_messages(self, c: Conversation) -> None:
        if not c.new_messages:
            return
        self.s.execute(
            insert(ChatMessageRow),
            [
                {
                    "conversation_id": c.id,
                    "seq": m.seq,
                    "client_id": m.client_id,
                    "author": m.author.value,
                    "author_name": m.author_name[:140],
                    "kind": m.kind.value,
                    "body": m.body,
                    "attachments": [a.as_dict() for a in m.attachments],
                    "citations": list(m.citations),
                    "meta": dict(m.meta),
                    "created_at": m.created_at,
                }
                for m in c.new_messages
            ],
        )
        c.new_messages = []

    def messages(
        self, conversation_id: int, *, after: int = 0, limit: int = 200
    ) -> list[ChatMessage]:
        rows = self.s.scalars(
            select(ChatMessageRow)
            .where(ChatMessageRow.conversation_id == conversation_id, ChatMessageRow.seq > after)
            .order_by(ChatMessageRow.seq)
            .limit(limit)
        )
        return [_message(r) for r in rows]

    def by_client_id(self, conversation_id: int, client_id: str) -> ChatMessage | None:
        row = self.s.scalar(
            select(ChatMessageRow).where(
                ChatMessageRow.conversation_id == conversation_id,
                ChatMessageRow.client_id == client_id,
            )
        )
        return None if row is None else _message(row)

    def active_with_tickets(self, limit: int) -> list[tuple[int, int]]:
        newest = (
            select(func.max(MessageRow.id))
            .where(MessageRow.ticket_id == ConversationRow.ticket_id)
            .where(MessageRow.kind == "agent")
            .scalar_subquery()
        )
        rows = self.s.execute(
            select(ConversationRow.id, ConversationRow.ticket_id)
            .where(ConversationRow.state.in_(ACTIVE), ConversationRow.ticket_id.is_not(None))
            .where(newest > ConversationRow.ticket_cursor)
            .order_by(ConversationRow.id)
            .limit(limit)
        )
        return [(int(a), int(b)) for a, b in rows]

    # ---- satisfaction ---------------------------------------------------------------------

    def add_request(self, request: RatingRequest) -> bool:
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(RatingRequestRow).values(
                        ticket_id=request.ticket_id,
                        nonce=request.nonce,
                        channel=request.channel,
                        created_at=request.created_at,
                        expires_at=request.expires_at,
                        used_at=request.used_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def request_for_ticket(
        self, ticket_id: int, *, for_update: bool = False
    ) -> RatingRequest | None:
        stmt = select(RatingRequestRow).where(RatingRequestRow.ticket_id == ticket_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.s.scalar(stmt)
        return None if row is None else _request(row)

    def use_request(self, request_id: int, at: datetime) -> bool:
        result = self.s.execute(
            update(RatingRequestRow)
            .where(RatingRequestRow.id == request_id, RatingRequestRow.used_at.is_(None))
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def add_rating(self, rating: Rating) -> bool:
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(RatingRow).values(
                        ticket_id=rating.ticket_id,
                        agent_id=rating.agent_id,
                        team=rating.team,
                        channel=rating.channel,
                        subcategory=rating.subcategory,
                        score=rating.score,
                        comment=rating.comment,
                        source=rating.source,
                        created_at=rating.created_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def rating_for_ticket(self, ticket_id: int) -> Rating | None:
        row = self.s.scalar(select(RatingRow).where(RatingRow.ticket_id == ticket_id))
        return None if row is None else _rating(row)

    def _filtered(self, stmt: Any, flt: RatingFilter) -> Any:
        if flt.agent_id is not None:
            stmt = stmt.where(RatingRow.agent_id == flt.agent_id)
        if flt.team is not None:
            stmt = stmt.where(RatingRow.team == flt.team)
        if flt.channel is not None:
            stmt = stmt.where(RatingRow.channel == flt.channel)
        if flt.since is not None:
            stmt = stmt.where(RatingRow.created_at >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(RatingRow.created_at < flt.until)
        return stmt

    def ratings(self, flt: RatingFilter, *, limit: int, before_id: int | None) -> list[Rating]:
        stmt = self._filtered(select(RatingRow), flt)
        if before_id is not None:
            stmt = stmt.where(RatingRow.id < before_id)
        return [_rating(r) for r in self.s.scalars(stmt.order_by(RatingRow.id.desc()).limit(limit))]

    def rating_summary(self, flt: RatingFilter, by: str) -> list[dict[str, Any]]:
        column = {"agent_id": RatingRow.agent_id, "team": RatingRow.team}.get(by, RatingRow.channel)
        stmt = self._filtered(
            select(column, func.count(), func.avg(RatingRow.score)).group_by(column), flt
        )
        return [
            {by: key, "count": int(n), "average": round(float(avg), 2)}
            for key, n, avg in self.s.execute(stmt.order_by(column))
        ]

    def resolved_without_request(self, since: datetime, limit: int) -> list[int]:
        rows = self.s.scalars(
            select(TicketRow.id)
            .outerjoin(RatingRequestRow, RatingRequestRow.ticket_id == TicketRow.id)
            .where(RatingRequestRow.id.is_(None))
            .where(TicketRow.status.in_(("resolved", "closed")))
            .where(TicketRow.resolved_at.is_not(None), TicketRow.resolved_at >= since)
            .order_by(TicketRow.id)
            .limit(limit)
        )
        return [int(r) for r in rows]
