"""The dispute repository: rows ⇄ the `Dispute` aggregate, its submissions and history.

Submissions and history are append-only: `save` writes the dispute row and inserts what
the aggregate appended since it was loaded. `get(for_update=True)` locks the dispute row
(PostgreSQL `FOR UPDATE`; SQLite's writer lock serialises anyway), so every step — the
evidence count in particular — is decided under the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.dispute_rules import Contact, EvidenceFile
from kefu.domain.disputes import (
    Action,
    Closure,
    Dispute,
    DisputeType,
    HistoryEntry,
    Order,
    OrderItem,
    Outcome,
    Party,
    State,
    Submission,
    SubmissionKind,
)
from kefu.domain.errors import Conflict
from kefu.services.dispute_ports import DisputeFilter, DisputeStep
from kefu.store.models_disputes import DisputeHistoryRow, DisputeRow, DisputeSubmissionRow


def _order_json(o: Order) -> dict[str, Any]:
    return {
        "items": [[i.name, i.quantity, i.price_fen] for i in o.items],
        "logistics_status": o.logistics_status,
        "currency": o.currency,
    }


def _dispute(row: DisputeRow) -> Dispute:
    o = row.order or {}
    order = Order(
        id=row.order_id,
        buyer_uid=row.buyer_uid,
        seller_uid=row.seller_uid,
        amount_fen=row.amount_fen,
        items=tuple(OrderItem(n, q, p) for n, q, p in o.get("items", [])),
        logistics_status=o.get("logistics_status", ""),
        currency=o.get("currency", "CNY"),
    )
    return Dispute(
        order=order,
        type=DisputeType(row.type),
        opened_at=row.opened_at,
        id=row.id,
        ticket_id=row.ticket_id,
        state=State(row.state),
        seller_deadline_at=row.seller_deadline_at,
        complete_bundle=row.complete_bundle,
        large=row.large,
        arbitration_started_at=row.arbitration_started_at,
        arbitration_reason=row.arbitration_reason,
        outcome=Outcome(row.outcome) if row.outcome else None,
        refund_fen=row.refund_fen,
        decision_reason=row.decision_reason,
        decided_at=row.decided_at,
        decisions=row.decisions,
        appeal_deadline_at=row.appeal_deadline_at,
        appeals={Party(k): datetime.fromisoformat(v) for k, v in (row.appeals or {}).items()},
        evidence_counts={Party.BUYER: row.buyer_submissions, Party.SELLER: row.seller_submissions},
        closed_at=row.closed_at,
        closure=Closure(row.closure) if row.closure else None,
        updated_at=row.updated_at,
    )


def _fill(row: DisputeRow, d: Dispute) -> None:
    row.order_id, row.buyer_uid, row.seller_uid = d.order.id, d.buyer_uid, d.seller_uid
    row.active_order_id = None if d.closure is Closure.WITHDRAWN else d.order.id
    row.ticket_id, row.type, row.state = d.ticket_id, d.type.value, d.state.value
    row.amount_fen, row.order = d.order.amount_fen, _order_json(d.order)
    row.complete_bundle, row.large = d.complete_bundle, d.large
    row.opened_at, row.seller_deadline_at = d.opened_at, d.seller_deadline_at
    row.arbitration_started_at, row.arbitration_reason = (
        d.arbitration_started_at,
        d.arbitration_reason,
    )
    row.outcome = d.outcome.value if d.outcome else None
    row.refund_fen, row.decision_reason = d.refund_fen, d.decision_reason
    row.decided_at, row.decisions = d.decided_at, d.decisions
    row.appeal_deadline_at = d.appeal_deadline_at
    row.appeals = {p.value: at.isoformat() for p, at in d.appeals.items()}
    row.buyer_submissions = d.evidence_counts.get(Party.BUYER, 0)
    row.seller_submissions = d.evidence_counts.get(Party.SELLER, 0)
    row.closed_at, row.closure = d.closed_at, d.closure.value if d.closure else None
    row.updated_at = d.updated_at


def _file_json(f: EvidenceFile) -> dict[str, Any]:
    return {
        "sha256": f.sha256,
        "filename": f.filename,
        "content_type": f.content_type,
        "size": f.size,
        "kind": f.kind,
    }


def _submission(row: DisputeSubmissionRow) -> Submission:
    return Submission(
        party=Party(row.party),
        kind=SubmissionKind(row.kind),
        body=row.body,
        at=row.at,
        author=row.author,
        files=tuple(EvidenceFile(**f) for f in row.files),
        contact=Contact(**row.contact),
        id=row.id,
    )


class SqlDisputeRepository:
    def __init__(self, session: Session, seen: list[Any]) -> None:
        self.s, self.seen = session, seen
        self._rows: dict[int, DisputeRow] = {}

    def add(self, dispute: Dispute) -> None:
        row = DisputeRow()
        _fill(row, dispute)
        try:
            with self.s.begin_nested():
                self.s.add(row)
                self.s.flush()
        except IntegrityError:
            raise Conflict(
                f"订单 {dispute.order.id} 已有进行中的纠纷。\n"
                f"Order {dispute.order.id} already has a dispute.",
                details={"order_id": dispute.order.id},
            ) from None
        dispute.id = row.id
        self._rows[row.id] = row
        self._write_children(dispute)
        self.seen.append(dispute)

    def get(self, dispute_id: int, *, for_update: bool = False) -> Dispute | None:
        stmt = select(DisputeRow).where(DisputeRow.id == dispute_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.s.scalars(stmt).first()
        if row is None:
            return None
        self._rows[row.id] = row
        dispute = _dispute(row)
        self.seen.append(dispute)
        return dispute

    def save(self, dispute: Dispute) -> None:
        assert dispute.id is not None
        row = self._rows[dispute.id]
        _fill(row, dispute)
        self.s.flush()
        self._write_children(dispute)

    def _write_children(self, d: Dispute) -> None:
        if d.new_submissions:
            rows = [
                DisputeSubmissionRow(
                    dispute_id=d.id,
                    party=x.party.value,
                    kind=x.kind.value,
                    body=x.body,
                    files=[_file_json(f) for f in x.files],
                    contact=x.contact.as_dict(),
                    author=x.author,
                    at=x.at,
                )
                for x in d.new_submissions
            ]
            self.s.add_all(rows)
            self.s.flush()
            for sub, row in zip(d.new_submissions, rows, strict=True):
                sub.id = row.id
        if d.new_history:
            self.s.execute(
                insert(DisputeHistoryRow),
                [
                    {
                        "dispute_id": d.id,
                        "at": h.at,
                        "actor": h.actor,
                        "party": h.party.value,
                        "action": h.action.value,
                        "before": h.before.value if h.before else None,
                        "after": h.after.value,
                        "details": h.details,
                    }
                    for h in d.new_history
                ],
            )
        d.new_submissions, d.new_history = [], []

    def active_for_order(self, order_id: str) -> int | None:
        return self.s.scalar(select(DisputeRow.id).where(DisputeRow.active_order_id == order_id))

    def submissions(self, dispute_id: int) -> list[Submission]:
        rows = self.s.scalars(
            select(DisputeSubmissionRow)
            .where(DisputeSubmissionRow.dispute_id == dispute_id)
            .order_by(DisputeSubmissionRow.id)
        )
        return [_submission(r) for r in rows]

    def history(self, dispute_id: int) -> list[HistoryEntry]:
        rows = self.s.scalars(
            select(DisputeHistoryRow)
            .where(DisputeHistoryRow.dispute_id == dispute_id)
            .order_by(DisputeHistoryRow.id)
        )
        return [
            HistoryEntry(
                r.at,
                r.actor,
                Party(r.party),
                Action(r.action),
                State(r.before) if r.before else None,
                State(r.after),
                dict(r.details or {}),
            )
            for r in rows
        ]

    def list(self, flt: DisputeFilter, *, limit: int, before_id: int | None) -> list[Dispute]:
        stmt = select(DisputeRow)
        if flt.party_uid is not None:
            if flt.role == "buyer":
                stmt = stmt.where(DisputeRow.buyer_uid == flt.party_uid)
            elif flt.role == "seller":
                stmt = stmt.where(DisputeRow.seller_uid == flt.party_uid)
            else:
                stmt = stmt.where(
                    or_(
                        DisputeRow.buyer_uid == flt.party_uid,
                        DisputeRow.seller_uid == flt.party_uid,
                    )
                )
        if flt.state is not None:
            stmt = stmt.where(DisputeRow.state == flt.state)
        if flt.type is not None:
            stmt = stmt.where(DisputeRow.type == flt.type)
        if flt.order_id is not None:
            stmt = stmt.where(DisputeRow.order_id == flt.order_id)
        if before_id is not None:
            stmt = stmt.where(DisputeRow.id < before_id)
        rows = self.s.scalars(stmt.order_by(DisputeRow.id.desc()).limit(limit))
        return [_dispute(r) for r in rows]

    def steps(
        self, opened_from: datetime | None, opened_until: datetime | None
    ) -> list[DisputeStep]:
        stmt = select(DisputeHistoryRow, DisputeRow.type).join(
            DisputeRow, DisputeRow.id == DisputeHistoryRow.dispute_id
        )
        if opened_from is not None:
            stmt = stmt.where(DisputeRow.opened_at >= opened_from)
        if opened_until is not None:
            stmt = stmt.where(DisputeRow.opened_at < opened_until)
        rows = self.s.execute(stmt.order_by(DisputeHistoryRow.id))
        return [
            DisputeStep(h.dispute_id, t, h.action, h.after, h.at, dict(h.details or {}))
            for h, t in rows
        ]
