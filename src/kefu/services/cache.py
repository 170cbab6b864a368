"""A tiny per-process cache for rarely changing configuration read on hot paths.

SLA rules and calendar overrides are read for every new ticket; they change a few times a
year. Values live `ttl` seconds; a write in this process clears the cache at once, other
processes see the change within `ttl`. (functools caches have no expiry; cachetools
would be a dependency for twenty lines.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class TtlCache:
    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], T]) -> T:
        hit = self._items.get(key)
        if hit is not None and hit[0] > time.monotonic():
            value: T = hit[1]
            return value
        fresh = load()
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, fresh)
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
