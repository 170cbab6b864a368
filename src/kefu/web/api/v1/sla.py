"""/api/v1/calendars, /api/v1/sla — service-level administration and supervision."""

from __future__ import annotations

from datetime import date, time

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from kefu.domain.calendars import BusinessCalendar
from kefu.domain.customers import normalise_uid
from kefu.domain.sla import SlaRule
from kefu.services import notifications as notif_svc
from kefu.services import sla_admin as svc
from kefu.services.ports import CalendarOverride
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Label, Strict, TicketOut, Timestamp, ticket_out

router = APIRouter(tags=["service levels"])


class CalendarOut(BaseModel):
    name: str
    tz: str
    days: str
    """`all` (every day) or `workdays` (mainland-China workdays incl. make-up days)."""
    hours: list[list[str]]


class OverrideIn(Strict):
    calendar: str = Field(default="*", description="A calendar's name, or * for all.")
    kind: str = Field(examples=["holiday"], description="workday | holiday")
    note: str = Field(default="", max_length=200)


class OverrideOut(BaseModel):
    calendar: str
    day: date
    kind: str
    note: str


class RuleIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    calendar: str | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    segment: str | None = None
    category: str | None = None
    subcategory: str | None = None
    sla_class: str | None = None
    channel: str | None = None
    grade: str | None = None
    legal_cc: bool | None = None


class RuleOut(RuleIn):
    id: int | None
    specificity: int


class CreditOut(BaseModel):
    ticket_id: int
    metric: str
    minutes: int
    reason: str
    created_at: Timestamp


class LedgerOut(BaseModel):
    uid: str
    total_minutes: int
    credits: list[CreditOut]


def _hhmm(t: time, closing: bool) -> str:
    return "24:00" if closing and t == time(0) else t.strftime("%H:%M")


def _calendar_out(c: BusinessCalendar) -> CalendarOut:
    return CalendarOut(
        name=c.name,
        tz=c.tz,
        days=c.days,
        hours=[[_hhmm(a, False), _hhmm(b, True)] for a, b in c.hours],
    )


def _rule_out(r: SlaRule) -> RuleOut:
    values = {f: getattr(r, f) for f in RuleIn.model_fields}
    return RuleOut(**values, id=r.id, specificity=r.specificity)


@router.get("/calendars", response_model=list[CalendarOut])
def calendars(actor: ActorDep, ctx: CtxDep) -> list[CalendarOut]:
    return [_calendar_out(c) for c in svc.calendars(ctx, actor).values()]


@router.get("/calendars/overrides", response_model=list[OverrideOut])
def overrides(actor: ActorDep, ctx: CtxDep) -> list[OverrideOut]:
    return [
        OverrideOut(calendar=o.calendar, day=o.day, kind=o.kind, note=o.note)
        for o in svc.overrides(ctx, actor)
    ]


@router.put("/calendars/overrides/{day}", response_model=OverrideOut)
def set_override(day: date, body: OverrideIn, actor: ActorDep, ctx: CtxDep) -> OverrideOut:
    """Declare a day a workday or a holiday (on one calendar, or `*` for all)."""
    o = svc.set_override(ctx, actor, CalendarOverride(body.calendar, day, body.kind, body.note))
    return OverrideOut(calendar=o.calendar, day=o.day, kind=o.kind, note=o.note)


@router.delete("/calendars/overrides/{day}", status_code=204)
def delete_override(day: date, actor: ActorDep, ctx: CtxDep, calendar: str = "*") -> Response:
    svc.delete_override(ctx, actor, calendar, day)
    return Response(status_code=204)


@router.get("/sla/rules", response_model=list[RuleOut])
def rules(actor: ActorDep, ctx: CtxDep) -> list[RuleOut]:
    return [_rule_out(r) for r in svc.rules(ctx, actor)]


@router.post("/sla/rules", status_code=201, response_model=RuleOut)
def create_rule(body: RuleIn, actor: ActorDep, ctx: CtxDep) -> RuleOut:
    return _rule_out(svc.create_rule(ctx, actor, body.model_dump()))


@router.put("/sla/rules/{rule_id}", response_model=RuleOut)
def update_rule(rule_id: int, body: RuleIn, actor: ActorDep, ctx: CtxDep) -> RuleOut:
    return _rule_out(svc.update_rule(ctx, actor, rule_id, body.model_dump()))


@router.delete("/sla/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, actor: ActorDep, ctx: CtxDep) -> Response:
    svc.delete_rule(ctx, actor, rule_id)
    return Response(status_code=204)


@router.get("/sla/breaching", response_model=list[TicketOut])
def breaching(
    actor: ActorDep,
    ctx: CtxDep,
    within: int = Query(default=60, description="Minutes from now."),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[TicketOut]:
    """Open tickets whose SLA is due within `within` minutes or already overdue."""
    now = ctx.clock.now()
    return [ticket_out(t, ctx.policies, now) for t in svc.breaching(ctx, actor, within, limit)]


@router.get("/customers/{uid}/compensation", response_model=LedgerOut)
def compensation(uid: str, actor: ActorDep, ctx: CtxDep) -> LedgerOut:
    """The enterprise's SLA compensation ledger: service time credited for breaches."""
    credits = svc.compensation(ctx, actor, uid)
    return LedgerOut(
        uid=normalise_uid(uid),
        total_minutes=sum(c.minutes for c in credits),
        credits=[
            CreditOut(
                ticket_id=c.ticket_id,
                metric=c.metric,
                minutes=c.minutes,
                reason=c.reason,
                created_at=c.created_at,
            )
            for c in credits
        ],
    )


class NotificationOut(BaseModel):
    id: int
    kind: str
    ticket_id: int
    team: str
    metric: str
    at: Timestamp
    message: Label


@router.get("/notifications", response_model=list[NotificationOut])
def notifications(
    actor: ActorDep,
    ctx: CtxDep,
    after_id: int = Query(default=0, ge=0, description="Only newer than this id."),
    team: str | None = None,
    limit: int = Query(default=50, ge=1, le=200),
) -> list[NotificationOut]:
    """SLA warnings and breaches for staff, newest first (supervisors: every team)."""
    return [
        NotificationOut(
            id=n.id,
            kind=n.kind,
            ticket_id=n.ticket_id,
            team=n.team,
            metric=n.metric,
            at=n.at,
            message=Label(zh=n.zh, en=n.en),
        )
        for n in notif_svc.feed(ctx, actor, after_id=after_id, limit=limit, team=team)
    ]
