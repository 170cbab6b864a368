"""What the services need from the outside world, as Protocols.

`store/` implements the unit of work and repositories, `jobs/` the event bus, `blobs.py`
the attachment store; `bootstrap.py` picks the implementations.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from kefu.domain.customers import Customer, IdentityKind
from kefu.domain.disputes import Order
from kefu.domain.figures import QueueCounts
from kefu.domain.organisation import Agent, Presence, Queue, WorkMedium
from kefu.domain.sla import SlaRule
from kefu.domain.tickets import AuditEntry, Message, Ticket
from kefu.domain.timers import Timer
from kefu.domain.work import Assignment, Desk, Offer, Work
from kefu.services.chat_ports import ChatRepository
from kefu.services.dispute_ports import DisputeRepository
from kefu.services.email_ports import EmailRepository
from kefu.services.knowledge_ports import KnowledgeRepository
from kefu.services.report_ports import ReportRepository


@dataclass(frozen=True, slots=True)
class TicketFilter:
    channel: str | None = None
    status: str | None = None
    team: str | None = None
    teams: frozenset[str] | None = None
    """Visibility limit for agents: only these teams' tickets."""
    subcategory: str | None = None
    customer_uid: str | None = None
    assignee_id: int | None = None
    priority_min: int | None = None
    priority_max: int | None = None
    due_before: datetime | None = None
    """Only tickets with a running SLA clock due before this instant."""
    unresolved: bool = False
    """Leave out resolved, closed and merged tickets."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int | None
    name: str
    role: str
    token_hash: str
    customer_uid: str | None = None
    agent_id: int | None = None
    disabled: bool = False
    login: str | None = None
    password_hash: str | None = None


class CustomerRepository(Protocol):
    def get(
        self, uid: str, *, for_update: bool = False, identities: bool = True
    ) -> Customer | None:
        """`identities=False` skips loading linked identities (ticket work needs none)."""
        ...

    def get_by_id(self, customer_id: int) -> Customer | None: ...
    def find_by_identity(self, kind: IdentityKind, value: str) -> Customer | None: ...
    def add(self, customer: Customer) -> None: ...
    def add_if_absent(self, customer: Customer) -> Customer:
        """Add, or return the customer with the same UID that a concurrent writer added."""
        ...

    def save(self, customer: Customer) -> None: ...


class TicketRepository(Protocol):
    def add(self, ticket: Ticket) -> None: ...
    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket | None: ...
    def save(self, ticket: Ticket) -> None: ...
    def list(
        self, flt: TicketFilter, *, limit: int, before_id: int | None, order: str = "newest"
    ) -> builtins.list[Ticket]:
        """`order`: `newest` (id descending) or `due` (soonest SLA due time first)."""
        ...

    def messages(self, ticket_id: int, *, include_notes: bool) -> builtins.list[Message]: ...
    def audit(self, ticket_id: int) -> builtins.list[AuditEntry]: ...


class OrgRepository(Protocol):
    def queues(self) -> list[Queue]: ...
    def queue(self, team: str, lane: str) -> Queue | None: ...
    def add_queue(self, queue: Queue) -> None: ...
    def ensure_team(self, code: str, zh: str, en: str) -> None: ...
    def agents(self, team: str | None = None) -> list[Agent]: ...
    def agent(self, agent_id: int) -> Agent | None: ...
    def add_agent(self, agent: Agent) -> None: ...
    def save_agent(self, agent: Agent) -> None: ...


class UserRepository(Protocol):
    def add(self, user: UserRecord) -> UserRecord: ...
    def by_token_hash(self, token_hash: str) -> UserRecord | None: ...
    def get(self, user_id: int) -> UserRecord | None: ...
    def by_login(self, login: str) -> UserRecord | None: ...
    def set_login(self, user_id: int, login: str, password_hash: str) -> None: ...
    def agent_logins(self) -> dict[int, str]:
        """agent id → web login, for the users who work as an agent and have one."""
        ...


class TimerRepository(Protocol):
    def schedule(self, timer: Timer) -> None:
        """Insert, or move the pending timer with the same key to the new time/payload."""
        ...

    def cancel(self, key: str) -> bool:
        """Cancel a pending timer; True if there was one."""
        ...

    def get(self, key: str) -> Timer | None: ...

    def claim_due(self, now: datetime, limit: int) -> builtins.list[Timer]:
        """Pending timers due at `now`, oldest first, locked for this transaction (others
        skip them); the caller fires each and saves it in the same transaction."""
        ...

    def save(self, timer: Timer) -> None: ...
    def pending_count(self) -> int: ...
    def was_scheduled(self, key: str) -> bool:
        """Did this unit of work schedule `key` (e.g. a handler re-arming its own timer)?"""
        ...


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    calendar: str
    """A calendar's name, or `*` for every calendar."""
    day: date
    kind: str
    """`workday` or `holiday`."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class CompensationCredit:
    customer_id: int
    ticket_id: int
    metric: str
    minutes: int
    reason: str
    created_at: datetime


class SlaRepository(Protocol):
    def rules(self) -> builtins.list[SlaRule]: ...
    def rule(self, rule_id: int) -> SlaRule | None: ...
    def rule_named(self, name: str) -> SlaRule | None: ...
    def add_rule(self, rule: SlaRule) -> SlaRule: ...
    def save_rule(self, rule: SlaRule) -> SlaRule: ...
    def delete_rule(self, rule_id: int) -> bool: ...
    def overrides(self) -> builtins.list[CalendarOverride]: ...
    def set_override(self, o: CalendarOverride) -> None: ...
    def delete_override(self, calendar: str, day: date) -> bool: ...
    def add_credit(self, c: CompensationCredit) -> None: ...
    def credits(self, customer_id: int) -> builtins.list[CompensationCredit]: ...
    def quota_uses(self, customer_id: int, quota: str, period: str) -> int: ...
    def add_quota_use(
        self,
        customer_id: int,
        quota: str,
        period: str,
        ticket_id: int | None,
        honoured: bool,
        at: datetime,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    id: int
    name: str
    aggregate: str
    aggregate_id: str
    data: dict[str, Any]
    at: datetime


class EventLog(Protocol):
    def recent(
        self, names: Sequence[str], *, after_id: int, limit: int
    ) -> builtins.list[LoggedEvent]:
        """Committed events with these names, newest first, after the given id."""
        ...


@dataclass(frozen=True, slots=True)
class TriageCorrection:
    """An agent's change of a ticket's subcategory: training data for the classifier."""

    text: str
    """The ticket's first customer message (with its subject when that differs)."""
    from_label: str
    to_label: str
    agent: str
    at: datetime
    ticket_id: int | None = None


class TriageRepository(Protocol):
    def add_correction(self, correction: TriageCorrection) -> None: ...
    def corrections(self) -> builtins.list[TriageCorrection]:
        """Every stored correction, oldest first."""
        ...


class RoutingRepository(Protocol):
    """Work items, offers, assignments and desks (see store/routing.py for the locking)."""

    def work(self, ticket_id: int, *, lock: bool = False) -> Work | None: ...
    def add_work(self, work: Work) -> None: ...
    def save_work(self, work: Work) -> None: ...
    def waiting_groups(self) -> builtins.list[tuple[str, str, WorkMedium, frozenset[str], str]]: ...
    def claim_waiting(
        self, group: tuple[str, str, WorkMedium, frozenset[str], str], limit: int, aging: float
    ) -> builtins.list[tuple[Work, int]]: ...
    def lock_tickets(self, ticket_ids: Iterable[int]) -> set[int]: ...
    def waiting_keys(
        self, team: str, lane: str, medium: WorkMedium
    ) -> builtins.list[tuple[float, int, int]]: ...
    def agents(
        self, *, presence: Presence | None = None
    ) -> builtins.list[tuple[Agent, Desk | None]]: ...
    def agent_profiles(self) -> dict[int, Agent]: ...
    def capacities(self, agent_ids: Iterable[int]) -> dict[int, dict[WorkMedium, int]]: ...
    def available_desks(self) -> builtins.list[tuple[int, Desk | None]]: ...
    def ensure_desks(self, agent_ids: Iterable[int], now: datetime) -> None: ...
    def lock_desks(self, agent_ids: Iterable[int], *, skip_locked: bool) -> dict[int, Desk]: ...
    def desk(self, agent_id: int, now: datetime, *, lock: bool = False) -> Desk: ...
    def save_desk(self, desk: Desk) -> None: ...
    def add_offer(self, offer: Offer) -> None: ...
    def offer(self, offer_id: int) -> Offer | None: ...
    def pending_offer(self, ticket_id: int) -> Offer | None: ...
    def save_offer(self, offer: Offer) -> None: ...
    def offers(
        self, *, agent_id: int | None = None, ticket_id: int | None = None, pending: bool = False
    ) -> builtins.list[Offer]: ...
    def add_assignment(self, a: Assignment) -> None: ...
    def active_assignment(self, ticket_id: int) -> Assignment | None: ...
    def release_assignment(self, a: Assignment, at: datetime) -> None: ...
    def assignments(self, ticket_id: int) -> builtins.list[Assignment]: ...
    def queue_counts(
        self, since: datetime, targets: dict[WorkMedium, int]
    ) -> builtins.list[QueueCounts]: ...


class UnitOfWork(Protocol):
    customers: CustomerRepository
    tickets: TicketRepository
    org: OrgRepository
    users: UserRepository
    timers: TimerRepository
    sla: SlaRepository
    disputes: DisputeRepository
    routing: RoutingRepository
    email: EmailRepository
    events: EventLog
    triage: TriageRepository
    chat: ChatRepository
    knowledge: KnowledgeRepository
    reports: ReportRepository

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside rolls back only its own work."""
        ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[..., UnitOfWork]
"""`factory()` for a read-write unit of work, `factory(readonly=True)` for reads."""


class OrderDirectory(Protocol):
    """The platform's order system: an HTTP adapter and a demo one (`kefu.adapters.orders`)."""

    def get(self, order_id: str) -> Order | None:
        """The order, or None when there is no such order. Raises
        `dispute_ports.OrderSystemUnavailable` when the order system cannot answer."""
        ...


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store bytes; return their SHA-256 (hex). Storing the same bytes twice is free."""
        ...

    def get(self, sha256: str) -> bytes: ...
    def size(self, sha256: str) -> int | None:
        """The stored size in bytes, or None when no such blob exists."""
        ...


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's answer for one text (kefu.triage implements the port)."""

    label: str
    confidence: float
    top3: tuple[tuple[str, float], ...]
    confident: bool
    """`confidence` reaches the policy threshold and `label` is in the taxonomy."""
    handoff: bool = False
    """Whether this text, as the first message of an in-app chat, goes to a human."""
    handoff_reasons: tuple[str, ...] = ()


class Classifier(Protocol):
    def classify(self, texts: Sequence[str]) -> builtins.list[Classification]:
        """One classification per text, in order."""
        ...


class EventBus(Protocol):
    def publish(self, event: dict[str, Any]) -> None: ...
    def subscribe(self, handler: Callable[[dict[str, Any]], None]) -> None: ...
    def close(self) -> None: ...
