"""Read models of the agent desk (web pages): what one agent sees at a glance.

Each function is one read for one page: the desk home (queues, offers, my open work), the
ticket page (ticket, conversation, customer, the customer's other tickets) and the ticket
search. Objects are loaded for the actor through `services/access.py` and the list filter
narrowed by `visible_filter`, so an agent never sees another team's tickets here either.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path

from kefu.domain.actors import Actor, Role
from kefu.domain.customers import Customer
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.organisation import Agent
from kefu.domain.sla import Metric
from kefu.domain.tickets import TRANSITIONS, Message, Status, Ticket
from kefu.domain.work import Offer, Work
from kefu.services import queue_figures, sla
from kefu.services.access import require_role, ticket_for, visible_filter
from kefu.services.context import ServiceContext
from kefu.services.ports import TicketFilter, UnitOfWork

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MY_TICKETS_LIMIT = 100
SEARCH_LIMIT = 100
SEARCH_SCAN = 500
"""A text search scans at most this many of the newest visible tickets."""
OTHER_TICKETS_LIMIT = 20
_TICKET_ID = re.compile(r"^#?(\d{1,10})$")
_UID = re.compile(r"^UID\d{6,}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QueueLine:
    queue: str
    team: str
    lane: str
    waiting: int
    oldest_wait_seconds: float | None
    estimated_wait_seconds: float | None
    agents: int


@dataclass(frozen=True, slots=True)
class OfferLine:
    offer: Offer
    ticket: Ticket | None
    """None when the actor may not see the ticket (it moved meanwhile)."""


@dataclass(slots=True)
class DeskHome:
    agent: Agent | None
    """The actor's agent record (None for a supervisor or admin without one)."""
    load: dict[str, int] = field(default_factory=dict)
    queues: list[QueueLine] = field(default_factory=list)
    offers: list[OfferLine] = field(default_factory=list)
    mine: list[Ticket] = field(default_factory=list)
    """My unresolved tickets, most urgent first."""


@dataclass(slots=True)
class TicketView:
    ticket: Ticket
    messages: list[Message]
    customer: Customer | None
    others: list[Ticket]
    """The customer's other tickets (newest first): history across channels, merge targets."""
    assignee: Agent | None
    work: Work | None
    targets: list[str]
    """Statuses the ticket may move to now (the lifecycle table)."""
    has_chat: bool = False
    """The ticket came from an in-app chat: the agent side of the live chat applies."""


def _deadline(t: Ticket) -> datetime | None:
    dues = [
        d
        for d in (
            t.sla.due(Metric.FIRST_RESPONSE),
            t.sla.due(Metric.NEXT_RESPONSE),
            t.sla.due(Metric.RESOLUTION),
        )
        if d is not None
    ]
    return min(dues) if dues else None


def urgency_key(t: Ticket) -> tuple[int, float, int]:
    """Most urgent first: higher priority, then the nearer SLA deadline, then older."""
    due = _deadline(t)
    return (-t.priority.value, due.timestamp() if due else float("inf"), t.id or 0)


def _queues(ctx: ServiceContext, actor: Actor, teams: list[str]) -> list[QueueLine]:
    figures = queue_figures.queue_figures(ctx, actor)
    wanted = [
        (team, lane.value)
        for team in teams
        if team in ctx.policies.teams
        for lane in ctx.policies.teams[team].lanes
    ]
    lines: dict[str, QueueLine] = {
        f"{t}/{lane}": QueueLine(f"{t}/{lane}", t, lane, 0, None, None, 0) for t, lane in wanted
    }
    for f in figures:
        team, _, lane = f.queue.partition("/")
        if team not in teams:
            continue
        old = lines.get(f.queue) or QueueLine(f.queue, team, lane, 0, None, None, 0)
        oldest = max(
            (x for x in (old.oldest_wait_seconds, f.oldest_wait_seconds) if x is not None),
            default=None,
        )
        est = max(
            (x for x in (old.estimated_wait_seconds, f.estimated_wait_seconds) if x is not None),
            default=None,
        )
        lines[f.queue] = QueueLine(
            f.queue, team, lane, old.waiting + f.length, oldest, est, max(old.agents, f.agents)
        )
    return sorted(lines.values(), key=lambda q: (-q.waiting, q.queue))


def desk_home(ctx: ServiceContext, actor: Actor, *, with_queues: bool = True) -> DeskHome:
    """The desk of the signed-in person: offers waiting for them, their open tickets and
    the queues of their teams (all teams for a supervisor or admin without an agent)."""
    require_role(actor, *STAFF)
    home = DeskHome(agent=None)
    with ctx.uow() as uow:
        if actor.agent_id is not None:
            home.agent = uow.org.agent(actor.agent_id)
        if home.agent is not None and home.agent.id is not None:
            desk = uow.routing.desk(home.agent.id, ctx.clock.now())
            home.load = {m.value: n for m, n in desk.load.items()}
            home.offers = [
                OfferLine(o, _visible(uow, actor, o.ticket_id))
                for o in uow.routing.offers(agent_id=home.agent.id, pending=True)
            ]
            flt = visible_filter(actor, TicketFilter(assignee_id=home.agent.id, unresolved=True))
            home.mine = uow.tickets.list(flt, limit=MY_TICKETS_LIMIT, before_id=None)
            cals = sla.calendars(uow, ctx)
            for t in home.mine:
                t.calendar = cals
            home.mine.sort(key=urgency_key)
        uow.commit()  # the desk row may have been created
    if with_queues:
        teams = home.agent.teams if home.agent else sorted(ctx.policies.teams)
        home.queues = _queues(ctx, actor, list(teams))
    return home


def _visible(uow: UnitOfWork, actor: Actor, ticket_id: int) -> Ticket | None:
    try:
        return ticket_for(uow, actor, ticket_id)
    except NotFound:
        return None


def ticket_view(ctx: ServiceContext, actor: Actor, ticket_id: int) -> TicketView:
    """Everything the ticket page shows, in one read."""
    require_role(actor, *STAFF)
    with ctx.uow(readonly=True) as uow:
        ticket = ticket_for(uow, actor, ticket_id)
        sla.attach_calendar(uow, ctx, ticket)
        messages = uow.tickets.messages(ticket_id, include_notes=True)
        customer = uow.customers.get(ticket.customer.uid)
        flt = visible_filter(actor, TicketFilter(customer_uid=ticket.customer.uid))
        others = [
            t
            for t in uow.tickets.list(flt, limit=OTHER_TICKETS_LIMIT + 1, before_id=None)
            if t.id != ticket_id
        ][:OTHER_TICKETS_LIMIT]
        assignee = uow.org.agent(ticket.assignee_id) if ticket.assignee_id else None
        work = uow.routing.work(ticket_id)
        targets = [s.value for s in Status if s in TRANSITIONS[ticket.status]]
        has_chat = uow.chat.for_ticket(ticket_id) is not None
        return TicketView(ticket, messages, customer, others, assignee, work, targets, has_chat)


def find_tickets(
    ctx: ServiceContext,
    actor: Actor,
    *,
    status: str | None = None,
    q: str = "",
    mine: bool = False,
) -> list[Ticket]:
    """Tickets the actor may see, by status and a query: `#123` or `123` (a ticket id), a
    UID (the customer's tickets), or words found in the subject, the subcategory's name or
    a tag (among the newest SEARCH_SCAN tickets). Most urgent first."""
    require_role(actor, *STAFF)
    if status and status not in Status.__members__.values() and status != "open_any":
        raise InvalidInput(f"unknown status '{status}'")
    q = q.strip()
    base = TicketFilter(
        status=status if status and status != "open_any" else None,
        unresolved=status == "open_any",
        assignee_id=actor.agent_id if mine and actor.agent_id is not None else None,
    )
    with ctx.uow(readonly=True) as uow:
        by_id = _TICKET_ID.match(q)
        if by_id:
            found = _visible(uow, actor, int(by_id.group(1)))
            items = [found] if found else []
        elif _UID.match(q):
            flt = visible_filter(actor, replace(base, customer_uid=q.upper()))
            items = uow.tickets.list(flt, limit=SEARCH_LIMIT, before_id=None)
        else:
            flt = visible_filter(actor, base)
            items = uow.tickets.list(flt, limit=SEARCH_SCAN if q else SEARCH_LIMIT, before_id=None)
            if q:
                items = [t for t in items if _matches(ctx, t, q)][:SEARCH_LIMIT]
        cals = sla.calendars(uow, ctx)
        for t in items:
            t.calendar = cals
    return sorted(items, key=urgency_key)


def _matches(ctx: ServiceContext, t: Ticket, q: str) -> bool:
    needle = q.lower()
    sub = ctx.policies.taxonomy.get(t.subcategory)
    hay = " ".join([t.subject, sub.zh, sub.en, t.subcategory, t.customer.uid, *t.tags]).lower()
    return all(word in hay for word in needle.split())


@dataclass(frozen=True, slots=True)
class SavedReply:
    code: str
    title: dict[str, str]
    body: dict[str, str]
    """{"zh": …, "en": …}; may use {customer}, {ticket} and {agent}."""


SAVED_REPLIES = Path(__file__).resolve().parents[1] / "policies" / "saved_replies.toml"


@cache
def saved_replies(path: Path = SAVED_REPLIES) -> tuple[SavedReply, ...]:
    """The desk's saved replies (policies/saved_replies.toml), read once per process."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    out = []
    for row in data.get("reply", []):
        title, body = row["title"], row["body"]
        if not {"zh", "en"} <= set(title) or not {"zh", "en"} <= set(body):
            raise ValueError(f"saved reply {row.get('code')!r} needs zh and en title and body")
        out.append(SavedReply(str(row["code"]), dict(title), dict(body)))
    return tuple(out)
