"""Dispute use cases on a real database with a fixed clock: the ticket, the lane, the
priority, the durable deadline and appeal-window timers, who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.domain.disputes import Closure, Party, State
from kefu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.domain.organisation import Channel, Lane
from kefu.domain.tickets import MessageKind, Status
from kefu.domain.timers import TimerStatus
from kefu.services import disputes as svc
from kefu.services.dispute_access import DisputeContext
from kefu.services.dispute_queries import detail
from kefu.services.dispute_tickets import deadline_key
from kefu.services.tickets import TicketDetail, get_ticket
from tests.integration.disputes_support import (
    ARBITER,
    BUYER,
    PNG,
    SELLER,
    STRANGER,
    bundle,
    customer,
    evidence,
    open_for,
    order,
    use_orders,
)

HOUR = timedelta(hours=1)
ORDERS = [
    order("DY100"),
    order("DY101"),
    order("DY-BIG", 500_001),
    order("DY-EDGE", 500_000),
]
SELLER_ACTOR = customer(SELLER, "seller")
BUYER_ACTOR = customer(BUYER, "buyer")


@pytest.fixture
def dc(fixed_container: Container) -> DisputeContext:
    return use_orders(fixed_container, ORDERS)


def ticket_of(c: Container, dispute_id: int) -> TicketDetail:
    assert c.disputes is not None
    view = detail(c.disputes, ARBITER, dispute_id)
    assert view.dispute.ticket_id is not None
    return get_ticket(c.ctx, Actor(Role.ADMIN, "t"), view.dispute.ticket_id)


def test_opening_files_a_dispute_ticket_in_the_ecommerce_queue(
    fixed_container: Container, dc
) -> None:
    d = open_for(dc, "DY100", "not_received")
    got = ticket_of(fixed_container, d.id)
    t = got.ticket
    assert (t.channel, t.subcategory, t.team) == (
        Channel.DISPUTE,
        "order.not_received",
        "ecommerce",
    )
    assert t.lane is Lane.NORMAL and t.customer.uid == BUYER
    assert t.signals["dispute_id"] == d.id and t.signals["complete_bundle"] is False
    notes = [m.body for m in got.messages if m.kind is MessageKind.SYSTEM]
    assert any("72 小时" in n and "72 hours" in n for n in notes)
    with fixed_container.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(deadline_key(d.id))
    assert timer is not None and timer.due_at == d.opened_at + 72 * HOUR


@pytest.mark.parametrize(("oid", "lane"), [("DY-BIG", Lane.LEGAL), ("DY-EDGE", Lane.NORMAL)])
def test_a_dispute_above_5000_yuan_goes_to_the_legal_lane(
    fixed_container: Container, dc: DisputeContext, oid: str, lane: Lane
) -> None:
    d = open_for(dc, oid)
    assert d.large is (lane is Lane.LEGAL)
    assert ticket_of(fixed_container, d.id).ticket.lane is lane


def test_a_complete_bundle_is_flagged_and_raises_the_tickets_priority(
    fixed_container: Container, dc
) -> None:
    plain = open_for(dc, "DY100")
    full = open_for(dc, "DY101", files=bundle(fixed_container))
    assert (plain.complete_bundle, full.complete_bundle) == (False, True)
    p_plain = ticket_of(fixed_container, plain.id).ticket.priority
    p_full = ticket_of(fixed_container, full.id).ticket.priority
    assert ("complete_bundle", 10) in [(x.term, x.weight) for x in p_full.terms]
    assert "complete_bundle" not in [x.term for x in p_plain.terms]
    assert p_full.value == p_plain.value + 10


def test_the_seller_deadline_timer_fires_at_72_00_and_not_at_71_59(
    fixed_container: Container, clock: FixedClock, dc
) -> None:
    d = open_for(dc, "DY100")
    clock.advance(timedelta(hours=71, minutes=59))
    fixed_container.fire_due_timers()
    assert detail(dc, ARBITER, d.id).dispute.state is State.AWAITING_SELLER
    clock.advance(timedelta(minutes=1))
    fixed_container.fire_due_timers()
    after = detail(dc, ARBITER, d.id).dispute
    assert (after.state, after.arbitration_reason) == (State.ARBITRATION, "seller_deadline_passed")
    notes = [m.body for m in ticket_of(fixed_container, d.id).messages]
    assert any("自动进入平台仲裁" in n for n in notes)
    with pytest.raises(Conflict):
        svc.respond(dc, SELLER_ACTOR, d.id, accept=False, sub=svc.Submit("晚了"))


def test_a_seller_who_answered_in_time_leaves_the_deadline_timer_nothing_to_do(
    fixed_container: Container, clock: FixedClock, dc
) -> None:
    d = open_for(dc, "DY100")
    svc.respond(dc, SELLER_ACTOR, d.id, accept=False, sub=svc.Submit("货没问题"))
    clock.advance(73 * HOUR)
    assert fixed_container.fire_due_timers() >= 1
    view = detail(dc, ARBITER, d.id)
    assert view.dispute.arbitration_reason == "seller_contested"
    assert [h.action.value for h in view.history] == ["open", "seller_contest"]
    with fixed_container.ctx.uow(readonly=True) as uow:
        timer = uow.timers.get(deadline_key(d.id))
    assert timer is not None and timer.status is TimerStatus.FIRED


def decided(dc: DisputeContext, d_id: int) -> None:
    svc.respond(dc, SELLER_ACTOR, d_id, accept=False, sub=svc.Submit("不同意"))
    svc.decide(dc, ARBITER, d_id, outcome="partial", refund_fen=5000, reason="各担一半")


def test_the_appeal_window_closes_the_dispute_when_it_ends(
    fixed_container: Container, clock: FixedClock, dc
) -> None:
    d = open_for(dc, "DY100")
    decided(dc, d.id)
    clock.advance(timedelta(hours=dc.policy.appeal_window_hours) - timedelta(seconds=1))
    fixed_container.fire_due_timers()
    assert detail(dc, ARBITER, d.id).dispute.state is State.DECIDED
    clock.advance(timedelta(seconds=1))
    fixed_container.fire_due_timers()
    closed = detail(dc, ARBITER, d.id).dispute
    assert (closed.state, closed.closure) == (State.CLOSED, Closure.APPEAL_WINDOW_ENDED)
    assert ticket_of(fixed_container, d.id).ticket.status is Status.RESOLVED


def test_an_appeal_keeps_the_window_timer_from_closing(
    fixed_container: Container, clock: FixedClock, dc
) -> None:
    d = open_for(dc, "DY100")
    decided(dc, d.id)
    svc.appeal(dc, BUYER_ACTOR, d.id, svc.Submit("退款太少"))
    clock.advance(timedelta(hours=dc.policy.appeal_window_hours + 1))
    fixed_container.fire_due_timers()
    assert detail(dc, ARBITER, d.id).dispute.state is State.APPEALED


def test_the_seller_accepting_closes_the_dispute_and_resolves_its_ticket(
    fixed_container: Container, dc
) -> None:
    d = open_for(dc, "DY100")
    done = svc.respond(dc, SELLER_ACTOR, d.id, accept=True, sub=svc.Submit())
    assert (done.state, done.refund_fen) == (State.CLOSED, 12_900)
    assert ticket_of(fixed_container, d.id).ticket.status is Status.RESOLVED


def test_strangers_and_other_teams_do_not_see_a_dispute(
    fixed_container: Container, dc: DisputeContext
) -> None:
    d = open_for(dc, "DY100")
    general = Actor(Role.AGENT, "g", agent_id=1, teams=frozenset({"general"}))
    ecommerce = Actor(Role.AGENT, "e", agent_id=2, teams=frozenset({"ecommerce"}))
    for outsider in (customer(STRANGER), general):
        with pytest.raises(NotFound):
            detail(dc, outsider, d.id)
        with pytest.raises(NotFound):
            svc.submit_evidence(dc, outsider, d.id, svc.Submit("x"))
    assert detail(dc, ecommerce, d.id).viewer is Party.ARBITRATOR
    assert detail(dc, SELLER_ACTOR, d.id).viewer is Party.SELLER


def test_only_the_orders_buyer_opens_a_dispute(
    fixed_container: Container, dc: DisputeContext
) -> None:
    with pytest.raises(Forbidden):
        open_for(dc, "DY100", buyer=SELLER)
    with pytest.raises(NotFound):
        open_for(dc, "DY100", buyer=STRANGER)
    with pytest.raises(NotFound):
        open_for(dc, "DY-NOPE")
    with pytest.raises(Forbidden):
        svc.open_dispute(dc, ARBITER, svc.OpenDispute("DY100", "quality", "x"))
    with pytest.raises(InvalidInput):
        open_for(dc, "DY100", "broken_screen")


def test_evidence_files_must_be_uploaded_and_be_what_they_claim(
    fixed_container: Container, dc
) -> None:
    fake = evidence(fixed_container, "photo", b"MZ\x90\x00 not a png", "image/png")
    with pytest.raises(InvalidInput, match="does not look like image/png"):
        open_for(dc, "DY100", files=[fake])
    missing = svc.FileRef("f" * 64, "gone.png", "image/png", "photo")
    with pytest.raises(InvalidInput, match="upload it"):
        open_for(dc, "DY100", files=[missing])
    ok = evidence(fixed_container, "photo", PNG, "image/png")
    assert open_for(dc, "DY100", files=[ok]).id is not None


def test_an_order_has_one_live_dispute_and_may_be_disputed_again_after_withdrawal(
    fixed_container: Container, dc
) -> None:
    first = open_for(dc, "DY100")
    with pytest.raises(Conflict, match="already has"):
        open_for(dc, "DY100")
    svc.withdraw(dc, BUYER_ACTOR, first.id, "和卖家协商好了")
    again = open_for(dc, "DY100")
    assert again.id != first.id


def test_every_step_is_recorded_as_history_and_as_an_event(
    fixed_container: Container, dc: DisputeContext
) -> None:
    d = open_for(dc, "DY100")
    decided(dc, d.id)
    with fixed_container.ctx.uow(readonly=True) as uow:
        events = uow.events.recent(
            ["dispute.opened", "dispute.arbitration_started", "dispute.decided"],
            after_id=0,
            limit=10,
        )
    assert sorted(e.name for e in events if e.aggregate_id == str(d.id)) == [
        "dispute.arbitration_started",
        "dispute.decided",
        "dispute.opened",
    ]
    history = detail(dc, ARBITER, d.id).history
    assert [(h.action.value, h.actor) for h in history] == [
        ("open", "customer:buyer"),
        ("seller_contest", "customer:seller"),
        ("decide", "supervisor:arbiter"),
    ]
