"""Durable timers: schedule "at time T do X", and fire what is due — each exactly once.

Firing a batch is one unit of work: claim the due pending timers (locked, so concurrent
workers take disjoint batches), run each timer's handler inside a savepoint, mark the
timer fired, commit once. A handler's effects and the fired mark (with its `timer.fired`
outbox event) commit together or not at all, so a worker killed mid-batch leaves every
timer of the batch pending, and the next worker fires it once.

A handler that raises has only its own savepoint rolled back: its timer records the
attempt and the error and is retried after a backoff; after `max_attempts` it is marked
failed (and records `timer.failed`). A timer whose kind has no handler fails the same way
— retried, so that during a rolling deploy a worker that knows the kind can still take it.

Handlers run inside the worker's transaction: they use the unit of work they are given and
never commit it themselves. A follow-up ("warn again in an hour") is a timer with another
key: the fired mark is saved after the handler and would overwrite a move of its own key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kefu.domain.timers import Timer, TimerStatus
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork

log = logging.getLogger(__name__)

TimerHandler = Callable[[UnitOfWork, Timer, datetime], None]
"""`handler(uow, timer, now)`: do the timer's work in `uow` (never commit it)."""

NOOP = "kefu.noop"
"""A built-in kind whose handler does nothing: the `timer.fired` event is the effect."""

MAX_ATTEMPTS = 5
"""Attempts before a timer whose handler keeps failing is marked failed."""
FIRST_RETRY = timedelta(seconds=30)
"""Delay before the first retry; each further retry waits twice as long as the last…"""
LONGEST_RETRY = timedelta(hours=1)
"""…but never longer than this."""
MAX_ERROR_CHARS = 2000


def noop_handler(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
    """The handler of `kefu.noop`: nothing to do beyond being fired."""


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 2, …)."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass(frozen=True, slots=True)
class FireResult:
    claimed: int
    """Due timers taken in this batch (fired + retried + failed)."""
    fired: int
    retried: int
    failed: int


def schedule_timer(
    uow: UnitOfWork,
    kind: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> Timer:
    """Schedule (or move) the timer `key`, in the caller's unit of work.

    A pending timer with the same key is moved to the new kind, time and payload; a fired,
    cancelled or failed one is replaced by a new pending timer. Keys are natural, e.g.
    `sla.breach:ticket:42:first_response`, so re-scheduling needs no lookup first.
    """
    timer = Timer(kind=kind, key=key, due_at=due_at, payload=dict(payload or {}))
    uow.timers.schedule(timer)
    return timer


def cancel_timer(uow: UnitOfWork, key: str) -> bool:
    """Cancel the pending timer `key`, in the caller's unit of work; True if there was one.

    A timer a worker is firing at that moment is waited for (its row is locked), and then
    is no longer pending: cancelling it returns False.
    """
    return uow.timers.cancel(key)


def fire_batch(
    ctx: ServiceContext,
    handlers: Mapping[str, TimerHandler],
    *,
    limit: int,
    max_attempts: int = MAX_ATTEMPTS,
    backoff: Callable[[int], timedelta] = retry_delay,
) -> FireResult:
    """Claim up to `limit` due timers, oldest first, and fire them in one transaction."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    now = ctx.clock.now()
    fired = retried = failed = 0
    with ctx.uow() as uow:
        timers = uow.timers.claim_due(now, limit)
        if not timers:
            return FireResult(0, 0, 0, 0)
        moved: set[str] = set()
        for timer in timers:
            error = _run_handler(uow, handlers, timer, now)
            if error is None:
                timer.fire(now)
                fired += 1
                # A handler may schedule its own key again (a recurring checkpoint): that
                # new pending timer must not be overwritten by this one's fired mark.
                if uow.timers.was_scheduled(timer.key):
                    moved.add(timer.key)
            elif _record_failure(timer, now, error, max_attempts, backoff):
                failed += 1
            else:
                retried += 1
        for timer in timers:  # saved together: one batched UPDATE when the batch commits
            if timer.key not in moved:
                uow.timers.save(timer)
        uow.commit()
    return FireResult(len(timers), fired, retried, failed)


def fire_due(
    ctx: ServiceContext,
    handlers: Mapping[str, TimerHandler],
    *,
    limit: int,
    max_attempts: int = MAX_ATTEMPTS,
    backoff: Callable[[int], timedelta] = retry_delay,
) -> int:
    """Fire one batch of at most `limit` due timers; return how many fired."""
    return fire_batch(ctx, handlers, limit=limit, max_attempts=max_attempts, backoff=backoff).fired


def fire_until_idle(
    ctx: ServiceContext,
    handlers: Mapping[str, TimerHandler],
    *,
    batch: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Fire batches (one transaction each) until fewer than `batch` are due; return fired."""
    total = 0
    while not should_stop():
        result = fire_batch(ctx, handlers, limit=batch)
        total += result.fired
        if result.claimed < batch:
            break
    return total


def _run_handler(
    uow: UnitOfWork, handlers: Mapping[str, TimerHandler], timer: Timer, now: datetime
) -> str | None:
    """Run the timer's handler in a savepoint; the error text if it failed, else None."""
    handler = handlers.get(timer.kind)
    if handler is None:
        return f"no handler for timer kind {timer.kind!r}"
    try:
        with uow.savepoint():
            handler(uow, timer, now)
    except Exception as exc:
        log.warning("timer %s (%s) failed: %s: %s", timer.key, timer.kind, type(exc).__name__, exc)
        return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    return None


def _record_failure(
    timer: Timer,
    now: datetime,
    error: str,
    max_attempts: int,
    backoff: Callable[[int], timedelta],
) -> bool:
    """Count the failed attempt; retry later, or give up. True if the timer gave up."""
    timer.attempts += 1
    timer.last_error = error
    if timer.attempts >= max_attempts:
        timer.status = TimerStatus.FAILED
        timer.record(
            "timer.failed", kind=timer.kind, key=timer.key, attempts=timer.attempts, error=error
        )
        log.error("timer %s (%s) gave up after %d attempts", timer.key, timer.kind, timer.attempts)
        return True
    timer.due_at = now + backoff(timer.attempts)
    return False
