"""What the chat and satisfaction use cases get: the services' context, the chat rules,
the real-time publisher, the bot and the link key. Built once by `jobs/chat.py`
(`container.extras["chat"]`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kefu.domain.chat import ChatPolicy
from kefu.services.context import ServiceContext


class Publisher(Protocol):
    """The real-time fan-out (`kefu.realtime.Realtime` satisfies it)."""

    def publish(self, topic: str, message: dict[str, Any]) -> None: ...


class BotTurnLike(Protocol):
    kind: str
    text: str
    citations: tuple[Any, ...]
    ask_helpful: bool
    options: tuple[Mapping[str, str], ...]
    handoff: Any
    classification: Mapping[str, Any] | None
    state: Any


class ChatBot(Protocol):
    """The bot of `kefu.services.bot` (its BotState travels as a dict on the conversation)."""

    def reply(
        self, ctx: ServiceContext, state: Mapping[str, Any], text: str, lang: str
    ) -> BotTurnLike: ...
    def feedback(
        self, ctx: ServiceContext, state: Mapping[str, Any], helpful: bool, lang: str
    ) -> BotTurnLike: ...


@dataclass(frozen=True)
class ChatContext:
    ctx: ServiceContext
    policy: ChatPolicy
    publisher: Publisher
    bot: ChatBot
    secret_key: bytes
    """Signs one-time rating links."""
    public_url: str
    """The base URL rating links point to."""
    max_attachment_bytes: int


def topic(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"
