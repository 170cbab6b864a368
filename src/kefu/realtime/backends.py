"""The memory and Redis backends of the real-time fan-out (see `kefu.realtime`)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from kefu.realtime import Handler, Message

log = logging.getLogger(__name__)


class _Subscribers:
    def __init__(self) -> None:
        self._by_topic: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def add(self, topic: str, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._by_topic[topic].append(handler)

        def remove() -> None:
            with self._lock:
                if handler in self._by_topic[topic]:
                    self._by_topic[topic].remove(handler)

        return remove

    def deliver(self, topic: str, message: Message) -> None:
        with self._lock:
            handlers = list(self._by_topic.get(topic, ()))
        for handler in handlers:
            try:
                handler(message)
            except Exception:  # one broken client must not stop the others
                log.exception("realtime handler failed on %s", topic)


class MemoryRealtime:
    """Delivers in the publishing thread, to this process's subscribers."""

    def __init__(self) -> None:
        self._subs = _Subscribers()
        self._leases: dict[str, float] = {}
        self._lock = threading.Lock()

    def publish(self, topic: str, message: Message) -> None:
        self._subs.deliver(topic, message)

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        return self._subs.add(topic, handler)

    def try_lead(self, name: str, seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._leases.get(name, 0.0) > now:
                return False
            self._leases[name] = now + seconds
            return True

    def close(self) -> None:
        self._subs = _Subscribers()


class RedisRealtime:
    """Redis pub/sub on one channel (`<prefix>:realtime`) carrying every topic; each
    process listens in one thread and hands messages to its own subscribers."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # the `scale` extra

        self._redis = redis.Redis.from_url(url)
        self.channel = f"{prefix}:realtime"
        self._lease_prefix = f"{prefix}:lead:"
        self._subs = _Subscribers()
        self._thread: Any = None
        self._pubsub: Any = None
        self._lock = threading.Lock()

    def publish(self, topic: str, message: Message) -> None:
        payload = json.dumps({"topic": topic, "message": message}, ensure_ascii=False)
        self._redis.publish(self.channel, payload)

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        remove = self._subs.add(topic, handler)
        with self._lock:
            if self._thread is None:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(**{self.channel: self._on_message})
                self._pubsub.get_message(timeout=1.0)  # the subscription is confirmed
                self._thread = self._pubsub.run_in_thread(sleep_time=0.05, daemon=True)
        return remove

    def _on_message(self, raw: dict[str, Any]) -> None:
        try:
            envelope = json.loads(raw["data"])
            topic, message = envelope["topic"], envelope["message"]
        except (ValueError, TypeError, KeyError):
            log.warning("ignoring a malformed realtime message on %s", self.channel)
            return
        self._subs.deliver(topic, message)

    def try_lead(self, name: str, seconds: float) -> bool:
        key = self._lease_prefix + name
        return bool(self._redis.set(key, os.getpid(), nx=True, px=max(1, int(seconds * 1000))))

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._thread.stop()
                self._thread.join(timeout=2.0)
                self._thread = None
            if self._pubsub is not None:
                self._pubsub.close()
                self._pubsub = None
        self._redis.close()
