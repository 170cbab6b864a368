"""Live queue figures pushed to supervisors: recomputed after routing and ticket events
(at most once per `min_interval`, and at least every `heartbeat` — waits grow by
themselves), by one process at a time, and fanned out to every process's sockets."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kefu.realtime import Message, Realtime
from kefu.services.context import ServiceContext
from kefu.services.ports import EventBus
from kefu.services.queue_figures import snapshot

log = logging.getLogger(__name__)

TOPIC = "supervisor.figures"
RELEVANT = ("routing.", "ticket.opened", "ticket.status_changed", "ticket.assigned")


def figures_message(ctx: ServiceContext) -> Message:
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        figures = snapshot(uow, ctx, now)
    return {"type": "figures", "at": now.isoformat(), "queues": [f.as_dict() for f in figures]}


class FiguresBroadcaster:
    def __init__(
        self,
        ctx: ServiceContext,
        bus: EventBus,
        realtime: Realtime,
        *,
        min_interval: float = 1.0,
        heartbeat: float = 15.0,
    ) -> None:
        self.ctx, self.bus, self.realtime = ctx, bus, realtime
        self.min_interval, self.heartbeat = min_interval, heartbeat
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.published = 0

    def start(self) -> None:
        """Idempotent: the first supervisor socket of a process starts it."""
        with self._lock:
            if self._thread is not None:
                return
            self.bus.subscribe(self._on_event)
            self._thread = threading.Thread(target=self._run, name="kefu-figures", daemon=True)
            self._thread.start()

    def _on_event(self, event: dict[str, Any]) -> None:
        if str(event.get("name", "")).startswith(RELEVANT):
            self._dirty.set()

    def poke(self) -> None:
        self._dirty.set()

    def _run(self) -> None:
        retry = False
        while not self._stopping.is_set():
            self._dirty.wait(self.heartbeat)
            self._dirty.clear()
            if self._stopping.is_set():
                return
            try:
                if self.realtime.try_lead(TOPIC, self.min_interval * 0.9):
                    self.realtime.publish(TOPIC, figures_message(self.ctx))
                    self.published += 1
                    retry = False
                elif not retry:  # another process published; ours may be newer: once more
                    retry = True
                    self._dirty.set()
                else:
                    retry = False
            except Exception:  # the next event or heartbeat tries again
                log.exception("computing or publishing queue figures failed")
            self._stopping.wait(self.min_interval)

    def close(self) -> None:
        self._stopping.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
