"""Who fires durable timers: a thread in `kefu serve` (embedded), or `kefu worker` (scale).

Both call `services.timers.fire_until_idle`: one transaction per batch, so any number of
threads and processes may fire side by side (PostgreSQL hands them disjoint batches with
`FOR UPDATE SKIP LOCKED`; SQLite serialises writers) and a crash loses nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from kefu.services.context import ServiceContext
from kefu.services.timers import TimerHandler, fire_batch, fire_until_idle

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
DEFAULT_INTERVAL = 1.0
REPORT_EVERY = 2.0
"""Seconds between progress lines of a worker that keeps firing."""


class TimerThread(threading.Thread):
    """Fires due timers every `interval` seconds in the serving process (embedded mode)."""

    def __init__(
        self,
        ctx: ServiceContext,
        handlers: Mapping[str, TimerHandler],
        *,
        interval: float = DEFAULT_INTERVAL,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        super().__init__(name="kefu-timers", daemon=True)
        self.ctx, self.handlers, self.interval, self.batch = ctx, handlers, interval, batch
        self._stopping = threading.Event()
        self.fired = 0

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.fired += fire_until_idle(
                    self.ctx, self.handlers, batch=self.batch, should_stop=self._stopping.is_set
                )
            except Exception:  # the timers stay pending; the next tick retries them
                log.exception("firing timers failed; retrying in %.1f s", self.interval)
            self._stopping.wait(self.interval)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop after its current batch, and wait for it."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


def run_worker(
    ctx: ServiceContext,
    handlers: Mapping[str, TimerHandler],
    relay: Callable[[], int],
    *,
    interval: float = DEFAULT_INTERVAL,
    batch: int = DEFAULT_BATCH,
    once: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """`kefu worker`: each sweep relays the outbox, then fires due timers until none is due."""
    while not should_stop():
        try:
            relayed = relay()
            if relayed:
                log.info("worker %d relayed %d events", os.getpid(), relayed)
        except Exception:
            log.exception("relay sweep failed; retrying")
        try:
            _fire_and_report(ctx, handlers, batch, should_stop)
        except Exception:
            log.exception("timer sweep failed; retrying")
        if once:
            return
        time.sleep(interval)


def _fire_and_report(
    ctx: ServiceContext,
    handlers: Mapping[str, TimerHandler],
    batch: int,
    should_stop: Callable[[], bool],
) -> None:
    """Fire batches until none is due, logging progress at most every few seconds."""
    fired = given_up = 0
    last_report = time.monotonic()
    while not should_stop():
        result = fire_batch(ctx, handlers, limit=batch)
        fired += result.fired
        given_up += result.failed
        done = result.claimed < batch
        if (fired or given_up) and (done or time.monotonic() - last_report >= REPORT_EVERY):
            log.info("worker %d fired %d timers (%d gave up)", os.getpid(), fired, given_up)
            fired = given_up = 0
            last_report = time.monotonic()
        if done:
            return
