"""Repositories: translate between table rows and domain objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.customers import (
    Customer,
    Identity,
    IdentityKind,
    ProfileFacts,
    Segment,
    Segmentation,
    Verification,
)
from kefu.domain.organisation import Agent, Channel, Lane, Presence, Queue, WorkMedium
from kefu.domain.priority import Priority, PriorityTerm
from kefu.domain.sla import Metric, SlaState
from kefu.domain.tickets import (
    Attachment,
    AuditEntry,
    CustomerRef,
    Link,
    LinkKind,
    Message,
    MessageKind,
    Status,
    Ticket,
)
from kefu.services.ports import TicketFilter, UserRecord
from kefu.store.models import (
    AgentRow,
    AuditRow,
    CustomerRow,
    IdentityRow,
    LinkRow,
    MessageRow,
    QueueRow,
    TeamRow,
    TicketRow,
    UserRow,
)

# ---- customers ---------------------------------------------------------------------------


def _customer(row: CustomerRow, identities: list[IdentityRow]) -> Customer:
    facts = ProfileFacts(
        followers=row.followers,
        daily_plays=row.daily_plays,
        has_shop=row.has_shop,
        verification=Verification(row.verification),
        annual_ad_spend=row.annual_ad_spend,
        vip=row.vip,
    )
    segmentation = Segmentation(
        segments=tuple(Segment(s) for s in row.segments),
        primary=Segment(row.segment),
        key_account=row.key_account,
        hotline_boost=row.hotline_boost,
    )
    return Customer(
        row.uid,
        facts=facts,
        segmentation=segmentation,
        name=row.name,
        identities=[Identity(IdentityKind(i.kind), i.value) for i in identities],
        id=row.id,
        created_at=row.created_at,
        flags=list(row.flags or []),
    )


def _fill_customer(row: CustomerRow, c: Customer) -> None:
    f, s = c.facts, c.segmentation
    row.uid, row.name = c.uid, c.name
    row.followers, row.daily_plays, row.has_shop = f.followers, f.daily_plays, f.has_shop
    row.verification, row.annual_ad_spend, row.vip = f.verification.value, f.annual_ad_spend, f.vip
    row.segment, row.segments = s.primary.value, [x.value for x in s.segments]
    row.key_account, row.hotline_boost = s.key_account, s.hotline_boost
    row.flags = list(c.flags)


class SqlCustomerRepository:
    def __init__(self, session: Session, seen: list[Any], now: Any) -> None:
        self.s, self.seen, self._now = session, seen, now
        self._rows: dict[str, CustomerRow] = {}

    def _load(self, row: CustomerRow | None, identities: bool = True) -> Customer | None:
        if row is None:
            return None
        self._rows[row.uid] = row
        found = (
            list(self.s.scalars(select(IdentityRow).where(IdentityRow.customer_id == row.id)))
            if identities
            else []
        )
        customer = _customer(row, found)
        self.seen.append(customer)
        return customer

    def get(
        self, uid: str, *, for_update: bool = False, identities: bool = True
    ) -> Customer | None:
        stmt = select(CustomerRow).where(CustomerRow.uid == uid)
        if for_update:
            stmt = stmt.with_for_update()
        return self._load(self.s.scalars(stmt).first(), identities)

    def get_by_id(self, customer_id: int) -> Customer | None:
        return self._load(self.s.get(CustomerRow, customer_id))

    def find_by_identity(self, kind: IdentityKind, value: str) -> Customer | None:
        row = self.s.scalars(
            select(CustomerRow)
            .join(IdentityRow, IdentityRow.customer_id == CustomerRow.id)
            .where(IdentityRow.kind == kind.value, IdentityRow.value == value)
        ).first()
        return self._load(row)

    def add(self, customer: Customer) -> None:
        now = self._now()
        row = CustomerRow(created_at=customer.created_at or now, updated_at=now)
        _fill_customer(row, customer)
        self.s.add(row)
        self.s.flush()
        customer.id = row.id
        self._rows[customer.uid] = row
        self._save_identities(customer, list(customer.identities))
        self.seen.append(customer)

    def add_if_absent(self, customer: Customer) -> Customer:
        """Insert, or return the row another transaction inserted first (same UID)."""
        try:
            with self.s.begin_nested():
                self.add(customer)
            return customer
        except IntegrityError:
            if customer in self.seen:
                self.seen.remove(customer)
            found = self.get(customer.uid)
            if found is None:  # pragma: no cover - the conflict was on another column
                raise
            return found

    def save(self, customer: Customer) -> None:
        row = self._rows[customer.uid]
        _fill_customer(row, customer)
        if self.s.is_modified(row):
            row.updated_at = self._now()
        self._save_identities(customer, customer.new_identities)

    def _save_identities(self, customer: Customer, identities: list[Identity]) -> None:
        for identity in identities:
            self.s.add(
                IdentityRow(customer_id=customer.id, kind=identity.kind.value, value=identity.value)
            )
        customer.new_identities = []


# ---- tickets -----------------------------------------------------------------------------


def _ticket(row: TicketRow, uid: str, segment: str, links: list[LinkRow]) -> Ticket:
    return Ticket(
        id=row.id,
        customer=CustomerRef(row.customer_id, uid, segment),
        channel=Channel(row.channel),
        channels=[Channel(c) for c in row.channels],
        subject=row.subject,
        subcategory=row.subcategory,
        team=row.team,
        lane=Lane(row.lane),
        priority=Priority(row.priority, tuple(PriorityTerm(t, w) for t, w in row.priority_terms)),
        sla=SlaState.from_json(row.sla_clocks),
        signals=dict(row.signals or {}),
        status=Status(row.status),
        assignee_id=row.assignee_id,
        tags=row.tags,
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        merged_into_id=row.merged_into_id,
        reopen_count=row.reopen_count,
        links=[Link(LinkKind(x.kind), x.target_id) for x in links],
    )


def _fill_ticket(row: TicketRow, t: Ticket) -> None:
    row.customer_id = t.customer.id
    row.channel, row.channels = t.channel.value, [c.value for c in t.channels]
    row.subject, row.subcategory, row.team, row.lane = t.subject, t.subcategory, t.team, t.lane
    row.priority = t.priority.value
    row.priority_terms = [[x.term, x.weight] for x in t.priority.terms]
    row.status, row.assignee_id, row.tags = t.status.value, t.assignee_id, list(t.tags)
    row.created_at, row.updated_at = t.created_at, t.updated_at
    row.first_response_at, row.resolved_at, row.closed_at = (
        t.first_response_at,
        t.resolved_at,
        t.closed_at,
    )
    # The due times are also columns, for "what breaches next" queries.
    row.first_response_due_at = t.sla.due(Metric.FIRST_RESPONSE)
    row.next_response_due_at = t.sla.due(Metric.NEXT_RESPONSE)
    row.resolution_due_at = t.sla.due(Metric.RESOLUTION)
    row.sla_policy = t.sla.policy
    row.sla_clocks = t.sla.to_json()
    row.sla_breached = any(c.breached_at is not None for c in t.sla.clocks.values())
    row.signals = dict(t.signals)
    row.merged_into_id, row.reopen_count = t.merged_into_id, t.reopen_count


def _attachment_json(a: Attachment) -> dict[str, Any]:
    return {
        "sha256": a.sha256,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
    }


def _message(row: MessageRow) -> Message:
    return Message(
        kind=MessageKind(row.kind),
        body=row.body,
        author=row.author,
        at=row.at,
        channel=Channel(row.channel) if row.channel else None,
        attachments=tuple(Attachment(**a) for a in row.attachments),
        id=row.id,
    )


class SqlTicketRepository:
    def __init__(self, session: Session, seen: list[Any]) -> None:
        self.s, self.seen = session, seen
        self._rows: dict[int, TicketRow] = {}

    def add(self, ticket: Ticket) -> None:
        row = TicketRow()
        _fill_ticket(row, ticket)
        self.s.add(row)
        self.s.flush()
        ticket.id = row.id
        self._rows[row.id] = row
        self._write_children(ticket)
        self.seen.append(ticket)

    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
        stmt = (
            select(TicketRow, CustomerRow.uid, CustomerRow.segment)
            .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
            .where(TicketRow.id == ticket_id)
        )
        if for_update:
            stmt = stmt.with_for_update(of=TicketRow)
        found = self.s.execute(stmt).first()
        if found is None:
            return None
        row, uid, segment = found
        links = list(self.s.scalars(select(LinkRow).where(LinkRow.ticket_id == ticket_id)))
        self._rows[row.id] = row
        ticket = _ticket(row, uid, segment, links)
        self.seen.append(ticket)
        return ticket

    def save(self, ticket: Ticket) -> None:
        assert ticket.id is not None
        row = self._rows[ticket.id]
        _fill_ticket(row, ticket)
        self._write_children(ticket)

    def _write_children(self, ticket: Ticket) -> None:
        # Core executemany inserts: the rows are append-only and nothing reads them back
        # in this unit of work, so the ORM's per-object bookkeeping would be pure cost.
        if ticket.new_messages:
            self.s.execute(
                insert(MessageRow),
                [
                    {
                        "ticket_id": ticket.id,
                        "kind": m.kind.value,
                        "body": m.body,
                        "author": m.author,
                        "channel": m.channel.value if m.channel else None,
                        "attachments": [_attachment_json(a) for a in m.attachments],
                        "at": m.at,
                    }
                    for m in ticket.new_messages
                ],
            )
        if ticket.new_audit:
            self.s.execute(
                insert(AuditRow),
                [
                    {
                        "ticket_id": ticket.id,
                        "at": a.at,
                        "actor": a.actor,
                        "action": a.action,
                        "changes": a.changes,
                    }
                    for a in ticket.new_audit
                ],
            )
        if ticket.new_links:
            self.s.execute(
                insert(LinkRow),
                [
                    {"ticket_id": ticket.id, "kind": x.kind.value, "target_id": x.target_id}
                    for x in ticket.new_links
                ],
            )
        ticket.new_messages, ticket.new_audit, ticket.new_links = [], [], []

    def list(
        self, flt: TicketFilter, *, limit: int, before_id: int | None, order: str = "newest"
    ) -> list[Ticket]:
        stmt = select(TicketRow, CustomerRow.uid, CustomerRow.segment).join(
            CustomerRow, CustomerRow.id == TicketRow.customer_id
        )
        conditions: list[Any] = []
        if flt.channel is not None:
            conditions.append(TicketRow.channel == flt.channel)
        if flt.status is not None:
            conditions.append(TicketRow.status == flt.status)
        if flt.team is not None:
            conditions.append(TicketRow.team == flt.team)
        if flt.teams is not None:
            conditions.append(TicketRow.team.in_(sorted(flt.teams)))
        if flt.subcategory is not None:
            conditions.append(TicketRow.subcategory == flt.subcategory)
        if flt.customer_uid is not None:
            conditions.append(CustomerRow.uid == flt.customer_uid)
        if flt.assignee_id is not None:
            conditions.append(TicketRow.assignee_id == flt.assignee_id)
        if flt.priority_min is not None:
            conditions.append(TicketRow.priority >= flt.priority_min)
        if flt.priority_max is not None:
            conditions.append(TicketRow.priority <= flt.priority_max)
        if flt.unresolved:
            conditions.append(TicketRow.status.not_in(["resolved", "closed", "merged"]))
        if flt.due_before is not None:
            conditions.append(
                or_(
                    TicketRow.first_response_due_at <= flt.due_before,
                    TicketRow.next_response_due_at <= flt.due_before,
                    TicketRow.resolution_due_at <= flt.due_before,
                )
            )
        if before_id is not None:
            conditions.append(TicketRow.id < before_id)
        stmt = stmt.where(*conditions)
        if order == "due":
            stmt = stmt.order_by(
                func.coalesce(TicketRow.first_response_due_at, TicketRow.resolution_due_at),
                TicketRow.id,
            )
        else:
            stmt = stmt.order_by(TicketRow.id.desc())
        stmt = stmt.limit(limit)
        # Links are not needed in lists; they are loaded with a single ticket.
        return [_ticket(row, uid, seg, []) for row, uid, seg in self.s.execute(stmt)]

    def messages(self, ticket_id: int, *, include_notes: bool) -> list[Message]:
        stmt = select(MessageRow).where(MessageRow.ticket_id == ticket_id)
        if not include_notes:
            stmt = stmt.where(MessageRow.kind != MessageKind.NOTE.value)
        return [_message(r) for r in self.s.scalars(stmt.order_by(MessageRow.id))]

    def audit(self, ticket_id: int) -> list[AuditEntry]:
        rows = self.s.scalars(
            select(AuditRow).where(AuditRow.ticket_id == ticket_id).order_by(AuditRow.id)
        )
        return [AuditEntry(r.at, r.actor, r.action, r.changes) for r in rows]


# ---- organisation ------------------------------------------------------------------------


def _queue(row: QueueRow) -> Queue:
    return Queue(row.team, Lane(row.lane), row.name, row.id, row.backup_queue_id)


def _agent(row: AgentRow) -> Agent:
    return Agent(
        name=row.name,
        teams=list(row.teams),
        skills=list(row.skills),
        languages=list(row.languages),
        capacity={WorkMedium(k): int(v) for k, v in row.capacity.items()},
        presence=Presence(row.presence),
        id=row.id,
    )


class SqlOrgRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.s, self._now = session, now
        self._agents: dict[int, AgentRow] = {}

    def queues(self) -> list[Queue]:
        return [_queue(r) for r in self.s.scalars(select(QueueRow).order_by(QueueRow.id))]

    def queue(self, team: str, lane: str) -> Queue | None:
        row = self.s.scalars(
            select(QueueRow).where(QueueRow.team == team, QueueRow.lane == lane)
        ).first()
        return _queue(row) if row else None

    def add_queue(self, queue: Queue) -> None:
        row = QueueRow(
            team=queue.team,
            lane=queue.lane.value,
            name=queue.name,
            backup_queue_id=queue.backup_queue_id,
        )
        self.s.add(row)
        self.s.flush()
        queue.id = row.id

    def ensure_team(self, code: str, zh: str, en: str) -> None:
        row = self.s.get(TeamRow, code)
        if row is None:
            self.s.add(TeamRow(code=code, zh=zh, en=en))
            self.s.flush()
        else:
            row.zh, row.en = zh, en

    def agents(self, team: str | None = None) -> list[Agent]:
        found = [_agent(r) for r in self.s.scalars(select(AgentRow).order_by(AgentRow.id))]
        return [a for a in found if team is None or team in a.teams]

    def agent(self, agent_id: int) -> Agent | None:
        row = self.s.get(AgentRow, agent_id)
        if row is None:
            return None
        self._agents[row.id] = row
        return _agent(row)

    def add_agent(self, agent: Agent) -> None:
        row = AgentRow(created_at=self._now())
        self._fill(row, agent)
        self.s.add(row)
        self.s.flush()
        agent.id = row.id

    def save_agent(self, agent: Agent) -> None:
        assert agent.id is not None
        row = self._agents.get(agent.id) or self.s.get(AgentRow, agent.id)
        assert row is not None
        self._fill(row, agent)

    @staticmethod
    def _fill(row: AgentRow, a: Agent) -> None:
        row.name, row.teams, row.skills, row.languages = a.name, a.teams, a.skills, a.languages
        row.capacity = {k.value: v for k, v in a.capacity.items()}
        row.presence = a.presence.value


# ---- users -------------------------------------------------------------------------------


class SqlUserRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.s, self._now = session, now

    def add(self, user: UserRecord) -> UserRecord:
        row = UserRow(
            name=user.name,
            role=user.role,
            token_hash=user.token_hash,
            customer_uid=user.customer_uid,
            agent_id=user.agent_id,
            disabled=user.disabled,
            login=user.login,
            password_hash=user.password_hash,
            created_at=self._now(),
        )
        self.s.add(row)
        self.s.flush()
        return _user(row)

    def by_token_hash(self, token_hash: str) -> UserRecord | None:
        row = self.s.scalars(select(UserRow).where(UserRow.token_hash == token_hash)).first()
        return None if row is None else _user(row)

    def get(self, user_id: int) -> UserRecord | None:
        row = self.s.get(UserRow, user_id)
        return None if row is None else _user(row)

    def by_login(self, login: str) -> UserRecord | None:
        row = self.s.scalars(select(UserRow).where(UserRow.login == login)).first()
        return None if row is None else _user(row)

    def set_login(self, user_id: int, login: str, password_hash: str) -> None:
        row = self.s.get(UserRow, user_id)
        if row is not None:
            row.login, row.password_hash = login, password_hash
            self.s.flush()

    def agent_logins(self) -> dict[int, str]:
        rows = self.s.execute(
            select(UserRow.agent_id, UserRow.login).where(
                UserRow.agent_id.is_not(None), UserRow.login.is_not(None)
            )
        )
        return {int(a): str(login) for a, login in rows}


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        row.id,
        row.name,
        row.role,
        row.token_hash,
        row.customer_uid,
        row.agent_id,
        row.disabled,
        row.login,
        row.password_hash,
    )
