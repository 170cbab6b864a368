"""The ticket aggregate and its lifecycle (SPEC §3).

The lifecycle is one explicit transition table; every step goes through `_move`, which
refuses what the table does not allow. Every change appends an audit entry (who, when,
what) and records a domain event. Messages, audit entries and links are append-only: the
aggregate keeps the ones added since it was loaded so that a repository writes just those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from kefu.domain.actors import SYSTEM as SYSTEM_ACTOR
from kefu.domain.actors import Actor, Role
from kefu.domain.calendars import BusinessCalendar
from kefu.domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from kefu.domain.events import RecordsEvents
from kefu.domain.organisation import Channel, Lane
from kefu.domain.priority import Priority
from kefu.domain.sla import Calendars, Clock, Metric, SlaState, pick_calendar

ALWAYS_OPEN = BusinessCalendar(name="24x7", hours=((time(0), time(0)),), days="all")
MAX_SUBJECT = 300
MAX_BODY = 50_000
MAX_TAG = 40
MAX_TAGS = 30


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    MERGED = "merged"


S = Status
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.TRIAGED, S.MERGED}),
    S.TRIAGED: frozenset({S.BOT, S.QUEUED, S.MERGED}),
    S.BOT: frozenset({S.QUEUED, S.RESOLVED, S.MERGED}),
    S.QUEUED: frozenset({S.ASSIGNED, S.RESOLVED, S.MERGED}),
    S.ASSIGNED: frozenset({S.OPEN, S.WAITING_CUSTOMER, S.QUEUED, S.RESOLVED, S.MERGED}),
    S.OPEN: frozenset({S.WAITING_CUSTOMER, S.QUEUED, S.RESOLVED, S.MERGED}),
    S.WAITING_CUSTOMER: frozenset({S.OPEN, S.RESOLVED, S.MERGED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.QUEUED, S.ASSIGNED, S.RESOLVED, S.MERGED}),
    S.CLOSED: frozenset(),
    S.MERGED: frozenset(),
}
"""The whole lifecycle: `new → triaged → (bot) → queued → assigned → waiting_customer ⇄
open → resolved → closed`, plus `reopened` and `merged`. Closed and merged are final."""

FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

ASSIGNABLE = frozenset({S.QUEUED, S.REOPENED, S.ASSIGNED, S.OPEN, S.WAITING_CUSTOMER})
"""Statuses from which a ticket may be given to an agent (again)."""


class MessageKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    NOTE = "note"
    """An internal note: staff only, never shown to the customer."""
    SYSTEM = "system"


class LinkKind(StrEnum):
    DUPLICATE_OF = "duplicate_of"
    RELATED = "related"


@dataclass(frozen=True, slots=True)
class Attachment:
    sha256: str
    filename: str
    content_type: str
    size: int


@dataclass(slots=True)
class Message:
    kind: MessageKind
    body: str
    author: str
    at: datetime
    channel: Channel | None = None
    attachments: tuple[Attachment, ...] = ()
    id: int | None = None

    @property
    def public(self) -> bool:
        return self.kind is not MessageKind.NOTE


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Link:
    kind: LinkKind
    target_id: int


@dataclass(frozen=True, slots=True)
class CustomerRef:
    id: int
    uid: str
    segment: str


def _check_text(name: str, value: str, limit: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{name} must not be empty", details={"field": name})
    if len(value) > limit:
        raise InvalidInput(
            f"{name} is {len(value)} characters long; the limit is {limit}",
            details={"field": name, "limit": limit},
        )
    return value


class Ticket(RecordsEvents):
    def __init__(
        self,
        *,
        customer: CustomerRef,
        channel: Channel,
        subject: str,
        subcategory: str,
        team: str,
        lane: Lane,
        priority: Priority,
        sla: SlaState,
        created_at: datetime,
        status: Status = Status.NEW,
        id: int | None = None,
        channels: Iterable[Channel] = (),
        assignee_id: int | None = None,
        tags: Iterable[str] = (),
        first_response_at: datetime | None = None,
        resolved_at: datetime | None = None,
        closed_at: datetime | None = None,
        updated_at: datetime | None = None,
        merged_into_id: int | None = None,
        reopen_count: int = 0,
        links: Iterable[Link] = (),
        signals: dict[str, Any] | None = None,
    ) -> None:
        self._init_events()
        self.id = id
        self.customer = customer
        self.channel = channel
        self.channels: list[Channel] = list(channels) or [channel]
        self.subject = subject
        self.subcategory = subcategory
        self.team = team
        self.lane = lane
        self.priority = priority
        self.sla = sla
        self.status = status
        self.assignee_id = assignee_id
        self.tags: list[str] = list(tags)
        self.created_at = created_at
        self.updated_at = updated_at or created_at
        self.first_response_at = first_response_at
        self.resolved_at = resolved_at
        self.closed_at = closed_at
        self.merged_into_id = merged_into_id
        self.reopen_count = reopen_count
        self.links: list[Link] = list(links)
        self.signals: dict[str, Any] = dict(signals or {})
        """Inputs of dynamic priority: press3, urgent_tag, green_channel, materials, …"""
        self.calendar: Calendars | None = None
        """The SLA clocks' business calendars (by name, or one for all); attached by the
        service that loads the ticket. Without it every clock counts round the clock."""
        self.overruns: list[tuple[Metric, float]] = []
        """Clocks stopped late since load, with their overrun in business minutes."""
        # Append-only children added since load; a repository writes these.
        self.new_messages: list[Message] = []
        self.new_audit: list[AuditEntry] = []
        self.new_links: list[Link] = []

    # ---- creation -------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        customer: CustomerRef,
        channel: Channel,
        subject: str,
        body: str,
        subcategory: str,
        team: str,
        lane: Lane,
        priority: Priority,
        sla: SlaState,
        actor: Actor,
        now: datetime,
        attachments: tuple[Attachment, ...] = (),
    ) -> Ticket:
        subject = _check_text("subject", subject, MAX_SUBJECT, required=False)
        body = _check_text("body", body, MAX_BODY, required=True)
        ticket = cls(
            customer=customer,
            channel=channel,
            subject=subject or body[:80],
            subcategory=subcategory,
            team=team,
            lane=lane,
            priority=priority,
            sla=sla,
            created_at=now,
        )
        ticket.new_messages.append(
            Message(MessageKind.CUSTOMER, body, actor.label, now, channel, attachments)
        )
        ticket._audit(
            actor,
            now,
            "opened",
            channel=channel.value,
            subcategory=subcategory,
            team=team,
            priority=priority.value,
        )
        ticket.record("ticket.opened", channel=channel.value, subcategory=subcategory)
        return ticket

    # ---- lifecycle ------------------------------------------------------------------

    def can_move_to(self, target: Status) -> bool:
        return target in TRANSITIONS[self.status]

    def _move(self, target: Status, actor: Actor, now: datetime, reason: str = "") -> None:
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"ticket #{self.id}" if self.id else "ticket",
                self.status.value,
                target.value,
                sorted(s.value for s in TRANSITIONS[self.status]),
            )
        before = self.status
        self.status = target
        self.updated_at = now
        if target is S.RESOLVED:
            self.resolved_at = now
        elif target is S.CLOSED:
            self.closed_at = now
        elif target is S.REOPENED:
            self.reopen_count += 1
            self.resolved_at = None
        if target is S.QUEUED and self.assignee_id is not None:
            self.assignee_id = None
        self._clocks_on_status(before, target, now)
        changes: dict[str, Any] = {"status": [before.value, target.value]}
        if reason:
            changes["reason"] = reason
        self.new_audit.append(AuditEntry(now, actor.label, "status_changed", changes))
        self.record(
            "ticket.status_changed",
            before=before.value,
            after=target.value,
            reason=reason,
            ticket_channel=self.channel.value,
        )

    MANUAL_TARGETS = frozenset(
        {S.TRIAGED, S.BOT, S.QUEUED, S.OPEN, S.WAITING_CUSTOMER, S.RESOLVED, S.CLOSED, S.REOPENED}
    )
    """Targets the generic transition command accepts; `assigned` and `merged` need their
    own commands because they carry data (the agent, the surviving ticket)."""

    def transition(self, target: Status, actor: Actor, now: datetime, reason: str = "") -> None:
        if target not in self.MANUAL_TARGETS and target in TRANSITIONS[self.status]:
            raise InvalidInput(
                f"use the {'assign' if target is S.ASSIGNED else 'merge'} command to move a "
                f"ticket to '{target.value}'",
                details={"to": target.value},
            )
        if actor.role is Role.CUSTOMER and target not in {S.RESOLVED, S.CLOSED, S.REOPENED}:
            raise Forbidden("a customer may only resolve, close or reopen their ticket")
        self._move(target, actor, now, reason)

    def assign(self, agent_id: int, actor: Actor, now: datetime) -> None:
        if self.status not in ASSIGNABLE:
            raise Conflict(
                f"ticket #{self.id} is '{self.status.value}' and cannot be assigned; "
                f"assignable from: {', '.join(sorted(s.value for s in ASSIGNABLE))}",
                details={"status": self.status.value},
            )
        before = self.assignee_id
        if before == agent_id:
            return
        self.assignee_id = agent_id
        if self.status in {S.QUEUED, S.REOPENED}:
            self._move(S.ASSIGNED, actor, now)
        self.updated_at = now
        self._audit(actor, now, "assigned", assignee=[before, agent_id])
        self.record("ticket.assigned", before=before, after=agent_id)

    # ---- conversation ---------------------------------------------------------------

    def add_message(
        self,
        kind: MessageKind,
        body: str,
        actor: Actor,
        now: datetime,
        *,
        channel: Channel | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Message:
        body = _check_text("body", body, MAX_BODY, required=not attachments)
        if self.status in FINAL:
            raise Conflict(
                f"ticket #{self.id} is '{self.status.value}'; it takes no more messages"
                + (f" (it was merged into #{self.merged_into_id})" if self.merged_into_id else ""),
                details={"status": self.status.value, "merged_into": self.merged_into_id},
            )
        if kind is MessageKind.NOTE and not actor.is_staff:
            raise Forbidden("only staff may write internal notes")
        if kind is MessageKind.AGENT and not actor.is_staff:
            raise Forbidden("only staff may reply as an agent")
        if (
            kind is MessageKind.CUSTOMER
            and actor.role is Role.CUSTOMER
            and (actor.customer_uid != self.customer.uid)
        ):
            raise Forbidden("a customer may only write on their own tickets")
        message = Message(kind, body, actor.label, now, channel, attachments)
        self.new_messages.append(message)
        if channel is not None and channel not in self.channels:
            self.channels.append(channel)
        if kind is MessageKind.CUSTOMER:
            # After the first answer, each customer message owes a next response.
            if self.first_response_at is not None:
                nxt = self.sla.clock(Metric.NEXT_RESPONSE)
                nxt.start(now, self._cal(nxt), fresh=True)
            if self.status is S.WAITING_CUSTOMER:
                self._move(S.OPEN, actor, now, "customer replied")
            elif self.status is S.RESOLVED:
                self._move(S.REOPENED, actor, now, "customer replied after resolution")
        elif kind is MessageKind.AGENT:
            self._stop_clock(Metric.FIRST_RESPONSE, now)
            self._stop_clock(Metric.NEXT_RESPONSE, now)
            if self.first_response_at is None:
                self.first_response_at = now
            if self.status is S.ASSIGNED:
                self._move(S.OPEN, actor, now, "agent replied")
        self.updated_at = now
        self.record(
            "ticket.message_added",
            kind=kind.value,
            channel=channel.value if channel else None,
            ticket_channel=self.channel.value,
            attachments=len(attachments),
        )
        return message

    # ---- classification, priority, tags, links -------------------------------------

    def change_subcategory(
        self, subcategory: str, team: str, lane: Lane, actor: Actor, now: datetime
    ) -> None:
        if self.status in FINAL:
            raise Conflict(f"ticket #{self.id} is '{self.status.value}' and cannot change")
        if subcategory == self.subcategory:
            return
        before = self.subcategory
        self.subcategory = subcategory
        changes: dict[str, Any] = {"subcategory": [before, subcategory]}
        if team != self.team:
            changes["team"] = [self.team, team]
            self.team = team
        if lane is not self.lane:
            changes["lane"] = [self.lane.value, lane.value]
            self.lane = lane
        self.updated_at = now
        self._audit(actor, now, "subcategory_changed", **changes)
        # A correction by a person is training data for the classifier.
        self.record(
            "ticket.subcategory_changed",
            before=before,
            after=subcategory,
            by_staff=actor.is_staff,
        )

    def set_priority(self, priority: Priority, actor: Actor, now: datetime) -> None:
        if priority.value == self.priority.value and priority.terms == self.priority.terms:
            return
        before = self.priority.value
        self.priority = priority
        if before != priority.value:
            self._audit(actor, now, "priority_changed", priority=[before, priority.value])
            self.record("ticket.priority_changed", before=before, after=priority.value)

    def set_sla(self, sla: SlaState) -> None:
        self.sla = sla

    # ---- SLA clocks -----------------------------------------------------------------

    def _cal(self, clock: Clock) -> BusinessCalendar:
        return pick_calendar(self.calendar, clock.calendar) if self.calendar else ALWAYS_OPEN

    def _stop_clock(self, metric: Metric, now: datetime) -> None:
        clock = self.sla.clock(metric)
        if clock.stopped_at is not None or not clock.started:
            return
        overrun = clock.stop(now, self._cal(clock))
        if overrun > 0:
            self.overruns.append((metric, overrun))
            self.record("sla.met_late", metric=metric.value, overrun_minutes=round(overrun, 2))

    def _clocks_on_status(self, before: Status, target: Status, now: datetime) -> None:
        if target is S.WAITING_CUSTOMER:
            for _, clock in self.sla.running():
                clock.pause(now, self._cal(clock))
        elif before is S.WAITING_CUSTOMER and target is S.OPEN:
            for clock in self.sla.clocks.values():
                if clock.started and clock.stopped_at is None:
                    clock.start(now, self._cal(clock))
        if target is S.RESOLVED:
            self._stop_clock(Metric.FIRST_RESPONSE, now)
            self._stop_clock(Metric.NEXT_RESPONSE, now)
            self._stop_clock(Metric.RESOLUTION, now)
        elif target is S.REOPENED:
            resolution = self.sla.clock(Metric.RESOLUTION)
            resolution.stopped_at = None  # the same problem: its resolution time goes on
            resolution.start(now, self._cal(resolution))
        elif target in FINAL:
            for metric in Metric:
                self._stop_clock(metric, now)

    def check_sla(self, now: datetime, warn_share: float) -> list[str]:
        """Record warnings and breaches that are due by `now`; return what happened."""
        happened: list[str] = []
        for metric, clock in self.sla.running():
            warn_at = clock.warn_at(self._cal(clock), warn_share)
            if warn_at is not None and now >= warn_at:
                clock.warned = True
                happened.append(f"warning:{metric.value}")
                self.record(
                    "sla.warning",
                    metric=metric.value,
                    team=self.team,
                    due_at=clock.due_at.isoformat() if clock.due_at else None,
                )
            if clock.breached_at is None and clock.due_at is not None and now >= clock.due_at:
                clock.breached_at = clock.due_at
                clock.warned = True
                happened.append(f"breached:{metric.value}")
                self.record(
                    "sla.breached",
                    metric=metric.value,
                    team=self.team,
                    segment=self.customer.segment,
                    due_at=clock.due_at.isoformat(),
                    notify="supervisors",
                )
        if happened:
            self._audit(SYSTEM_ACTOR, now, "sla_checked", events=happened)
        return happened

    def tag(self, add: Iterable[str], remove: Iterable[str], actor: Actor, now: datetime) -> None:
        add_clean = [_check_text("tag", t, MAX_TAG, required=True) for t in add]
        remove_set = {t.strip() for t in remove}
        tags = [t for t in self.tags if t not in remove_set]
        for t in add_clean:
            if t not in tags:
                tags.append(t)
        if len(tags) > MAX_TAGS:
            raise InvalidInput(f"a ticket has at most {MAX_TAGS} tags")
        if tags == self.tags:
            return
        before, self.tags = self.tags, tags
        self.updated_at = now
        self._audit(actor, now, "tags_changed", tags=[before, tags])
        self.record("ticket.tags_changed", tags=tags)

    def link(self, kind: LinkKind, target_id: int, actor: Actor, now: datetime) -> None:
        if target_id == self.id:
            raise InvalidInput("a ticket cannot be linked to itself")
        link = Link(kind, target_id)
        if link in self.links:
            return
        self.links.append(link)
        self.new_links.append(link)
        self._audit(actor, now, "linked", kind=kind.value, target=target_id)
        self.record("ticket.linked", kind=kind.value, target=target_id)

    def merge_into(self, survivor: Ticket, actor: Actor, now: datetime) -> None:
        """This ticket is a duplicate of `survivor`; it ends `merged`, the survivor lives on."""
        if survivor.id == self.id:
            raise InvalidInput("a ticket cannot be merged into itself")
        if survivor.customer.id != self.customer.id:
            raise Conflict(
                f"ticket #{self.id} belongs to {self.customer.uid} and #{survivor.id} to "
                f"{survivor.customer.uid}; only one customer's tickets can be merged"
            )
        if survivor.status in FINAL:
            raise Conflict(
                f"ticket #{survivor.id} is '{survivor.status.value}' and cannot absorb others"
            )
        assert survivor.id is not None
        self._move(S.MERGED, actor, now, f"merged into #{survivor.id}")
        self.merged_into_id = survivor.id
        self.link(LinkKind.DUPLICATE_OF, survivor.id, actor, now)
        for ch in self.channels:
            if ch not in survivor.channels:
                survivor.channels.append(ch)
        survivor.new_messages.append(
            Message(
                MessageKind.SYSTEM,
                f"ticket #{self.id} was merged into this ticket",
                actor.label,
                now,
            )
        )
        survivor.link(LinkKind.RELATED, self.id or 0, actor, now)
        survivor.updated_at = now
        self.record("ticket.merged", into=survivor.id)

    # ---- helpers --------------------------------------------------------------------

    def audit(self, actor: Actor, now: datetime, action: str, **changes: Any) -> None:
        """Record a change made outside the ticket's own commands (quotas, materials)."""
        self.updated_at = now
        self._audit(actor, now, action, **changes)

    def _audit(self, actor: Actor, now: datetime, action: str, **changes: Any) -> None:
        self.new_audit.append(AuditEntry(now, actor.label, action, changes))

    def sla_breached(self, now: datetime) -> bool:
        return self.sla.breached(now)
