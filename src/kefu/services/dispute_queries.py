"""Reading disputes: each side gets the view the visibility rules allow it."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.domain.actors import Actor
from kefu.domain.dispute_rules import EvidenceFile
from kefu.domain.dispute_views import (
    SubmissionView,
    actions_for,
    file_visible,
    timeline,
    visible_submissions,
)
from kefu.domain.disputes import Action, Dispute, HistoryEntry, Party, State, Submission
from kefu.domain.errors import InvalidInput, NotFound
from kefu.services.dispute_access import (
    DisputeContext,
    dispute_for,
    is_arbitrator,
    require_participant,
)
from kefu.services.dispute_ports import DisputeFilter
from kefu.services.disputes import parse_type

MAX_PAGE = 200


@dataclass(frozen=True)
class DisputeDetail:
    dispute: Dispute
    viewer: Party
    submissions: list[SubmissionView]
    history: list[HistoryEntry]
    actions: list[Action]
    """What the viewer may do now (for the pages' buttons)."""
    evidence_left: dict[Party, int]


def detail(dc: DisputeContext, actor: Actor, dispute_id: int) -> DisputeDetail:
    with dc.ctx.uow(readonly=True) as uow:
        dispute, viewer = dispute_for(uow, actor, dispute_id, dc.policy)
        subs = uow.disputes.submissions(dispute_id)
        history = uow.disputes.history(dispute_id)
    return view(dc, dispute, viewer, subs, history)


def view(
    dc: DisputeContext,
    dispute: Dispute,
    viewer: Party,
    subs: list[Submission],
    history: list[HistoryEntry],
) -> DisputeDetail:
    policy, now = dc.policy, dc.ctx.clock.now()
    return DisputeDetail(
        dispute=dispute,
        viewer=viewer,
        submissions=visible_submissions(dispute, subs, viewer, policy),
        history=timeline(history, viewer),
        actions=actions_for(dispute, viewer, policy, now),
        evidence_left={p: dispute.evidence_left(p, policy) for p in (Party.BUYER, Party.SELLER)},
    )


def list_disputes(
    dc: DisputeContext,
    actor: Actor,
    *,
    state: str | None = None,
    type: str | None = None,
    role: str | None = None,
    order_id: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> tuple[list[Dispute], int | None]:
    """Customers: the disputes they are buyer or seller in (`role` narrows it). Arbitrators:
    all. Newest first; the second value is the cursor of the next page."""
    require_participant(actor, dc.policy)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", details={"limit": limit})
    if state is not None and state not in State.__members__.values():
        raise InvalidInput(
            f"unknown state '{state}': expected one of {', '.join(s.value for s in State)}"
        )
    if type is not None:
        parse_type(type)
    if role not in (None, "buyer", "seller"):
        raise InvalidInput(f"role is 'buyer' or 'seller', not '{role}'")
    uid = None if is_arbitrator(actor, dc.policy) else actor.customer_uid
    flt = DisputeFilter(party_uid=uid, role=role, state=state, type=type, order_id=order_id)
    with dc.ctx.uow(readonly=True) as uow:
        items = uow.disputes.list(flt, limit=limit + 1, before_id=before_id)
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].id if more and items else None)


def evidence_file(
    dc: DisputeContext, actor: Actor, dispute_id: int, sha256: str
) -> tuple[EvidenceFile, bytes]:
    """A file of a submission the actor may see (else 404), with its bytes."""
    with dc.ctx.uow(readonly=True) as uow:
        dispute, viewer = dispute_for(uow, actor, dispute_id, dc.policy)
        subs = uow.disputes.submissions(dispute_id)
    found = file_visible(dispute, subs, viewer, sha256, dc.policy)
    if found is None:
        raise NotFound(
            f"dispute #{dispute_id} has no file {sha256} you may see",
            details={"dispute_id": dispute_id, "sha256": sha256},
        )
    return found, dc.ctx.blobs.get(sha256)
