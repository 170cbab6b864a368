"""Durable-timer benchmark: fetch and fire the due batch among 1,000,000 pending timers.

What it measures
    For each database mode, a fresh database is migrated and filled with ``--pending``
    pending ``kefu.noop`` timers of which ``--due`` are due now (spread evenly through the
    table, so due rows are not contiguous) and the rest due in the future (1 h to ~12 days
    ahead). The rows are generated inside the database (``INSERT … SELECT`` over
    ``generate_series`` on PostgreSQL, a recursive CTE on SQLite) — the fastest bulk path —
    and the table is analysed, as a long-lived table would be. Then:

    - *fetch*: claiming one batch of ``--batch`` due timers (the worker's ``SELECT … FOR
      UPDATE SKIP LOCKED`` on PostgreSQL) and rolling back; median of ``--repeat`` runs;
    - *fire*: ``services.timers.fire_batch`` until nothing is due — claim, run the handler
      in a savepoint, mark fired, write the ``timer.fired`` outbox row, commit once per
      batch. It reports the median time of one full batch, the total time and timers/s.

    The baseline, measured in the same run, is the same work with only the ``--due``
    timers in the table. The outbox relay is not part of the measurement (the unit of
    work has no after-commit hook here). Insert times are printed too.

Modes
    ``sqlite``    embedded: a file in a fresh temporary directory, deleted afterwards
    ``postgres``  a fresh schema ``bench_<random>`` in ``--pg-url`` (default
                  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), dropped
                  afterwards; skipped with a message when PostgreSQL is unreachable

How to run (from the repository root, in the project's virtualenv)::

    python bench/timers.py                                   # 1,000,000 pending, 10,000 due
    python bench/timers.py --modes sqlite --pending 200000
    python bench/timers.py --due 20000 --batch 500 --repeat 7

Figures depend on the machine; compare the loaded table only with the baseline of the
same run. Benchmarks are run by hand and are never part of the test suite.
"""

from __future__ import annotations

# `bench/email.py` would shadow the standard library's `email` for every script run from
# this folder (sys.path[0]); take the folder off the path before anything imports it.
import sys as _sys
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _here]

import argparse
import dataclasses
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from kefu.bootstrap import Container, build
from kefu.config import Settings
from kefu.domain.clock import SystemClock
from kefu.services.context import ServiceContext
from kefu.services.timers import NOOP, fire_batch
from kefu.store.migrate import upgrade
from kefu.store.uow import SqlUnitOfWork

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FUTURE_START_S = 3600
"""Future timers are due from one hour ahead, one second apart."""


@dataclass
class Figures:
    mode: str
    table: str
    rows: int
    insert_s: float
    fetch_ms: float
    batch_ms: float
    fire_s: float
    fired: int

    @property
    def per_second(self) -> float:
        return self.fired / self.fire_s if self.fire_s else 0.0


# ---- databases ---------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="kefu-bench-timers-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        upgrade(settings.resolved_database_url)
        yield settings


def _pg_admin_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_database(url: str) -> Iterator[Settings]:
    import psycopg

    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        settings = Settings(database_url=_pg_schema_url(url, schema))
        upgrade(settings.resolved_database_url)
        yield settings
    finally:
        with psycopg.connect(_pg_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_reachable(url: str) -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(_pg_admin_url(url), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


# ---- filling the table -------------------------------------------------------------------


def _sqlite_fill(conn: Connection, pending: int, due: int, now: datetime) -> None:
    # UTCDateTime stores naive UTC text on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff'.
    base = now.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    every = max(pending // due, 1) if due else 0
    conn.execute(
        text(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :pending)
            INSERT INTO timers (kind, key, due_at, payload, status, attempts, created_at)
            SELECT :kind, 'bench:' || i,
                   CASE WHEN :every > 0 AND i % :every = 0 AND i / :every <= :due
                        THEN strftime(:fmt, :base, '-' || (i / :every) || ' seconds')
                        ELSE strftime(:fmt, :base, '+' || (:future + i) || ' seconds')
                   END || '.000000',
                   '{}', 'pending', 0, :base || '.000000'
            FROM n
            """
        ),
        {
            "pending": pending,
            "due": due,
            "every": every,
            "kind": NOOP,
            "base": base,
            "fmt": "%Y-%m-%d %H:%M:%S",
            "future": FUTURE_START_S,
        },
    )
    conn.execute(text("ANALYZE"))


def _postgres_fill(conn: Connection, pending: int, due: int, now: datetime) -> None:
    every = max(pending // due, 1) if due else 0
    conn.execute(
        text(
            """
            INSERT INTO timers (kind, key, due_at, payload, status, attempts, created_at)
            SELECT :kind, 'bench:' || i,
                   CASE WHEN :every > 0 AND i % :every = 0 AND i / :every <= :due
                        THEN CAST(:now AS timestamptz) - make_interval(secs => i / :every)
                        ELSE CAST(:now AS timestamptz) + make_interval(secs => :future + i)
                   END,
                   '{}'::json, 'pending', 0, CAST(:now AS timestamptz)
            FROM generate_series(1, :pending) AS i
            """
        ),
        {
            "pending": pending,
            "due": due,
            "every": every,
            "kind": NOOP,
            "now": now,
            "future": FUTURE_START_S,
        },
    )
    conn.execute(text("ANALYZE timers"))


def fill(container: Container, pending: int, due: int) -> float:
    """Insert `pending` timers, `due` of them due now; return the seconds it took."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    with container.db.writer() as session:
        conn = session.connection()
        if container.db.is_sqlite:
            _sqlite_fill(conn, pending, due, now)
        else:
            _postgres_fill(conn, pending, due, now)
        session.commit()
    elapsed = time.perf_counter() - started
    with container.db.reader() as session:
        counted = session.scalar(text("SELECT count(*) FROM timers"))
    if counted != pending:
        raise RuntimeError(f"inserted {counted} timers, expected {pending}")
    return elapsed


# ---- measuring ---------------------------------------------------------------------------


def bench_context(container: Container) -> ServiceContext:
    """The container's services, without relaying events after each commit."""
    clock = SystemClock()

    def uow(readonly: bool = False) -> Any:  # a UnitOfWork (the protocol's repos are invariant)
        return SqlUnitOfWork(container.db, clock, None, readonly=readonly)

    return dataclasses.replace(container.ctx, uow=uow, clock=clock)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000 if samples else float("nan")


def measure_fetch(ctx: ServiceContext, batch: int, repeat: int) -> float:
    """Median milliseconds to claim one batch of due timers (then roll back)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        with ctx.uow() as uow:
            claimed = uow.timers.claim_due(ctx.clock.now(), batch)
            elapsed = time.perf_counter() - started
            uow.rollback()
        if not claimed:
            raise RuntimeError("nothing due to fetch")
        samples.append(elapsed)
    return median_ms(samples)


def measure_fire(container: Container, batch: int) -> tuple[float, float, int]:
    """Fire until nothing is due: (median ms of a full batch, total seconds, fired)."""
    ctx = bench_context(container)
    full: list[float] = []
    fired = 0
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        result = fire_batch(ctx, container.timer_handlers, limit=batch)
        elapsed = time.perf_counter() - t0
        fired += result.fired
        if result.claimed == batch:
            full.append(elapsed)
        if result.claimed < batch:
            break
    return median_ms(full), time.perf_counter() - started, fired


def run_case(
    mode: str,
    table: str,
    settings: Settings,
    pending: int,
    due: int,
    batch: int,
    repeat: int,
    say: Callable[[str], None],
) -> Figures:
    container = build(settings, clock=SystemClock())
    try:
        say(f"{mode}/{table}: inserting {pending:,} timers ({due:,} due)…")
        insert_s = fill(container, pending, due)
        say(f"{mode}/{table}: inserted in {insert_s:.1f} s; fetching and firing…")
        fetch_ms = measure_fetch(bench_context(container), batch, repeat)
        batch_ms, fire_s, fired = measure_fire(container, batch)
        if fired != due:
            raise RuntimeError(f"{mode}/{table}: fired {fired}, expected {due}")
        return Figures(mode, table, pending, insert_s, fetch_ms, batch_ms, fire_s, fired)
    finally:
        container.close()


def print_table(rows: list[Figures], batch: int) -> None:
    header = (
        f"{'mode':<9}{'table':<10}{'rows':>11}{'insert s':>10}"
        f"{f'fetch {batch} ms':>16}{f'fire {batch} ms':>15}{'fire all s':>12}{'timers/s':>10}"
        f"{'vs base':>9}"
    )
    print(header)
    print("-" * len(header))
    baselines = {f.mode: f for f in rows if f.table == "baseline"}
    for f in rows:
        base = baselines.get(f.mode)
        ratio = f"{f.per_second / base.per_second:.0%}" if base and base.per_second else "-"
        print(
            f"{f.mode:<9}{f.table:<10}{f.rows:>11,}{f.insert_s:>10.1f}{f.fetch_ms:>16.1f}"
            f"{f.batch_ms:>15.1f}{f.fire_s:>12.2f}{f.per_second:>10,.0f}{ratio:>9}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pending", type=int, default=1_000_000, help="timers in the table")
    parser.add_argument("--due", type=int, default=10_000, help="of which due now")
    parser.add_argument("--batch", type=int, default=1000, help="timers per transaction")
    parser.add_argument("--repeat", type=int, default=5, help="fetch timings to take the median of")
    parser.add_argument("--modes", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - {"sqlite", "postgres"}
    if unknown or not 0 < args.due <= args.pending or args.batch < 1:
        parser.error(f"bad options (unknown modes: {sorted(unknown)})" if unknown else "bad sizes")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows: list[Figures] = []
    for mode in modes:
        if mode == "postgres" and (why := postgres_reachable(args.pg_url)):
            say(f"postgres: skipped, unreachable at {args.pg_url}: {why}")
            continue
        for table, pending in (("baseline", args.due), ("loaded", args.pending)):
            opened = sqlite_database() if mode == "sqlite" else postgres_database(args.pg_url)
            with opened as settings:
                rows.append(
                    run_case(mode, table, settings, pending, args.due, args.batch, args.repeat, say)
                )
    print_table(rows, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
