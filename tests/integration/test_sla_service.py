"""Service levels through the services, on both databases (SPEC §4.1, §4.3, §5, §7): the
urgent-tag quota, materials at most once an hour, warnings and breaches fired by the
durable `sla.check` timer, enterprise compensation, and the pause while waiting on the
customer. The clock is the fixture's FixedClock (Wednesday 25 November 2026, 10:00 in
Shanghai); timers fire only when the test says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.domain.sla import Metric
from kefu.domain.tickets import MessageKind, Status, Ticket
from kefu.domain.timers import TimerStatus
from kefu.services.customers import get_customer, upsert_customer
from kefu.services.org import create_agent
from kefu.services.sla import timer_key
from kefu.services.tickets import (
    AttachmentRef,
    OpenTicket,
    add_message,
    assign_ticket,
    get_ticket,
    open_ticket,
    tag_ticket,
    transition_ticket,
)
from kefu.store.models import OutboxRow

ADMIN = Actor(Role.ADMIN, "t")
UID = "UID70000001"
CUSTOMER = Actor(Role.CUSTOMER, "zhang", customer_uid=UID)
FR, NR, RES = Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION
SECOND, MINUTE, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)
URGENT_SUBJECT = "【紧急】账号异常"


# ---- helpers ---------------------------------------------------------------------------------


def customer(c: Container, uid: str = UID, **facts: object) -> int:
    cust = upsert_customer(c.ctx, ADMIN, uid, dict(facts))
    assert cust.id is not None
    return cust.id


def open_(
    c: Container,
    *,
    uid: str = UID,
    subject: str = "",
    subcategory: str = "usage.bug",
    channel: str = "inapp",
    tags: tuple[str, ...] = (),
) -> Ticket:
    t = open_ticket(
        c.ctx,
        ADMIN,
        OpenTicket(uid, channel, "问题描述", subject=subject, subcategory=subcategory, tags=tags),
    )
    assert t.id is not None
    return t


def load(c: Container, ticket_id: int) -> Ticket:
    return get_ticket(c.ctx, ADMIN, ticket_id).ticket


def terms(t: Ticket) -> dict[str, int]:
    return {x.term: x.weight for x in t.priority.terms}


def system_messages(c: Container, ticket_id: int) -> list[str]:
    detail = get_ticket(c.ctx, ADMIN, ticket_id)
    return [m.body for m in detail.messages if m.kind is MessageKind.SYSTEM]


def events(c: Container, name: str, ticket_id: int | None = None) -> list[OutboxRow]:
    stmt = select(OutboxRow).where(OutboxRow.name == name).order_by(OutboxRow.id)
    if ticket_id is not None:
        stmt = stmt.where(OutboxRow.aggregate == "ticket", OutboxRow.aggregate_id == str(ticket_id))
    with c.db.reader() as s:
        return list(s.scalars(stmt))


def fire_at(c: Container, clock: FixedClock, when: datetime) -> int:
    clock.set(when)
    return c.fire_due_timers()


def agent_id(c: Container, team: str = "general") -> int:
    agent = create_agent(c.ctx, None, "wang", [team])
    assert agent.id is not None
    return agent.id


def png(c: Container, data: bytes = b"\x89PNG screenshot") -> AttachmentRef:
    return AttachmentRef(c.ctx.blobs.put(data), "a.png", "image/png")


# ---- the urgent tag: at most 3 per account per calendar month ---------------------------------


def test_three_urgent_tags_a_month_are_honoured_and_the_fourth_is_ignored_and_flagged(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)

    honoured = []
    for _ in range(3):
        t = open_(c, subject=URGENT_SUBJECT)
        honoured.append(load(c, t.id))  # type: ignore[arg-type]
        clock.advance(MINUTE)
    for t in honoured:
        fr = t.sla.clock(FR)
        assert fr.target == 60  # the default 2 h first response, halved
        assert t.sla.due(FR) == t.created_at + 60 * MINUTE
        assert t.sla.clock(RES).target == 3 * 24 * 60 // 2
        assert terms(t)["urgent_tag"] == 15
        assert "abuse" not in terms(t)
        assert system_messages(c, t.id) == []  # type: ignore[arg-type]
    assert get_customer(c.ctx, ADMIN, UID).flags == []

    fourth = load(c, open_(c, subject=URGENT_SUBJECT).id)  # type: ignore[arg-type]

    assert fourth.sla.clock(FR).target == 120
    assert fourth.sla.due(FR) == clock.now() + 120 * MINUTE
    assert "urgent_tag" not in terms(fourth)
    assert not fourth.signals.get("urgent_tag")
    [notice] = system_messages(c, fourth.id)  # type: ignore[arg-type]
    assert "【紧急】" in notice and "3" in notice  # Chinese …
    assert "urgent tag" in notice and "limit 3" in notice  # … and English
    assert "urgent_tag_abuse" in get_customer(c.ctx, ADMIN, UID).flags
    assert terms(fourth)["abuse"] == -20
    assert [r.payload["flag"] for r in events(c, "customer.flagged")] == ["urgent_tag_abuse"]

    # The flag lowers the priority of the account's later tickets too.
    clock.advance(MINUTE)
    later = load(c, open_(c, subject="登录问题").id)  # type: ignore[arg-type]
    assert terms(later)["abuse"] == -20
    assert later.priority.value == honoured[0].priority.value - 15 - 20


def test_a_new_month_in_shanghai_resets_the_urgent_quota(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    for _ in range(4):
        open_(c, subject=URGENT_SUBJECT)
    clock.set(datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 on 30 November in Shanghai
    still_november = load(c, open_(c, subject=URGENT_SUBJECT).id)  # type: ignore[arg-type]
    assert still_november.sla.clock(FR).target == 120

    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # already 1 December in Shanghai
    december = load(c, open_(c, subject=URGENT_SUBJECT).id)  # type: ignore[arg-type]

    assert december.sla.clock(FR).target == 60
    assert terms(december)["urgent_tag"] == 15
    assert system_messages(c, december.id) == []  # type: ignore[arg-type]


def test_the_quota_is_per_account(fixed_container: Container) -> None:
    c = fixed_container
    customer(c)
    customer(c, "UID70000002")
    for _ in range(3):
        open_(c, subject=URGENT_SUBJECT)

    other = load(c, open_(c, uid="UID70000002", subject=URGENT_SUBJECT).id)  # type: ignore[arg-type]

    assert other.sla.clock(FR).target == 60
    assert get_customer(c.ctx, ADMIN, "UID70000002").flags == []


def test_bare_urgent_word_in_the_subject_is_not_the_urgent_tag(fixed_container: Container) -> None:
    c = fixed_container
    customer(c)

    t = load(c, open_(c, subject="紧急求助 账号异常").id)  # type: ignore[arg-type]

    assert t.sla.clock(FR).target == 120
    assert "urgent_tag" not in terms(t)


def test_urgent_tag_added_later_halves_the_targets_and_counts_in_the_quota(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    for _ in range(2):
        open_(c, subject=URGENT_SUBJECT)
    t = open_(c)
    opened = clock.now()
    clock.advance(10 * MINUTE)

    tagged = tag_ticket(c.ctx, ADMIN, t.id, ["urgent"], [])  # type: ignore[arg-type]

    assert tagged.sla.clock(FR).target == 60
    # The 10 minutes already counted stay counted: due 60 minutes after opening.
    assert load(c, t.id).sla.due(FR) == opened + 60 * MINUTE  # type: ignore[arg-type]
    assert terms(load(c, t.id))["urgent_tag"] == 15  # type: ignore[arg-type]

    fourth = load(c, open_(c, subject=URGENT_SUBJECT).id)  # type: ignore[arg-type]
    assert fourth.sla.clock(FR).target == 120
    assert "urgent_tag_abuse" in get_customer(c.ctx, ADMIN, UID).flags


# ---- supplementary materials: at most one raise per hour per ticket ---------------------------


def test_materials_raise_priority_at_most_once_an_hour(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c, subcategory="account.login")
    before = load(c, t.id).priority.value  # type: ignore[arg-type]
    first_at = clock.now()

    after_first, _ = add_message(c.ctx, CUSTOMER, t.id, "截图一", attachments=[png(c, b"1")])  # type: ignore[arg-type]
    assert after_first.priority.value == before + 5
    assert terms(load(c, t.id))["materials:1"] == 5  # type: ignore[arg-type]
    assert system_messages(c, t.id) == []  # type: ignore[arg-type]

    clock.set(first_at + 59 * MINUTE + 59 * SECOND)
    add_message(c.ctx, CUSTOMER, t.id, "截图二", attachments=[png(c, b"2")])  # type: ignore[arg-type]
    second = load(c, t.id)  # type: ignore[arg-type]
    assert second.signals["materials"] == 1
    assert "materials:1" in terms(second) and "materials:2" not in terms(second)
    [notice] = system_messages(c, t.id)  # type: ignore[arg-type]
    assert "补充材料已收到" in notice and "at most once every 60 minutes" in notice

    clock.set(first_at + 60 * MINUTE)
    add_message(c.ctx, CUSTOMER, t.id, "截图三", attachments=[png(c, b"3")])  # type: ignore[arg-type]
    third = load(c, t.id)  # type: ignore[arg-type]
    assert third.signals["materials"] == 2
    assert terms(third)["materials:2"] == 10
    assert len(system_messages(c, t.id)) == 1  # type: ignore[arg-type]


def test_a_customer_message_without_attachments_is_not_a_material(
    fixed_container: Container,
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c, subcategory="account.login")

    add_message(c.ctx, CUSTOMER, t.id, "补充说明")  # type: ignore[arg-type]

    assert not any(k.startswith("materials") for k in terms(load(c, t.id)))  # type: ignore[arg-type]


def test_materials_outside_account_and_safety_do_not_raise_priority(
    fixed_container: Container,
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c, subcategory="usage.bug")
    before = load(c, t.id).priority  # type: ignore[arg-type]

    add_message(c.ctx, CUSTOMER, t.id, "截图", attachments=[png(c)])  # type: ignore[arg-type]

    assert load(c, t.id).priority == before  # type: ignore[arg-type]
    assert system_messages(c, t.id) == []  # type: ignore[arg-type]


# ---- warning and breach fired by the durable timer --------------------------------------------


def test_sla_timer_fires_the_warning_at_75_percent_and_the_breach_at_100_percent(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c)  # usage.bug in-app: 2 h first response, team general
    tid, opened = t.id, clock.now()
    assert tid is not None
    with c.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(timer_key(tid))
    assert timer is not None and timer.due_at == opened + 90 * MINUTE

    fire_at(c, clock, opened + 90 * MINUTE - SECOND)
    assert events(c, "sla.warning", tid) == []

    fire_at(c, clock, opened + 90 * MINUTE)
    [warning] = events(c, "sla.warning", tid)
    assert warning.payload["metric"] == "first_response"
    assert warning.payload["team"] == "general"
    assert terms(load(c, tid))["sla_warning"] == 10
    assert load(c, tid).sla_breached(clock.now()) is False

    fire_at(c, clock, opened + 120 * MINUTE - SECOND)
    assert events(c, "sla.breached", tid) == []

    fire_at(c, clock, opened + 120 * MINUTE)
    [breach] = events(c, "sla.breached", tid)
    assert breach.payload["metric"] == "first_response"
    assert breach.payload["team"] == "general"
    ticket = load(c, tid)
    assert terms(ticket)["sla_breached"] == 20
    assert "sla_warning" not in terms(ticket)
    assert ticket.sla_breached(clock.now()) is True
    assert ticket.sla.clock(FR).breached_at == opened + 120 * MINUTE

    # Each is recorded once, however often the timers run afterwards.
    fire_at(c, clock, opened + 3 * HOUR)
    assert len(events(c, "sla.warning", tid)) == 1
    assert len(events(c, "sla.breached", tid)) == 1


def test_a_breach_checked_late_still_raises_priority_once(
    fixed_container: Container, clock: FixedClock
) -> None:
    """A worker that was down: the first check after the due time records both."""
    c = fixed_container
    customer(c)
    t = open_(c)
    opened = clock.now()

    fire_at(c, clock, opened + 5 * HOUR)

    assert len(events(c, "sla.warning", t.id)) == 1
    assert len(events(c, "sla.breached", t.id)) == 1
    assert terms(load(c, t.id))["sla_breached"] == 20  # type: ignore[arg-type]


def test_an_answer_in_time_means_no_first_response_warning(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c)
    opened = clock.now()
    assign_ticket(c.ctx, ADMIN, t.id, agent_id(c))  # type: ignore[arg-type]
    clock.advance(30 * MINUTE)
    add_message(c.ctx, ADMIN, t.id, "您好，已收到")  # type: ignore[arg-type]

    fire_at(c, clock, opened + 3 * HOUR)

    assert events(c, "sla.warning", t.id) == []
    assert events(c, "sla.breached", t.id) == []
    with c.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(timer_key(t.id))  # type: ignore[arg-type]
    # What is left is the resolution clock: 75% of 3 days.
    assert timer is not None and timer.status is TimerStatus.PENDING
    assert timer.due_at == opened + 54 * HOUR


# ---- enterprise compensation --------------------------------------------------------------------


@pytest.mark.parametrize("timer_fired_first", [False, True])
def test_enterprise_brand_late_first_response_credits_the_overrun(
    timer_fired_first: bool, fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    cid = customer(c, verification="enterprise_brand")
    t = open_(c)
    tid, opened = t.id, clock.now()
    assert tid is not None
    assert load(c, tid).sla.clock(FR).target == 30
    assign_ticket(c.ctx, ADMIN, tid, agent_id(c))
    if timer_fired_first:
        fire_at(c, clock, opened + 30 * MINUTE)
        assert len(events(c, "sla.breached", tid)) == 1

    clock.set(opened + 50 * MINUTE)
    add_message(c.ctx, ADMIN, tid, "抱歉久等")

    with c.ctx.uow(readonly=True) as uow:
        credits = uow.sla.credits(cid)
    assert [(x.ticket_id, x.metric, x.minutes) for x in credits] == [(tid, "first_response", 20)]
    [credited] = events(c, "customer.compensation_credited")
    assert credited.payload["minutes"] == 20
    assert credited.payload["ticket_id"] == tid


def test_enterprise_answer_in_time_earns_no_credit(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    cid = customer(c, verification="enterprise_brand")
    t = open_(c)
    assign_ticket(c.ctx, ADMIN, t.id, agent_id(c))  # type: ignore[arg-type]
    clock.advance(29 * MINUTE)
    add_message(c.ctx, ADMIN, t.id, "您好")  # type: ignore[arg-type]

    with c.ctx.uow(readonly=True) as uow:
        assert uow.sla.credits(cid) == []


def test_ordinary_customer_late_answer_earns_no_credit(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    cid = customer(c)
    t = open_(c)
    assign_ticket(c.ctx, ADMIN, t.id, agent_id(c))  # type: ignore[arg-type]
    clock.advance(3 * HOUR)  # the 2 h target missed by an hour
    add_message(c.ctx, ADMIN, t.id, "抱歉久等")  # type: ignore[arg-type]

    late = load(c, t.id)  # type: ignore[arg-type]
    assert late.sla_breached(clock.now()) is True
    # The breach keeps raising priority after the late answer (resolution runs on).
    assert terms(late)["sla_breached"] == 20
    with c.ctx.uow(readonly=True) as uow:
        assert uow.sla.credits(cid) == []
    assert events(c, "customer.compensation_credited") == []


# ---- pause while waiting on the customer ---------------------------------------------------------


def test_two_hours_waiting_on_the_customer_move_the_resolution_due_time_by_two_hours(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    customer(c)
    t = open_(c)  # 24x7 calendar, resolution 3 days
    tid, opened = t.id, clock.now()
    assert tid is not None
    due_before = load(c, tid).sla.due(RES)
    assert due_before == opened + 72 * HOUR
    assign_ticket(c.ctx, ADMIN, tid, agent_id(c))
    clock.advance(10 * MINUTE)
    add_message(c.ctx, ADMIN, tid, "请提供截图")
    transition_ticket(c.ctx, ADMIN, tid, "waiting_customer")

    waiting = load(c, tid)
    assert waiting.sla.due(RES) is None
    assert waiting.sla.running() == []
    with c.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(timer_key(tid))
    assert timer is not None and timer.status is TimerStatus.CANCELLED

    clock.advance(2 * HOUR)
    after, _ = add_message(c.ctx, CUSTOMER, tid, "截图在此")

    assert after.status is Status.OPEN
    resumed = load(c, tid)
    assert resumed.sla.due(RES) == due_before + 2 * HOUR
    assert resumed.sla.clock(RES).elapsed == 10.0
    # The customer's answer owes a next response (8 h by default).
    assert resumed.sla.due(NR) == clock.now() + 8 * HOUR
    with c.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(timer_key(tid))
    assert timer is not None and timer.status is TimerStatus.PENDING
    assert timer.due_at == clock.now() + 6 * HOUR  # the next response's 75%


def test_breaches_and_warnings_reach_the_staff_notification_feed(fixed_api, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    admin = fixed_api.as_(fixed_api.token("admin"))
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID71000001"},
            "channel": "weibo",
            "body": "被骂",
            "subcategory": "usage.bug",
        },
    ).json()
    clock.advance(timedelta(minutes=23))  # 75% of Weibo's 30 minutes
    fixed_api.container.fire_due_timers()
    clock.advance(timedelta(minutes=8))
    fixed_api.container.fire_due_timers()
    sup = fixed_api.as_(fixed_api.token("supervisor"))
    feed = sup.get("/api/v1/notifications").json()
    assert [n["kind"] for n in feed] == ["sla.breached", "sla.warning"]
    assert all(n["ticket_id"] == t["id"] and n["team"] == "general" for n in feed)
    assert feed[0]["message"]["zh"].startswith(f"工单 #{t['id']} 的首次响应已超时")
    assert "breached its first response target" in feed[0]["message"]["en"]
    newer = sup.get("/api/v1/notifications", params={"after_id": feed[0]["id"]}).json()
    assert newer == []
    live_agent = admin.post("/api/v1/agents", {"name": "l", "teams": ["live"]}).json()
    other_team = fixed_api.as_(fixed_api.token("agent", "l", agent_id=live_agent["id"]))
    assert other_team.get("/api/v1/notifications").json() == []
    customer = fixed_api.as_(fixed_api.token("customer", "c", customer_uid="UID71000001"))
    assert customer.get("/api/v1/notifications").status_code == 403
