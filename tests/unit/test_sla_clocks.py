"""SLA clocks (SPEC §7) on fixed datetimes: start, pause while waiting on the customer,
resume, stop; due times on business calendars across weekends, the 2025 Spring Festival
and its make-up Sunday; warnings at 75% and breaches at 100%, each recorded once; the
first-, next-response and resolution clocks driven by the ticket; overruns; JSON.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from kefu.domain.calendars import BusinessCalendar
from kefu.domain.sla import Clock, ClockState, Metric, SlaState, SlaSubject, SlaTerms, resolve_terms
from kefu.domain.tickets import MessageKind, Status
from kefu.policies import load_policies

SH = ZoneInfo("Asia/Shanghai")
POLICIES = load_policies()
CALS = POLICIES.calendars
H24: BusinessCalendar = CALS["24x7"]
OFFICE: BusinessCalendar = CALS["office_9_18"]
WORKDAYS: BusinessCalendar = CALS["workdays_10_19"]
FR, NR, RES = Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)
WARN = 0.75

# Friday 20 November 2026, 18:50 in Shanghai: after office hours, before a weekend.
FRIDAY_1850 = datetime(2026, 11, 20, 18, 50, tzinfo=SH)
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=SH)  # a Wednesday


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def terms(
    first: int | None = None,
    nxt: int | None = None,
    resolution: int | None = None,
    calendar: str = "24x7",
) -> SlaTerms:
    return SlaTerms(
        "test", {FR: first, NR: nxt, RES: resolution}, {FR: calendar, NR: calendar, RES: calendar}
    )


def enterprise_basic_terms() -> SlaTerms:
    subject = SlaSubject(("enterprise_basic",), "usage.bug", "standard", "inapp")
    return resolve_terms(POLICIES.sla_rules, subject)


# ---- a clock on its own ----------------------------------------------------------------------


def test_begin_starts_first_response_and_resolution_but_not_next_response():
    state = SlaState.begin(terms(15, 60, 600), T0, H24)

    assert state.clock(FR).state(T0) is ClockState.RUNNING
    assert state.clock(RES).state(T0) is ClockState.RUNNING
    assert state.clock(NR).state(T0) is ClockState.PENDING
    assert state.due(FR) == T0 + 15 * MINUTE
    assert state.due(RES) == T0 + 600 * MINUTE
    assert state.due(NR) is None
    assert (state.policy, state.calendar) == ("test", "24x7")


def test_a_metric_without_target_has_no_clock_running():
    state = SlaState.begin(terms(first=15), T0, H24)

    assert state.clock(RES).state(T0) is ClockState.NONE
    assert state.due(RES) is None
    assert [m for m, _ in state.running()] == [FR]


def test_pause_keeps_the_elapsed_time_and_resume_pushes_the_due_time():
    clock = Clock(60)
    clock.start(T0, H24)
    assert clock.due_at == T0 + 60 * MINUTE

    clock.pause(T0 + 20 * MINUTE, H24)
    assert (clock.elapsed, clock.due_at) == (20.0, None)
    assert clock.state(T0 + 5 * 60 * MINUTE) is ClockState.PAUSED  # never breaches paused
    assert clock.minutes_left(T0 + 5 * 60 * MINUTE, H24) == 40

    clock.start(T0 + 50 * MINUTE, H24)
    assert clock.due_at == T0 + 90 * MINUTE  # pushed by exactly the 30 paused minutes
    assert clock.minutes_left(T0 + 60 * MINUTE, H24) == 30

    assert clock.stop(T0 + 70 * MINUTE, H24) == 0.0
    assert clock.elapsed == 40.0
    assert clock.state(T0 + 70 * MINUTE) is ClockState.MET


def test_pausing_a_clock_that_is_not_running_changes_nothing():
    clock = Clock(60)
    clock.pause(T0, H24)
    assert clock == Clock(60)


def test_a_stopped_clock_restarts_only_fresh():
    clock = Clock(60)
    clock.start(T0, H24)
    clock.stop(T0 + 10 * MINUTE, H24)

    clock.start(T0 + 20 * MINUTE, H24)
    assert clock.state(T0 + 20 * MINUTE) is ClockState.MET

    clock.start(T0 + 30 * MINUTE, H24, fresh=True)
    assert clock.state(T0 + 30 * MINUTE) is ClockState.RUNNING
    assert (clock.elapsed, clock.due_at) == (0.0, T0 + 90 * MINUTE)


def test_stopping_a_clock_that_never_started_counts_nothing():
    clock = Clock(60)
    assert clock.stop(T0, H24) == 0.0
    assert clock.state(T0) is ClockState.PENDING
    assert Clock(None).stop(T0, H24) == 0.0


def test_a_clock_without_target_never_starts():
    clock = Clock(None)
    clock.start(T0, H24)
    assert (clock.running_since, clock.due_at) == (None, None)
    assert clock.state(T0) is ClockState.NONE


def test_stopping_late_returns_the_overrun_and_stays_breached():
    clock = Clock(60)
    clock.start(T0, H24)

    assert clock.stop(T0 + 85 * MINUTE, H24) == 25.0
    assert clock.breached_at == T0 + 85 * MINUTE
    assert clock.state(T0 + 100 * 24 * 60 * MINUTE) is ClockState.BREACHED


@pytest.mark.parametrize(("offset", "breached"), [(-SECOND, False), (0 * SECOND, True)])
def test_a_running_clock_is_breached_from_100_percent_on(offset, breached):
    clock = Clock(60)
    clock.start(T0, H24)
    state = clock.state(T0 + 60 * MINUTE + offset)
    assert (state is ClockState.BREACHED) is breached


# ---- due times on business calendars ------------------------------------------------------


def test_enterprise_basic_ticket_opened_friday_1850_is_due_monday_1300():
    t = enterprise_basic_terms()
    assert (t.calendar, t.targets[FR]) == ("office_9_18", 240)
    assert FRIDAY_1850.weekday() == 4

    state = SlaState.begin(t, FRIDAY_1850, CALS[t.calendar])

    # Office hours close at 18:00: nothing counts on Friday evening or the weekend, so the
    # four working hours run Monday 09:00–13:00.
    assert state.due(FR) == sh(2026, 11, 23, 13, 0)
    assert state.clock(FR).warn_at(OFFICE, WARN) == sh(2026, 11, 23, 12, 0)
    assert state.next_checkpoint(OFFICE, WARN) == sh(2026, 11, 23, 12, 0)


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        (sh(2026, 11, 20, 14, 0), sh(2026, 11, 20, 18, 0)),  # lands on closing time
        (sh(2026, 11, 20, 14, 1), sh(2026, 11, 23, 9, 1)),  # one minute over the weekend
        (sh(2026, 11, 20, 17, 50), sh(2026, 11, 23, 12, 50)),  # 10 min on Friday
        (sh(2026, 11, 20, 17, 59), sh(2026, 11, 23, 12, 59)),
        (sh(2026, 11, 20, 18, 0), sh(2026, 11, 23, 13, 0)),
        (sh(2026, 11, 21, 11, 0), sh(2026, 11, 23, 13, 0)),  # opened on Saturday
        (sh(2026, 11, 23, 8, 59), sh(2026, 11, 23, 13, 0)),  # before opening on Monday
    ],
)
def test_enterprise_basic_due_times_around_the_weekend(opened, due):
    state = SlaState.begin(enterprise_basic_terms(), opened, OFFICE)
    assert state.due(FR) == due


def test_spring_festival_2025_make_up_sunday_counts_and_the_saturday_does_not():
    assert not chinese_calendar.is_workday(date(2025, 1, 25))  # Saturday
    assert chinese_calendar.is_workday(date(2025, 1, 26))  # Sunday, a make-up workday
    opened = sh(2025, 1, 25, 14, 0)

    state = SlaState.begin(
        terms(first=120, resolution=600, calendar=WORKDAYS.name), opened, WORKDAYS
    )

    assert state.due(FR) == sh(2025, 1, 26, 12, 0)
    # 9 h on Sunday 26th (10:00–19:00) and the last hour on Monday 27th.
    assert state.due(RES) == sh(2025, 1, 27, 11, 0)


def test_spring_festival_2025_holiday_jan_28_to_feb_4_is_skipped():
    holiday = [date(2025, 1, 28) + timedelta(days=i) for i in range(8)]
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    opened = sh(2025, 1, 27, 18, 0)

    state = SlaState.begin(terms(first=120, calendar=WORKDAYS.name), opened, WORKDAYS)

    # 60 minutes on Monday 27th, then nothing until Wednesday 5 February.
    assert state.due(FR) == sh(2025, 2, 5, 11, 0)
    assert state.clock(FR).warn_at(WORKDAYS, WARN) == sh(2025, 2, 5, 10, 30)
    assert state.fraction_left(sh(2025, 2, 4, 23, 59), WORKDAYS) == 0.5


def test_ticket_across_the_spring_festival_is_warned_and_breached_after_it(make_ticket):
    opened = sh(2025, 1, 27, 18, 0)
    ticket = make_ticket(
        Status.QUEUED,
        sla=SlaState.begin(terms(first=120, calendar=WORKDAYS.name), opened, WORKDAYS),
        calendar=WORKDAYS,
    )

    assert ticket.check_sla(sh(2025, 2, 1, 12, 0), WARN) == []  # a week-long holiday
    assert ticket.check_sla(sh(2025, 2, 5, 10, 29, 59), WARN) == []
    assert ticket.check_sla(sh(2025, 2, 5, 10, 30), WARN) == ["warning:first_response"]
    assert ticket.check_sla(sh(2025, 2, 5, 10, 59, 59), WARN) == []
    assert ticket.check_sla(sh(2025, 2, 5, 11, 0), WARN) == ["breached:first_response"]


# ---- warning at 75%, breach at 100% --------------------------------------------------------


def test_warning_at_75_percent_and_breach_at_100_percent_each_recorded_once(make_ticket):
    ticket = make_ticket(
        Status.QUEUED,
        segment="enterprise_basic",
        sla=SlaState.begin(enterprise_basic_terms(), FRIDAY_1850, OFFICE),
        calendar=OFFICE,
    )
    warn_at, due = sh(2026, 11, 23, 12, 0), sh(2026, 11, 23, 13, 0)

    assert ticket.check_sla(warn_at - SECOND, WARN) == []
    assert ticket.check_sla(warn_at, WARN) == ["warning:first_response"]
    assert ticket.check_sla(warn_at + SECOND, WARN) == []
    assert ticket.sla.next_checkpoint(OFFICE, WARN) == due
    assert ticket.sla_breached(due - SECOND) is False
    assert ticket.check_sla(due - SECOND, WARN) == []
    assert ticket.check_sla(due, WARN) == ["breached:first_response"]
    assert ticket.check_sla(due + SECOND, WARN) == []
    assert ticket.sla_breached(due) is True

    events = ticket.pull_events()
    warnings = [e.data for e in events if e.name == "sla.warning"]
    breaches = [e.data for e in events if e.name == "sla.breached"]
    assert warnings == [
        {"metric": "first_response", "team": "account_safety", "due_at": due.isoformat()}
    ]
    assert len(breaches) == 1
    assert breaches[0]["metric"] == "first_response"
    assert breaches[0]["team"] == "account_safety"
    assert breaches[0]["segment"] == "enterprise_basic"
    assert breaches[0]["due_at"] == due.isoformat()
    assert ticket.sla.clock(FR).breached_at == due
    assert [a.action for a in ticket.new_audit] == ["sla_checked", "sla_checked"]


def test_a_check_first_made_after_the_due_time_records_warning_and_breach_once(make_ticket):
    ticket = make_ticket(Status.QUEUED, sla=SlaState.begin(terms(first=20), T0, H24))

    assert ticket.check_sla(T0 + 3 * 60 * MINUTE, WARN) == [
        "warning:first_response",
        "breached:first_response",
    ]
    assert ticket.check_sla(T0 + 4 * 60 * MINUTE, WARN) == []
    names = [e.name for e in ticket.pull_events()]
    assert (names.count("sla.warning"), names.count("sla.breached")) == (1, 1)


def test_resolution_and_first_response_warn_independently(make_ticket):
    ticket = make_ticket(Status.QUEUED, sla=SlaState.begin(terms(first=20, resolution=40), T0, H24))

    assert ticket.check_sla(T0 + 15 * MINUTE, WARN) == ["warning:first_response"]
    assert ticket.check_sla(T0 + 30 * MINUTE, WARN) == [
        "breached:first_response",
        "warning:resolution",
    ]
    assert ticket.check_sla(T0 + 40 * MINUTE, WARN) == ["breached:resolution"]


def test_a_paused_clock_is_neither_warned_nor_breached(make_ticket, agent):
    ticket = make_ticket(
        Status.OPEN, sla=SlaState.begin(terms(resolution=60), T0, H24), calendar=H24
    )
    ticket.transition(Status.WAITING_CUSTOMER, agent, T0 + 10 * MINUTE)

    assert ticket.check_sla(T0 + 24 * 60 * MINUTE, WARN) == []
    assert ticket.sla_breached(T0 + 24 * 60 * MINUTE) is False
    assert ticket.sla.next_checkpoint(H24, WARN) is None


# ---- pause while waiting on the customer, through the ticket ------------------------------


def test_waiting_on_the_customer_pushes_the_due_time_by_the_paused_business_time(
    make_ticket, agent, customer_actor
):
    opened = sh(2026, 11, 23, 9, 0)  # Monday, office opens
    ticket = make_ticket(
        Status.ASSIGNED,
        assignee_id=7,
        sla=SlaState.begin(terms(60, 120, 600, OFFICE.name), opened, OFFICE),
        calendar=OFFICE,
    )
    due_before = ticket.sla.due(RES)
    assert due_before == sh(2026, 11, 24, 10, 0)  # 9 h Monday + 1 h Tuesday

    ticket.add_message(MessageKind.AGENT, "请补充截图", agent, sh(2026, 11, 23, 9, 30))
    ticket.transition(Status.WAITING_CUSTOMER, agent, sh(2026, 11, 23, 9, 30))
    assert ticket.sla.clock(RES).state(sh(2026, 11, 24, 12, 0)) is ClockState.PAUSED
    assert ticket.sla.due(RES) is None

    resumed = sh(2026, 11, 24, 10, 0)  # the customer answers on Tuesday at 10:00
    ticket.add_message(MessageKind.CUSTOMER, "截图已补充", customer_actor, resumed)

    assert ticket.status is Status.OPEN
    paused = OFFICE.business_minutes_between(sh(2026, 11, 23, 9, 30), resumed)
    assert paused == 8.5 * 60 + 60  # the night does not count
    assert ticket.sla.due(RES) == OFFICE.add_business_minutes(due_before, paused)
    assert ticket.sla.due(RES) == sh(2026, 11, 25, 10, 30)
    assert ticket.sla.clock(RES).elapsed == 30.0
    # The customer's message also owes a next response.
    assert ticket.sla.due(NR) == sh(2026, 11, 24, 12, 0)


def test_two_hours_waiting_on_24x7_push_the_due_time_by_exactly_two_hours(
    make_ticket, agent, customer_actor
):
    ticket = make_ticket(
        Status.OPEN, sla=SlaState.begin(terms(resolution=600), T0, H24), calendar=H24
    )
    ticket.transition(Status.WAITING_CUSTOMER, agent, T0 + 60 * MINUTE)
    ticket.add_message(MessageKind.CUSTOMER, "好的", customer_actor, T0 + 180 * MINUTE)

    assert ticket.sla.due(RES) == T0 + 720 * MINUTE


def test_an_agent_reopening_the_conversation_resumes_the_clocks(make_ticket, agent):
    ticket = make_ticket(
        Status.OPEN, sla=SlaState.begin(terms(resolution=600), T0, H24), calendar=H24
    )
    ticket.transition(Status.WAITING_CUSTOMER, agent, T0 + 60 * MINUTE)
    ticket.transition(Status.OPEN, agent, T0 + 90 * MINUTE)

    assert ticket.sla.clock(RES).state(T0 + 90 * MINUTE) is ClockState.RUNNING
    assert ticket.sla.due(RES) == T0 + 630 * MINUTE


# ---- first response, next response, resolution --------------------------------------------


def test_agent_reply_stops_first_response_and_next_response_follows_the_conversation(
    make_ticket, agent, customer_actor
):
    ticket = make_ticket(
        Status.ASSIGNED,
        assignee_id=7,
        sla=SlaState.begin(terms(15, 60, 600), T0, H24),
        calendar=H24,
    )

    # Before any answer a customer message owes no next response.
    ticket.add_message(MessageKind.CUSTOMER, "在吗", customer_actor, T0 + 5 * MINUTE)
    assert ticket.sla.clock(NR).state(T0 + 5 * MINUTE) is ClockState.PENDING

    ticket.add_message(MessageKind.AGENT, "您好", agent, T0 + 10 * MINUTE)
    assert ticket.sla.clock(FR).state(T0 + 10 * MINUTE) is ClockState.MET
    assert ticket.first_response_at == T0 + 10 * MINUTE
    assert ticket.sla.clock(NR).state(T0 + 10 * MINUTE) is ClockState.PENDING

    ticket.add_message(MessageKind.CUSTOMER, "还是登不上", customer_actor, T0 + 20 * MINUTE)
    assert ticket.sla.clock(NR).state(T0 + 20 * MINUTE) is ClockState.RUNNING
    assert ticket.sla.due(NR) == T0 + 80 * MINUTE
    # A second message before the answer does not move the due time.
    ticket.add_message(MessageKind.CUSTOMER, "急", customer_actor, T0 + 30 * MINUTE)
    assert ticket.sla.due(NR) == T0 + 80 * MINUTE

    ticket.add_message(MessageKind.AGENT, "已处理", agent, T0 + 40 * MINUTE)
    assert ticket.sla.clock(NR).state(T0 + 40 * MINUTE) is ClockState.MET

    # The next customer message owes a new next response, counted from zero.
    ticket.add_message(MessageKind.CUSTOMER, "又不行了", customer_actor, T0 + 50 * MINUTE)
    assert ticket.sla.clock(NR).elapsed == 0.0
    assert ticket.sla.due(NR) == T0 + 110 * MINUTE
    # The first response stays met; resolution runs on.
    assert ticket.sla.clock(FR).state(T0 + 50 * MINUTE) is ClockState.MET
    assert ticket.sla.clock(RES).state(T0 + 50 * MINUTE) is ClockState.RUNNING
    assert ticket.overruns == []


def test_internal_note_does_not_stop_the_first_response_clock(make_ticket, agent):
    ticket = make_ticket(
        Status.ASSIGNED, assignee_id=7, sla=SlaState.begin(terms(first=15), T0, H24)
    )
    ticket.add_message(MessageKind.NOTE, "查登录记录", agent, T0 + 5 * MINUTE)
    assert ticket.sla.clock(FR).state(T0 + 5 * MINUTE) is ClockState.RUNNING


def test_resolving_stops_resolution_and_reopening_resumes_it(make_ticket, agent, supervisor):
    ticket = make_ticket(Status.OPEN, sla=SlaState.begin(terms(15, 60, 600), T0, H24), calendar=H24)
    ticket.add_message(MessageKind.AGENT, "您好", agent, T0 + 5 * MINUTE)

    ticket.transition(Status.RESOLVED, supervisor, T0 + 100 * MINUTE)
    assert ticket.sla.clock(RES).state(T0 + 100 * MINUTE) is ClockState.MET
    assert ticket.sla.clock(RES).elapsed == 100.0
    assert ticket.sla.running() == []
    assert ticket.sla_breached(T0 + 30 * 24 * 60 * MINUTE) is False

    reopened = T0 + 24 * 60 * MINUTE  # a day later; the day resolved does not count
    ticket.transition(Status.REOPENED, supervisor, reopened)
    assert ticket.sla.clock(RES).state(reopened) is ClockState.RUNNING
    assert ticket.sla.due(RES) == reopened + 500 * MINUTE
    assert ticket.sla.clock(FR).stopped_at is not None  # the first response is not owed again

    ticket.transition(Status.RESOLVED, supervisor, reopened + 600 * MINUTE)
    assert ticket.overruns == [(RES, 100.0)]


def test_customer_reply_after_resolution_resumes_resolution(
    make_ticket, supervisor, customer_actor
):
    ticket = make_ticket(Status.OPEN, sla=SlaState.begin(terms(resolution=600), T0, H24))
    ticket.transition(Status.RESOLVED, supervisor, T0 + 100 * MINUTE)

    ticket.add_message(MessageKind.CUSTOMER, "又出现了", customer_actor, T0 + 200 * MINUTE)

    assert ticket.status is Status.REOPENED
    assert ticket.sla.due(RES) == T0 + 700 * MINUTE


@pytest.mark.parametrize("final", [Status.CLOSED, Status.MERGED])
def test_a_final_ticket_has_no_running_clock(final, make_ticket, supervisor):
    ticket = make_ticket(Status.OPEN, sla=SlaState.begin(terms(15, 60, 600), T0, H24))
    survivor = make_ticket(Status.OPEN, id=2)
    if final is Status.CLOSED:
        ticket.transition(Status.RESOLVED, supervisor, T0 + MINUTE)
        ticket.transition(Status.CLOSED, supervisor, T0 + 2 * MINUTE)
    else:
        ticket.merge_into(survivor, supervisor, T0 + MINUTE)
    assert ticket.sla.running() == []


# ---- overruns ----------------------------------------------------------------------------


def test_late_first_response_records_its_overrun_in_business_minutes(make_ticket, agent):
    ticket = make_ticket(
        Status.ASSIGNED,
        assignee_id=7,
        segment="enterprise_basic",
        sla=SlaState.begin(enterprise_basic_terms(), FRIDAY_1850, OFFICE),
        calendar=OFFICE,
    )

    # Due Monday 13:00; answered Tuesday 09:30: Monday 13:00–18:00 and Tuesday 09:00–09:30.
    ticket.add_message(MessageKind.AGENT, "抱歉久等", agent, sh(2026, 11, 24, 9, 30))

    assert ticket.overruns == [(FR, 5 * 60 + 30)]
    late = [e.data for e in ticket.pull_events() if e.name == "sla.met_late"]
    assert late == [{"metric": "first_response", "overrun_minutes": 330.0}]
    assert ticket.sla.clock(FR).state(sh(2026, 11, 24, 9, 30)) is ClockState.BREACHED


@pytest.mark.parametrize(("minutes", "overrun"), [(14, None), (15, None), (16, 1.0)])
def test_overrun_is_recorded_only_when_stopped_after_the_target(
    minutes, overrun, make_ticket, agent
):
    ticket = make_ticket(
        Status.ASSIGNED, assignee_id=7, sla=SlaState.begin(terms(first=15), T0, H24)
    )
    ticket.add_message(MessageKind.AGENT, "您好", agent, T0 + minutes * MINUTE)

    assert ticket.overruns == ([] if overrun is None else [(FR, overrun)])


# ---- JSON ----------------------------------------------------------------------------------


def test_sla_state_json_round_trip_keeps_every_clock(make_ticket, agent, customer_actor):
    ticket = make_ticket(
        Status.ASSIGNED,
        assignee_id=7,
        sla=SlaState.begin(terms(15, 60, 600, OFFICE.name), sh(2026, 11, 23, 9, 0), OFFICE),
        calendar=OFFICE,
    )
    ticket.check_sla(sh(2026, 11, 23, 9, 20), WARN)  # first response warned and breached
    ticket.add_message(MessageKind.AGENT, "您好", agent, sh(2026, 11, 23, 9, 25))
    ticket.add_message(MessageKind.CUSTOMER, "还有问题", customer_actor, sh(2026, 11, 23, 9, 40))
    ticket.transition(Status.WAITING_CUSTOMER, agent, sh(2026, 11, 23, 9, 50))
    state = ticket.sla
    assert state.clock(FR).breached_at is not None
    assert state.clock(RES).state(sh(2026, 11, 23, 10, 0)) is ClockState.PAUSED

    restored = SlaState.from_json(json.loads(json.dumps(state.to_json())))

    assert restored == state
    assert restored.to_json() == state.to_json()
    assert restored.clock(FR).breached_at == state.clock(FR).breached_at


def test_sla_state_json_round_trip_of_running_clocks_keeps_due_times():
    state = SlaState.begin(enterprise_basic_terms(), FRIDAY_1850, OFFICE)

    restored = SlaState.from_json(json.loads(json.dumps(state.to_json())))

    assert restored == state
    assert restored.due(FR) == sh(2026, 11, 23, 13, 0)
    assert restored.policy == "enterprise-basic+default"
    assert restored.calendar == "office_9_18"


@pytest.mark.parametrize("empty", [None, {}])
def test_sla_state_from_nothing_is_no_sla(empty):
    assert SlaState.from_json(empty) == SlaState()
    assert SlaState().breached(T0) is False
