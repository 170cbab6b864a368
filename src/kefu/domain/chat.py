"""The in-app chat (SPEC §4.1): a conversation between a customer, the bot and agents.

A conversation goes `bot → waiting → with_agent → closed`: the bot answers first; a
hand-off opens a ticket and the customer waits in its queue; the first agent reply brings
the agent in; resolving the ticket (or the customer leaving) closes it. Every message has
a sequence number per conversation (1, 2, 3, …) so a client that reconnects asks for
everything after the last one it saw, and customer and agent messages carry the client's
own id, stored once per conversation, so a message sent again after a dropped connection
is the same message. Read marks are the last sequence number each side has read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kefu.domain.errors import Conflict, IllegalTransition, InvalidInput
from kefu.domain.events import RecordsEvents


class ConversationState(StrEnum):
    BOT = "bot"
    WAITING = "waiting"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


C = ConversationState
TRANSITIONS: Mapping[ConversationState, frozenset[ConversationState]] = {
    C.BOT: frozenset({C.WAITING, C.CLOSED}),
    C.WAITING: frozenset({C.WITH_AGENT, C.CLOSED}),
    C.WITH_AGENT: frozenset({C.WAITING, C.CLOSED}),
    C.CLOSED: frozenset(),
}
"""`with_agent → waiting` when the ticket goes back to its queue (the agent passed it on)."""


class Author(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Side(StrEnum):
    """Who reads: the customer, or the staff working the ticket."""

    CUSTOMER = "customer"
    AGENT = "agent"


class MessageKind(StrEnum):
    TEXT = "text"
    GREETING = "greeting"
    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOFF = "handoff"
    FALLBACK = "fallback"
    QUEUE = "queue"
    """The customer's place in the queue and the estimated wait."""
    MATERIAL = "material"
    RATING_REQUEST = "rating_request"
    RATED = "rated"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class ChatPolicy:
    """Every number of the chat (`policies/chat.toml`)."""

    max_body: int = 2000
    max_client_id: int = 64
    history_page: int = 200
    handoff_retry_seconds: int = 30
    """A hand-off whose ticket is not there after this long is tried again (a crash)."""
    transcript_chars: int = 20_000
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = ("image/png", "image/jpeg", "application/pdf")
    rating_link_days: int = 7
    rating_comment_chars: int = 500
    rating_sweep_days: int = 7
    upload_token_seconds: int = 3600
    """How long the upload token of a `welcome` lets a widget send files over HTTP."""
    """Resolved tickets this recent without a rating request get one (after a missed event)."""
    greeting: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, key: str, lang: str, **values: Any) -> str:
        forms = self.texts.get(key, {})
        template = forms.get(lang) or forms.get("zh") or key
        return template.format(**values)


@dataclass(frozen=True, slots=True)
class ChatAttachment:
    sha256: str
    filename: str
    content_type: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class ChatMessage:
    seq: int
    author: Author
    body: str
    created_at: datetime
    author_name: str = ""
    kind: MessageKind = MessageKind.TEXT
    client_id: str | None = None
    attachments: tuple[ChatAttachment, ...] = ()
    citations: tuple[dict[str, Any], ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    """Bot extras (ask_helpful, options), queue figures, rating request."""
    conversation_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "conversation_id": self.conversation_id,
            "client_id": self.client_id,
            "author": self.author.value,
            "author_name": self.author_name,
            "kind": self.kind.value,
            "body": self.body,
            "attachments": [a.as_dict() for a in self.attachments],
            "citations": list(self.citations),
            "meta": dict(self.meta),
            "created_at": self.created_at.isoformat(),
        }


def check_client_id(client_id: str | None, policy: ChatPolicy) -> str | None:
    if client_id is None:
        return None
    client_id = str(client_id).strip()
    if not client_id or len(client_id) > policy.max_client_id or not client_id.isprintable():
        raise InvalidInput(
            f"client_id must be 1–{policy.max_client_id} printable characters",
            details={"field": "client_id", "limit": policy.max_client_id},
        )
    return client_id


def check_body(body: str, policy: ChatPolicy, *, required: bool = True) -> str:
    if not isinstance(body, str):
        raise InvalidInput("body must be text", details={"field": "body"})
    body = body.strip()
    if required and not body:
        raise InvalidInput("消息不能为空。\nThe message is empty.", details={"field": "body"})
    if len(body) > policy.max_body:
        raise InvalidInput(
            f"消息过长（{len(body)} 字），上限 {policy.max_body} 字。\n"
            f"The message is {len(body)} characters long; the limit is {policy.max_body}.",
            details={"field": "body", "limit": policy.max_body},
        )
    return body


class Conversation(RecordsEvents):
    def __init__(self, *, customer_uid: str, lang: str, created_at: datetime, **kw: Any) -> None:
        self._init_events()
        self.customer_uid, self.lang, self.created_at = customer_uid, lang, created_at
        self.id: int | None = kw.get("id")
        self.state: ConversationState = kw.get("state", ConversationState.BOT)
        self.ticket_id: int | None = kw.get("ticket_id")
        self.bot_state: dict[str, Any] = dict(kw.get("bot_state") or {})
        self.handoff: dict[str, Any] = dict(kw.get("handoff") or {})
        self.last_seq: int = kw.get("last_seq", 0)
        self.bot_seq: int = kw.get("bot_seq", 0)
        self.read: dict[Side, int] = dict(kw.get("read") or {Side.CUSTOMER: 0, Side.AGENT: 0})
        self.ticket_cursor: int = kw.get("ticket_cursor", 0)
        self.handoff_claimed_at: datetime | None = kw.get("handoff_claimed_at")
        self.updated_at: datetime = kw.get("updated_at", created_at)
        self.last_customer_seq: int = kw.get("last_customer_seq", 0)
        """The newest customer message's seq (the repository computes it on load)."""
        self.new_messages: list[ChatMessage] = []

    @property
    def name(self) -> str:
        return f"conversation #{self.id}" if self.id else "conversation"

    # ---- messages ---------------------------------------------------------------------

    def append(
        self,
        author: Author,
        body: str,
        now: datetime,
        *,
        author_name: str = "",
        kind: MessageKind = MessageKind.TEXT,
        client_id: str | None = None,
        attachments: Sequence[ChatAttachment] = (),
        citations: Sequence[Mapping[str, Any]] = (),
        meta: Mapping[str, Any] | None = None,
    ) -> ChatMessage:
        if self.state is ConversationState.CLOSED and author in (Author.CUSTOMER, Author.AGENT):
            raise Conflict(
                "此会话已结束，请开始新的会话。\nThis conversation has ended; start a new one.",
                details={"conversation_id": self.id, "state": self.state.value},
            )
        self.last_seq += 1
        message = ChatMessage(
            seq=self.last_seq,
            author=author,
            body=body,
            created_at=now,
            author_name=author_name,
            kind=kind,
            client_id=client_id,
            attachments=tuple(attachments),
            citations=tuple(dict(c) for c in citations),
            meta=dict(meta or {}),
            conversation_id=self.id,
        )
        self.new_messages.append(message)
        if author is Author.CUSTOMER:
            self.last_customer_seq = message.seq
        self.updated_at = now
        return message

    def mark_read(self, side: Side, seq: int) -> bool:
        """Move a side's read mark forward (never back, never past the last message)."""
        if not isinstance(seq, int) or seq < 0:
            raise InvalidInput("seq must be a non-negative integer", details={"field": "seq"})
        seq = min(seq, self.last_seq)
        if seq <= self.read.get(side, 0):
            return False
        self.read[side] = seq
        return True

    # ---- lifecycle --------------------------------------------------------------------

    def _move(self, target: ConversationState, now: datetime) -> None:
        if target not in TRANSITIONS[self.state]:
            raise IllegalTransition(
                self.name,
                self.state.value,
                target.value,
                sorted(s.value for s in TRANSITIONS[self.state]),
            )
        before, self.state, self.updated_at = self.state, target, now
        self.record("chat.state_changed", before=before.value, after=target.value)

    def claim_handoff(
        self, now: datetime, classification: Mapping[str, Any] | None, reasons: Sequence[str]
    ) -> None:
        """The bot decided: the customer goes to a person. The ticket follows (attach_ticket)."""
        self._move(ConversationState.WAITING, now)
        self.handoff_claimed_at = now
        self.handoff = {
            "classification": dict(classification or {}),
            "reasons": list(reasons),
            "at": now.isoformat(),
        }

    def needs_ticket(self, now: datetime, retry_seconds: int) -> bool:
        """Handed off but its ticket is missing (the process opening it died)?"""
        if self.state is not ConversationState.WAITING or self.ticket_id is not None:
            return False
        claimed = self.handoff_claimed_at
        return claimed is None or (now - claimed).total_seconds() >= retry_seconds

    def attach_ticket(self, ticket_id: int, cursor: int, now: datetime) -> None:
        if self.ticket_id is not None and self.ticket_id != ticket_id:
            raise Conflict(f"{self.name} already belongs to ticket #{self.ticket_id}")
        self.ticket_id, self.ticket_cursor, self.updated_at = ticket_id, cursor, now
        self.record("chat.handed_off", ticket_id=ticket_id, **self.handoff)

    def agent_replied(self, now: datetime) -> None:
        if self.state is ConversationState.WAITING:
            self._move(ConversationState.WITH_AGENT, now)

    def requeued(self, now: datetime) -> None:
        if self.state is ConversationState.WITH_AGENT:
            self._move(ConversationState.WAITING, now)

    def close(self, now: datetime) -> None:
        if self.state is not ConversationState.CLOSED:
            self._move(ConversationState.CLOSED, now)

    def needs_bot_answer(self) -> bool:
        """A customer message the bot has not answered yet (while the bot has the chat)."""
        return self.state is ConversationState.BOT and self.bot_seq < self.last_customer_seq


def transcript(messages: Sequence[ChatMessage], labels: Mapping[str, str], limit: int) -> str:
    """The chat as text for the ticket: `[time] who: body`, the newest `limit` characters."""
    lines = []
    for m in messages:
        if m.kind in (MessageKind.GREETING, MessageKind.QUEUE):
            continue
        who = labels.get(m.author.value, m.author.value)
        files = "".join(f" [{a.filename}]" for a in m.attachments)
        lines.append(f"[{m.created_at.strftime('%H:%M:%S')}] {who}: {m.body}{files}")
    text = "\n".join(lines)
    if len(text) > limit:
        text = "…\n" + text[-limit:]
    return text


def upload_token(key: bytes, conversation_id: int, customer_uid: str, expires: int) -> str:
    """Lets a widget signed in over the WebSocket send files to its conversation over HTTP."""
    payload = f"{conversation_id}.{customer_uid}.{expires}"
    sig = hmac.new(key, b"upload." + payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{sig}"


def read_upload_token(key: bytes, token: str, now: datetime) -> tuple[int, str] | None:
    """(conversation id, customer UID) of a genuine, unexpired upload token, else None."""
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 200:
        return None
    conv, uid, expires, sig = parts
    payload = f"{conv}.{uid}.{expires}"
    good = hmac.new(key, b"upload." + payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(good, sig):
        return None
    try:
        if int(expires) <= now.timestamp():
            return None
        return int(conv), uid
    except ValueError:
        return None
