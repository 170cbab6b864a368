"""The 72-hour deadline is a durable timer: it survives a restart, and a worker process
that never saw the dispute being opened fires it from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from kefu.bootstrap import build
from kefu.config import Settings
from kefu.domain.actors import SYSTEM
from kefu.domain.clock import FixedClock, SystemClock
from kefu.domain.disputes import Action, State
from kefu.services.dispute_queries import detail
from kefu.services.setup import prepare
from tests.integration.disputes_support import ARBITER, open_for, order, use_orders

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _state(settings: Settings, clock: FixedClock | SystemClock, dispute_id: int) -> State:
    c = build(settings, clock=clock)
    try:
        assert c.disputes is not None
        return detail(c.disputes, ARBITER, dispute_id).dispute.state
    finally:
        c.close()


def test_the_seller_deadline_survives_a_restart_and_fires_at_72_hours(settings: Settings) -> None:
    before = build(settings, clock=FixedClock(T0))
    prepare(before.ctx)
    d = open_for(use_orders(before, [order("DY200")]), "DY200")
    assert d.id is not None
    before.close()  # the server stops; nothing of the dispute lives in memory any more

    clock = FixedClock(T0 + timedelta(hours=71, minutes=59))
    after = build(settings, clock=clock)  # a new process on the same database
    try:
        after.fire_due_timers()
        assert after.disputes is not None
        assert detail(after.disputes, ARBITER, d.id).dispute.state is State.AWAITING_SELLER
        clock.advance(timedelta(minutes=1))
        after.fire_due_timers()
        view = detail(after.disputes, ARBITER, d.id)
    finally:
        after.close()
    assert view.dispute.state is State.ARBITRATION
    last = view.history[-1]
    assert (last.action, last.actor) == (Action.DEADLINE_PASSED, SYSTEM.label)


def test_kefu_worker_once_fires_a_due_deadline_from_the_database(settings: Settings) -> None:
    opened_at = datetime.now(UTC) - timedelta(hours=72, minutes=5)
    c = build(settings, clock=FixedClock(opened_at))
    prepare(c.ctx)
    d = open_for(use_orders(c, [order("DY300")]), "DY300")
    assert d.id is not None
    c.close()
    assert _state(settings, SystemClock(), d.id) is State.AWAITING_SELLER

    env = {**os.environ, "KEFU_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["KEFU_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["KEFU_REDIS_URL"] = settings.redis_url
        env["KEFU_REDIS_CHANNEL"] = settings.redis_channel
    done = subprocess.run(
        [sys.executable, "-m", "kefu", "worker", "--once"],
        env=env,
        cwd=settings.data_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert _state(settings, SystemClock(), d.id) is State.ARBITRATION
