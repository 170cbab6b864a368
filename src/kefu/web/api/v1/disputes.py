"""/api/v1/disputes and /api/v1/reports/disputes — a route parses, calls one service,
renders. The buyer and the seller use customer tokens; arbitrators are staff. Each caller
gets the view of the dispute the visibility rules allow them (see services/dispute_*)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from kefu.domain.actors import Actor
from kefu.domain.disputes import Dispute
from kefu.services import dispute_queries as queries
from kefu.services import disputes as svc
from kefu.services.dispute_access import DisputeContext
from kefu.services.dispute_ports import OrderSystemUnavailable
from kefu.services.dispute_reports import dispute_report
from kefu.web.api.v1.dispute_schemas import (
    AppealIn,
    DecisionIn,
    DisputeDetailOut,
    DisputePage,
    DisputeReportOut,
    OpenDisputeIn,
    ReasonIn,
    ReportIn,
    RespondIn,
    SubmitIn,
    contact_in,
    detail_out,
    dispute_out,
    files_in,
    report_out,
    submit_in,
)
from kefu.web.deps import ActorDep, container
from kefu.web.errors import ApiError

router = APIRouter(tags=["disputes"])


def desk(request: Request) -> DisputeContext:
    dc = container(request).disputes
    if dc is None:
        raise ApiError(503, "disputes_unavailable", "disputes are not configured in this process")
    return dc


def _view(dc: DisputeContext, actor: Actor, dispute: Dispute) -> DisputeDetailOut:
    assert dispute.id is not None
    return detail_out(queries.detail(dc, actor, dispute.id), dc.policy)


def _cursor(value: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        kind, _, number = raw.partition(":")
        if kind != "d":
            raise ValueError(kind)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422, "invalid_cursor", "the cursor is not one this API returned", {"cursor": value}
        ) from None


@router.post("/disputes", status_code=201, response_model=DisputeDetailOut)
def open_dispute(body: OpenDisputeIn, request: Request, actor: ActorDep) -> DisputeDetailOut:
    """The buyer opens a dispute about an order (upload evidence files first)."""
    dc = desk(request)
    cmd = svc.OpenDispute(
        order_id=body.order_id,
        type=body.type,
        statement=body.statement,
        subject=body.subject,
        files=files_in(body.files),
        contact=contact_in(body.contact),
    )
    try:
        dispute = svc.open_dispute(dc, actor, cmd)
    except OrderSystemUnavailable as exc:
        raise ApiError(502, exc.code, exc.message, exc.details) from None
    return _view(dc, actor, dispute)


@router.get("/disputes", response_model=DisputePage)
def list_disputes(
    request: Request,
    actor: ActorDep,
    state: str | None = None,
    type: str | None = None,
    role: str | None = Query(default=None, description="buyer | seller (customers)"),
    order_id: str | None = None,
    limit: int = Query(default=50, ge=1, le=queries.MAX_PAGE),
    cursor: str | None = None,
) -> DisputePage:
    """Yours (as buyer or seller), or all of them for arbitrators; newest first."""
    dc = desk(request)
    items, next_id = queries.list_disputes(
        dc,
        actor,
        state=state,
        type=type,
        role=role,
        order_id=order_id,
        limit=limit,
        before_id=_cursor(cursor) if cursor else None,
    )
    token = None
    if next_id is not None:
        token = base64.urlsafe_b64encode(f"d:{next_id}".encode()).decode().rstrip("=")
    return DisputePage(items=[dispute_out(d, dc.policy) for d in items], next_cursor=token)


@router.get("/disputes/{dispute_id}", response_model=DisputeDetailOut)
def get_dispute(dispute_id: int, request: Request, actor: ActorDep) -> DisputeDetailOut:
    dc = desk(request)
    return detail_out(queries.detail(dc, actor, dispute_id), dc.policy)


@router.post("/disputes/{dispute_id}/respond", response_model=DisputeDetailOut)
def respond(
    dispute_id: int, body: RespondIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """The seller accepts (full refund) or contests (platform arbitration) within 72 h."""
    dc = desk(request)
    accept = body.decision == "accept"
    dispute = svc.respond(dc, actor, dispute_id, accept=accept, sub=submit_in(body))
    return _view(dc, actor, dispute)


@router.post("/disputes/{dispute_id}/evidence", response_model=DisputeDetailOut)
def submit_evidence(
    dispute_id: int, body: SubmitIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """Buyer or seller, during arbitration: at most 3 submissions each."""
    dc = desk(request)
    return _view(dc, actor, svc.submit_evidence(dc, actor, dispute_id, submit_in(body)))


@router.post("/disputes/{dispute_id}/appraisal", response_model=DisputeDetailOut)
def request_appraisal(
    dispute_id: int, body: ReasonIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """The arbitrator asks for a third-party quality inspection."""
    dc = desk(request)
    return _view(dc, actor, svc.request_appraisal(dc, actor, dispute_id, body.reason))


@router.post("/disputes/{dispute_id}/report", response_model=DisputeDetailOut)
def submit_report(
    dispute_id: int, body: ReportIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """The inspection report of an appraisal (either party or the arbitrator)."""
    dc = desk(request)
    sub = svc.Submit(body.statement, files_in(body.files))
    return _view(dc, actor, svc.submit_report(dc, actor, dispute_id, sub))


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeDetailOut)
def decide(
    dispute_id: int, body: DecisionIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """The arbitrator decides: buyer_wins, seller_wins or partial (refund_fen ≤ amount)."""
    dc = desk(request)
    dispute = svc.decide(
        dc, actor, dispute_id, outcome=body.outcome, refund_fen=body.refund_fen, reason=body.reason
    )
    return _view(dc, actor, dispute)


@router.post("/disputes/{dispute_id}/appeal", response_model=DisputeDetailOut)
def appeal(dispute_id: int, body: AppealIn, request: Request, actor: ActorDep) -> DisputeDetailOut:
    """Buyer or seller, once each, within the appeal window."""
    dc = desk(request)
    sub = svc.Submit(body.reason, files_in(body.files))
    return _view(dc, actor, svc.appeal(dc, actor, dispute_id, sub))


@router.post("/disputes/{dispute_id}/close", response_model=DisputeDetailOut)
def close(dispute_id: int, body: ReasonIn, request: Request, actor: ActorDep) -> DisputeDetailOut:
    """The arbitrator closes a decided dispute (else it closes when the window ends)."""
    dc = desk(request)
    return _view(dc, actor, svc.close(dc, actor, dispute_id, body.reason))


@router.post("/disputes/{dispute_id}/withdraw", response_model=DisputeDetailOut)
def withdraw(
    dispute_id: int, body: ReasonIn, request: Request, actor: ActorDep
) -> DisputeDetailOut:
    """The buyer withdraws the dispute before any decision."""
    dc = desk(request)
    return _view(dc, actor, svc.withdraw(dc, actor, dispute_id, body.reason))


@router.get("/disputes/{dispute_id}/files/{sha256}")
def evidence_file(dispute_id: int, sha256: str, request: Request, actor: ActorDep) -> Response:
    """A file of a submission you may see."""
    f, data = queries.evidence_file(desk(request), actor, dispute_id, sha256)
    disposition = f"attachment; filename*=UTF-8''{quote(f.filename, safe='')}"
    return Response(data, media_type=f.content_type, headers={"Content-Disposition": disposition})


@router.get("/reports/disputes", response_model=DisputeReportOut, tags=["reports"])
def report(
    request: Request,
    actor: ActorDep,
    opened_from: datetime | None = None,
    opened_until: datetime | None = None,
) -> DisputeReportOut:
    """Per dispute type: average cycle time, seller win rate, platform intervention rate."""
    dc = desk(request)
    return report_out(dispute_report(dc, actor, opened_from, opened_until), dc.policy)
