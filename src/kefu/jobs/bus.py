"""Event fan-out: in-process in embedded mode, through Redis pub/sub in scale mode."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]


def _deliver(handlers: list[Handler], event: dict[str, Any]) -> None:
    for handler in list(handlers):
        try:
            handler(event)
        except Exception:  # a subscriber's bug must not stop delivery to the others
            log.exception("event handler %r failed on %s", handler, event.get("name"))


class MemoryBus:
    """Calls subscribers in the publishing thread, right after commit."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def publish(self, event: dict[str, Any]) -> None:
        _deliver(self._handlers, event)

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def close(self) -> None:
        self._handlers.clear()


class RedisBus:
    """Publishes events to a Redis channel; every subscribed process receives every event."""

    def __init__(self, url: str, channel: str = "kefu:events") -> None:
        import redis  # the `scale` extra

        self._redis = redis.Redis.from_url(url)
        self.channel = channel
        self._handlers: list[Handler] = []
        self._thread: Any = None
        self._pubsub: Any = None
        self._lock = threading.Lock()

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def publish(self, event: dict[str, Any]) -> None:
        self._redis.publish(self.channel, json.dumps(event, ensure_ascii=False))

    def subscribe(self, handler: Handler) -> None:
        with self._lock:
            self._handlers.append(handler)
            if self._thread is None:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(**{self.channel: self._on_message})
                # Wait for the subscription to be confirmed so no event published after
                # subscribe() returns is missed.
                self._pubsub.get_message(timeout=1.0)
                self._thread = self._pubsub.run_in_thread(sleep_time=0.05, daemon=True)

    def _on_message(self, message: dict[str, Any]) -> None:
        try:
            event = json.loads(message["data"])
        except (ValueError, TypeError):
            log.warning("ignoring a malformed event on %s", self.channel)
            return
        _deliver(self._handlers, event)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            # Let the listener thread leave its read before the connection closes.
            self._thread.join(timeout=2.0)
            self._thread = None
        if self._pubsub is not None:
            self._pubsub.close()
        self._redis.close()
