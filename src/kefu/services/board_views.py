"""What the supervisor board and its reports show (SPEC §6, §11), read in one place.

`board()` is the live picture: queue figures, tickets about to breach, agents' presence
and load. `reports()` is the history of a period: tickets per channel, category,
subcategory, segment and team with response and resolution times, SLA attainment, the
backlog by priority, daily volumes, the disputes report and the satisfaction ratings.
The sums are done by the database (`uow.reports`, `uow.chat`, `uow.disputes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput
from kefu.domain.figures import QueueFigures
from kefu.domain.organisation import Presence, WorkMedium
from kefu.domain.sla import Metric
from kefu.domain.tickets import Ticket
from kefu.services import sla_admin
from kefu.services.access import require_role
from kefu.services.chat_ports import RatingFilter
from kefu.services.context import ServiceContext
from kefu.services.dispute_reports import DisputeReport, report_from_steps
from kefu.services.queue_figures import snapshot
from kefu.services.report_ports import BacklogCell, DayVolume, TicketGroup
from kefu.services.routing import on_duty

LEADS = (Role.SUPERVISOR, Role.ADMIN)
BREACH_HORIZON_MINUTES = 120
BREACH_LIMIT = 20
MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class AgentLoad:
    id: int
    name: str
    teams: tuple[str, ...]
    presence: Presence
    on_duty: bool
    load: dict[WorkMedium, int]
    capacity: dict[WorkMedium, int]

    @property
    def used(self) -> int:
        return sum(min(n, self.capacity.get(m, 0)) for m, n in self.load.items())

    @property
    def slots(self) -> int:
        return sum(self.capacity.values())


@dataclass(frozen=True, slots=True)
class AtRisk:
    """An open ticket whose running SLA clock is due soonest."""

    ticket: Ticket
    metric: Metric | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Board:
    at: datetime
    queues: list[QueueFigures]
    at_risk: list[AtRisk]
    agents: list[AgentLoad]


@dataclass(frozen=True, slots=True)
class Reports:
    since: datetime
    until: datetime
    by_channel: list[TicketGroup]
    by_subcategory: list[TicketGroup]
    by_segment: list[TicketGroup]
    by_team: list[TicketGroup]
    backlog: list[BacklogCell]
    daily: list[DayVolume]
    disputes: DisputeReport
    ratings_by_channel: list[dict[str, Any]] = field(default_factory=list)
    ratings_by_team: list[dict[str, Any]] = field(default_factory=list)


def _agents(ctx: ServiceContext, now: datetime) -> list[AgentLoad]:
    with ctx.uow(readonly=True) as uow:
        pairs = uow.routing.agents()
    out = [
        AgentLoad(
            id=agent.id,
            name=agent.name,
            teams=tuple(agent.teams),
            presence=agent.presence,
            on_duty=on_duty(ctx, desk.schedule if desk else None, now),
            load=dict(desk.load) if desk else {},
            capacity=dict(agent.capacity),
        )
        for agent, desk in pairs
        if agent.id is not None
    ]
    order = {p: n for n, p in enumerate(Presence)}
    out.sort(key=lambda a: (order.get(a.presence, 9), -a.used, a.name))
    return out


def _at_risk(ticket: Ticket) -> AtRisk:
    running = [(m, c.due_at) for m, c in ticket.sla.running() if c.due_at is not None]
    if not running:
        return AtRisk(ticket, None, None)
    metric, due = min(running, key=lambda x: x[1] or datetime.max)
    return AtRisk(ticket, metric, due)


def board(ctx: ServiceContext, actor: Actor) -> Board:
    """The live board for supervisors and admins."""
    require_role(actor, *LEADS)
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        queues = snapshot(uow, ctx, now)
    risky = sla_admin.breaching(ctx, actor, BREACH_HORIZON_MINUTES, BREACH_LIMIT)
    return Board(now, queues, [_at_risk(t) for t in risky], _agents(ctx, now))


def reports(ctx: ServiceContext, actor: Actor, since: datetime, until: datetime) -> Reports:
    """The report tables of tickets opened in [since, until)."""
    require_role(actor, *LEADS)
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("the period needs time zone aware times")
    if since >= until:
        raise InvalidInput("the start of the period must be before its end")
    if until - since > MAX_PERIOD:
        raise InvalidInput("the period can be at most a year")
    now = ctx.clock.now()
    ratings = RatingFilter(since=since, until=until)
    with ctx.uow(readonly=True) as uow:
        r = uow.reports
        return Reports(
            since=since,
            until=until,
            by_channel=r.ticket_groups("channel", since, until),
            by_subcategory=r.ticket_groups("subcategory", since, until),
            by_segment=r.ticket_groups("segment", since, until),
            by_team=r.ticket_groups("team", since, until),
            backlog=r.backlog(now),
            daily=r.daily_volume(since, until),
            disputes=report_from_steps(uow.disputes.steps(since, until), since, until),
            ratings_by_channel=uow.chat.rating_summary(ratings, "channel"),
            ratings_by_team=uow.chat.rating_summary(ratings, "team"),
        )
