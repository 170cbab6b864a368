"""JSON shapes of /api/v1/disputes and /api/v1/reports/disputes, and how views become them.

Amounts are integer fen (分): 12900 is ¥129.00.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kefu.domain.dispute_rules import Contact, DisputePolicy, EvidenceFile
from kefu.domain.dispute_views import SubmissionView
from kefu.domain.disputes import Dispute, HistoryEntry, Party
from kefu.services.dispute_access import FileRef
from kefu.services.dispute_queries import DisputeDetail
from kefu.services.dispute_reports import DisputeReport, TypeFigures
from kefu.services.disputes import Submit
from kefu.web.schemas import Label, Strict, Timestamp

# ---- input -------------------------------------------------------------------------------


class FileIn(Strict):
    sha256: str = Field(min_length=64, max_length=64, description="From POST /attachments.")
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    kind: str = Field(
        default="other",
        examples=["chat_log"],
        description="order_record | chat_log | logistics | photo | video | "
        "inspection_report | other",
    )


class ContactIn(Strict):
    """Private: shown to you and the arbitrator, never to the other party."""

    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=200)


class OpenDisputeIn(Strict):
    order_id: str = Field(min_length=1, max_length=64, examples=["DY2026112500001"])
    type: str = Field(
        examples=["not_received"], description="not_received | not_as_described | quality"
    )
    statement: str = Field(min_length=1, max_length=5000)
    subject: str = Field(default="", max_length=300)
    files: list[FileIn] = Field(default_factory=list, max_length=20)
    contact: ContactIn = Field(default_factory=ContactIn)


class SubmitIn(Strict):
    statement: str = Field(default="", max_length=5000)
    files: list[FileIn] = Field(default_factory=list, max_length=20)
    contact: ContactIn = Field(default_factory=ContactIn)


class RespondIn(SubmitIn):
    decision: Literal["accept", "contest"] = Field(
        description="accept: full refund to the buyer, closed; contest: platform arbitration."
    )


class ReasonIn(Strict):
    reason: str = Field(default="", max_length=5000)


class ReportIn(Strict):
    statement: str = Field(default="", max_length=5000)
    files: list[FileIn] = Field(min_length=1, max_length=20)


class DecisionIn(Strict):
    outcome: str = Field(examples=["partial"], description="buyer_wins | seller_wins | partial")
    refund_fen: int | None = Field(default=None, ge=0, description="Required for partial.")
    reason: str = Field(min_length=1, max_length=5000)


class AppealIn(Strict):
    reason: str = Field(min_length=1, max_length=5000)
    files: list[FileIn] = Field(default_factory=list, max_length=20)


def files_in(items: list[FileIn]) -> list[FileRef]:
    return [FileRef(f.sha256, f.filename, f.content_type, f.kind) for f in items]


def contact_in(c: ContactIn) -> Contact:
    return Contact(c.phone.strip(), c.address.strip(), c.email.strip())


def submit_in(body: SubmitIn) -> Submit:
    return Submit(body.statement, files_in(body.files), contact_in(body.contact))


# ---- output ------------------------------------------------------------------------------


class OrderItemOut(BaseModel):
    name: str
    quantity: int
    price_fen: int


class OrderOut(BaseModel):
    id: str
    amount_fen: int
    currency: str
    items: list[OrderItemOut]
    logistics_status: str


class FileOut(BaseModel):
    sha256: str
    filename: str
    content_type: str
    size: int
    kind: str
    url: str


class ContactOut(BaseModel):
    phone: str
    address: str
    email: str


class SubmissionOut(BaseModel):
    id: int | None
    party: str
    kind: str
    statement: str
    files: list[FileOut]
    contact: ContactOut | None
    """Only on your own submissions (and for the arbitrator)."""
    own: bool
    at: Timestamp


class HistoryOut(BaseModel):
    at: Timestamp
    actor: str
    party: str
    action: str
    from_state: str | None
    to_state: str
    details: dict[str, Any]


class DisputeOut(BaseModel):
    id: int
    type: str
    type_label: Label
    state: str
    state_label: Label
    order_id: str
    amount_fen: int
    buyer_uid: str
    seller_uid: str
    ticket_id: int | None
    complete_bundle: bool
    legal_lane: bool
    opened_at: Timestamp
    seller_deadline_at: Timestamp
    arbitration_started_at: Timestamp | None
    arbitration_reason: str | None
    outcome: str | None
    refund_fen: int | None
    decided_at: Timestamp | None
    appeal_deadline_at: Timestamp | None
    closed_at: Timestamp | None
    closure: str | None
    updated_at: Timestamp


class DecisionOut(BaseModel):
    outcome: str
    refund_fen: int
    reason: str
    decided_at: Timestamp
    number: int


class DisputeDetailOut(DisputeOut):
    you: str
    """Your side: buyer, seller or arbitrator."""
    order: OrderOut
    decision: DecisionOut | None
    appeals: dict[str, Timestamp | None]
    evidence_left: dict[str, int]
    allowed_actions: list[str]
    submissions: list[SubmissionOut]
    history: list[HistoryOut]


class DisputePage(BaseModel):
    items: list[DisputeOut]
    next_cursor: str | None


class TypeFiguresOut(BaseModel):
    type: str
    label: Label
    opened: int
    concluded: int
    withdrawn: int
    seller_wins: int
    seller_phase_over: int
    reached_arbitration: int
    average_cycle_hours: float | None
    average_cycle_days: float | None
    seller_win_rate: float | None
    platform_intervention_rate: float | None


class DisputeReportOut(BaseModel):
    opened_from: Timestamp | None
    opened_until: Timestamp | None
    types: list[TypeFiguresOut]
    total: TypeFiguresOut
    definitions: dict[str, str]


def _label(pair: tuple[str, str]) -> Label:
    return Label(zh=pair[0], en=pair[1])


def dispute_out(d: Dispute, policy: DisputePolicy) -> DisputeOut:
    assert d.id is not None
    return DisputeOut(
        id=d.id,
        type=d.type.value,
        type_label=_label(policy.type_label(d.type.value)),
        state=d.state.value,
        state_label=_label(policy.state_label(d.state.value)),
        order_id=d.order.id,
        amount_fen=d.order.amount_fen,
        buyer_uid=d.buyer_uid,
        seller_uid=d.seller_uid,
        ticket_id=d.ticket_id,
        complete_bundle=d.complete_bundle,
        legal_lane=d.large,
        opened_at=d.opened_at,
        seller_deadline_at=d.seller_deadline_at,
        arbitration_started_at=d.arbitration_started_at,
        arbitration_reason=d.arbitration_reason,
        outcome=d.outcome.value if d.outcome else None,
        refund_fen=d.refund_fen,
        decided_at=d.decided_at,
        appeal_deadline_at=d.appeal_deadline_at,
        closed_at=d.closed_at,
        closure=d.closure.value if d.closure else None,
        updated_at=d.updated_at,
    )


def _file_out(dispute_id: int, f: EvidenceFile) -> FileOut:
    url = f"/api/v1/disputes/{dispute_id}/files/{f.sha256}"
    return FileOut(
        sha256=f.sha256,
        filename=f.filename,
        content_type=f.content_type,
        size=f.size,
        kind=f.kind,
        url=url,
    )


def _submission_out(dispute_id: int, s: SubmissionView) -> SubmissionOut:
    contact = ContactOut(**s.contact.as_dict()) if s.contact is not None else None
    return SubmissionOut(
        id=s.id,
        party=s.party.value,
        kind=s.kind,
        statement=s.body,
        files=[_file_out(dispute_id, f) for f in s.files],
        contact=contact,
        own=s.own,
        at=s.at,
    )


def _history_out(h: HistoryEntry) -> HistoryOut:
    return HistoryOut(
        at=h.at,
        actor=h.actor,
        party=h.party.value,
        action=h.action.value,
        from_state=h.before.value if h.before else None,
        to_state=h.after.value,
        details=h.details,
    )


def detail_out(v: DisputeDetail, policy: DisputePolicy) -> DisputeDetailOut:
    d = v.dispute
    assert d.id is not None
    decision = None
    if d.outcome is not None and d.decided_at is not None:
        decision = DecisionOut(
            outcome=d.outcome.value,
            refund_fen=d.refund_fen or 0,
            reason=d.decision_reason,
            decided_at=d.decided_at,
            number=d.decisions,
        )
    order = d.order
    return DisputeDetailOut(
        **dispute_out(d, policy).model_dump(),
        you=v.viewer.value,
        order=OrderOut(
            id=order.id,
            amount_fen=order.amount_fen,
            currency=order.currency,
            items=[
                OrderItemOut(name=i.name, quantity=i.quantity, price_fen=i.price_fen)
                for i in order.items
            ],
            logistics_status=order.logistics_status,
        ),
        decision=decision,
        appeals={p.value: d.appeals.get(p) for p in (Party.BUYER, Party.SELLER)},
        evidence_left={p.value: n for p, n in v.evidence_left.items()},
        allowed_actions=[a.value for a in v.actions],
        submissions=[_submission_out(d.id, s) for s in v.submissions],
        history=[_history_out(h) for h in v.history],
    )


def figures_out(f: TypeFigures, policy: DisputePolicy) -> TypeFiguresOut:
    label = policy.type_label(f.type) if f.type != "all" else ("全部类型", "All types")
    hours = f.average_cycle_hours
    return TypeFiguresOut(
        type=f.type,
        label=_label(label),
        opened=f.opened,
        concluded=f.concluded,
        withdrawn=f.withdrawn,
        seller_wins=f.seller_wins,
        seller_phase_over=f.seller_phase_over,
        reached_arbitration=f.reached_arbitration,
        average_cycle_hours=hours,
        average_cycle_days=round(hours / 24, 2) if hours is not None else None,
        seller_win_rate=f.seller_win_rate,
        platform_intervention_rate=f.platform_intervention_rate,
    )


DEFINITIONS = {
    "average_cycle": "opening → final outcome (last decision or the seller's acceptance), "
    "over concluded disputes",
    "seller_win_rate": "final outcome seller_wins / concluded disputes",
    "platform_intervention_rate": "reached platform arbitration / disputes whose seller "
    "phase is over",
}


def report_out(r: DisputeReport, policy: DisputePolicy) -> DisputeReportOut:
    return DisputeReportOut(
        opened_from=r.opened_from,
        opened_until=r.opened_until,
        types=[figures_out(f, policy) for f in r.types],
        total=figures_out(r.total, policy),
        definitions=DEFINITIONS,
    )
