"""Business calendars (SPEC §7): the default calendars as shipped, Chinese public holidays
and make-up workdays, overrides, and the two primitives `add_business_minutes` and
`business_minutes_between`.

Holiday facts below were checked against `chinese_calendar` itself; the tests assert them
again as preconditions so that a library upgrade that changes them fails loudly here.
"""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from kefu.domain.calendars import BusinessCalendar, calendars_from_toml_data

SH = ZoneInfo("Asia/Shanghai")
CALENDARS = calendars_from_toml_data(
    tomllib.loads(resources.files("kefu.policies").joinpath("calendars.toml").read_text("utf-8"))
)
H24 = CALENDARS["24x7"]
H7X12 = CALENDARS["7x12"]
WORKDAYS = CALENDARS["workdays_10_19"]
OFFICE = CALENDARS["office_9_18"]


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=SH)


def test_shipped_toml_defines_the_four_default_calendars_in_shanghai_time() -> None:
    assert set(CALENDARS) == {"24x7", "7x12", "workdays_10_19", "office_9_18"}
    assert H24.hours == ((time(0), time(0)),) and H24.days == "all" and H24.always_open
    assert H7X12.hours == ((time(9), time(21)),) and H7X12.days == "all"
    assert WORKDAYS.hours == ((time(10), time(19)),) and WORKDAYS.days == "workdays"
    assert OFFICE.hours == ((time(9), time(18)),) and OFFICE.days == "workdays"
    assert {c.tz for c in CALENDARS.values()} == {"Asia/Shanghai"}
    assert not any(c.overrides for c in CALENDARS.values())


def test_ticket_opened_friday_1850_on_workday_calendar_is_due_monday_1050() -> None:
    assert date(2026, 11, 20).weekday() == 4
    assert not chinese_calendar.is_workday(date(2026, 11, 21))
    assert not chinese_calendar.is_workday(date(2026, 11, 22))
    due = WORKDAYS.add_business_minutes(sh(2026, 11, 20, 18, 50), 60)
    assert due == sh(2026, 11, 23, 10, 50)
    assert WORKDAYS.business_minutes_between(sh(2026, 11, 20, 18, 50), due) == 60


def test_office_hours_1730_plus_four_working_hours_is_next_workday_1230() -> None:
    assert OFFICE.add_business_minutes(sh(2026, 11, 20, 17, 30), 240) == sh(2026, 11, 23, 12, 30)
    assert OFFICE.add_business_minutes(sh(2026, 11, 19, 17, 30), 240) == sh(2026, 11, 20, 12, 30)


def test_spring_festival_2025_make_up_sunday_jan_26_is_a_workday() -> None:
    assert chinese_calendar.is_workday(date(2025, 1, 26))  # a Sunday
    assert not chinese_calendar.is_workday(date(2025, 1, 25))
    assert WORKDAYS.is_business_day(date(2025, 1, 26))
    due = WORKDAYS.add_business_minutes(sh(2025, 1, 24, 18, 0), 120)
    assert due == sh(2025, 1, 26, 11, 0)


def test_spring_festival_2025_holiday_jan_28_to_feb_4_is_skipped() -> None:
    holiday = [date(2025, 1, 28) + timedelta(days=i) for i in range(8)]
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    assert chinese_calendar.is_workday(date(2025, 2, 5))
    assert not any(WORKDAYS.is_business_day(d) for d in holiday)
    due = WORKDAYS.add_business_minutes(sh(2025, 1, 27, 18, 30), 60)
    assert due == sh(2025, 2, 5, 10, 30)
    assert WORKDAYS.business_minutes_between(sh(2025, 1, 27, 19), sh(2025, 2, 5, 10)) == 0


def test_spring_festival_2025_make_up_saturday_feb_8_is_a_workday() -> None:
    assert chinese_calendar.is_workday(date(2025, 2, 8))
    assert not chinese_calendar.is_workday(date(2025, 2, 9))
    assert WORKDAYS.add_business_minutes(sh(2025, 2, 7, 18), 120) == sh(2025, 2, 8, 11)
    assert WORKDAYS.add_business_minutes(sh(2025, 2, 8, 18), 120) == sh(2025, 2, 10, 11)


def test_national_day_2025_oct_1_to_8_with_make_up_sep_28_and_oct_11() -> None:
    holiday = [date(2025, 10, 1) + timedelta(days=i) for i in range(8)]
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    assert chinese_calendar.is_workday(date(2025, 9, 28))  # Sunday
    assert chinese_calendar.is_workday(date(2025, 10, 11))  # Saturday
    assert WORKDAYS.add_business_minutes(sh(2025, 9, 26, 18, 30), 60) == sh(2025, 9, 28, 10, 30)
    assert WORKDAYS.add_business_minutes(sh(2025, 9, 30, 18), 120) == sh(2025, 10, 9, 11)
    assert WORKDAYS.add_business_minutes(sh(2025, 10, 10, 18), 120) == sh(2025, 10, 11, 11)
    # Sep 30 and Oct 9, 10, 11: four working days of nine hours.
    assert WORKDAYS.business_minutes_between(sh(2025, 9, 30), sh(2025, 10, 12)) == 4 * 540


def test_24x7_is_plain_wall_clock_arithmetic_even_on_holidays() -> None:
    for start in (sh(2025, 1, 28, 3, 17), sh(2025, 10, 4, 23, 59), sh(2026, 11, 21, 12)):
        for n in (0, 1, 59.5, 1440, 10 * 1440 + 7):
            assert H24.add_business_minutes(start, n) == start + timedelta(minutes=n)
    a, b = sh(2025, 1, 27, 18), sh(2025, 2, 6, 9, 30)
    assert H24.business_minutes_between(a, b) == (b - a).total_seconds() / 60


def test_7x12_skips_nights_but_not_weekends_or_holidays() -> None:
    # Saturday Feb 1 2025 is inside the Spring Festival holiday.
    assert H7X12.add_business_minutes(sh(2025, 2, 1, 20, 30), 60) == sh(2025, 2, 2, 9, 30)
    assert H7X12.is_open(sh(2025, 10, 1, 9)) and not H7X12.is_open(sh(2025, 10, 1, 21))
    assert H7X12.business_minutes_between(sh(2025, 1, 28), sh(2025, 2, 4)) == 7 * 720


def test_start_before_opening_waits_for_the_opening() -> None:
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 8), 30) == sh(2026, 11, 23, 10, 30)
    assert WORKDAYS.business_minutes_between(sh(2026, 11, 23, 8), sh(2026, 11, 23, 10, 30)) == 30


def test_start_after_closing_waits_for_the_next_workday() -> None:
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 20), 30) == sh(2026, 11, 24, 10, 30)
    assert WORKDAYS.next_opening(sh(2026, 11, 23, 20)) == sh(2026, 11, 24, 10)


def test_opening_time_is_open_and_closing_time_is_closed() -> None:
    monday = (2026, 11, 23)
    assert WORKDAYS.is_open(sh(*monday, 10))
    assert not WORKDAYS.is_open(sh(*monday, 9, 59, 59, 999999))
    assert WORKDAYS.is_open(sh(*monday, 18, 59, 59, 999999))
    assert not WORKDAYS.is_open(sh(*monday, 19))
    assert WORKDAYS.next_opening(sh(*monday, 10)) == sh(*monday, 10)
    assert WORKDAYS.next_opening(sh(*monday, 12, 34)) == sh(*monday, 12, 34)
    assert WORKDAYS.next_opening(sh(*monday, 19)) == sh(2026, 11, 24, 10)


def test_zero_minutes_is_start_when_open_and_next_opening_when_closed() -> None:
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 12), 0) == sh(2026, 11, 23, 12)
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 19), 0) == sh(2026, 11, 24, 10)


def test_a_full_day_of_minutes_lands_on_the_closing_time_not_the_next_opening() -> None:
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 10), 540) == sh(2026, 11, 23, 19)
    assert WORKDAYS.add_business_minutes(sh(2026, 11, 23, 10), 541) == sh(2026, 11, 24, 10, 1)


def test_override_turns_a_public_holiday_into_a_workday() -> None:
    cal = WORKDAYS.with_overrides({date(2025, 1, 28): "workday"})
    assert cal.add_business_minutes(sh(2025, 1, 27, 18, 30), 60) == sh(2025, 1, 28, 10, 30)
    assert not WORKDAYS.is_business_day(date(2025, 1, 28))  # the original is unchanged


def test_override_turns_a_workday_into_a_holiday() -> None:
    cal = WORKDAYS.with_overrides({date(2026, 11, 23): "holiday"})
    assert cal.add_business_minutes(sh(2026, 11, 20, 18, 50), 60) == sh(2026, 11, 24, 10, 50)


def test_holiday_override_closes_even_an_every_day_calendar() -> None:
    cal = H24.with_overrides({date(2026, 11, 21): "holiday"})
    assert not cal.always_open and not cal.is_open(sh(2026, 11, 21, 12))
    assert cal.add_business_minutes(sh(2026, 11, 20, 23), 120) == sh(2026, 11, 22, 1)


def test_with_overrides_merges_later_entries_over_earlier_ones() -> None:
    d1, d2 = date(2025, 1, 28), date(2025, 1, 29)
    cal = WORKDAYS.with_overrides({d1: "workday", d2: "workday"}).with_overrides({d2: "holiday"})
    assert cal.is_business_day(d1) and not cal.is_business_day(d2)


def test_year_beyond_library_data_falls_back_to_monday_to_friday() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 10, 1))
    assert WORKDAYS.is_business_day(date(2027, 10, 1))  # a Friday; National Day unknown
    assert not WORKDAYS.is_business_day(date(2027, 10, 2))  # a Saturday
    assert WORKDAYS.is_business_day(date(2003, 1, 1))  # a Wednesday, before the data
    friday = datetime(2027, 10, 1, 18, 50, tzinfo=SH)
    assert WORKDAYS.add_business_minutes(friday, 60) == sh(2027, 10, 4, 10, 50)
    fixed = WORKDAYS.with_overrides({date(2027, 10, 1): "holiday"})
    assert not fixed.is_business_day(date(2027, 10, 1))


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_between_of_add_gives_back_the_minutes_for_any_start(name: str) -> None:
    cal, rng = CALENDARS[name], random.Random(20250128)
    origin = sh(2024, 1, 1)
    for _ in range(500):
        t = origin + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        n = rng.choice((0, 1, 59, 540, 541, 720, rng.randrange(30_000)))
        due = cal.add_business_minutes(t, n)
        assert cal.business_minutes_between(t, due) == n, (t, n)
        assert cal.add_business_minutes(due, 1) > due
        k = rng.randrange(1, 5000)
        assert cal.add_business_minutes(due, k) == cal.add_business_minutes(t, n + k), (t, n, k)
        x = rng.uniform(0, 5000)
        assert cal.business_minutes_between(t, cal.add_business_minutes(t, x)) == pytest.approx(x)


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_add_of_between_reaches_the_end_or_the_last_closing_before_it(name: str) -> None:
    cal, rng = CALENDARS[name], random.Random(7)
    for _ in range(300):
        a = sh(2025, 1, 1) + timedelta(minutes=rng.randrange(400 * 1440))
        b = a + timedelta(minutes=rng.randrange(20 * 1440))
        elapsed = cal.business_minutes_between(a, b)
        reached = cal.add_business_minutes(a, elapsed)
        if elapsed:  # the earliest instant with that much business time, never after b
            assert reached <= b and cal.business_minutes_between(reached, b) == 0, (a, b)
        else:  # nothing elapsed: the clock has not started yet
            assert reached == cal.next_opening(a), (a, b)


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    a = sh(2026, 11, 23, 12)
    assert WORKDAYS.business_minutes_between(a, a) == 0
    assert WORKDAYS.business_minutes_between(a, a - timedelta(hours=1)) == 0
    assert H24.business_minutes_between(a, a - timedelta(days=3)) == 0


def test_thirty_days_of_minutes_round_trip_across_months_of_holidays() -> None:
    # Speed is measured by benchmarks, never asserted here; this checks large spans work.
    due = WORKDAYS.add_business_minutes(sh(2025, 1, 2, 10), 30 * 1440)
    assert WORKDAYS.business_minutes_between(sh(2025, 1, 2, 10), due) == 30 * 1440
    assert OFFICE.business_minutes_between(sh(2004, 1, 1), sh(2026, 12, 31)) > 0


def test_inputs_in_any_time_zone_mean_the_same_instant() -> None:
    as_utc = datetime(2026, 11, 20, 10, 50, tzinfo=UTC)  # 18:50 in Shanghai
    due = WORKDAYS.add_business_minutes(as_utc, 60)
    assert due == sh(2026, 11, 23, 10, 50) and due.tzinfo == SH


def test_arithmetic_is_in_real_time_across_a_dst_change() -> None:
    # Berlin skips 02:00–03:00 on 2025-03-30: that day has 23 hours of business time.
    berlin = ZoneInfo("Europe/Berlin")
    cal = BusinessCalendar(
        name="berlin", hours=((time(0), time(0)),), days="all", tz="Europe/Berlin"
    )
    cal = cal.with_overrides({date(2030, 1, 1): "holiday"})  # not the 24×7 shortcut
    a, b = datetime(2025, 3, 30, tzinfo=berlin), datetime(2025, 3, 31, tzinfo=berlin)
    assert cal.business_minutes_between(a, b) == 23 * 60
    assert cal.add_business_minutes(a, 23 * 60) == b


def test_several_intervals_a_day_skip_the_lunch_break() -> None:
    lunch = BusinessCalendar(name="lunch", hours=((time(9), time(12)), (time(13), time(18))))
    assert lunch.add_business_minutes(sh(2026, 11, 23, 11, 30), 60) == sh(2026, 11, 23, 13, 30)
    assert not lunch.is_open(sh(2026, 11, 23, 12, 30))
    assert lunch.business_minutes_between(sh(2026, 11, 23), sh(2026, 11, 24)) == 8 * 60


def test_calendar_that_never_opens_again_raises_instead_of_looping() -> None:
    closed = {date(2026, 1, 1) + timedelta(days=i): "holiday" for i in range(4 * 366)}
    cal = H7X12.with_overrides(closed)
    with pytest.raises(ValueError, match="no business hours"):
        cal.add_business_minutes(sh(2026, 1, 1), 1)
    assert cal.business_minutes_between(sh(2026, 1, 1), sh(2029, 1, 1)) == 0


def test_naive_datetimes_and_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        WORKDAYS.add_business_minutes(datetime(2026, 11, 23, 12), 10)
    with pytest.raises(ValueError, match=">= 0"):
        WORKDAYS.add_business_minutes(sh(2026, 11, 23, 12), -1)


@pytest.mark.parametrize(
    "table",
    [
        {"hours": [["10:00", "09:00"]]},
        {"hours": [["09:00", "12:00"], ["11:00", "18:00"]]},
        {"hours": []},
        {"hours": [["09:00", "18:00"]], "days": "weekends"},
        {"hours": [["09:00", "18:00"]], "tz": "Mars/Olympus"},
        {"hours": [["09:00", "18:00"]], "overrides": {"2026-10-01": "maybe"}},
    ],
)
def test_misconfigured_calendar_is_refused(table: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        calendars_from_toml_data({"calendar": {"bad": table}})


def test_toml_overrides_are_read_as_dates() -> None:
    data = {
        "calendar": {"x": {"hours": [["09:00", "18:00"]], "overrides": {"2027-10-01": "holiday"}}}
    }
    cal = calendars_from_toml_data(data)["x"]
    assert cal.days == "workdays" and cal.tz == "Asia/Shanghai"
    assert not cal.is_business_day(date(2027, 10, 1))
