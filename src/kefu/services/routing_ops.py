"""Routing operations around the dispatcher (SPEC §6): agents answer offers, offers lapse
and waiting work overflows on durable timers, supervisors move work and set shifts, and a
change of presence sends offers back or brings work. Locks: ticket → work → desk (see
`services/routing.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.domain.organisation import Agent, Lane, Presence
from kefu.domain.timers import Timer
from kefu.domain.work import IN_QUEUE, Assignment, Desk, Offer, OfferOutcome, Work, WorkState
from kefu.services import routing
from kefu.services.access import require_role, ticket_for
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork
from kefu.services.timers import TimerHandler, cancel_timer, schedule_timer

# ---- offers --------------------------------------------------------------------------------


def _pending(uow: UnitOfWork, offer_id: int, actor: Actor) -> tuple[Offer, Work]:
    offer = uow.routing.offer(offer_id)
    if offer is None or (actor.role is Role.AGENT and actor.agent_id != offer.agent_id):
        raise NotFound(f"offer {offer_id} not found")
    work = uow.routing.work(offer.ticket_id, lock=True)
    current = uow.routing.pending_offer(offer.ticket_id)
    if work is None or current is None or current.id != offer.id:
        raise Conflict(
            f"offer {offer_id} is no longer pending (it was {offer.outcome.value} or replaced)",
            details={"offer_id": offer_id},
        )
    return current, work


def accept_offer(ctx: ServiceContext, actor: Actor, offer_id: int) -> Offer:
    require_role(actor, Role.AGENT, *routing.SUPERVISORS)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        first = uow.routing.offer(offer_id)
        if first is not None:  # lock order: the ticket first
            ticket_for(uow, SYSTEM, first.ticket_id, for_update=True)
        offer, work = _pending(uow, offer_id, actor)
        offer.outcome, offer.decided_at = OfferOutcome.ACCEPTED, now
        uow.routing.save_offer(offer)
        cancel_timer(uow, routing.offer_key(offer.ticket_id))
        desk = uow.routing.desk(offer.agent_id, now, lock=True)
        desk.idle_since = now
        uow.routing.save_desk(desk)
        agent = uow.org.agent(offer.agent_id)
        capacity = agent.capacity.get(offer.medium, 0) if agent else 0
        load = desk.load.get(offer.medium, 0)
        routing.give(uow, ctx, work, offer.agent_id, load, capacity, "offer", actor, now)
        uow.commit()
        return offer


def decline_offer(ctx: ServiceContext, actor: Actor, offer_id: int, reason: str = "") -> Offer:
    require_role(actor, Role.AGENT, *routing.SUPERVISORS)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        offer = _end_offer(uow, offer_id, actor, OfferOutcome.DECLINED, now, reason[:200])
        uow.commit()
    routing.dispatch(ctx)  # offer it to the next agent right away
    return offer


def _end_offer(
    uow: UnitOfWork,
    offer_id: int,
    actor: Actor,
    outcome: OfferOutcome,
    now: datetime,
    reason: str,
) -> Offer:
    offer, work = _pending(uow, offer_id, actor)
    offer.outcome, offer.decided_at, offer.reason = outcome, now, reason
    uow.routing.save_offer(offer)
    if outcome is not OfferOutcome.TIMED_OUT:
        cancel_timer(uow, routing.offer_key(offer.ticket_id))
    desk = uow.routing.desk(offer.agent_id, now, lock=True)
    desk.give_back(offer.medium, now)
    uow.routing.save_desk(desk)
    work.decline(offer.agent_id, outcome)
    uow.routing.save_work(work)
    return offer


def offer_timeout_handler(ctx: ServiceContext) -> TimerHandler:
    """`routing.offer_timeout`: an offer nobody accepted in time lapses; the work waits
    for another agent (the dispatcher re-offers it; this agent is not asked again)."""

    def handle(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        offer_id = int(timer.payload["offer_id"])
        offer = uow.routing.offer(offer_id)
        if offer is None or offer.outcome is not OfferOutcome.PENDING:
            return
        _end_offer(uow, offer_id, SYSTEM, OfferOutcome.TIMED_OUT, now, "no answer in time")

    return handle


def overflow_handler(ctx: ServiceContext) -> TimerHandler:
    """`routing.overflow`: work still waiting after the queue's limit moves to its backup."""

    def handle(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        ticket_id = int(timer.payload["ticket"])
        work = uow.routing.work(ticket_id, lock=True)
        if work is None or work.state not in IN_QUEUE or work.queue != timer.payload["queue"]:
            return  # answered, ended, or moved elsewhere meanwhile
        if work.state is WorkState.OFFERED:  # ringing now: look again once it is decided
            due = now + timedelta(seconds=ctx.policies.routing.offer_timeout_seconds)
            again = f"{routing.overflow_key(ticket_id, work.queue)}:{int(now.timestamp())}"
            schedule_timer(uow, routing.OVERFLOW, again, due, timer.payload)
            return
        backup = routing.backup_of(uow, ctx, work.queue)
        ticket = uow.tickets.get(ticket_id)
        if backup is None or ticket is None:
            return
        team, lane = backup[0].split("/", 1)
        work.place(team, lane, routing.requirements(ctx, lane, ticket.subcategory), "overflow")
        work.overflowed_at = now
        uow.routing.save_work(work)
        routing.schedule_overflow(uow, ctx, work, now)

    return handle


# ---- supervisors, presence, schedules --------------------------------------------------------


def move_work(ctx: ServiceContext, actor: Actor, ticket_id: int, queue: str) -> Work:
    """A supervisor moves waiting work to another queue; it keeps its wait."""
    require_role(actor, *routing.SUPERVISORS)
    team, _, lane = queue.partition("/")
    if team not in ctx.policies.teams or lane not in {x.value for x in Lane}:
        raise InvalidInput(f"'{queue}' is not a queue: expected team/lane, e.g. ecommerce/legal")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        ticket = ticket_for(uow, actor, ticket_id, for_update=True)
        work = uow.routing.work(ticket_id, lock=True)
        if work is None or work.state not in IN_QUEUE:
            raise Conflict(
                f"ticket #{ticket_id} is not waiting in a queue; put it back in the queue "
                "(status queued) or assign it to an agent instead",
                details={"state": work.state.value if work else None},
            )
        before = work.queue
        routing.withdraw(uow, work, now)
        work.place(
            team, lane, routing.requirements(ctx, lane, ticket.subcategory), f"by {actor.label}"
        )
        uow.routing.save_work(work)
        routing.schedule_overflow(uow, ctx, work, now)
        ticket.audit(actor, now, "queue_moved", queue=[before, work.queue])
        uow.tickets.save(ticket)
        uow.commit()
        return work


def agent_changed(ctx: ServiceContext, agent: Agent, *, presence: bool) -> int:
    """After an admin or the agent changed the agent: the router sees the new skills and
    capacity at once, and a change of presence takes effect (`on_presence`)."""
    ctx.cache.clear()
    return on_presence(ctx, agent) if presence else 0


def on_presence(ctx: ServiceContext, agent: Agent) -> int:
    """After an agent's presence changed: offers to an agent who left go back to the
    queue; an agent who became available is idle from now and gets work at once."""
    assert agent.id is not None
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if agent.presence is not Presence.AVAILABLE:
            offers = uow.routing.offers(agent_id=agent.id, pending=True)
            for ticket_id in sorted({o.ticket_id for o in offers}):  # lock order: tickets first
                uow.tickets.get(ticket_id, for_update=True)
            for offer in offers:
                assert offer.id is not None
                _end_offer(uow, offer.id, SYSTEM, OfferOutcome.WITHDRAWN, now, "agent left")
        desk = uow.routing.desk(agent.id, now, lock=True)
        if agent.presence is Presence.AVAILABLE:
            desk.idle_since = now
        desk.record("routing.presence_changed", agent_id=agent.id, presence=agent.presence.value)
        uow.routing.save_desk(desk)
        uow.commit()
    return routing.dispatch(ctx) if agent.presence is Presence.AVAILABLE else 0


def set_schedule(ctx: ServiceContext, actor: Actor, agent_id: int, schedule: str | None) -> Desk:
    require_role(actor, *routing.SUPERVISORS)
    known = {**ctx.policies.calendars, **ctx.policies.routing.shifts}
    if schedule is not None and schedule not in known:
        raise InvalidInput(
            f"unknown schedule '{schedule}': expected one of {', '.join(sorted(known))}",
            details={"schedule": schedule},
        )
    with ctx.uow() as uow:
        if uow.org.agent(agent_id) is None:
            raise NotFound(f"agent {agent_id} not found")
        desk = uow.routing.desk(agent_id, ctx.clock.now(), lock=True)
        desk.schedule = schedule
        uow.routing.save_desk(desk)
        uow.commit()
        return desk


def desk_of(ctx: ServiceContext, actor: Actor, agent_id: int) -> tuple[Desk, list[Offer]]:
    require_role(actor, Role.AGENT, *routing.SUPERVISORS)
    if actor.role is Role.AGENT and actor.agent_id != agent_id:
        raise Forbidden("an agent may only look at their own desk")
    with ctx.uow() as uow:
        if uow.org.agent(agent_id) is None:
            raise NotFound(f"agent {agent_id} not found")
        desk = uow.routing.desk(agent_id, ctx.clock.now())
        offers = uow.routing.offers(agent_id=agent_id, pending=True)
        uow.commit()
        return desk, offers


def work_of(
    ctx: ServiceContext, actor: Actor, ticket_id: int
) -> tuple[Work | None, list[Offer], list[Assignment]]:
    require_role(actor, Role.AGENT, *routing.SUPERVISORS, Role.INTEGRATION)
    with ctx.uow(readonly=True) as uow:
        ticket_for(uow, actor, ticket_id)
        return (
            uow.routing.work(ticket_id),
            uow.routing.offers(ticket_id=ticket_id),
            uow.routing.assignments(ticket_id),
        )


def dispatch_now(ctx: ServiceContext, actor: Actor) -> int:
    """A supervisor runs the dispatcher now (normally workers do, continuously)."""
    require_role(actor, *routing.SUPERVISORS)
    total = 0
    while (made := routing.dispatch(ctx)) > 0:
        total += made
    return total
