"""Business calendars: when the service clock runs, for SLA due dates (SPEC §7).

A calendar is a set of opening intervals within a day (`hours`) on the days it counts
(`days`): ``"all"`` — every day, public holidays included (24×7, 7×12) — or ``"workdays"``
— the mainland-China working days: Monday to Friday plus make-up workdays (调休), minus
public holidays, as published by the State Council and kept by the `chinese_calendar`
library. An admin override table (`overrides`, date → "workday" | "holiday") is applied on
top of the library, for corrections and for years the library does not know yet.

The two primitives are `add_business_minutes` ("due date = opened + N business minutes")
and `business_minutes_between` ("how much business time has passed"); they are inverse:
``business_minutes_between(t, add_business_minutes(t, n)) == n``.

Why hand-written: the maintained business-hours libraries (`businesstime`,
`business-calendar`, pandas' `CustomBusinessHour`) take a weekday mask and a holiday list,
but none models make-up *weekend* workdays, per-calendar time zones and several intervals
a day together; `chinese_calendar` gives the day facts but no arithmetic. The arithmetic
here walks opening intervals day by day (never minute by minute) in UTC, so it stays
correct for zones with DST even though Asia/Shanghai has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar  # type: ignore[import-untyped]

DEFAULT_TZ = "Asia/Shanghai"
DAY_RULES = ("all", "workdays")
OVERRIDE_KINDS = ("workday", "holiday")
# Give up when this many consecutive days have no opening (a misconfigured calendar).
MAX_CLOSED_DAYS = 3 * 366
END_OF_DAY = time(0)  # as a *closing* time: midnight at the end of the day (24:00)


@lru_cache(maxsize=8192)
def _library_is_workday(d: date) -> bool:
    """`chinese_calendar.is_workday`, or Monday–Friday for years it has no data for.

    The library covers 2004 up to the last year the State Council has published (it raises
    NotImplementedError beyond); until it is upgraded (or an admin adds overrides), such a
    year is treated as having no public holidays and no make-up workdays.
    """
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


@dataclass(frozen=True, kw_only=True)
class BusinessCalendar:
    """When the SLA clock runs.

    `hours`: sorted, non-overlapping ``(open, close)`` local times, ``open < close``; a
    close of ``time(0)`` means the end of the day (24:00), so 24×7 is
    ``((time(0), time(0)),)``. Intervals never cross midnight.
    `days`: ``"all"`` or ``"workdays"`` (see the module docstring).
    `overrides`: date → ``"workday"`` | ``"holiday"``, applied before the library data.
    """

    name: str
    hours: tuple[tuple[time, time], ...]
    days: str = "workdays"
    tz: str = DEFAULT_TZ
    overrides: Mapping[date, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.days not in DAY_RULES:
            raise ValueError(f"calendar {self.name!r}: days must be one of {DAY_RULES}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"calendar {self.name!r}: unknown time zone {self.tz!r}") from None
        if not self.hours:
            raise ValueError(f"calendar {self.name!r}: no opening hours")
        previous_close = timedelta()
        for opens, closes in self.hours:
            if opens.tzinfo or closes.tzinfo:
                raise ValueError(f"calendar {self.name!r}: hours are local times, no tzinfo")
            start, end = _since_midnight(opens), _since_midnight(closes, closing=True)
            if not previous_close <= start < end:
                raise ValueError(f"calendar {self.name!r}: bad or overlapping hours {self.hours}")
            previous_close = end
        for d, kind in self.overrides.items():
            if type(d) is not date or kind not in OVERRIDE_KINDS:
                raise ValueError(f"calendar {self.name!r}: bad override {d!r} = {kind!r}")
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def with_overrides(self, mapping: Mapping[date, str]) -> BusinessCalendar:
        """A copy with `mapping` merged over the existing overrides (later wins)."""
        return replace(self, overrides={**self.overrides, **mapping})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def always_open(self) -> bool:
        """True when business time is wall-clock time (24×7 with no holiday override)."""
        return (
            self.days == "all"
            and self.hours == ((time(0), END_OF_DAY),)
            and "holiday" not in self.overrides.values()
        )

    def is_business_day(self, d: date) -> bool:
        """Overrides first; then every day ("all") or the Chinese workday rule ("workdays").

        For years `chinese_calendar` has no data for, "workdays" falls back to Mon–Fri.
        """
        kind = self.overrides.get(d)
        if kind is not None:
            return kind == "workday"
        return self.days == "all" or _library_is_workday(d)

    def is_open(self, t: datetime) -> bool:
        """Whether `t` lies inside an opening interval (open inclusive, close exclusive)."""
        u = _utc(t)
        return any(o <= u for o, _ in self._intervals(u, limit=u + timedelta(microseconds=1)))

    def next_opening(self, t: datetime) -> datetime:
        """`t` itself if open, else the start of the next opening interval (calendar tz)."""
        u = _utc(t)
        o, _ = next(self._intervals(u))
        return max(o, u).astimezone(self.zone)

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant at which `minutes` of business time have passed since `start`.

        If `start` is closed the clock starts at the next opening; so 0 minutes returns
        `next_opening(start)`. When the total lands exactly on a closing time the result is
        that closing instant (not the next opening). Returned in the calendar's time zone.
        Raises ValueError for negative minutes or a calendar that never opens again.
        """
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        u, remaining = _utc(start), timedelta(minutes=minutes)
        if self.always_open:
            return (u + remaining).astimezone(self.zone)
        for o, c in self._intervals(u):
            begin = max(o, u)
            if remaining <= c - begin:
                return (begin + remaining).astimezone(self.zone)
            remaining -= c - begin
        raise AssertionError("unreachable: _intervals is unbounded without a limit")

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Business minutes in ``[a, b)``; 0 when ``b <= a``."""
        ua, ub = _utc(a), _utc(b)
        if ub <= ua:
            return 0.0
        if self.always_open:
            return (ub - ua).total_seconds() / 60
        total = timedelta()
        for o, c in self._intervals(ua, limit=ub):
            total += min(c, ub) - max(o, ua)
        return total.total_seconds() / 60

    def _intervals(
        self, u: datetime, limit: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Opening intervals (UTC) that end after `u`, in order; stop before `limit`.

        Without a limit, raises ValueError after MAX_CLOSED_DAYS days in a row without one.
        """
        zone = self.zone
        day = u.astimezone(zone).date()
        closed_days = 0
        while True:
            day_start = datetime.combine(day, time(0), zone).astimezone(UTC)
            if limit is not None and day_start >= limit:
                return
            opened = False
            if self.is_business_day(day):
                for opens, closes in self.hours:
                    o = datetime.combine(day, opens, zone).astimezone(UTC)
                    end_day = day + timedelta(days=1) if closes == END_OF_DAY else day
                    c = datetime.combine(end_day, closes, zone).astimezone(UTC)
                    if limit is not None and o >= limit:
                        return
                    opened = True
                    if c > u:
                        yield o, c
            closed_days = 0 if opened else closed_days + 1
            if limit is None and closed_days > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"calendar {self.name!r} has no business hours in {MAX_CLOSED_DAYS} days"
                    f" after {u.isoformat()}"
                )
            day += timedelta(days=1)


def _since_midnight(t: time, *, closing: bool = False) -> timedelta:
    if closing and t == END_OF_DAY:
        return timedelta(days=1)
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}: business calendars need aware datetimes")
    return t.astimezone(UTC)


def _parse_time(value: Any, *, closing: bool) -> time:
    """'HH:MM' (or a TOML local time); '24:00' is accepted as a closing time."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        if closing and value in ("24:00", "24:00:00"):
            return END_OF_DAY
        return time.fromisoformat(value)
    raise ValueError(f"bad time {value!r}: expected 'HH:MM'")


def calendars_from_toml_data(data: Mapping[str, Any]) -> dict[str, BusinessCalendar]:
    """Build calendars from parsed `calendars.toml`: ``{"calendar": {name: table}}``.

    Each table has ``hours = [["HH:MM", "HH:MM"], ...]`` ("24:00" closes at midnight),
    ``days = "all" | "workdays"``, optional ``tz`` and optional
    ``overrides = {"YYYY-MM-DD" = "workday" | "holiday"}``.
    """
    calendars: dict[str, BusinessCalendar] = {}
    for name, table in data.get("calendar", {}).items():
        hours = tuple(
            (_parse_time(o, closing=False), _parse_time(c, closing=True)) for o, c in table["hours"]
        )
        overrides = {date.fromisoformat(str(d)): k for d, k in table.get("overrides", {}).items()}
        calendars[name] = BusinessCalendar(
            name=name,
            hours=hours,
            days=table.get("days", "workdays"),
            tz=table.get("tz", DEFAULT_TZ),
            overrides=overrides,
        )
    return calendars
