"""Routing in the background: the dispatcher thread, and the wiring of routing into a
container (its timer handlers, the real-time fan-out and the figures broadcaster).

The dispatcher runs in `kefu worker` (scale mode: any number of them, side by side —
`services.routing.dispatch` claims with SKIP LOCKED) and in `kefu serve` in embedded mode.
It wakes on routing and ticket events from the bus, and sweeps every `interval` seconds
anyway (shifts start, waits grow); each sweep dispatches until nothing more fits.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from kefu.realtime.backends import MemoryRealtime, RedisRealtime
from kefu.realtime.figures import FiguresBroadcaster
from kefu.services import routing, routing_ops
from kefu.services.context import ServiceContext
from kefu.services.ports import EventBus

if TYPE_CHECKING:
    from kefu.bootstrap import Container

log = logging.getLogger(__name__)

WAKE_ON = ("routing.", "ticket.opened", "ticket.status_changed")


def wire_routing(container: Container) -> None:
    ctx, settings = container.ctx, container.settings
    container.timer_handlers[routing.OFFER_TIMEOUT] = routing_ops.offer_timeout_handler(ctx)
    container.timer_handlers[routing.OVERFLOW] = routing_ops.overflow_handler(ctx)
    realtime = (
        RedisRealtime(settings.redis_url, settings.redis_channel)
        if settings.redis_url
        else MemoryRealtime()
    )
    container.extras["realtime"] = realtime
    container.extras["figures"] = FiguresBroadcaster(ctx, container.bus, realtime)


def close_routing(extras: dict[str, Any]) -> None:
    for key in ("dispatcher", "figures", "realtime"):
        part = extras.pop(key, None)
        if part is not None:
            part.close()


class DispatchThread(threading.Thread):
    MIN_GAP = 0.2
    """Seconds between sweeps that found less than a full batch: under a stream of new
    tickets, one sweep places many (a sweep has a fixed cost) at ≤ 0.2 s added latency."""

    def __init__(self, ctx: ServiceContext, bus: EventBus, *, interval: float = 1.0) -> None:
        super().__init__(name="kefu-dispatch", daemon=True)
        self.ctx, self.interval = ctx, interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.placed = 0
        bus.subscribe(self._on_event)

    def _on_event(self, event: dict[str, Any]) -> None:
        name = str(event.get("name", ""))
        # Our own placements need no wake-up; everything else that changes a queue does.
        if name.startswith(WAKE_ON) and name not in ("routing.offered", "routing.assigned"):
            self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    def run(self) -> None:
        batch = self.ctx.policies.routing.batch
        while not self._stopping.is_set():
            try:
                while not self._stopping.is_set():
                    made = routing.dispatch(self.ctx)
                    self.placed += made
                    if made < batch:
                        break
            except Exception:  # the work stays waiting; the next sweep tries again
                log.exception("dispatch sweep failed; retrying")
            self._stopping.wait(self.MIN_GAP)
            self._wake.wait(self.interval)
            self._wake.clear()

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout=10)


def start_dispatcher(container: Container, interval: float = 1.0) -> DispatchThread:
    thread = DispatchThread(container.ctx, container.bus, interval=interval)
    container.extras["dispatcher"] = thread
    thread.start()
    return thread


def dispatch_until_idle(ctx: ServiceContext) -> int:
    """Dispatch until nothing more fits now; return how many were placed."""
    total = 0
    while made := routing.dispatch(ctx):
        total += made
    return total
