"""Acceptance: several `kefu worker` processes fire each timer exactly once, even when one
is killed with SIGKILL in the middle of a batch (scale mode: PostgreSQL and Redis)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select, text

from kefu.config import Settings
from kefu.services.timers import NOOP
from kefu.store.models import OutboxRow, TimerRow
from tests.conftest import MODE

pytestmark = pytest.mark.skipif(
    MODE != "scale",
    reason="several worker processes against one database need PostgreSQL (row locks, "
    "SKIP LOCKED); embedded mode fires timers in-process — run with KEFU_TEST_MODE=scale",
)

TIMERS = 10_000
BATCH = 200
KILL_AFTER = 1_000
"""Kill one worker once this many timers have fired (some, but far from all)."""
DEADLINE_S = 120.0
FIRED_LINE = re.compile(r"worker (\d+) fired (\d+) timers")


class Worker:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.log_path = log_dir / f"{name}.log"
        self.app_name = f"kefu-test-{os.getpid()}-{name}"
        url = env["KEFU_DATABASE_URL"]
        url += f"{'&' if '?' in url else '?'}application_name={self.app_name}"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kefu", "worker", "--batch", str(BATCH), "--interval", "0.2"],
            env={**env, "KEFU_DATABASE_URL": url},
            cwd=log_dir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def fired(self) -> int:
        """Timers this process reported as fired (its progress lines)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return sum(int(m.group(2)) for m in FIRED_LINE.finditer(text))

    def tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]


def _counts(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(TimerRow.status, func.count()).group_by(TimerRow.status))
        return Counter({status: int(n) for status, n in rows})


def _in_a_transaction(engine: Engine, worker: Worker) -> bool:
    """Has the worker's connection locked or written rows it has not committed yet?"""
    with engine.connect() as conn:
        n = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = :name AND backend_xid IS NOT NULL"
            ),
            {"name": worker.app_name},
        )
    return bool(n)


def _insert_due_timers(engine: Engine, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "kind": NOOP,
            "key": f"accept:{i}",
            "due_at": now - timedelta(seconds=1) + timedelta(microseconds=i),
            "payload": {"n": i},
            "status": "pending",
            "attempts": 0,
            "last_error": None,
            "created_at": now,
            "fired_at": None,
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(insert(TimerRow), rows)


def test_two_workers_and_a_kill_fire_each_of_10000_timers_exactly_once(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.resolved_database_url
    engine = create_engine(url)
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": url,
        "KEFU_REDIS_URL": settings.redis_url or "",
        "KEFU_REDIS_CHANNEL": settings.redis_channel,
        "KEFU_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []
    try:
        _insert_due_timers(engine, TIMERS)
        assert _counts(engine) == {"pending": TIMERS}

        workers += [Worker("a", env, tmp_path), Worker("b", env, tmp_path)]
        deadline = time.monotonic() + DEADLINE_S
        while _counts(engine)["fired"] < KILL_AFTER or not _in_a_transaction(engine, workers[0]):
            assert time.monotonic() < deadline, "workers fired nothing:\n" + workers[0].tail()
            assert all(w.proc.poll() is None for w in workers), workers[0].tail()
            time.sleep(0.005)
        workers[0].kill()  # SIGKILL mid-batch: its transaction is rolled back, locks released
        at_kill = _counts(engine)
        assert 0 < at_kill["fired"] < TIMERS, f"killed too late to test anything: {at_kill}"

        workers.append(Worker("a-restarted", env, tmp_path))
        while (counts := _counts(engine))["pending"] > 0:
            assert time.monotonic() < deadline, f"timers still pending: {counts}\n" + "\n".join(
                w.tail() for w in workers[1:]
            )
            time.sleep(0.1)

        assert counts == {"fired": TIMERS}, counts
        with engine.connect() as conn:
            ids = {str(i) for i in conn.scalars(select(TimerRow.id))}
            events = conn.execute(
                select(OutboxRow.aggregate, OutboxRow.aggregate_id, OutboxRow.payload).where(
                    OutboxRow.name == "timer.fired"
                )
            ).all()
        assert len(events) == TIMERS
        assert {aggregate for aggregate, _, _ in events} == {"timer"}
        per_timer = Counter(aggregate_id for _, aggregate_id, _ in events)
        assert set(per_timer) == ids and set(per_timer.values()) == {1}
        per_key = Counter(payload["key"] for _, _, payload in events)
        assert set(per_key) == {f"accept:{i}" for i in range(TIMERS)}
        assert set(per_key.values()) == {1}
        # The survivor reported its share; the killed worker's committed batches are among
        # the `fired` rows counted before the kill.
        assert workers[1].fired() > 0, workers[1].tail()
        print(
            f"fired before the kill: {at_kill['fired']}; reported after: "
            + ", ".join(f"{w.log_path.stem}={w.fired()}" for w in workers[1:])
        )
    finally:
        for w in workers:
            w.kill()
        engine.dispose()
