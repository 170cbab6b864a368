"""The routing repository: work items, offers, assignments, desks, queue counts.

Locking (PostgreSQL; SQLite serialises writers with its write lock instead):
- the dispatcher claims work with `FOR UPDATE SKIP LOCKED`, then the tickets and the desks
  it needs with `SKIP LOCKED` too — it never waits, so it is in no deadlock;
- every other path locks in the fixed order ticket → work → desk, waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kefu.domain.organisation import Agent, Presence, WorkMedium
from kefu.domain.work import (
    Assignment,
    Desk,
    Offer,
    OfferOutcome,
    Work,
    WorkState,
    parse_skills,
    skills_key,
)
from kefu.store.models import AgentRow, TicketRow
from kefu.store.models_routing import AssignmentRow, DeskRow, OfferRow, WorkRow
from kefu.store.routing_counts import RoutingCounts


def _work(row: WorkRow) -> Work:
    return Work(
        id=row.id,
        ticket_id=row.ticket_id,
        team=row.team,
        lane=row.lane,
        home_queue=row.home_queue,
        medium=WorkMedium(row.medium),
        skills=parse_skills(row.skills),
        language=row.language,
        state=WorkState(row.state),
        agent_id=row.agent_id,
        declined=[int(x) for x in row.declined.split(",") if x],
        offers=row.offers,
        enqueued_at=row.enqueued_at,
        overflowed_at=row.overflowed_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
    )


def _fill_work(row: WorkRow, w: Work) -> None:
    row.ticket_id, row.team, row.lane, row.home_queue = w.ticket_id, w.team, w.lane, w.home_queue
    row.medium, row.skills, row.language = w.medium.value, skills_key(w.skills), w.language
    row.state, row.agent_id, row.offers = w.state.value, w.agent_id, w.offers
    row.declined = ",".join(str(a) for a in w.declined)[-2000:]
    row.enqueued_at, row.enqueued_epoch = w.enqueued_at, w.enqueued_at.timestamp()
    row.overflowed_at, row.answered_at, row.ended_at = w.overflowed_at, w.answered_at, w.ended_at
    row.wait_seconds = w.wait_seconds


def _offer(row: OfferRow) -> Offer:
    return Offer(
        ticket_id=row.ticket_id,
        work_id=row.work_id,
        agent_id=row.agent_id,
        medium=WorkMedium(row.medium),
        offered_at=row.offered_at,
        expires_at=row.expires_at,
        outcome=OfferOutcome(row.outcome),
        decided_at=row.decided_at,
        reason=row.reason,
        id=row.id,
    )


def _assignment(row: AssignmentRow) -> Assignment:
    return Assignment(
        ticket_id=row.ticket_id,
        agent_id=row.agent_id,
        medium=WorkMedium(row.medium),
        queue=row.queue,
        assigned_at=row.assigned_at,
        how=row.how,
        load_after=row.load_after,
        capacity=row.capacity,
        released_at=row.released_at,
        id=row.id,
    )


def _desk(row: DeskRow) -> Desk:
    load = {WorkMedium.CALL: row.load_call, WorkMedium.CHAT: row.load_chat}
    load[WorkMedium.EMAIL] = row.load_email
    return Desk(row.agent_id, row.idle_since, load, row.schedule)


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


class SqlRoutingRepository(RoutingCounts):
    def __init__(self, session: Session, seen: list[Any], now: Callable[[], datetime]) -> None:
        self.s, self.seen, self._now = session, seen, now
        self._work_rows: dict[int, WorkRow] = {}
        self._desk_rows: dict[int, DeskRow] = {}

    @property
    def _locks(self) -> bool:
        return self.s.get_bind().dialect.name != "sqlite"

    # ---- work items --------------------------------------------------------------------

    def _track(self, row: WorkRow) -> Work:
        self._work_rows[row.ticket_id] = row
        work = _work(row)
        self.seen.append(work)
        return work

    def work(self, ticket_id: int, *, lock: bool = False) -> Work | None:
        stmt = select(WorkRow).where(WorkRow.ticket_id == ticket_id)
        if lock and self._locks:
            stmt = stmt.with_for_update()
        row = self.s.scalars(stmt).first()
        return None if row is None else self._track(row)

    def add_work(self, work: Work) -> None:
        """Inserted with the unit of work's flush (`work.id` stays unset until loaded)."""
        row = WorkRow()
        _fill_work(row, work)
        self.s.add(row)
        self._work_rows[work.ticket_id] = row
        self.seen.append(work)

    def save_work(self, work: Work) -> None:
        row = self._work_rows.get(work.ticket_id)
        if row is None:
            raise LookupError(f"work of ticket {work.ticket_id} was never loaded")
        _fill_work(row, work)

    def waiting_groups(self) -> list[tuple[str, str, WorkMedium, frozenset[str], str]]:
        rows = self.s.execute(
            select(WorkRow.team, WorkRow.lane, WorkRow.medium, WorkRow.skills, WorkRow.language)
            .where(WorkRow.state == WorkState.WAITING.value)
            .distinct()
        )
        return [(t, ln, WorkMedium(m), parse_skills(sk), lg) for t, ln, m, sk, lg in rows]

    def claim_waiting(
        self,
        group: tuple[str, str, WorkMedium, frozenset[str], str],
        limit: int,
        aging: float,
    ) -> list[tuple[Work, int]]:
        """The group's best waiting items with their ticket's priority, locked (skipping
        rows another transaction holds)."""
        team, lane, medium, skills, language = group
        stmt = (
            select(WorkRow, TicketRow.priority)
            .join(TicketRow, TicketRow.id == WorkRow.ticket_id)
            .where(
                WorkRow.state == WorkState.WAITING.value,
                WorkRow.team == team,
                WorkRow.lane == lane,
                WorkRow.medium == medium.value,
                WorkRow.skills == skills_key(skills),
                WorkRow.language == language,
            )
            .limit(limit)
        )
        if aging > 0:
            virtual = WorkRow.enqueued_epoch - TicketRow.priority * (60.0 / aging)
            stmt = stmt.order_by(virtual, WorkRow.enqueued_epoch, WorkRow.ticket_id)
        else:
            stmt = stmt.order_by(
                TicketRow.priority.desc(), WorkRow.enqueued_epoch, WorkRow.ticket_id
            )
        if self._locks:
            stmt = stmt.with_for_update(of=WorkRow, skip_locked=True)
        return [(self._track(row), int(priority)) for row, priority in self.s.execute(stmt)]

    def lock_tickets(self, ticket_ids: Iterable[int]) -> set[int]:
        """Lock these tickets where nobody else holds them; the ids that were locked."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return set()
        stmt = select(TicketRow.id).where(TicketRow.id.in_(ids)).order_by(TicketRow.id)
        if self._locks:
            stmt = stmt.with_for_update(skip_locked=True)
        return set(self.s.scalars(stmt))

    # ---- desks -------------------------------------------------------------------------

    def agents(self, *, presence: Presence | None = None) -> list[tuple[Agent, Desk | None]]:
        stmt = select(AgentRow, DeskRow).outerjoin(DeskRow, DeskRow.agent_id == AgentRow.id)
        if presence is not None:
            stmt = stmt.where(AgentRow.presence == presence.value)
        rows = self.s.execute(stmt.order_by(AgentRow.id))
        return [(_agent(a), _desk(d) if d is not None else None) for a, d in rows]

    def agent_profiles(self) -> dict[int, Agent]:
        """Every agent's teams, skills, languages and capacity (rarely change: cacheable)."""
        a = AgentRow
        rows = self.s.execute(
            select(a.id, a.name, a.teams, a.skills, a.languages, a.capacity, a.presence)
        )
        return {
            i: Agent(
                name=name,
                teams=list(teams),
                skills=list(skills),
                languages=list(languages),
                capacity={WorkMedium(k): int(v) for k, v in capacity.items()},
                presence=Presence(presence),
                id=i,
            )
            for i, name, teams, skills, languages, capacity, presence in rows
        }

    def capacities(self, agent_ids: Iterable[int]) -> dict[int, dict[WorkMedium, int]]:
        ids = sorted(set(agent_ids))
        rows = self.s.execute(select(AgentRow.id, AgentRow.capacity).where(AgentRow.id.in_(ids)))
        return {i: {WorkMedium(k): int(v) for k, v in cap.items()} for i, cap in rows}

    def available_desks(self) -> list[tuple[int, Desk | None]]:
        """The available agents' ids with their desks (None: never routed to yet)."""
        d = DeskRow
        stmt = (
            select(AgentRow.id, d.load_call, d.load_chat, d.load_email, d.idle_since, d.schedule)
            .outerjoin(d, d.agent_id == AgentRow.id)
            .where(AgentRow.presence == Presence.AVAILABLE.value)
            .order_by(AgentRow.id)
        )
        out: list[tuple[int, Desk | None]] = []
        for agent_id, call, chat, email, idle, schedule in self.s.execute(stmt):
            if idle is None:
                out.append((agent_id, None))
                continue
            load = {WorkMedium.CALL: call, WorkMedium.CHAT: chat, WorkMedium.EMAIL: email}
            out.append((agent_id, Desk(agent_id, idle, load, schedule)))
        return out

    def ensure_desks(self, agent_ids: Iterable[int], now: datetime) -> None:
        values = [
            {"agent_id": a, "load_call": 0, "load_chat": 0, "load_email": 0, "idle_since": now}
            for a in sorted(set(agent_ids))
        ]
        if not values:
            return
        dialect = self.s.get_bind().dialect.name
        ins = pg_insert(DeskRow) if dialect == "postgresql" else sqlite_insert(DeskRow)
        self.s.execute(ins.values(values).on_conflict_do_nothing(index_elements=["agent_id"]))

    def lock_desks(self, agent_ids: Iterable[int], *, skip_locked: bool) -> dict[int, Desk]:
        ids = sorted(set(agent_ids))
        if not ids:
            return {}
        stmt = select(DeskRow).where(DeskRow.agent_id.in_(ids)).order_by(DeskRow.agent_id)
        if self._locks:
            stmt = stmt.with_for_update(skip_locked=skip_locked)
        out = {}
        for row in self.s.scalars(stmt):
            self._desk_rows[row.agent_id] = row
            out[row.agent_id] = desk = _desk(row)
            self.seen.append(desk)
        return out

    def desk(self, agent_id: int, now: datetime, *, lock: bool = False) -> Desk:
        """The agent's desk (created on first use), locked when asked."""
        self.ensure_desks([agent_id], now)
        if lock:
            return self.lock_desks([agent_id], skip_locked=False)[agent_id]
        row = self.s.get(DeskRow, agent_id)
        assert row is not None
        self._desk_rows[agent_id] = row
        desk = _desk(row)
        self.seen.append(desk)
        return desk

    def save_desk(self, desk: Desk) -> None:
        row = self._desk_rows.get(desk.agent_id) or self.s.get(DeskRow, desk.agent_id)
        if row is None:
            raise LookupError(f"desk of agent {desk.agent_id} was never loaded")
        row.load_call = desk.load.get(WorkMedium.CALL, 0)
        row.load_chat = desk.load.get(WorkMedium.CHAT, 0)
        row.load_email = desk.load.get(WorkMedium.EMAIL, 0)
        row.idle_since, row.schedule = desk.idle_since, desk.schedule

    # ---- offers ------------------------------------------------------------------------

    def add_offer(self, offer: Offer) -> None:
        row = OfferRow(
            work_id=offer.work_id,
            ticket_id=offer.ticket_id,
            agent_id=offer.agent_id,
            medium=offer.medium.value,
            offered_at=offer.offered_at,
            expires_at=offer.expires_at,
            outcome=offer.outcome.value,
            decided_at=offer.decided_at,
            reason=offer.reason,
        )
        self.s.add(row)
        self.s.flush()
        offer.id = row.id

    def offer(self, offer_id: int) -> Offer | None:
        row = self.s.get(OfferRow, offer_id)
        return None if row is None else _offer(row)

    def pending_offer(self, ticket_id: int) -> Offer | None:
        row = self.s.scalars(
            select(OfferRow).where(
                OfferRow.ticket_id == ticket_id, OfferRow.outcome == OfferOutcome.PENDING.value
            )
        ).first()
        return None if row is None else _offer(row)

    def save_offer(self, offer: Offer) -> None:
        assert offer.id is not None
        self.s.execute(
            update(OfferRow)
            .where(OfferRow.id == offer.id)
            .values(outcome=offer.outcome.value, decided_at=offer.decided_at, reason=offer.reason)
        )

    def offers(
        self, *, agent_id: int | None = None, ticket_id: int | None = None, pending: bool = False
    ) -> list[Offer]:
        stmt = select(OfferRow).order_by(OfferRow.id)
        if agent_id is not None:
            stmt = stmt.where(OfferRow.agent_id == agent_id)
        if ticket_id is not None:
            stmt = stmt.where(OfferRow.ticket_id == ticket_id)
        if pending:
            stmt = stmt.where(OfferRow.outcome == OfferOutcome.PENDING.value)
        return [_offer(r) for r in self.s.scalars(stmt.limit(500))]

    # ---- assignments -------------------------------------------------------------------

    def add_assignment(self, a: Assignment) -> None:
        """Inserted with the unit of work's flush, batched (`a.id` stays unset)."""
        row = AssignmentRow(
            ticket_id=a.ticket_id,
            agent_id=a.agent_id,
            medium=a.medium.value,
            queue=a.queue,
            how=a.how,
            assigned_at=a.assigned_at,
            load_after=a.load_after,
            capacity=a.capacity,
        )
        self.s.add(row)

    def active_assignment(self, ticket_id: int) -> Assignment | None:
        row = self.s.scalars(
            select(AssignmentRow).where(
                AssignmentRow.ticket_id == ticket_id, AssignmentRow.released_at.is_(None)
            )
        ).first()
        return None if row is None else _assignment(row)

    def release_assignment(self, a: Assignment, at: datetime) -> None:
        assert a.id is not None
        a.released_at = at
        seconds = max(0.0, (at - a.assigned_at).total_seconds())
        self.s.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id == a.id)
            .values(released_at=at, handle_seconds=seconds)
        )

    def assignments(self, ticket_id: int) -> list[Assignment]:
        rows = self.s.scalars(
            select(AssignmentRow)
            .where(AssignmentRow.ticket_id == ticket_id)
            .order_by(AssignmentRow.id)
        )
        return [_assignment(r) for r in rows]
