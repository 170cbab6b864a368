"""Routing use cases (SPEC §6): a ticket's work item follows the ticket; the dispatcher
offers waiting work to agents; agents accept or decline; offers lapse and work overflows
on durable timers; supervisors move work by hand; presence and shifts say who is on duty.

Lock order: ticket → work → desk everywhere except in `dispatch`, which takes all three
with SKIP LOCKED and so never waits (see store/routing.py). Capacity lives on the desk:
an offer reserves one unit of the medium, accepting keeps it, declining or lapsing gives
it back, and the router takes a unit only after re-reading the locked desk.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from kefu.domain import acd
from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.calendars import BusinessCalendar
from kefu.domain.organisation import MEDIUM_OF_CHANNEL, Agent, Lane, Presence, WorkMedium
from kefu.domain.tickets import Status, Ticket
from kefu.domain.work import IN_QUEUE, Assignment, Desk, Offer, OfferOutcome, Work, WorkState
from kefu.services import sla
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork
from kefu.services.timers import cancel_timer, schedule_timer

OFFER_TIMEOUT = "routing.offer_timeout"
OVERFLOW = "routing.overflow"
ENDING = frozenset({Status.RESOLVED, Status.CLOSED, Status.MERGED})
NEEDS_AGENT = frozenset({Status.QUEUED, Status.REOPENED})
HOLDING = frozenset({Status.ASSIGNED, Status.OPEN, Status.WAITING_CUSTOMER, Status.REOPENED})
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def offer_key(ticket_id: int) -> str:
    return f"routing:offer:{ticket_id}"


def overflow_key(ticket_id: int, queue: str) -> str:
    """One overflow timer per ticket and queue it waits in: a move to another queue needs no
    cancellation (the old timer finds the work elsewhere and does nothing), and the timer
    that moves work on schedules the next queue's under another key."""
    return f"routing:overflow:{ticket_id}:{queue}"


def requirements(ctx: ServiceContext, lane: str, subcategory: str) -> frozenset[str]:
    return ctx.policies.routing.skills_for(Lane(lane), subcategory)


def _language(ticket: Ticket) -> str:
    return str(ticket.signals.get("language") or "zh-CN")


def backup_of(uow: UnitOfWork, ctx: ServiceContext, queue: str) -> tuple[str, int] | None:
    """The queue's backup and the wait before overflow: an admin's setting, else policy."""
    queues = ctx.cache.get("routing.queues", uow.org.queues)
    by_id = {q.id: q for q in queues}
    for q in queues:
        if q.key == queue and q.backup_queue_id in by_id:
            return by_id[q.backup_queue_id].key, ctx.policies.routing.default_overflow_seconds
    return ctx.policies.routing.overflow_for(queue)


def schedule_overflow(uow: UnitOfWork, ctx: ServiceContext, work: Work, start: datetime) -> None:
    backup = backup_of(uow, ctx, work.queue)
    if backup is not None:
        due = start + timedelta(seconds=backup[1])
        payload = {"ticket": work.ticket_id, "queue": work.queue}
        schedule_timer(uow, OVERFLOW, overflow_key(work.ticket_id, work.queue), due, payload)


def cancel_overflow(uow: UnitOfWork, ctx: ServiceContext, work: Work) -> None:
    if backup_of(uow, ctx, work.queue) is not None:
        cancel_timer(uow, overflow_key(work.ticket_id, work.queue))


# ---- the work item follows its ticket --------------------------------------------------------


def enqueue(uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, now: datetime) -> None:
    """A new ticket waiting for an agent gets its work item (no lookup: it has none yet)."""
    assert ticket.id is not None
    if ticket.status not in NEEDS_AGENT or ticket.assignee_id is not None:
        sync(uow, ctx, ticket, now)
        return
    skills = requirements(ctx, ticket.lane.value, ticket.subcategory)
    medium, lane = MEDIUM_OF_CHANNEL[ticket.channel], ticket.lane.value
    work = Work.enqueue(ticket.id, ticket.team, lane, medium, skills, _language(ticket), now)
    uow.routing.add_work(work)
    schedule_overflow(uow, ctx, work, now)


def sync(uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, now: datetime) -> None:
    """Keep the ticket's work item in step with the ticket; called (in the ticket's unit of
    work, the ticket locked) after every change: enqueue, requeue, hold, end."""
    assert ticket.id is not None
    work = uow.routing.work(ticket.id, lock=True)
    if ticket.status in ENDING:
        if work is not None and work.state not in (WorkState.DONE, WorkState.ABANDONED):
            _let_go(uow, work, now)
            cancel_overflow(uow, ctx, work)
            work.end(now, merged=ticket.status is Status.MERGED)
            uow.routing.save_work(work)
        return
    if ticket.assignee_id is not None and ticket.status in HOLDING:
        _hold(uow, ctx, ticket, work, ticket.assignee_id, now)
        return
    if ticket.status not in NEEDS_AGENT:
        return
    skills = requirements(ctx, ticket.lane.value, ticket.subcategory)
    if work is None:
        medium = MEDIUM_OF_CHANNEL[ticket.channel]
        lane = ticket.lane.value
        work = Work.enqueue(ticket.id, ticket.team, lane, medium, skills, _language(ticket), now)
        uow.routing.add_work(work)
        schedule_overflow(uow, ctx, work, now)
    elif work.state not in IN_QUEUE:
        _let_go(uow, work, now)
        work.requeue(ticket.team, ticket.lane.value, skills, now)
        uow.routing.save_work(work)
        schedule_overflow(uow, ctx, work, now)
    elif work.home_queue != f"{ticket.team}/{ticket.lane.value}":
        # Reclassified while waiting: its own queue changed; the wait so far counts.
        withdraw(uow, work, now)
        work.place(ticket.team, ticket.lane.value, skills, "reclassified")
        work.home_queue = work.queue
        uow.routing.save_work(work)
        schedule_overflow(uow, ctx, work, work.enqueued_at)


def withdraw(uow: UnitOfWork, work: Work, now: datetime) -> None:
    """End a pending offer of this work without blame; the agent's unit comes back."""
    if work.state is not WorkState.OFFERED or work.agent_id is None:
        return
    offer = uow.routing.pending_offer(work.ticket_id)
    if offer is not None:
        offer.outcome, offer.decided_at = OfferOutcome.WITHDRAWN, now
        uow.routing.save_offer(offer)
        cancel_timer(uow, offer_key(work.ticket_id))
    desk = uow.routing.desk(work.agent_id, now, lock=True)
    desk.give_back(work.medium, now)
    uow.routing.save_desk(desk)
    work.decline(work.agent_id, OfferOutcome.WITHDRAWN)


def _let_go(uow: UnitOfWork, work: Work, now: datetime) -> None:
    """Whoever holds or is offered the work lets it go (capacity back)."""
    withdraw(uow, work, now)
    active = uow.routing.active_assignment(work.ticket_id)
    if active is not None:
        uow.routing.release_assignment(active, now)
        desk = uow.routing.desk(active.agent_id, now, lock=True)
        desk.give_back(active.medium, now)
        uow.routing.save_desk(desk)


def _hold(
    uow: UnitOfWork,
    ctx: ServiceContext,
    ticket: Ticket,
    work: Work | None,
    agent_id: int,
    now: datetime,
) -> None:
    """A person gave the ticket to `agent_id` (or it still is theirs): record it."""
    assert ticket.id is not None
    active = uow.routing.active_assignment(ticket.id)
    if active is not None and active.agent_id == agent_id:
        return
    if work is None:
        medium = MEDIUM_OF_CHANNEL[ticket.channel]
        skills = requirements(ctx, ticket.lane.value, ticket.subcategory)
        lane = ticket.lane.value
        work = Work.enqueue(ticket.id, ticket.team, lane, medium, skills, _language(ticket), now)
        uow.routing.add_work(work)
    elif work.state in (WorkState.DONE, WorkState.ABANDONED):
        work.requeue(work.team, work.lane, work.skills, now)
    # Every desk this touches, locked up front in id order (two reassignments crossing
    # each other must not wait on each other's desks).
    holders = {agent_id, *(x.agent_id for x in (active,) if x is not None)}
    if work.agent_id is not None:
        holders.add(work.agent_id)
    uow.routing.ensure_desks(holders, now)
    uow.routing.lock_desks(holders, skip_locked=False)
    _let_go(uow, work, now)
    cancel_overflow(uow, ctx, work)
    agent = uow.org.agent(agent_id)
    capacity = agent.capacity.get(work.medium, 0) if agent is not None else 0
    desk = uow.routing.desk(agent_id, now, lock=True)
    load = desk.take(work.medium, now)
    uow.routing.save_desk(desk)
    uow.routing.add_assignment(
        Assignment(ticket.id, agent_id, work.medium, work.queue, now, "manual", load, capacity)
    )
    work.answer(agent_id, now, "manual")
    uow.routing.save_work(work)


# ---- dispatch ------------------------------------------------------------------------------


def on_duty(ctx: ServiceContext, schedule: str | None, at: datetime) -> bool:
    """Inside the shift at `at` (no schedule, or an unknown one: always)."""
    if schedule is None:
        return True
    cal = ctx.policies.routing.shifts.get(schedule) or ctx.policies.calendars.get(schedule)
    return cal is None or _open_at(cal, at.replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _open_at(cal: BusinessCalendar, minute: datetime) -> bool:
    """Shifts change on whole minutes: one answer per calendar and minute suffices."""
    return cal.is_open(minute)


def agent_state(
    ctx: ServiceContext, agent: Agent, desk: Desk | None, at: datetime
) -> acd.AgentState:
    assert agent.id is not None
    return acd.AgentState(
        agent_id=agent.id,
        teams=frozenset(agent.teams),
        skills=frozenset(agent.skills),
        languages=frozenset(agent.languages),
        capacity=dict(agent.capacity),
        load=dict(desk.load) if desk else {},
        idle_since=desk.idle_since if desk else at,
        presence=agent.presence,
        on_duty=on_duty(ctx, desk.schedule if desk else None, at),
    )


def ready_agents(uow: UnitOfWork, ctx: ServiceContext, now: datetime) -> list[acd.AgentState]:
    """Available agents on shift with any free capacity, their desks created if new.

    Teams, skills, languages and capacity come from a cache of a few seconds (they change
    rarely; an admin's change applies within the cache's life); presence and load are
    read fresh."""
    desks = uow.routing.available_desks()
    missing = [a for a, d in desks if d is None]
    if missing:
        uow.routing.ensure_desks(missing, now)
        desks = uow.routing.available_desks()
    profiles = ctx.cache.get("routing.agent_profiles", uow.routing.agent_profiles)
    if any(a not in profiles for a, _ in desks):  # someone new: read them now
        profiles = uow.routing.agent_profiles()
    states = []
    for agent_id, desk in desks:
        profile = profiles.get(agent_id)
        if profile is None:
            continue
        state = agent_state(ctx, profile, desk, now)
        state.presence = Presence.AVAILABLE
        if state.ready and any(state.free(m) > 0 for m in WorkMedium):
            states.append(state)
    return states


def ordering(ctx: ServiceContext) -> acd.Ordering:
    return acd.Ordering(ctx.policies.routing.aging_points_per_minute)


def dispatch(ctx: ServiceContext, *, limit: int | None = None) -> int:
    """One transaction of assignment decisions: claim the best waiting work that some
    free agent could take, match it (priority with aging, then longest-idle agent), and
    offer it (or assign it, for auto-accepted mediums). Returns how many were placed."""
    policy = ctx.policies.routing
    budget = limit or policy.batch
    now = ctx.clock.now()
    with ctx.uow() as uow:
        pool = ready_agents(uow, ctx, now)
        if not pool:
            return 0
        # Each group that some free agent could serve offers its best items: as many as
        # its free slots, at most a fair share of twice the batch (every group's head is
        # in the plan, so the global order holds for the items that matter this sweep).
        groups, free_of = [], {}
        for group in uow.routing.waiting_groups():
            short = (group[0], group[2], group[3], group[4])  # the lane does not matter
            if short not in free_of:
                free_of[short] = sum(a.free(group[2]) for a in pool if a.qualifies(group))
            if free_of[short] > 0:
                groups.append((group, free_of[short]))
        share = max(10, -(-2 * budget // max(1, len(groups))))
        claimed: dict[int, tuple[Work, acd.WorkItem]] = {}
        for group, free in groups:
            aging = policy.aging_points_per_minute.get(group[2], 0.0)
            for work, priority in uow.routing.claim_waiting(group, min(free, share), aging):
                claimed[work.ticket_id] = (work, _item(work, priority))
        if not claimed:
            return 0
        locked = uow.routing.lock_tickets(claimed)
        items = [item for tid, (_, item) in claimed.items() if tid in locked]
        decisions = acd.plan(items, pool, now, ordering(ctx), limit=budget)
        desks = uow.routing.lock_desks({a.agent_id for _, a in decisions}, skip_locked=True)
        capacities = uow.routing.capacities(desks)  # fresh, not the cached profiles
        made = 0
        for item, agent in decisions:
            desk = desks.get(agent.agent_id)
            capacity = capacities.get(agent.agent_id, {}).get(item.medium, 0)
            if desk is None or desk.load.get(item.medium, 0) + 1 > capacity:
                continue  # another process holds the agent, or filled them meanwhile
            made += _place(uow, ctx, claimed[item.ticket_id][0], desk, capacity, now)
        for desk in desks.values():
            uow.routing.save_desk(desk)
        uow.commit()
        return made


def _item(work: Work, priority: int) -> acd.WorkItem:
    return acd.WorkItem(
        ticket_id=work.ticket_id,
        team=work.team,
        lane=work.lane,
        medium=work.medium,
        priority=priority,
        enqueued_at=work.enqueued_at,
        skills=work.skills,
        language=work.language,
        declined=frozenset(work.declined),
    )


def _place(
    uow: UnitOfWork, ctx: ServiceContext, work: Work, desk: Desk, capacity: int, now: datetime
) -> bool:
    """Offer the work to the desk's agent (or give it, when auto-accepted)."""
    if work.medium in ctx.policies.routing.auto_accept:
        ticket = uow.tickets.get(work.ticket_id, for_update=True)
        if ticket is None or ticket.status not in NEEDS_AGENT or ticket.assignee_id is not None:
            if ticket is not None:
                sync(uow, ctx, ticket, now)  # out of step (never expected): repair, skip
            return False
        load = desk.take(work.medium, now)
        work.offer(desk.agent_id, now)
        give(uow, ctx, work, desk.agent_id, load, capacity, "auto", SYSTEM, now, ticket)
        return True
    desk.take(work.medium, now)
    work.offer(desk.agent_id, now)
    expires = now + timedelta(seconds=ctx.policies.routing.offer_timeout_seconds)
    offer = Offer(work.ticket_id, work.id or 0, desk.agent_id, work.medium, now, expires)
    uow.routing.add_offer(offer)
    schedule_timer(uow, OFFER_TIMEOUT, offer_key(work.ticket_id), expires, {"offer_id": offer.id})
    uow.routing.save_work(work)
    return True


def give(
    uow: UnitOfWork,
    ctx: ServiceContext,
    work: Work,
    agent_id: int,
    load: int,
    capacity: int,
    how: str,
    actor: Actor,
    now: datetime,
    ticket: Ticket | None = None,
) -> None:
    """The agent has the work: the ticket is assigned, the assignment recorded."""
    ticket = ticket or uow.tickets.get(work.ticket_id, for_update=True)
    assert ticket is not None  # a foreign key guarantees it
    sla.attach_calendar(uow, ctx, ticket)
    ticket.assign(agent_id, actor, now)
    customer = uow.customers.get(ticket.customer.uid, identities=False)
    assert customer is not None
    # Being assigned moves no SLA clock, so the SLA timer stays; only the priority's
    # waiting term ends. (A full `sla.refresh` would re-save the timer for nothing.)
    ticket.set_priority(sla.priority_of(ctx, ticket, customer, now), SYSTEM, now)
    uow.tickets.save(ticket)
    uow.routing.add_assignment(
        Assignment(work.ticket_id, agent_id, work.medium, work.queue, now, how, load, capacity)
    )
    cancel_overflow(uow, ctx, work)
    work.answer(agent_id, now, how)
    uow.routing.save_work(work)
