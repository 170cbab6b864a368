"""The chat in the background: its context in the container, the bot adapter, and the
worker that reacts to ticket events (agent replies written on the ticket, resolution →
rating request, back in the queue, closed).

The worker subscribes to the event bus when the container is built; the bus handler only
notes the ticket and wakes the thread (it runs inside the outbox relay, which must not
wait on our transactions). The thread starts on the first relevant event and then also
sweeps every `interval` seconds for what a missed event left behind (`satisfaction.sweep`).
Every step is idempotent, so every process may do it.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kefu.policies.chat import load_chat_policy
from kefu.services import chat as chat_service
from kefu.services import satisfaction
from kefu.services.chat_context import BotTurnLike, ChatContext
from kefu.services.context import ServiceContext

if TYPE_CHECKING:
    from kefu.bootstrap import Container

log = logging.getLogger(__name__)

KEY = "chat"
WORKER = "chat_worker"


class ServiceBot:
    """The bot of `kefu.services.bot` behind the chat's `ChatBot` port."""

    def reply(
        self, ctx: ServiceContext, state: Mapping[str, Any], text: str, lang: str
    ) -> BotTurnLike:
        from kefu.services.bot import BotState, bot_reply

        turn: BotTurnLike = bot_reply(ctx, BotState.from_dict(state or None), text, lang)
        return turn

    def feedback(
        self, ctx: ServiceContext, state: Mapping[str, Any], helpful: bool, lang: str
    ) -> BotTurnLike:
        from kefu.services.bot import BotState, bot_feedback

        turn: BotTurnLike = bot_feedback(ctx, BotState.from_dict(state or None), helpful, lang)
        return turn


class _NoPublisher:
    def publish(self, topic: str, message: dict[str, Any]) -> None:
        return None


class ChatWorker:
    """Turns ticket events into chat updates and rating requests, in its own thread."""

    def __init__(self, chat: ChatContext, interval: float = 30.0) -> None:
        self.chat, self.interval = chat, interval
        self._pending: dict[int, bool] = {}
        """ticket id → ask for a rating too"""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()
        self.idle.set()

    def on_event(self, event: dict[str, Any]) -> None:
        name = str(event.get("name", ""))
        data = event.get("data") or {}
        if event.get("aggregate") != "ticket":
            return
        try:
            ticket_id = int(event.get("aggregate_id") or 0)
        except (TypeError, ValueError):
            return
        if name == "ticket.status_changed":
            ask = data.get("after") in ("resolved", "closed")
        elif name == "ticket.message_added" and data.get("kind") == "agent":
            ask = False
        else:
            return
        if not ask and data.get("ticket_channel") not in (None, chat_service.INAPP):
            # Only in-app tickets have a chat to keep up to date; every resolved ticket
            # gets a rating request. (Thousands of routing events a minute pass here.)
            return
        with self._lock:
            self._pending[ticket_id] = self._pending.get(ticket_id, False) or ask
            self.idle.clear()
        self.start()
        self._wake.set()

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="kefu-chat", daemon=True)
                self._thread.start()

    def run_pending(self) -> int:
        with self._lock:
            work, self._pending = self._pending, {}
        done = 0
        for ticket_id, ask in sorted(work.items()):
            try:
                done += chat_service.sync_ticket(self.chat, ticket_id)
                if ask:
                    done += satisfaction.ask_rating(self.chat, ticket_id)
            except Exception:  # the sweep tries again
                log.exception("chat work for ticket %s failed", ticket_id)
        return done

    def _run(self) -> None:
        sweep_due = True
        while not self._stopping.is_set():
            self.run_pending()
            if sweep_due:
                try:
                    satisfaction.sweep(self.chat)
                except Exception:
                    log.exception("chat sweep failed; retrying")
            with self._lock:
                if not self._pending:
                    self.idle.set()
            sweep_due = not self._wake.wait(self.interval)
            self._wake.clear()

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def build_chat(container: Container) -> ChatContext:
    settings = container.settings
    key = getattr(settings, "resolved_secret_key", None) or settings.secret_key
    if not key:
        log.warning("no KEFU_SECRET_KEY: rating links are valid in this process only")
        key = secrets.token_urlsafe(48)
    return ChatContext(
        ctx=container.ctx,
        policy=load_chat_policy(settings.policy_dir),
        publisher=container.extras.get("realtime") or _NoPublisher(),
        bot=ServiceBot(),
        secret_key=str(key).encode(),
        public_url=settings.public_url,
        max_attachment_bytes=settings.max_attachment_bytes,
    )


def wire_chat(container: Container) -> None:
    """Put the chat's context in `container.extras["chat"]` and listen for ticket events."""
    chat = build_chat(container)
    container.extras[KEY] = chat
    worker = ChatWorker(chat)
    container.extras[WORKER] = worker
    container.bus.subscribe(worker.on_event)


def start_chat(extras: dict[str, Any]) -> None:
    """Start the worker now rather than on the first ticket event (servers, workers)."""
    worker = extras.get(WORKER)
    if worker is not None:
        worker.start()


def close_chat(extras: dict[str, Any]) -> None:
    worker = extras.pop(WORKER, None)
    if worker is not None:
        worker.close()
