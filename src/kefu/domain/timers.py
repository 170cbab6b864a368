"""Durable timers: "at time T do X", stored as rows and fired once by a worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kefu.domain.events import RecordsEvents


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """Gave up after the configured number of attempts; kept for inspection."""


@dataclass
class Timer(RecordsEvents):
    kind: str
    """What to do, e.g. `sla.breach`; a handler is registered per kind."""
    key: str
    """Natural key, unique: scheduling the same key again moves the timer."""
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    status: TimerStatus = TimerStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    fired_at: datetime | None = None

    def __post_init__(self) -> None:
        self._init_events()
        if self.due_at.tzinfo is None:
            raise ValueError("a timer's due time must be timezone-aware")

    def fire(self, now: datetime) -> None:
        self.status = TimerStatus.FIRED
        self.fired_at = now
        self.attempts += 1
        self.record("timer.fired", kind=self.kind, key=self.key)
