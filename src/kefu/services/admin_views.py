"""Read models for the admin pages, and the one admin write no other service offers
(a web login for an agent).

The admin pages show what the other services own (teams, agents, calendars, SLA rules,
policies); this module adds only what needs several of them at once: the overview's
counts, an agent's web login, and a calendar's year as months of days.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date

import chinese_calendar  # type: ignore[import-untyped]

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.organisation import Presence
from kefu.services import sla
from kefu.services.access import require_role
from kefu.services.context import ServiceContext
from kefu.services.users import create_user

LOGIN_ROLES = ("agent", "supervisor")


@dataclass(frozen=True, slots=True)
class Overview:
    categories: int
    subcategories: int
    teams: int
    queues: int
    agents: int
    agents_available: int
    logins: int
    calendars: int
    overrides: int
    sla_rules: int
    kb_articles: int = 0
    kb_published: int = 0


def overview(ctx: ServiceContext, actor: Actor) -> Overview:
    require_role(actor, Role.ADMIN)
    tax = ctx.policies.taxonomy
    with ctx.uow(readonly=True) as uow:
        agents = uow.org.agents(None)
        return Overview(
            categories=len(tax.categories),
            subcategories=sum(len(c.subcategories) for c in tax.categories),
            teams=len(ctx.policies.teams),
            queues=len(uow.org.queues()),
            agents=len(agents),
            agents_available=sum(a.presence is Presence.AVAILABLE for a in agents),
            logins=len(uow.users.agent_logins()),
            calendars=len(ctx.policies.calendars),
            overrides=len(uow.sla.overrides()),
            sla_rules=len(uow.sla.rules()),
            kb_articles=len(uow.knowledge.keys()),
            kb_published=uow.knowledge.published_stamp()[0],
        )


def agent_logins(ctx: ServiceContext, actor: Actor) -> dict[int, str]:
    """agent id → the web login of the user who works as that agent."""
    require_role(actor, Role.ADMIN)
    with ctx.uow(readonly=True) as uow:
        return uow.users.agent_logins()


def create_agent_login(
    ctx: ServiceContext,
    actor: Actor,
    agent_id: int,
    login: str,
    password: str,
    role: str = "agent",
) -> str:
    """A web user (agent or supervisor) working as this agent; returns the login."""
    require_role(actor, Role.ADMIN)
    if role not in LOGIN_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(LOGIN_ROLES)}")
    with ctx.uow(readonly=True) as uow:
        agent = uow.org.agent(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        if agent_id in uow.users.agent_logins():
            raise InvalidInput(f"agent {agent_id} has a web login already")
    record, _ = create_user(
        ctx, role, agent.name, agent_id=agent_id, login=login, password=password
    )
    assert record.login is not None
    return record.login


# ---- a calendar's year ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    business: bool
    kind: str
    """workday | weekend | holiday (a weekday off) | makeup (a weekend workday, 调休)."""
    override: str | None
    """The admin override of this day ("workday" | "holiday"), if any."""
    holiday: str | None
    """The public holiday's English name from chinese_calendar, if the day is one."""


@dataclass(frozen=True, slots=True)
class Month:
    month: int
    weeks: list[list[Day | None]]
    """Monday-first weeks; None pads the days of other months."""
    off: int


def year_view(ctx: ServiceContext, actor: Actor, name: str, year: int) -> list[Month]:
    require_role(actor, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    if not 2000 <= year <= 2100:
        raise InvalidInput("the year must be between 2000 and 2100")
    with ctx.uow(readonly=True) as uow:
        cals = sla.calendars(uow, ctx)
    cal = cals.get(name)
    if cal is None:
        raise NotFound(f"calendar '{name}' not found")
    months = []
    for m in range(1, 13):
        weeks: list[list[Day | None]] = []
        off = 0
        for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, m):
            row: list[Day | None] = []
            for d in week:
                if d.month != m:
                    row.append(None)
                    continue
                business = cal.is_business_day(d)
                weekend = d.weekday() >= 5
                holiday = _holiday_name(d)
                if business:
                    kind = "makeup" if weekend else "workday"
                else:
                    kind = "weekend" if weekend and not holiday else "holiday"
                    off += 1
                row.append(Day(d, business, kind, cal.overrides.get(d), holiday))
            weeks.append(row)
        months.append(Month(m, weeks, off))
    return months


def _holiday_name(d: date) -> str | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return None
    return str(name) if on_holiday and name else None
