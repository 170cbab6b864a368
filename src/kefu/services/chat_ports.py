"""The chat and satisfaction repository port (`store/chat.py` implements it)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kefu.domain.chat import ChatMessage, Conversation
from kefu.domain.satisfaction import Rating, RatingRequest


@dataclass(frozen=True, slots=True)
class RatingFilter:
    agent_id: int | None = None
    team: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class ChatRepository(Protocol):
    def add(self, conversation: Conversation) -> None:
        """Insert the conversation (and its new messages); sets its id."""
        ...

    def get(self, conversation_id: int, *, for_update: bool = False) -> Conversation | None: ...
    def for_ticket(self, ticket_id: int, *, for_update: bool = False) -> Conversation | None: ...
    def latest_open(self, customer_uid: str) -> Conversation | None:
        """The customer's newest conversation that is not closed."""
        ...

    def save(self, conversation: Conversation) -> None:
        """Update the conversation and insert the messages it appended since load."""
        ...

    def messages(
        self, conversation_id: int, *, after: int = 0, limit: int = 200
    ) -> builtins.list[ChatMessage]: ...
    def by_client_id(self, conversation_id: int, client_id: str) -> ChatMessage | None: ...
    def active_with_tickets(self, limit: int) -> builtins.list[tuple[int, int]]:
        """(conversation id, ticket id) of conversations a person is (to be) answering
        whose ticket has messages past the conversation's cursor."""
        ...

    # ---- satisfaction -------------------------------------------------------------------
    def add_request(self, request: RatingRequest) -> bool:
        """Insert; False when the ticket already has a request (another process won)."""
        ...

    def request_for_ticket(
        self, ticket_id: int, *, for_update: bool = False
    ) -> RatingRequest | None: ...
    def use_request(self, request_id: int, at: datetime) -> bool:
        """Mark used; False when it already was."""
        ...

    def add_rating(self, rating: Rating) -> bool:
        """Insert; False when the ticket already has a rating."""
        ...

    def rating_for_ticket(self, ticket_id: int) -> Rating | None: ...
    def ratings(
        self, flt: RatingFilter, *, limit: int, before_id: int | None
    ) -> builtins.list[Rating]: ...
    def rating_summary(self, flt: RatingFilter, by: str) -> builtins.list[dict[str, Any]]:
        """Count and average score per `agent_id`, `team` or `channel`."""
        ...

    def resolved_without_request(self, since: datetime, limit: int) -> builtins.list[int]: ...
