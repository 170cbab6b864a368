"""Pages: e-commerce disputes for the buyer, the seller and the arbitrator (SPEC §8).

- `/disputes`: a customer's disputes (as buyer and as seller); the arbitration queue for
  staff. State badges and the running deadline as a live clock.
- `/disputes/new`: the buyer opens a dispute about an order, with evidence files.
- `/disputes/{id}`: the timeline, the deadlines, the evidence left, and a form for each
  action the services allow the reader now (`allowed_actions`) — nothing else.

A route parses, calls one service, renders; what anyone may see or do is the services'
decision (`services/dispute_*`). Refusals (409 wrong stage, 422 a bound, the fourth
evidence submission…) are shown on the page in the reader's language, with the form kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from kefu.domain.actors import Actor, Role
from kefu.domain.disputes import Dispute
from kefu.domain.errors import DomainError, NotFound
from kefu.services import dispute_queries as queries
from kefu.services import disputes as svc
from kefu.services.dispute_access import DisputeContext
from kefu.web.pages import disputes_forms as forms
from kefu.web.pages import disputes_views as views
from kefu.web.pages.guards import PageActor
from kefu.web.pages.i18n import LANGUAGES
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATES = ("awaiting_seller", "arbitration", "appraisal", "decided", "appealed", "closed")


def desk(request: Request) -> DisputeContext:
    dc: DisputeContext | None = request.app.state.container.disputes
    if dc is None:
        raise NotFound("纠纷服务未启用。\nDisputes are not configured in this process.")
    return dc


# ---- the list -----------------------------------------------------------------------------


@router.get("/disputes")
def index(
    request: Request,
    actor: PageActor,
    state: str = "",
    role: str = "",
    before: int | None = None,
) -> Response:
    dc = desk(request)
    lang = language(request)
    state = state if state in STATES else ""
    role = role if role in ("buyer", "seller") and actor.role is Role.CUSTOMER else ""
    items, next_id = queries.list_disputes(
        dc, actor, state=state or None, role=role or None, limit=PAGE_SIZE, before_id=before
    )
    uid = actor.customer_uid if actor.role is Role.CUSTOMER else None
    rows = [views.row(d, dc.policy, lang, uid) for d in items]
    states = [{"value": s, "label": views.state_label(dc.policy, s, lang)} for s in STATES]
    return render(
        request,
        "disputes/list.html",
        {
            "rows": rows,
            "state": state,
            "role": role,
            "states": states,
            "next_id": next_id,
            "before": before,
            "customer": actor.role is Role.CUSTOMER,
        },
        actor=actor,
    )


# ---- opening one --------------------------------------------------------------------------


def _new_page(
    request: Request,
    actor: Actor,
    dc: DisputeContext,
    values: dict[str, str],
    error: forms.Problem | None = None,
) -> Response:
    lang = language(request)
    return render(
        request,
        "disputes/new.html",
        {
            "types": views.types(dc.policy, lang),
            "limits": views.limits(dc.policy),
            "type_names": views.type_names(dc.policy),
            "values": values,
            "error": error,
        },
        status=error.status if error else 200,
        actor=actor,
    )


@router.get("/disputes/new")
def new_form(request: Request, actor: PageActor, order: str = "", type: str = "") -> Response:
    return _new_page(request, actor, desk(request), {"order_id": order, "type": type})


@router.post("/disputes/new")
async def open_dispute(request: Request, actor: PageActor) -> Response:
    dc = desk(request)
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("order_id", "type", "statement", "subject")}
    values.update({k: forms.text(form, k) for k in ("phone", "address", "email")})
    try:
        files = await forms.uploads(dc, form)
        cmd = svc.OpenDispute(
            order_id=values["order_id"],
            type=values["type"],
            statement=values["statement"],
            subject=values["subject"],
            files=files,
            contact=forms.contact(form),
        )
        dispute = await run_in_threadpool(svc.open_dispute, dc, actor, cmd)
    except DomainError as exc:
        return _new_page(request, actor, dc, values, forms.problem(exc, language(request)))
    return RedirectResponse(f"/disputes/{dispute.id}?done=open", status_code=303)


# ---- one dispute --------------------------------------------------------------------------


def _detail_page(
    request: Request,
    actor: Actor,
    dc: DisputeContext,
    dispute_id: int,
    *,
    error: forms.Problem | None = None,
    failed: str = "",
    values: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    lang = language(request)
    detail = queries.detail(dc, actor, dispute_id)
    return render(
        request,
        "disputes/detail.html",
        {
            "d": views.detail(detail, dc.policy, lang, dc.ctx.clock.now()),
            "limits": views.limits(dc.policy),
            "type_names": views.type_names(dc.policy),
            "error": error,
            "failed": failed,
            "values": values or {},
            "done": done,
            # After a refused post the address is the form's: switch languages on the page.
            "switch": {code: f"/disputes/{dispute_id}?lang={code}" for code in LANGUAGES},
        },
        status=error.status if error else 200,
        actor=actor,
    )


@router.get("/disputes/{dispute_id}")
def show(request: Request, actor: PageActor, dispute_id: int, done: str = "") -> Response:
    return _detail_page(request, actor, desk(request), dispute_id, done=done)


Step = Callable[[DisputeContext, Actor, int, FormData, list[Any]], Dispute]


def _respond(dc: DisputeContext, actor: Actor, i: int, f: FormData, files: list[Any]) -> Dispute:
    sub = svc.Submit(forms.text(f, "statement"), files, forms.contact(f))
    return svc.respond(dc, actor, i, accept=forms.text(f, "decision") == "accept", sub=sub)


def _evidence(dc: DisputeContext, actor: Actor, i: int, f: FormData, files: list[Any]) -> Dispute:
    sub = svc.Submit(forms.text(f, "statement"), files, forms.contact(f))
    return svc.submit_evidence(dc, actor, i, sub)


def _report(dc: DisputeContext, actor: Actor, i: int, f: FormData, files: list[Any]) -> Dispute:
    return svc.submit_report(dc, actor, i, svc.Submit(forms.text(f, "statement"), files))


def _appeal(dc: DisputeContext, actor: Actor, i: int, f: FormData, files: list[Any]) -> Dispute:
    return svc.appeal(dc, actor, i, svc.Submit(forms.text(f, "reason"), files))


def _decision(dc: DisputeContext, actor: Actor, i: int, f: FormData, _: list[Any]) -> Dispute:
    outcome = forms.text(f, "outcome")
    refund = forms.yuan_to_fen(forms.text(f, "refund")) if outcome == "partial" else None
    return svc.decide(
        dc, actor, i, outcome=outcome, refund_fen=refund, reason=forms.text(f, "reason")
    )


def _appraisal(dc: DisputeContext, actor: Actor, i: int, f: FormData, _: list[Any]) -> Dispute:
    return svc.request_appraisal(dc, actor, i, forms.text(f, "reason"))


def _close(dc: DisputeContext, actor: Actor, i: int, f: FormData, _: list[Any]) -> Dispute:
    return svc.close(dc, actor, i, forms.text(f, "reason"))


def _withdraw(dc: DisputeContext, actor: Actor, i: int, f: FormData, _: list[Any]) -> Dispute:
    return svc.withdraw(dc, actor, i, forms.text(f, "reason"))


STEPS: dict[str, tuple[Step, str]] = {
    # form → (the step, the default kind of its files)
    "respond": (_respond, "other"),
    "evidence": (_evidence, "other"),
    "report": (_report, "inspection_report"),
    "appeal": (_appeal, "other"),
    "decision": (_decision, ""),
    "appraisal": (_appraisal, ""),
    "close": (_close, ""),
    "withdraw": (_withdraw, ""),
}

KEPT = ("statement", "reason", "outcome", "refund", "decision", "phone", "address", "email")


@router.get("/disputes/{dispute_id}/{step}")
def back_to_dispute(request: Request, actor: PageActor, dispute_id: int, step: str) -> Response:
    """A form's address opened directly (a reload, a bookmark): the dispute itself."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/disputes/{dispute_id}{query}", status_code=303)


@router.post("/disputes/{dispute_id}/{step}")
async def act(request: Request, actor: PageActor, dispute_id: int, step: str) -> Response:
    dc = desk(request)
    if step not in STEPS:
        raise NotFound(f"没有「{step}」这项操作。\nThere is no step '{step}'.")
    take, kind = STEPS[step]
    form = await request.form()
    values = {k: forms.text(form, k) for k in KEPT}
    try:
        files = await forms.uploads(dc, form, default_kind=kind or "other") if kind else []
        await run_in_threadpool(take, dc, actor, dispute_id, form, files)
    except DomainError as exc:
        lang = language(request)
        problem = forms.problem(exc, lang, lambda s: views.state_label(dc.policy, s, lang))
        return await run_in_threadpool(
            lambda: _detail_page(
                request, actor, dc, dispute_id, error=problem, failed=step, values=values
            )
        )
    done = f"{step}-{values['decision']}" if step == "respond" else step
    return RedirectResponse(f"/disputes/{dispute_id}?done={done}", status_code=303)
