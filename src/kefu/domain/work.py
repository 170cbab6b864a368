"""Routing state of a ticket (its work item), of an offer, and of an agent's desk.

A ticket that needs a person has one work item. The item waits in a queue, is offered
to an agent (who accepts, declines or lets the offer lapse), and is then assigned until
the ticket leaves the agent (resolved, closed, merged, or put back in the queue). Each
step is a method here that checks the state and records a `routing.*` event.

States: `waiting → offered → assigned → done`, `offered → waiting` (declined, lapsed,
withdrawn), `assigned → waiting` (requeued), `waiting|offered → abandoned` (the ticket
ended before anyone answered it: the customer gave up, or the bot solved it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import Conflict
from kefu.domain.events import RecordsEvents
from kefu.domain.organisation import WorkMedium


class WorkState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    DONE = "done"
    ABANDONED = "abandoned"


IN_QUEUE = frozenset({WorkState.WAITING, WorkState.OFFERED})
ENDED = frozenset({WorkState.DONE, WorkState.ABANDONED})


class OfferOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"
    WITHDRAWN = "withdrawn"


def skills_key(skills: frozenset[str]) -> str:
    """The canonical text of a skill set (sorted, comma-separated)."""
    return ",".join(sorted(skills))


def parse_skills(text: str) -> frozenset[str]:
    return frozenset(s for s in text.split(",") if s)


class Work(RecordsEvents):
    def __init__(
        self,
        *,
        ticket_id: int,
        team: str,
        lane: str,
        medium: WorkMedium,
        skills: frozenset[str],
        language: str,
        enqueued_at: datetime,
        state: WorkState = WorkState.WAITING,
        home_queue: str | None = None,
        agent_id: int | None = None,
        declined: list[int] | None = None,
        offers: int = 0,
        overflowed_at: datetime | None = None,
        answered_at: datetime | None = None,
        ended_at: datetime | None = None,
        id: int | None = None,
    ) -> None:
        self._init_events()
        self.id, self.ticket_id = id, ticket_id
        self.team, self.lane, self.medium = team, lane, medium
        self.skills, self.language = skills, language
        self.enqueued_at, self.state = enqueued_at, state
        self.home_queue = home_queue or f"{team}/{lane}"
        self.agent_id = agent_id
        """The agent offered the item (offered) or holding it (assigned)."""
        self.declined: list[int] = list(declined or [])
        self.offers = offers
        self.overflowed_at, self.answered_at, self.ended_at = overflowed_at, answered_at, ended_at

    @property
    def queue(self) -> str:
        return f"{self.team}/{self.lane}"

    def _event(self, name: str, **data: object) -> None:
        self.record(f"routing.{name}", ticket_id=self.ticket_id, queue=self.queue, **data)

    @classmethod
    def enqueue(
        cls,
        ticket_id: int,
        team: str,
        lane: str,
        medium: WorkMedium,
        skills: frozenset[str],
        language: str,
        now: datetime,
    ) -> Work:
        work = cls(
            ticket_id=ticket_id,
            team=team,
            lane=lane,
            medium=medium,
            skills=skills,
            language=language,
            enqueued_at=now,
        )
        work._event("enqueued", medium=medium.value)
        return work

    def requeue(self, team: str, lane: str, skills: frozenset[str], now: datetime) -> None:
        """Back to waiting (a new wait starts) in the ticket's own queue."""
        self.team, self.lane, self.skills = team, lane, skills
        self.home_queue = self.queue
        self.state, self.agent_id, self.enqueued_at = WorkState.WAITING, None, now
        self.declined, self.overflowed_at, self.answered_at, self.ended_at = [], None, None, None
        self._event("requeued")

    def place(self, team: str, lane: str, skills: frozenset[str], reason: str) -> None:
        """Move waiting work to another queue, keeping its wait (overflow, a supervisor)."""
        if self.state not in IN_QUEUE:
            raise Conflict(
                f"ticket #{self.ticket_id} is not waiting in a queue (it is {self.state.value})"
            )
        before = self.queue
        self.team, self.lane, self.skills = team, lane, skills
        self._event("moved", before=before, reason=reason)

    def offer(self, agent_id: int, now: datetime) -> None:
        if self.state is not WorkState.WAITING:
            raise Conflict(f"ticket #{self.ticket_id} is {self.state.value}, not waiting")
        self.state, self.agent_id = WorkState.OFFERED, agent_id
        self.offers += 1
        self._event("offered", agent_id=agent_id)

    def answer(self, agent_id: int, now: datetime, how: str) -> None:
        """The agent holds the work now (an accepted offer, or a hand assignment)."""
        if self.state in ENDED:
            raise Conflict(f"ticket #{self.ticket_id} has left the queue ({self.state.value})")
        self.state, self.agent_id = WorkState.ASSIGNED, agent_id
        if self.answered_at is None:
            self.answered_at = now
        self._event("assigned", agent_id=agent_id, how=how, wait_seconds=self.wait_seconds)

    def decline(self, agent_id: int, outcome: OfferOutcome) -> None:
        """The offer to `agent_id` ended without acceptance: wait again for another."""
        if self.state is not WorkState.OFFERED or self.agent_id != agent_id:
            raise Conflict(f"ticket #{self.ticket_id} is not offered to agent {agent_id}")
        self.state, self.agent_id = WorkState.WAITING, None
        if outcome is not OfferOutcome.WITHDRAWN and agent_id not in self.declined:
            self.declined.append(agent_id)
        self._event(f"offer_{outcome.value}", agent_id=agent_id)

    def end(self, now: datetime, *, merged: bool = False) -> None:
        """The ticket no longer needs an agent: done if answered, else abandoned."""
        if self.state in ENDED:
            return
        answered = self.answered_at is not None
        self.state = WorkState.DONE if answered or merged else WorkState.ABANDONED
        self.agent_id, self.ended_at = None, now
        self._event("ended", state=self.state.value)

    @property
    def wait_seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return max(0.0, (self.answered_at - self.enqueued_at).total_seconds())


@dataclass(slots=True)
class Offer:
    ticket_id: int
    work_id: int
    agent_id: int
    medium: WorkMedium
    offered_at: datetime
    expires_at: datetime
    outcome: OfferOutcome = OfferOutcome.PENDING
    decided_at: datetime | None = None
    reason: str = ""
    id: int | None = None


@dataclass(slots=True)
class Assignment:
    """An agent holding a ticket, with the agent's load right after taking it."""

    ticket_id: int
    agent_id: int
    medium: WorkMedium
    queue: str
    assigned_at: datetime
    how: str
    """`offer` (accepted), `auto` (auto-accepted) or `manual` (a person assigned it)."""
    load_after: int
    capacity: int
    released_at: datetime | None = None
    id: int | None = None


@dataclass
class Desk(RecordsEvents):
    """An agent's routing state: load per medium (assignments + pending offers), the
    moment they last became idle, and their shift."""

    agent_id: int
    idle_since: datetime
    load: dict[WorkMedium, int] = field(default_factory=dict)
    schedule: str | None = None

    def __post_init__(self) -> None:
        self._init_events()

    @property
    def id(self) -> int:
        return self.agent_id

    def take(self, medium: WorkMedium, now: datetime) -> int:
        self.load[medium] = self.load.get(medium, 0) + 1
        self.idle_since = now
        return self.load[medium]

    def give_back(self, medium: WorkMedium, now: datetime) -> None:
        self.load[medium] = max(0, self.load.get(medium, 0) - 1)
        self.idle_since = now
