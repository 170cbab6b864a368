"""Routing over the real store, with a fixed clock: enqueue, offer, accept, decline, offer
timeout, overflow, release, requeue, hand assignment, moves, presence and shifts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.domain.errors import Conflict, Forbidden, NotFound
from kefu.domain.organisation import Agent
from kefu.domain.work import OfferOutcome, WorkState
from kefu.services import org, routing, routing_ops
from kefu.services.customers import upsert_customer
from kefu.services.tickets import OpenTicket, assign_ticket, open_ticket, transition_ticket

ADMIN = Actor(Role.ADMIN, "admin")
SUPERVISOR = Actor(Role.SUPERVISOR, "lin")
SECOND = timedelta(seconds=1)


def make_agent(
    c: Container, name: str, teams: list[str], skills: tuple[str, ...] = (), **kw: Any
) -> Agent:
    agent = org.create_agent(c.ctx, None, name, teams, skills, **kw)
    assert agent.id is not None
    return org.update_agent(c.ctx, ADMIN, agent.id, presence="available")


def as_agent(agent: Agent) -> Actor:
    return Actor(Role.AGENT, agent.name, agent_id=agent.id, teams=frozenset(agent.teams))


def ticket(c: Container, uid: str, channel: str, sub: str, **kw: Any) -> int:
    t = open_ticket(c.ctx, ADMIN, OpenTicket(uid, channel, "问题描述", subcategory=sub, **kw))
    assert t.id is not None
    return t.id


def work(c: Container, ticket_id: int) -> Any:
    w, offers, assignments = routing_ops.work_of(c.ctx, ADMIN, ticket_id)
    return w, offers, assignments


def pending(c: Container, ticket_id: int) -> Any:
    return [o for o in work(c, ticket_id)[1] if o.outcome is OfferOutcome.PENDING]


def desk_load(c: Container, agent: Agent, medium: str = "call") -> int:
    assert agent.id is not None
    desk, _ = routing_ops.desk_of(c.ctx, ADMIN, agent.id)
    return {m.value: n for m, n in desk.load.items()}.get(medium, 0)


def test_a_new_ticket_waits_in_its_queue_for_an_agent(fixed_container: Container) -> None:
    c = fixed_container
    upsert_customer(c.ctx, ADMIN, "UID70000001", {"has_shop": True})
    tid = ticket(c, "UID70000001", "hotline", "order.quality")
    w, offers, assignments = work(c, tid)
    assert (w.state, w.queue, w.medium.value) == (WorkState.WAITING, "ecommerce/merchant", "call")
    assert w.skills == {"product_knowledge"}
    assert offers == [] and assignments == []


def test_a_call_is_offered_to_the_agent_idle_longest_who_accepts(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    first = make_agent(c, "王", ["ecommerce"])
    clock.advance(timedelta(minutes=1))
    make_agent(c, "李", ["ecommerce"])
    tid = ticket(c, "UID70000002", "hotline", "order.refund")
    assert routing.dispatch(c.ctx) == 1
    [offer] = pending(c, tid)
    assert offer.agent_id == first.id and offer.expires_at == clock.now() + 30 * SECOND
    assert desk_load(c, first) == 1  # the offer reserves the agent's one call
    with pytest.raises(NotFound):  # another agent cannot take someone else's offer
        routing_ops.accept_offer(c.ctx, Actor(Role.AGENT, "x", agent_id=999), offer.id)
    clock.advance(5 * SECOND)
    routing_ops.accept_offer(c.ctx, as_agent(first), offer.id)
    w, _, [assignment] = work(c, tid)
    assert w.state is WorkState.ASSIGNED and w.wait_seconds == 5
    assert (assignment.agent_id, assignment.how, assignment.load_after, assignment.capacity) == (
        first.id,
        "offer",
        1,
        1,
    )
    with pytest.raises(Conflict):
        routing_ops.accept_offer(c.ctx, as_agent(first), offer.id)


def test_an_offer_not_accepted_within_30_seconds_lapses_and_goes_to_the_next_agent(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["ecommerce"])
    clock.advance(SECOND)
    b = make_agent(c, "李", ["ecommerce"])
    tid = ticket(c, "UID70000003", "hotline", "order.refund")
    routing.dispatch(c.ctx)
    assert pending(c, tid)[0].agent_id == a.id
    clock.advance(29 * SECOND)
    c.fire_due_timers()
    assert pending(c, tid)[0].agent_id == a.id
    clock.advance(SECOND)
    c.fire_due_timers()
    w, offers, _ = work(c, tid)
    assert [o.outcome for o in offers] == [OfferOutcome.TIMED_OUT]
    assert w.state is WorkState.WAITING and w.declined == [a.id]
    assert desk_load(c, a) == 0
    routing.dispatch(c.ctx)
    assert pending(c, tid)[0].agent_id == b.id


def test_a_declined_offer_is_recorded_and_offered_to_someone_else_at_once(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["ecommerce"])
    clock.advance(SECOND)
    b = make_agent(c, "李", ["ecommerce"])
    tid = ticket(c, "UID70000004", "inapp", "order.refund")
    routing.dispatch(c.ctx)
    [offer] = pending(c, tid)
    routing_ops.decline_offer(c.ctx, as_agent(a), offer.id, "在处理另一个紧急会话")
    offers = work(c, tid)[1]
    assert [(o.agent_id, o.outcome, o.reason) for o in offers] == [
        (a.id, OfferOutcome.DECLINED, "在处理另一个紧急会话"),
        (b.id, OfferOutcome.PENDING, ""),
    ]
    assert desk_load(c, a, "chat") == 0 and desk_load(c, b, "chat") == 1


def test_an_agent_who_declined_everything_leaves_the_work_waiting(
    fixed_container: Container,
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["ecommerce"])
    tid = ticket(c, "UID70000005", "inapp", "order.refund")
    routing.dispatch(c.ctx)
    routing_ops.decline_offer(c.ctx, as_agent(a), pending(c, tid)[0].id)
    assert routing.dispatch(c.ctx) == 0
    assert work(c, tid)[0].state is WorkState.WAITING


def test_email_is_assigned_at_once_without_an_offer(fixed_container: Container) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["general"])
    tid = ticket(c, "UID70000006", "email", "usage.bug")
    assert routing.dispatch(c.ctx) == 1
    w, offers, [assignment] = work(c, tid)
    assert w.state is WorkState.ASSIGNED and offers == []
    assert (assignment.agent_id, assignment.how, assignment.capacity) == (a.id, "auto", 10)


def test_merchant_work_waiting_five_minutes_overflows_to_the_normal_queue(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    upsert_customer(c.ctx, ADMIN, "UID70000007", {"has_shop": True})
    plain = make_agent(c, "王", ["ecommerce"])  # no product knowledge
    tid = ticket(c, "UID70000007", "inapp", "order.not_received")
    assert routing.dispatch(c.ctx) == 0
    clock.advance(299 * SECOND)
    c.fire_due_timers()
    assert work(c, tid)[0].queue == "ecommerce/merchant"
    clock.advance(SECOND)
    c.fire_due_timers()
    w = work(c, tid)[0]
    assert (w.queue, w.home_queue, w.skills) == ("ecommerce/normal", "ecommerce/merchant", set())
    assert routing.dispatch(c.ctx) == 1
    assert pending(c, tid)[0].agent_id == plain.id


def test_work_answered_before_the_limit_does_not_overflow(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    upsert_customer(c.ctx, ADMIN, "UID70000008", {"has_shop": True})
    expert = make_agent(c, "孙", ["ecommerce"], ("product_knowledge",))
    tid = ticket(c, "UID70000008", "inapp", "order.refund")
    routing.dispatch(c.ctx)
    routing_ops.accept_offer(c.ctx, as_agent(expert), pending(c, tid)[0].id)
    clock.advance(timedelta(minutes=10))
    c.fire_due_timers()
    assert work(c, tid)[0].queue == "ecommerce/merchant"


def test_resolving_a_ticket_frees_the_agent_for_the_next_call(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["general"])
    first = ticket(c, "UID70000009", "hotline", "usage.bug")
    second = ticket(c, "UID70000010", "hotline", "usage.bug")
    routing.dispatch(c.ctx)
    routing_ops.accept_offer(c.ctx, as_agent(a), pending(c, first)[0].id)
    assert routing.dispatch(c.ctx) == 0  # one call at a time
    clock.advance(timedelta(minutes=7))
    transition_ticket(c.ctx, SUPERVISOR, first, "resolved")
    w, _, [assignment] = work(c, first)
    assert w.state is WorkState.DONE and assignment.released_at == clock.now()
    assert desk_load(c, a) == 0
    assert routing.dispatch(c.ctx) == 1
    assert pending(c, second)[0].agent_id == a.id


def test_a_ticket_put_back_in_the_queue_waits_again(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["general"])
    tid = ticket(c, "UID70000011", "inapp", "usage.bug")
    routing.dispatch(c.ctx)
    routing_ops.accept_offer(c.ctx, as_agent(a), pending(c, tid)[0].id)
    clock.advance(timedelta(minutes=3))
    transition_ticket(c.ctx, SUPERVISOR, tid, "queued", "needs a specialist")
    w = work(c, tid)[0]
    assert (w.state, w.enqueued_at, w.answered_at) == (WorkState.WAITING, clock.now(), None)
    assert desk_load(c, a, "chat") == 0


def test_a_supervisor_assigns_by_hand_and_reassigning_moves_the_load(
    fixed_container: Container,
) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["general"])
    b = make_agent(c, "李", ["general"])
    tid = ticket(c, "UID70000012", "hotline", "usage.bug")
    assert a.id is not None and b.id is not None
    assign_ticket(c.ctx, SUPERVISOR, tid, a.id)
    assert desk_load(c, a) == 1
    assign_ticket(c.ctx, SUPERVISOR, tid, b.id)
    w, _, assignments = work(c, tid)
    assert [(x.agent_id, x.how, x.released_at is None) for x in assignments] == [
        (a.id, "manual", False),
        (b.id, "manual", True),
    ]
    assert (desk_load(c, a), desk_load(c, b), w.agent_id) == (0, 1, b.id)


def test_a_supervisor_moves_waiting_work_to_another_queue(fixed_container: Container) -> None:
    c = fixed_container
    tid = ticket(c, "UID70000013", "hotline", "order.quality")
    w = routing_ops.move_work(c.ctx, SUPERVISOR, tid, "ecommerce/legal")
    assert (w.queue, w.skills) == ("ecommerce/legal", {"legal"})
    with pytest.raises(Forbidden):
        routing_ops.move_work(c.ctx, Actor(Role.AGENT, "a", agent_id=1), tid, "ecommerce/normal")
    with pytest.raises(Exception, match="not a queue"):
        routing_ops.move_work(c.ctx, SUPERVISOR, tid, "nowhere")


def test_going_away_sends_pending_offers_back_to_the_queue(fixed_container: Container) -> None:
    c = fixed_container
    a = make_agent(c, "王", ["general"])
    tid = ticket(c, "UID70000014", "hotline", "usage.bug")
    routing.dispatch(c.ctx)
    assert a.id is not None
    org.update_agent(c.ctx, as_agent(a), a.id, presence="away")
    w, [offer], _ = work(c, tid)
    assert offer.outcome is OfferOutcome.WITHDRAWN and w.state is WorkState.WAITING
    assert w.declined == [] and desk_load(c, a) == 0


def test_becoming_available_brings_waiting_work_at_once(fixed_container: Container) -> None:
    c = fixed_container
    tid = ticket(c, "UID70000015", "hotline", "usage.bug")
    agent = org.create_agent(c.ctx, None, "王", ["general"])
    assert agent.id is not None and pending(c, tid) == []
    org.update_agent(c.ctx, as_agent(agent), agent.id, presence="available")
    assert pending(c, tid)[0].agent_id == agent.id


def test_agents_outside_their_shift_get_no_work(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container  # the fixed clock is 10:00 in Shanghai
    a = make_agent(c, "王", ["general"])
    assert a.id is not None
    routing_ops.set_schedule(c.ctx, SUPERVISOR, a.id, "night")
    tid = ticket(c, "UID70000016", "hotline", "usage.bug")
    assert routing.dispatch(c.ctx) == 0
    routing_ops.set_schedule(c.ctx, SUPERVISOR, a.id, "early")
    assert routing.dispatch(c.ctx) == 1
    assert pending(c, tid)[0].agent_id == a.id
    with pytest.raises(Exception, match="unknown schedule"):
        routing_ops.set_schedule(c.ctx, SUPERVISOR, a.id, "siesta")


def test_work_resolved_before_anyone_answered_is_abandoned(fixed_container: Container) -> None:
    c = fixed_container
    tid = ticket(c, "UID70000017", "hotline", "usage.bug")
    transition_ticket(c.ctx, SUPERVISOR, tid, "resolved", "caller hung up")
    assert work(c, tid)[0].state is WorkState.ABANDONED


def test_work_moved_by_hand_is_not_overflowed_from_its_old_queue(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    upsert_customer(c.ctx, ADMIN, "UID70000018", {"has_shop": True})
    tid = ticket(c, "UID70000018", "inapp", "order.not_received")  # ecommerce/merchant
    clock.advance(100 * SECOND)
    routing_ops.move_work(c.ctx, SUPERVISOR, tid, "ecommerce/legal")
    clock.advance(timedelta(minutes=10))
    c.fire_due_timers()  # the merchant queue's 5-minute overflow finds the work gone
    assert work(c, tid)[0].queue == "ecommerce/legal"
