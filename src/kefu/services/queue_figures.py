"""Live queue figures (SPEC §6) and estimated waits for the advisor and announcements.

The method is in `domain/figures.py`; this module gathers its inputs: counts from the
work items and assignments of the recent window, and the agents on duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain import acd, erlang
from kefu.domain.actors import Actor, Role
from kefu.domain.figures import QueueCounts, QueueFigures, Staffing, compute, handle_seconds
from kefu.domain.organisation import Lane, Presence, WorkMedium
from kefu.domain.work import IN_QUEUE, WorkState
from kefu.services.access import require_role, ticket_for
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork
from kefu.services.routing import agent_state, requirements

READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


@dataclass(frozen=True, slots=True)
class Estimate:
    seconds: float | None
    live: bool
    """From the queue as it is now (else an Erlang C forecast for that time)."""
    ahead: int | None
    servers: int
    handle_seconds: float


class Snapshot:
    """What the figures of one moment need, loaded once: counts and agents."""

    def __init__(self, uow: UnitOfWork, ctx: ServiceContext, now: datetime) -> None:
        policy = ctx.policies.routing
        self.uow, self.ctx, self.now = uow, ctx, now
        self.window = timedelta(minutes=policy.window_minutes)
        counts = uow.routing.queue_counts(now - self.window, dict(policy.service_level_seconds))
        self.counts = {(c.team, c.lane, c.medium): c for c in counts}
        self.agents = uow.routing.agents()
        self._cache: dict[tuple[datetime, bool], list[acd.AgentState]] = {}

    def _states(self, at: datetime, scheduled: bool) -> list[acd.AgentState]:
        key = (at, scheduled)
        if key not in self._cache:
            states = [agent_state(self.ctx, a, d, at) for a, d in self.agents]
            if scheduled:
                for state in states:
                    state.presence, state.load = Presence.AVAILABLE, {}
            self._cache[key] = states
        return self._cache[key]

    def counts_of(self, team: str, lane: str, medium: WorkMedium) -> QueueCounts:
        return self.counts.get((team, lane, medium)) or QueueCounts(team, lane, medium)

    def staffing(
        self,
        team: str,
        lane: str,
        medium: WorkMedium,
        at: datetime,
        *,
        skills: frozenset[str] | None = None,
        scheduled: bool = False,
    ) -> Staffing:
        """Agents who could take this work at `at`: available now and on shift (or, with
        `scheduled`, everyone whose shift covers `at`, as if they were logged in)."""
        need = skills if skills is not None else requirements(self.ctx, lane, "")
        group: acd.GroupKey = (team, lane, medium, need, "zh-CN")
        agents = servers = busy = 0
        for state in self._states(at, scheduled):
            if not state.ready or not state.qualifies(group):
                continue
            cap = state.capacity.get(medium, 0)
            agents, servers = agents + 1, servers + cap
            busy += min(cap, state.load.get(medium, 0))
        return Staffing(agents, servers, busy)

    def figures(self, team: str, lane: str, medium: WorkMedium) -> QueueFigures:
        policy = self.ctx.policies.routing
        return compute(
            self.counts_of(team, lane, medium),
            self.staffing(team, lane, medium, self.now),
            self.now,
            window_seconds=self.window.total_seconds(),
            target_seconds=policy.service_level_seconds.get(medium, 60),
            default_handle_seconds=policy.default_handle_seconds.get(medium, 600),
        )

    def estimate(
        self,
        team: str,
        lane: str,
        medium: WorkMedium,
        priority: int,
        at: datetime,
        skills: frozenset[str],
        *,
        waiting_since: datetime | None = None,
        ticket_id: int = 2**62,
    ) -> Estimate:
        """The expected wait of a new item with this priority arriving at `at` (or of the
        waiting ticket `ticket_id`, in the queue since `waiting_since`).

        Near now: the M/M/c wait given the queue we see — the items that would be served
        before it (by the ACD order) and the free slots. Further away: Erlang C for the
        recent arrival rate and the agents scheduled at `at`."""
        policy = self.ctx.policies.routing
        counts = self.counts_of(team, lane, medium)
        aht = handle_seconds(counts, policy.default_handle_seconds.get(medium, 600))
        mu = 1.0 / aht if aht > 0 else 0.0
        live = abs((at - self.now).total_seconds()) <= policy.live_horizon_minutes * 60
        staff = self.staffing(team, lane, medium, at, skills=skills, scheduled=not live)
        if not live:
            lam = counts.arrivals / self.window.total_seconds()
            wait = erlang.mean_wait(staff.servers, lam, mu)
            return Estimate(wait, False, None, staff.servers, aht)
        rate = policy.aging_points_per_minute.get(medium, 0.0)
        mine = acd.Ordering({medium: rate}).key(
            acd.WorkItem(ticket_id, team, lane, medium, priority, waiting_since or at)
        )
        ahead = 0
        for epoch, p, tid in self.uow.routing.waiting_keys(team, lane, medium):
            first = epoch - p * 60.0 / rate if rate > 0 else float(-p)
            ahead += (first, epoch, tid) < mine
        seconds = erlang.wait_given_state(staff.servers, staff.busy, ahead, mu)
        return Estimate(seconds, True, ahead, staff.servers, aht)


def snapshot(uow: UnitOfWork, ctx: ServiceContext, now: datetime) -> list[QueueFigures]:
    """Figures of every queue and medium with work, history or agents on duty."""
    snap = Snapshot(uow, ctx, now)
    out = []
    for team in ctx.policies.teams.values():
        for lane in team.lanes:
            for medium in WorkMedium:
                f = snap.figures(team.code, lane.value, medium)
                if f.length or f.servers or f.answered or f.abandoned or f.arrival_rate_per_hour:
                    out.append(f)
    known = {(t.code, lane.value) for t in ctx.policies.teams.values() for lane in t.lanes}
    for team_code, lane_code, medium in snap.counts:  # queues an admin added by hand
        if (team_code, lane_code) not in known and Lane(lane_code):
            out.append(snap.figures(team_code, lane_code, medium))
    return out


def queue_figures(ctx: ServiceContext, actor: Actor) -> list[QueueFigures]:
    require_role(actor, *READERS)
    with ctx.uow(readonly=True) as uow:
        return snapshot(uow, ctx, ctx.clock.now())


def ticket_wait(
    ctx: ServiceContext, actor: Actor, ticket_id: int
) -> tuple[int | None, float | None]:
    """A waiting ticket's place in its queue (1 = next) and its expected wait — what the
    hotline announces; (None, None) when it is not waiting, (0, 0) while it is ringing."""
    require_role(actor, *READERS)
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        ticket = ticket_for(uow, actor, ticket_id)
        work = uow.routing.work(ticket_id)
        if work is None or work.state not in IN_QUEUE:
            return None, None
        if work.state is WorkState.OFFERED:
            return 0, 0.0
        est = Snapshot(uow, ctx, now).estimate(
            work.team,
            work.lane,
            work.medium,
            ticket.priority.value,
            now,
            work.skills,
            waiting_since=work.enqueued_at,
            ticket_id=ticket_id,
        )
        return (None if est.ahead is None else est.ahead + 1), est.seconds
