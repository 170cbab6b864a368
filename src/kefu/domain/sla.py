"""Service levels (SPEC §7): SLA rules, the terms they give a ticket, and its clocks.

Rules match on segment × subcategory (or category, or SLA class) × channel, plus the email
completeness grade and "legal in copy". For each target (first response, next response,
resolution) the most specific matching rule that sets it wins, so a rule may say just
"first response 15 minutes for in-app ban appeals" and inherit the rest. A target counts
on the calendar of the rule that set it (24×7 when that rule names none): "4 working
hours" for an enterprise tier, plain minutes for an in-app promise.

A clock counts business minutes on its calendar: it starts running, pauses (while waiting
on the customer), resumes, and stops (met). Its due time is recomputed whenever it
(re)starts. Warnings and breaches are checked at "checkpoints" that a durable timer fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kefu.domain.calendars import BusinessCalendar


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


TARGET_FIELDS = {
    Metric.FIRST_RESPONSE: "first_response_minutes",
    Metric.NEXT_RESPONSE: "next_response_minutes",
    Metric.RESOLUTION: "resolution_minutes",
}

# How much each matched attribute makes a rule more specific. A channel's public promise
# (Weibo 30 min) beats a problem class; a class (urgent security) beats a segment tier.
SPECIFICITY = {
    "subcategory": 16,
    "category": 8,
    "channel": 6,
    "sla_class": 5,
    "segment": 4,
    "grade": 3,
    "legal_cc": 3,
}
DEFAULT_CALENDAR = "24x7"

Calendars = BusinessCalendar | Mapping[str, BusinessCalendar]
"""One calendar for every clock, or calendars by name (each clock uses its own)."""


def pick_calendar(cals: Calendars, name: str) -> BusinessCalendar:
    if isinstance(cals, BusinessCalendar):
        return cals
    found = cals.get(name) or cals.get(DEFAULT_CALENDAR)
    if found is None:
        raise KeyError(f"no calendar {name!r}")
    return found


@dataclass(frozen=True, slots=True)
class SlaSubject:
    """What the rules look at."""

    segments: tuple[str, ...]
    subcategory: str
    sla_class: str
    channel: str
    grade: str | None = None
    """Email completeness grade: text | screenshots | recording."""
    legal_cc: bool = False

    @property
    def category(self) -> str:
        return self.subcategory.split(".")[0]


@dataclass(frozen=True, slots=True)
class SlaRule:
    name: str
    calendar: str | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    segment: str | None = None
    category: str | None = None
    subcategory: str | None = None
    sla_class: str | None = None
    channel: str | None = None
    grade: str | None = None
    legal_cc: bool | None = None
    id: int | None = None

    def matches(self, s: SlaSubject) -> bool:
        return (
            (self.segment is None or self.segment in s.segments)
            and (self.category is None or self.category == s.category)
            and (self.subcategory is None or self.subcategory == s.subcategory)
            and (self.sla_class is None or self.sla_class == s.sla_class)
            and (self.channel is None or self.channel == s.channel)
            and (self.grade is None or self.grade == s.grade)
            and (self.legal_cc is None or self.legal_cc == s.legal_cc)
        )

    @property
    def specificity(self) -> int:
        return sum(w for name, w in SPECIFICITY.items() if getattr(self, name) is not None)


@dataclass(frozen=True, slots=True)
class SlaTerms:
    """What a ticket is owed: a target per metric, in business minutes of its calendar."""

    policy: str
    targets: Mapping[Metric, int | None]
    calendars: Mapping[Metric, str]

    @property
    def calendar(self) -> str:
        """The first-response calendar, the one a person means by "the ticket's hours"."""
        return self.calendars.get(Metric.FIRST_RESPONSE, DEFAULT_CALENDAR)


def resolve_terms(
    rules: Iterable[SlaRule], subject: SlaSubject, *, urgent_factor: float | None = None
) -> SlaTerms:
    """Per target, the most specific matching rule that sets it (ties: the earlier rule).

    `urgent_factor` (e.g. 0.5 for an honoured 【紧急】) scales every target.
    """
    matching = sorted(
        (r for r in rules if r.matches(subject)), key=lambda r: -r.specificity
    )  # sorted() is stable: equal specificity keeps the rules' order
    used: list[str] = []
    targets: dict[Metric, int | None] = {}
    calendars: dict[Metric, str] = {}
    for metric, attr in TARGET_FIELDS.items():
        rule = next((r for r in matching if getattr(r, attr) is not None), None)
        if rule is None:
            targets[metric], calendars[metric] = None, DEFAULT_CALENDAR
            continue
        if rule.name not in used:
            used.append(rule.name)
        minutes: int = getattr(rule, attr)
        if minutes and urgent_factor:
            minutes = max(1, int(minutes * urgent_factor + 0.5))  # half up, not to even
        targets[metric] = minutes or None  # 0 in a rule means "no target"
        calendars[metric] = rule.calendar or DEFAULT_CALENDAR
    return SlaTerms("+".join(used) or "none", targets, calendars)


class ClockState(StrEnum):
    NONE = "none"
    """No target applies."""
    PENDING = "pending"
    """Not started yet (next response before the first agent reply)."""
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(slots=True)
class Clock:
    target: int | None
    elapsed: float = 0.0
    """Business minutes counted before the current run."""
    running_since: datetime | None = None
    started: bool = False
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    warned: bool = False
    breached_at: datetime | None = None
    calendar: str = DEFAULT_CALENDAR

    def state(self, now: datetime) -> ClockState:
        if self.target is None:
            return ClockState.NONE
        if self.stopped_at is not None:
            return ClockState.BREACHED if self.breached_at else ClockState.MET
        if self.breached_at is not None or (
            self.running_since is not None and self.due_at is not None and now >= self.due_at
        ):
            return ClockState.BREACHED
        if self.running_since is not None:
            return ClockState.RUNNING
        return ClockState.PAUSED if self.started else ClockState.PENDING

    def start(self, now: datetime, cal: BusinessCalendar, *, fresh: bool = False) -> None:
        if self.target is None or self.running_since is not None:
            return
        if fresh:
            self.elapsed, self.stopped_at, self.warned, self.breached_at = 0.0, None, False, None
        if self.stopped_at is not None:
            return
        self.started = True
        self.running_since = now
        self.due_at = cal.add_business_minutes(now, max(0.0, self.target - self.elapsed))

    def pause(self, now: datetime, cal: BusinessCalendar) -> None:
        if self.running_since is None:
            return
        self.elapsed += cal.business_minutes_between(self.running_since, now)
        self.running_since = None
        self.due_at = None

    def stop(self, now: datetime, cal: BusinessCalendar) -> float:
        """Stop (met); return the overrun in business minutes (0 when on time)."""
        if self.target is None or self.stopped_at is not None or not self.started:
            return 0.0
        self.pause(now, cal)
        self.stopped_at = now
        overrun = max(0.0, self.elapsed - self.target)
        if overrun > 0 and self.breached_at is None:
            self.breached_at = now
        return overrun

    def warn_at(self, cal: BusinessCalendar, share: float) -> datetime | None:
        if self.running_since is None or self.target is None or self.warned:
            return None
        left = self.target * share - self.elapsed
        return cal.add_business_minutes(self.running_since, max(0.0, left))

    def minutes_left(self, now: datetime, cal: BusinessCalendar) -> float | None:
        if self.target is None or self.stopped_at is not None or not self.started:
            return None
        used = self.elapsed
        if self.running_since is not None:
            used += cal.business_minutes_between(self.running_since, now)
        return self.target - used

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "target": self.target,
            "elapsed": round(self.elapsed, 4),
            "running_since": iso(self.running_since),
            "started": self.started,
            "stopped_at": iso(self.stopped_at),
            "due_at": iso(self.due_at),
            "warned": self.warned,
            "breached_at": iso(self.breached_at),
            "calendar": self.calendar,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Clock:
        def dt(v: str | None) -> datetime | None:
            return datetime.fromisoformat(v) if v else None

        return cls(
            target=d.get("target"),
            elapsed=float(d.get("elapsed", 0.0)),
            running_since=dt(d.get("running_since")),
            started=bool(d.get("started", False)),
            stopped_at=dt(d.get("stopped_at")),
            due_at=dt(d.get("due_at")),
            warned=bool(d.get("warned", False)),
            breached_at=dt(d.get("breached_at")),
            calendar=d.get("calendar", DEFAULT_CALENDAR),
        )


@dataclass(slots=True)
class SlaState:
    """A ticket's SLA: the rules it got and one clock per metric."""

    policy: str = "none"
    clocks: dict[Metric, Clock] = field(default_factory=dict)

    @property
    def calendar(self) -> str:
        return self.clock(Metric.FIRST_RESPONSE).calendar

    @classmethod
    def begin(cls, terms: SlaTerms, now: datetime, cals: Calendars) -> SlaState:
        state = cls(
            terms.policy,
            {
                m: Clock(terms.targets.get(m), calendar=terms.calendars.get(m, DEFAULT_CALENDAR))
                for m in Metric
            },
        )
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
            clock = state.clocks[metric]
            clock.start(now, pick_calendar(cals, clock.calendar))
        return state

    def clock(self, metric: Metric) -> Clock:
        return self.clocks.setdefault(metric, Clock(None))

    def due(self, metric: Metric) -> datetime | None:
        return self.clock(metric).due_at

    def breached(self, now: datetime) -> bool:
        return any(c.state(now) is ClockState.BREACHED for c in self.clocks.values())

    def running(self) -> list[tuple[Metric, Clock]]:
        return [(m, c) for m, c in self.clocks.items() if c.running_since is not None]

    def next_checkpoint(self, cals: Calendars, warn_share: float) -> datetime | None:
        """The earliest pending warning or breach among the running clocks."""
        times: list[datetime] = []
        for _, c in self.running():
            w = c.warn_at(pick_calendar(cals, c.calendar), warn_share)
            if w is not None:
                times.append(w)
            if c.breached_at is None and c.due_at is not None:
                times.append(c.due_at)
        return min(times) if times else None

    def fraction_left(self, now: datetime, cals: Calendars) -> float | None:
        """The smallest share of target left among running clocks (negative: overdue)."""
        shares = [
            (c.minutes_left(now, pick_calendar(cals, c.calendar)) or 0.0) / c.target
            for _, c in self.running()
            if c.target
        ]
        return min(shares) if shares else None

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "clocks": {m.value: c.to_json() for m, c in self.clocks.items()},
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> SlaState:
        if not d:
            return cls()
        old_calendar = d.get("calendar", DEFAULT_CALENDAR)  # before per-clock calendars
        clocks = {}
        for k, v in d.get("clocks", {}).items():
            clocks[Metric(k)] = Clock.from_json({"calendar": old_calendar, **v})
        return cls(d.get("policy", "none"), clocks)
