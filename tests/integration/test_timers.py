"""Durable timers: fired once at their due time, moved, cancelled, retried, given up."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kefu.bootstrap import Container
from kefu.domain.clock import FixedClock
from kefu.domain.timers import Timer, TimerStatus
from kefu.jobs.timers import TimerThread, run_worker
from kefu.services.ports import UnitOfWork
from kefu.services.timers import (
    NOOP,
    TimerHandler,
    cancel_timer,
    fire_batch,
    fire_due,
    fire_until_idle,
    schedule_timer,
)
from kefu.store.models import OutboxRow

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def schedule(
    c: Container, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None
) -> Timer:
    with c.ctx.uow() as uow:
        timer = schedule_timer(uow, kind, key, due_at, payload)
        uow.commit()
    return timer


def cancel(c: Container, key: str) -> bool:
    with c.ctx.uow() as uow:
        found = cancel_timer(uow, key)
        uow.commit()
    return found


def timer(c: Container, key: str) -> Timer | None:
    with c.ctx.uow(readonly=True) as uow:
        return uow.timers.get(key)


def status(c: Container, key: str) -> TimerStatus | None:
    t = timer(c, key)
    return None if t is None else t.status


def events(c: Container, name: str) -> list[OutboxRow]:
    with c.db.reader() as s:
        return list(
            s.scalars(select(OutboxRow).where(OutboxRow.name == name).order_by(OutboxRow.id))
        )


def handlers(c: Container, **extra: TimerHandler) -> dict[str, TimerHandler]:
    return {**c.timer_handlers, **{k.replace("_", "."): v for k, v in extra.items()}}


def schedule_effect(uow: UnitOfWork, t: Timer, now: datetime) -> None:
    """A handler with a visible database effect: it schedules a follow-up timer."""
    schedule_timer(uow, NOOP, f"effect:{t.key}", now + timedelta(days=1))


def test_a_timer_does_not_fire_before_its_due_time_and_fires_at_it(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    due = clock.now() + 10 * MINUTE
    t = schedule(c, NOOP, "t:1", due, {"ticket_id": 7})
    assert t.id is not None

    clock.set(due - SECOND)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 0
    assert status(c, "t:1") is TimerStatus.PENDING

    clock.set(due)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 1
    fired = timer(c, "t:1")
    assert fired is not None
    assert (fired.status, fired.fired_at, fired.attempts) == (TimerStatus.FIRED, due, 1)
    assert fired.payload == {"ticket_id": 7}
    [event] = events(c, "timer.fired")
    assert (event.aggregate, event.aggregate_id) == ("timer", str(t.id))
    assert event.payload == {"kind": NOOP, "key": "t:1"}

    clock.advance(MINUTE)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 0


def test_scheduling_the_same_key_again_moves_the_pending_timer(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    first = schedule(c, NOOP, "t:move", clock.now() + 10 * MINUTE, {"v": 1})
    moved = schedule(c, NOOP, "t:move", clock.now() + 20 * MINUTE, {"v": 2})
    assert moved.id == first.id
    with c.ctx.uow(readonly=True) as uow:
        assert uow.timers.pending_count() == 1

    clock.advance(10 * MINUTE)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 0
    clock.advance(10 * MINUTE)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 1
    fired = timer(c, "t:move")
    assert fired is not None and fired.payload == {"v": 2}
    assert len(events(c, "timer.fired")) == 1


def test_scheduling_a_fired_key_again_makes_a_new_pending_timer_in_its_row(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    first = schedule(c, NOOP, "t:again", clock.now(), {"round": 1})
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 1
    second = schedule(c, NOOP, "t:again", clock.now() + MINUTE, {"round": 2})
    assert second.id == first.id
    again = timer(c, "t:again")
    assert again is not None
    assert (again.status, again.attempts, again.fired_at) == (TimerStatus.PENDING, 0, None)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 0
    clock.advance(MINUTE)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 1
    assert [e.aggregate_id for e in events(c, "timer.fired")] == [str(first.id)] * 2


def test_a_cancelled_timer_never_fires(fixed_container: Container, clock: FixedClock) -> None:
    c = fixed_container
    schedule(c, NOOP, "t:cancel", clock.now() + MINUTE)
    schedule(c, NOOP, "t:keep", clock.now() + MINUTE)
    assert cancel(c, "t:cancel") is True
    assert cancel(c, "t:cancel") is False  # no longer pending
    assert cancel(c, "t:nobody") is False
    clock.advance(MINUTE)
    assert fire_due(c.ctx, c.timer_handlers, limit=10) == 1
    assert status(c, "t:cancel") is TimerStatus.CANCELLED
    assert [e.payload["key"] for e in events(c, "timer.fired")] == ["t:keep"]


def test_a_fired_timer_cannot_be_cancelled(fixed_container: Container, clock: FixedClock) -> None:
    c = fixed_container
    schedule(c, NOOP, "t:late", clock.now())
    fire_due(c.ctx, c.timer_handlers, limit=10)
    assert cancel(c, "t:late") is False
    assert status(c, "t:late") is TimerStatus.FIRED


def test_a_failing_handler_rolls_back_only_its_own_timer(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container

    def broken(uow: UnitOfWork, t: Timer, now: datetime) -> None:
        schedule_effect(uow, t, now)
        raise RuntimeError("boom")

    hs = handlers(c, test_effect=schedule_effect, test_broken=broken)
    now = clock.now()
    schedule(c, "test.broken", "b", now - SECOND)
    schedule(c, "test.effect", "a", now)

    result = fire_batch(c.ctx, hs, limit=10)
    assert (result.claimed, result.fired, result.retried, result.failed) == (2, 1, 1, 0)
    assert status(c, "effect:a") is TimerStatus.PENDING  # the good handler's effect stays
    assert timer(c, "effect:b") is None  # the broken handler's effect is rolled back
    b = timer(c, "b")
    assert b is not None
    assert (b.status, b.attempts, b.last_error) == (TimerStatus.PENDING, 1, "RuntimeError: boom")
    assert b.due_at == now + timedelta(seconds=30)  # retried after the first backoff
    assert [e.payload["key"] for e in events(c, "timer.fired")] == ["a"]


def test_a_failing_timer_is_retried_with_backoff_until_it_succeeds(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    calls: list[datetime] = []

    def flaky(uow: UnitOfWork, t: Timer, now: datetime) -> None:
        calls.append(now)
        if len(calls) < 3:
            raise ConnectionError("partner API down")
        schedule_effect(uow, t, now)

    hs = handlers(c, test_flaky=flaky)
    start = clock.now()
    schedule(c, "test.flaky", "f", start)
    assert fire_due(c.ctx, hs, limit=10) == 0
    clock.advance(29 * SECOND)
    assert fire_due(c.ctx, hs, limit=10) == 0  # still backing off: the handler is not called
    assert len(calls) == 1
    clock.set(start + 30 * SECOND)
    assert fire_due(c.ctx, hs, limit=10) == 0
    clock.set(start + 90 * SECOND)  # the second retry waits twice as long (60 s)
    assert fire_due(c.ctx, hs, limit=10) == 1
    assert calls == [start, start + 30 * SECOND, start + 90 * SECOND]
    f = timer(c, "f")
    assert f is not None
    assert (f.status, f.attempts) == (TimerStatus.FIRED, 3)
    assert f.last_error == "ConnectionError: partner API down"  # kept for inspection
    assert status(c, "effect:f") is TimerStatus.PENDING
    assert len(events(c, "timer.fired")) == 1


def test_a_timer_that_keeps_failing_is_marked_failed_after_max_attempts(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container

    def always(uow: UnitOfWork, t: Timer, now: datetime) -> None:
        raise ValueError("bad payload")

    hs = handlers(c, test_always=always)
    schedule(c, "test.always", "x", clock.now())
    outcomes = []
    for _ in range(3):
        r = fire_batch(c.ctx, hs, limit=10, max_attempts=3)
        outcomes.append((r.claimed, r.retried, r.failed))
        clock.advance(timedelta(hours=1))
    assert outcomes == [(1, 1, 0), (1, 1, 0), (1, 0, 1)]
    x = timer(c, "x")
    assert x is not None
    assert (x.status, x.attempts, x.last_error) == (
        TimerStatus.FAILED,
        3,
        "ValueError: bad payload",
    )
    assert fire_batch(c.ctx, hs, limit=10, max_attempts=3).claimed == 0
    assert events(c, "timer.fired") == []
    [gave_up] = events(c, "timer.failed")
    assert gave_up.payload["key"] == "x" and gave_up.payload["attempts"] == 3


def test_a_timer_of_an_unknown_kind_is_recorded_as_a_failure_not_a_crash(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    schedule(c, "nobody.handles", "u", clock.now() - SECOND)
    schedule(c, NOOP, "n", clock.now())
    result = fire_batch(c.ctx, c.timer_handlers, limit=10)
    assert (result.claimed, result.fired, result.retried) == (2, 1, 1)
    u = timer(c, "u")
    assert u is not None
    assert (u.status, u.attempts) == (TimerStatus.PENDING, 1)
    assert u.last_error == "no handler for timer kind 'nobody.handles'"


def test_each_fired_timer_records_exactly_one_timer_fired_event(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    keys = [f"many:{i}" for i in range(25)]
    for i, key in enumerate(keys):
        schedule(c, NOOP, key, clock.now() - i * SECOND)
    batches = []
    while (n := fire_due(c.ctx, c.timer_handlers, limit=10)) > 0:
        batches.append(n)
    assert batches == [10, 10, 5]
    fired = events(c, "timer.fired")
    assert sorted(e.payload["key"] for e in fired) == sorted(keys)
    assert len({e.aggregate_id for e in fired}) == 25


def test_due_timers_fire_oldest_first_and_the_limit_is_respected(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    order: list[str] = []

    def note(uow: UnitOfWork, t: Timer, now: datetime) -> None:
        order.append(t.key)

    hs = handlers(c, test_note=note)
    now = clock.now()
    for key, minutes_ago in [("c", 3), ("e", 1), ("a", 5), ("d", 2), ("b", 4)]:
        schedule(c, "test.note", key, now - minutes_ago * MINUTE)
    schedule(c, "test.note", "future", now + SECOND)
    assert fire_due(c.ctx, hs, limit=2) == 2
    assert order == ["a", "b"]
    assert fire_due(c.ctx, hs, limit=10) == 3
    assert order == ["a", "b", "c", "d", "e"]
    with c.ctx.uow(readonly=True) as uow:
        assert uow.timers.pending_count() == 1


def test_threads_firing_side_by_side_fire_each_timer_once(container: Container) -> None:
    """Row locks (PostgreSQL, SKIP LOCKED) or the writer lock (SQLite) split the work."""
    c = container
    now = c.ctx.clock.now()
    with c.ctx.uow() as uow:
        for i in range(300):
            schedule_timer(uow, NOOP, f"par:{i}", now - i * timedelta(milliseconds=1))
        uow.commit()

    def drain(_: int) -> int:
        return fire_until_idle(c.ctx, c.timer_handlers, batch=20)

    with ThreadPoolExecutor(4) as pool:
        fired = sum(pool.map(drain, range(4)))
    assert fired == 300
    keys = [e.payload["key"] for e in events(c, "timer.fired")]
    assert len(keys) == 300 and len(set(keys)) == 300


def _wait_until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_the_timer_thread_of_kefu_serve_fires_due_timers(container: Container) -> None:
    c = container
    schedule(c, NOOP, "thread:1", c.ctx.clock.now() - SECOND)
    thread = TimerThread(c.ctx, c.timer_handlers, interval=0.05, batch=10)
    thread.start()
    try:
        assert _wait_until(lambda: status(c, "thread:1") is TimerStatus.FIRED)
        schedule(c, NOOP, "thread:2", c.ctx.clock.now())  # picked up by a later tick
        assert _wait_until(lambda: status(c, "thread:2") is TimerStatus.FIRED)
    finally:
        thread.stop()
    assert not thread.is_alive()
    assert thread.fired == 2


def test_one_worker_sweep_fires_all_due_timers_in_batches(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    for i in range(5):
        schedule(c, NOOP, f"sweep:{i}", clock.now())
    run_worker(c.ctx, c.timer_handlers, c.relay.drain, batch=2, once=True)
    assert [status(c, f"sweep:{i}") for i in range(5)] == [TimerStatus.FIRED] * 5
    assert c.fire_due_timers() == 0
    schedule(c, NOOP, "sweep:late", clock.now())
    assert c.fire_due_timers(batch=1) == 1


def test_a_stop_request_between_batches_leaves_the_rest_pending(container: Container) -> None:
    c = container
    now = c.ctx.clock.now()
    with c.ctx.uow() as uow:
        for i in range(30):
            schedule_timer(uow, NOOP, f"stop:{i}", now - i * timedelta(milliseconds=1))
        uow.commit()
    asked: list[bool] = []

    def stop_after_first() -> bool:
        asked.append(True)
        return len(asked) > 1

    fired = fire_until_idle(c.ctx, c.timer_handlers, batch=10, should_stop=stop_after_first)
    assert fired == 10
    with c.ctx.uow(readonly=True) as uow:
        assert uow.timers.pending_count() == 20
    assert len(events(c, "timer.fired")) == 10


def test_events_recorded_by_a_failed_handler_do_not_reach_the_outbox(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    schedule(c, NOOP, "other", clock.now() + timedelta(days=1))

    def records_then_fails(uow: UnitOfWork, t: Timer, now: datetime) -> None:
        other = uow.timers.get("other")  # any aggregate the handler loads and changes
        assert other is not None
        other.record("test.side_effect", by=t.key)
        raise RuntimeError("after recording an event")

    schedule(c, "test.records", "r", clock.now())
    fire_batch(c.ctx, handlers(c, test_records=records_then_fails), limit=10)
    assert events(c, "test.side_effect") == []
