"""The timer repository: durable "at time T do X" rows, claimed by workers.

Scheduling is an upsert by the timer's natural key, always onto the key's one row:

- no row with that key → a new pending row;
- a *pending* row → moved: new kind, due time and payload, attempts and last error reset
  (a new schedule is a new intent);
- a *fired*, *cancelled* or *failed* row → replaced by a new pending timer in the same row
  (same id, `created_at` renewed, `fired_at` cleared). Each schedule fires at most once; a
  key scheduled, fired and scheduled again fires twice, and both `timer.fired` events carry
  the same `aggregate_id`. Reusing the row rather than deleting and inserting keeps one row
  per key and the id stable on SQLite too, which reuses a deleted highest rowid anyway.

Claiming locks: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so several workers take disjoint
batches and a crashed worker's locks go with its transaction; on SQLite the writer
transaction (`BEGIN IMMEDIATE`) is already exclusive, so no locking clause is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.timers import Timer, TimerStatus
from kefu.store.models import TimerRow


def _timer(row: TimerRow) -> Timer:
    return Timer(
        kind=row.kind,
        key=row.key,
        due_at=row.due_at,
        payload=dict(row.payload or {}),
        id=row.id,
        status=TimerStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        fired_at=row.fired_at,
    )


def _fill(row: TimerRow, t: Timer) -> None:
    row.kind, row.key, row.due_at, row.payload = t.kind, t.key, t.due_at, dict(t.payload)
    row.status, row.attempts, row.last_error = t.status.value, t.attempts, t.last_error
    row.fired_at = t.fired_at


class SqlTimerRepository:
    def __init__(self, session: Session, seen: list[Any], now: Callable[[], datetime]) -> None:
        self.s, self.seen, self._now = session, seen, now
        self._rows: dict[str, TimerRow] = {}
        self._scheduled: set[str] = set()

    @property
    def _locks_rows(self) -> bool:
        return self.s.get_bind().dialect.name != "sqlite"

    def _row_for_update(self, key: str) -> TimerRow | None:
        stmt = select(TimerRow).where(TimerRow.key == key)
        if self._locks_rows:
            stmt = stmt.with_for_update()
        return self.s.scalars(stmt).first()

    def _track(self, row: TimerRow) -> Timer:
        self._rows[row.key] = row
        timer = _timer(row)
        self.seen.append(timer)
        return timer

    def schedule(self, timer: Timer) -> None:
        """Insert, or move/replace the timer with the same key (see the module docstring)."""
        timer.status, timer.attempts, timer.last_error, timer.fired_at = (
            TimerStatus.PENDING,
            0,
            None,
            None,
        )
        self._scheduled.add(timer.key)
        row = self._row_for_update(timer.key)
        if row is None:
            try:
                with self.s.begin_nested():
                    self._insert(timer)
            except IntegrityError:
                # Another transaction inserted the same key first: take its row instead.
                row = self._row_for_update(timer.key)
                if row is None:  # pragma: no cover - the conflict was on another column
                    raise
                self._move_or_replace(row, timer)
        else:
            self._move_or_replace(row, timer)

    def _move_or_replace(self, row: TimerRow, timer: Timer) -> None:
        if row.status != TimerStatus.PENDING.value:
            row.created_at = self._now()  # a new timer in the old row
        _fill(row, timer)
        self.s.flush()
        timer.id = row.id
        self._rows[timer.key] = row

    def _insert(self, timer: Timer) -> TimerRow:
        row = TimerRow(created_at=self._now())
        _fill(row, timer)
        self.s.add(row)
        self.s.flush()
        timer.id = row.id
        self._rows[timer.key] = row
        return row

    def cancel(self, key: str) -> bool:
        row = self._row_for_update(key)
        if row is None or row.status != TimerStatus.PENDING.value:
            return False
        row.status = TimerStatus.CANCELLED.value
        self.s.flush()
        return True

    def was_scheduled(self, key: str) -> bool:
        return key in self._scheduled

    def get(self, key: str) -> Timer | None:
        row = self.s.scalars(select(TimerRow).where(TimerRow.key == key)).first()
        return None if row is None else self._track(row)

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        stmt = (
            select(TimerRow)
            .where(TimerRow.status == TimerStatus.PENDING.value, TimerRow.due_at <= now)
            .order_by(TimerRow.due_at, TimerRow.id)
            .limit(limit)
        )
        if self._locks_rows:
            stmt = stmt.with_for_update(skip_locked=True)
        return [self._track(row) for row in self.s.scalars(stmt)]

    def save(self, timer: Timer) -> None:
        row = self._rows.get(timer.key)
        if row is None or row.id != timer.id:
            row = self.s.get(TimerRow, timer.id) if timer.id is not None else None
            if row is None:
                raise LookupError(f"timer {timer.key!r} was never loaded or scheduled")
            self._rows[timer.key] = row
        _fill(row, timer)

    def pending_count(self) -> int:
        stmt = select(func.count()).select_from(TimerRow)
        return int(self.s.scalar(stmt.where(TimerRow.status == TimerStatus.PENDING.value)) or 0)
