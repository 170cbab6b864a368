"""Dispute pages: what the templates show, built from the services' views.

Nothing here decides who may see or do what: the submissions, the history and the allowed
actions come from `dispute_queries.detail` as the services filtered them for the reader.
This module only arranges them (a timeline with stage dividers, the running deadline,
amounts in yuan) and picks the zh/en labels of the policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kefu.domain.dispute_rules import DisputePolicy, EvidenceFile
from kefu.domain.dispute_views import SubmissionView
from kefu.domain.disputes import Action, Dispute, HistoryEntry, Party, State
from kefu.services.dispute_queries import DisputeDetail
from kefu.web.pages.render import pick

STATE_BADGE = {
    State.AWAITING_SELLER: "warn",
    State.ARBITRATION: "info",
    State.APPRAISAL: "info",
    State.DECIDED: "ok",
    State.APPEALED: "bad",
    State.CLOSED: "",
}

# How long before a deadline its clock turns amber.
WARN_BEFORE = {"seller": timedelta(hours=12), "appeal": timedelta(hours=24)}


def money(fen: int | None) -> str:
    if fen is None:
        return "—"
    return f"¥{fen / 100:,.2f}"


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class Deadline:
    kind: str
    """`seller` (the seller's 72 hours) or `appeal` (the appeal window)."""
    at: datetime
    warn_at: datetime

    @property
    def iso(self) -> str:
        return iso(self.at)

    @property
    def warn_iso(self) -> str:
        return iso(self.warn_at)


def running_deadline(d: Dispute) -> Deadline | None:
    """The deadline the dispute is waiting on now, if any."""
    if d.state is State.AWAITING_SELLER:
        at = d.seller_deadline_at
        return Deadline("seller", at, at - WARN_BEFORE["seller"])
    if d.state is State.DECIDED and d.appeal_deadline_at is not None:
        at = d.appeal_deadline_at
        return Deadline("appeal", at, at - WARN_BEFORE["appeal"])
    return None


def type_label(policy: DisputePolicy, value: str, lang: str) -> str:
    return pick(lang, *policy.type_label(value))


def state_label(policy: DisputePolicy, value: str, lang: str) -> str:
    return pick(lang, *policy.state_label(value))


def side_of(d: Dispute, customer_uid: str | None) -> str:
    """A customer's side in a listed dispute (`buyer` / `seller`); staff: `arbitrator`."""
    if customer_uid is None:
        return "arbitrator"
    return "buyer" if customer_uid == d.buyer_uid else "seller"


def row(d: Dispute, policy: DisputePolicy, lang: str, customer_uid: str | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "order_id": d.order.id,
        "items": "、".join(i.name for i in d.order.items),
        "type": d.type.value,
        "type_label": type_label(policy, d.type.value, lang),
        "state": d.state.value,
        "state_label": state_label(policy, d.state.value, lang),
        "badge": STATE_BADGE[d.state],
        "amount": money(d.order.amount_fen),
        "side": side_of(d, customer_uid),
        "buyer_uid": d.buyer_uid,
        "seller_uid": d.seller_uid,
        "opened_at": d.opened_at,
        "updated_at": d.updated_at,
        "deadline": running_deadline(d),
        "complete_bundle": d.complete_bundle,
        "legal_lane": d.large,
        "outcome": d.outcome.value if d.outcome else None,
        "refund": money(d.refund_fen) if d.refund_fen is not None else None,
        "closure": d.closure.value if d.closure else None,
    }


# ---- the detail page ------------------------------------------------------------------------


@dataclass
class Item:
    """One line of the timeline: a submission, a decision, or a change of stage."""

    kind: str
    """`submission`, `decision` or `stage`."""
    at: datetime
    party: str
    sub: SubmissionView | None = None
    action: str = ""
    before: str | None = None
    after: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def file_dict(dispute_id: int, f: EvidenceFile) -> dict[str, Any]:
    return {
        "name": f.filename,
        "kind": f.kind,
        "size": f.size,
        "content_type": f.content_type,
        "size_text": size_text(f.size),
        "url": f"/api/v1/disputes/{dispute_id}/files/{f.sha256}",
        "image": f.content_type.startswith("image/"),
        "ext": TYPE_NAMES.get(f.content_type, "FILE"),
    }


def _stage_item(h: HistoryEntry) -> Item | None:
    if h.action is Action.DECIDE:
        return Item(
            "decision",
            h.at,
            h.party.value,
            action=h.action.value,
            before=h.before.value if h.before else None,
            after=h.after.value,
            details=dict(h.details),
            actor=h.actor,
        )
    if h.before is h.after or h.action is Action.OPEN:
        return None  # evidence and reports show as their submissions
    return Item(
        "stage",
        h.at,
        h.party.value,
        action=h.action.value,
        before=h.before.value if h.before else None,
        after=h.after.value,
        details=dict(h.details),
        actor=h.actor,
    )


def timeline(v: DisputeDetail) -> list[Item]:
    """Submissions and stage changes in time order; a step's submission before the stage
    change it caused."""
    dispute_id = v.dispute.id or 0
    items: list[tuple[datetime, int, int, Item]] = []
    for n, s in enumerate(v.submissions):
        files = [file_dict(dispute_id, f) for f in s.files]
        items.append((s.at, 0, n, Item("submission", s.at, s.party.value, sub=s, files=files)))
    for n, h in enumerate(v.history):
        item = _stage_item(h)
        if item is not None:
            items.append((h.at, 1, n, item))
    items.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in items]


def detail(v: DisputeDetail, policy: DisputePolicy, lang: str, now: datetime) -> dict[str, Any]:
    d = v.dispute
    assert d.id is not None
    you = v.viewer.value
    actions = [a.value for a in v.actions]
    limit = policy.max_submissions_per_party
    evidence = [
        {
            "party": p.value,
            "left": v.evidence_left[p],
            "used": limit - v.evidence_left[p],
            "limit": limit,
            "percent": round(100 * (limit - v.evidence_left[p]) / limit) if limit else 0,
        }
        for p in (Party.BUYER, Party.SELLER)
    ]
    appeals = {p.value: d.appeals.get(p) for p in (Party.BUYER, Party.SELLER)}
    items = timeline(v)
    decisions = [i for i in items if i.kind == "decision"]
    for n, item in enumerate(decisions, 1):
        item.details["number"] = n
        if n == len(decisions) and d.outcome is not None:
            item.details.update(
                outcome=d.outcome.value, refund=money(d.refund_fen), reason=d.decision_reason
            )
            item.details["latest"] = True
        elif "refund_fen" in item.details:
            item.details["refund"] = money(item.details["refund_fen"])
    return {
        **row(d, policy, lang, None),
        "you": you,
        "state_labels": {s.value: state_label(policy, s.value, lang) for s in State},
        "actions": actions,
        "forms": sorted({FORM_OF[a] for a in actions if a in FORM_OF}),
        "timeline": items,
        "evidence": evidence,
        "evidence_left_you": v.evidence_left.get(v.viewer),
        "evidence_limit": limit,
        "appeals": appeals,
        "appeal_deadline_at": d.appeal_deadline_at,
        "appeal_open": d.state is State.DECIDED
        and d.appeal_deadline_at is not None
        and now < d.appeal_deadline_at,
        "seller_deadline_at": d.seller_deadline_at,
        "seller_deadline_iso": iso(d.seller_deadline_at),
        "seller_warn_iso": iso(d.seller_deadline_at - WARN_BEFORE["seller"]),
        "seller_hours": policy.seller_response_hours,
        "arbitration_started_at": d.arbitration_started_at,
        "arbitration_reason": d.arbitration_reason,
        "decided_at": d.decided_at,
        "decision_reason": d.decision_reason,
        "decisions": d.decisions,
        "closed_at": d.closed_at,
        "ticket_id": d.ticket_id,
        "amount_fen": d.order.amount_fen,
        "amount_yuan": f"{d.order.amount_fen / 100:.2f}",
        "order": {
            "id": d.order.id,
            "items": [
                {"name": i.name, "quantity": i.quantity, "price": money(i.price_fen)}
                for i in d.order.items
            ],
            "logistics_status": d.order.logistics_status,
        },
    }


def limits(policy: DisputePolicy) -> dict[str, Any]:
    """What the upload fields say about files, and what the browser checks first."""
    types = sorted(policy.content_types)
    return {
        "max_files": policy.max_files_per_submission,
        "max_mb": policy.max_file_bytes // (1024 * 1024),
        "max_bytes": policy.max_file_bytes,
        "types": types,
        "accept": ",".join(types),
        "kinds": [k for k in KIND_ORDER if k in policy.evidence_kinds]
        + sorted(k for k in policy.evidence_kinds if k not in KIND_ORDER),
        "max_chars": policy.max_statement_chars,
        "max_submissions": policy.max_submissions_per_party,
        "appeal_hours": policy.appeal_window_hours,
        "seller_hours": policy.seller_response_hours,
    }


FORM_OF = {
    "seller_accept": "respond",
    "seller_contest": "respond",
    "submit_evidence": "evidence",
    "submit_report": "report",
    "request_appraisal": "appraisal",
    "decide": "decision",
    "appeal": "appeal",
    "close": "close",
    "withdraw": "withdraw",
}
"""Which form of the page takes each action."""

KIND_ORDER = (
    "order_record",
    "chat_log",
    "logistics",
    "photo",
    "video",
    "inspection_report",
    "other",
)

TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "application/pdf": "PDF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "text/plain": "TXT",
}


def type_names(policy: DisputePolicy) -> str:
    return ", ".join(TYPE_NAMES.get(t, t) for t in sorted(policy.content_types, key=_type_rank))


def _type_rank(t: str) -> int:
    order = list(TYPE_NAMES)
    return order.index(t) if t in order else len(order)


def types(policy: DisputePolicy, lang: str) -> list[dict[str, str]]:
    return [
        {"value": value, "label": pick(lang, *policy.type_label(value))}
        for value in ("not_received", "not_as_described", "quality")
    ]
