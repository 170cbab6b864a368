"""Real-time fan-out to connected clients (supervisor dashboards over WebSocket).

One interface, two backends: `MemoryRealtime` within one process (embedded mode) and
`RedisRealtime` across processes (scale mode: Redis pub/sub). A message published on a
topic reaches every subscriber of that topic in every process. `try_lead` lets exactly one
process at a time do shared work (compute the figures once per tick, for everyone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Message = dict[str, Any]
Handler = Callable[[Message], None]


class Realtime(Protocol):
    def publish(self, topic: str, message: Message) -> None: ...
    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call `handler` for each message on `topic`; returns the unsubscribe function."""
        ...

    def try_lead(self, name: str, seconds: float) -> bool:
        """True for one caller (cluster-wide) per `seconds` for this name."""
        ...

    def close(self) -> None: ...
