"""Service levels: SLA terms for a ticket, its clocks' checkpoints as durable timers,
dynamic priority, the urgent-tag and materials quotas, and enterprise compensation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kefu.domain.actors import SYSTEM
from kefu.domain.calendars import BusinessCalendar
from kefu.domain.customers import Customer
from kefu.domain.priority import Priority, PriorityInputs, compute_priority
from kefu.domain.sla import (
    Clock,
    Metric,
    SlaRule,
    SlaState,
    SlaSubject,
    pick_calendar,
    resolve_terms,
)
from kefu.domain.tickets import MessageKind, Status, Ticket
from kefu.domain.timers import Timer
from kefu.services.context import ServiceContext
from kefu.services.ports import CompensationCredit, UnitOfWork
from kefu.services.timers import TimerHandler, cancel_timer, schedule_timer

CHECK = "sla.check"
"""Timer kind: check a ticket's SLA clocks for warnings and breaches."""
URGENT_QUOTA = "urgent_tag"
WAITING_STATES = frozenset({Status.NEW, Status.TRIAGED, Status.BOT, Status.QUEUED, Status.REOPENED})
CLOSED_STATES = frozenset({Status.RESOLVED, Status.CLOSED, Status.MERGED})
SIGNAL_KEYS = frozenset({"press3", "green_channel", "grade", "legal_cc"})
GRADES = frozenset({"text", "screenshots", "recording"})


def timer_key(ticket_id: int) -> str:
    return f"sla:ticket:{ticket_id}"


def seed_rules(ctx: ServiceContext) -> None:
    """Load the shipped SLA rules into the database the first time. Idempotent."""
    with ctx.uow() as uow:
        if not uow.sla.rules():
            for rule in ctx.policies.sla_rules:
                uow.sla.add_rule(rule)
            uow.commit()
            ctx.cache.clear()


def rules(uow: UnitOfWork, ctx: ServiceContext) -> list[SlaRule]:
    """The SLA rules, cached for a few seconds (they change rarely; see `ctx.cache`)."""
    return ctx.cache.get("sla.rules", uow.sla.rules)


def calendars(uow: UnitOfWork, ctx: ServiceContext) -> dict[str, BusinessCalendar]:
    """The policy calendars with the admins' overrides applied (cached like the rules)."""
    return ctx.cache.get("sla.calendars", lambda: _calendars(uow, ctx))


def _calendars(uow: UnitOfWork, ctx: ServiceContext) -> dict[str, BusinessCalendar]:
    overrides = uow.sla.overrides()
    out = {}
    for name, cal in ctx.policies.calendars.items():
        mine = {o.day: o.kind for o in overrides if o.calendar in ("*", name)}
        out[name] = cal.with_overrides(mine) if mine else cal
    return out


def attach_calendar(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket
) -> dict[str, BusinessCalendar]:
    """Give the ticket its clocks' calendars (with the admins' overrides)."""
    cals = calendars(uow, ctx)
    ticket.calendar = cals
    return cals


def subject(ctx: ServiceContext, ticket: Ticket, customer: Customer) -> SlaSubject:
    sub = ctx.policies.taxonomy.get(ticket.subcategory)
    return SlaSubject(
        segments=tuple(s.value for s in customer.segmentation.segments),
        subcategory=sub.code,
        sla_class=sub.sla_class,
        channel=ticket.channel.value,
        grade=ticket.signals.get("grade"),
        legal_cc=bool(ticket.signals.get("legal_cc", False)),
    )


def begin(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime
) -> None:
    """Give a new ticket its SLA terms and start its clocks."""
    factor = ctx.policies.quotas.urgent_target_factor if ticket.signals.get("urgent_tag") else None
    terms = resolve_terms(rules(uow, ctx), subject(ctx, ticket, customer), urgent_factor=factor)
    cals = calendars(uow, ctx)
    ticket.calendar = cals
    ticket.set_sla(SlaState.begin(terms, now, cals))


def retarget(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime
) -> None:
    """New terms after a change of what the ticket is (subcategory, urgency): the clocks
    keep the business time already counted and get new targets and due times."""
    factor = ctx.policies.quotas.urgent_target_factor if ticket.signals.get("urgent_tag") else None
    terms = resolve_terms(rules(uow, ctx), subject(ctx, ticket, customer), urgent_factor=factor)
    cals = calendars(uow, ctx)
    state = ticket.sla
    for metric in Metric:
        clock = state.clock(metric)
        was_running = clock.running_since is not None
        clock.pause(now, pick_calendar(cals, clock.calendar))
        clock.target = terms.targets.get(metric)
        clock.calendar = terms.calendars.get(metric, clock.calendar)
        fresh_start = not clock.started and metric is not Metric.NEXT_RESPONSE
        if clock.target is None:
            state.clocks[metric] = Clock(None)
        elif was_running or (fresh_start and ticket.status not in CLOSED_STATES):
            clock.start(now, pick_calendar(cals, clock.calendar))
    state.policy = terms.policy
    ticket.calendar = cals


def priority_of(ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime) -> Priority:
    sub = ctx.policies.taxonomy.get(ticket.subcategory)
    cals = ticket.calendar or ctx.policies.calendars
    waiting = (
        (now - ticket.created_at).total_seconds() / 60 if ticket.status in WAITING_STATES else 0.0
    )
    return compute_priority(
        PriorityInputs(
            subcategory=sub.code,
            base=sub.base_priority,
            segment=customer.segmentation.primary.value,
            channel=ticket.channel.value,
            hotline_boost=customer.segmentation.hotline_boost,
            sla_fraction_left=ticket.sla.fraction_left(now, cals),
            sla_breached=ticket.sla.breached(now),
            press3=bool(ticket.signals.get("press3")),
            urgent_tag=bool(ticket.signals.get("urgent_tag")),
            green_channel=bool(ticket.signals.get("green_channel")),
            materials=int(ticket.signals.get("materials", 0)),
            waiting_minutes=max(0.0, waiting),
            abuse=bool(customer.flags),
            complete_bundle=bool(ticket.signals.get("complete_bundle")),
        ),
        ctx.policies.priority,
    )


def refresh(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime
) -> None:
    """After any change: recompute priority, move the SLA timer, credit compensation."""
    assert ticket.id is not None
    ticket.set_priority(priority_of(ctx, ticket, customer, now), SYSTEM, now)
    cals = ticket.calendar or ctx.policies.calendars
    checkpoint = ticket.sla.next_checkpoint(cals, ctx.policies.quotas.warn_share)
    if checkpoint is not None:
        schedule_timer(uow, CHECK, timer_key(ticket.id), checkpoint, {"ticket_id": ticket.id})
    else:
        cancel_timer(uow, timer_key(ticket.id))
    _compensate(uow, ctx, ticket, customer, now)


def _compensate(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime
) -> None:
    q = ctx.policies.quotas
    overruns, ticket.overruns = ticket.overruns, []
    eligible = [
        s.value for s in customer.segmentation.segments if s.value in q.compensation_segments
    ]
    if not eligible or customer.id is None or ticket.id is None:
        return
    for metric, overrun in overruns:
        minutes = max(1, round(overrun * q.compensation_factor))
        uow.sla.add_credit(
            CompensationCredit(
                customer.id,
                ticket.id,
                metric.value,
                minutes,
                f"{metric.value} target of ticket #{ticket.id} missed by {round(overrun)} "
                f"business minutes ({eligible[0]})",
                now,
            )
        )
        customer.record(
            "customer.compensation_credited",
            uid=customer.uid,
            ticket_id=ticket.id,
            metric=metric.value,
            minutes=minutes,
        )


def decide_urgent(
    uow: UnitOfWork, ctx: ServiceContext, ticket: Ticket, customer: Customer, now: datetime
) -> tuple[str, bool] | None:
    """Honour the urgent tag within the monthly quota; beyond it ignore it and flag the
    account, telling the customer why. Returns (period, honoured), or None when the
    ticket already had it. The caller records the use once the ticket has an id."""
    q = ctx.policies.quotas
    assert customer.id is not None
    if ticket.signals.get("urgent_tag"):
        return None
    period = q.month(now)
    used = uow.sla.quota_uses(customer.id, URGENT_QUOTA, period)
    honoured = used < q.urgent_per_month
    if honoured:
        ticket.signals["urgent_tag"] = True
        ticket.audit(
            SYSTEM,
            now,
            "urgent_tag_honoured",
            used=used + 1,
            quota=q.urgent_per_month,
            period=period,
        )
    else:
        customer.flag(
            q.urgent_flag, f"urgent tag used more than {q.urgent_per_month} times in {period}"
        )
        ticket.add_message(
            MessageKind.SYSTEM,
            f"本月【紧急】标签已使用 {used} 次（每月上限 {q.urgent_per_month} 次），"
            "本次不再加急处理。"
            f"\nThe urgent tag was already used {used} times this month (limit "
            f"{q.urgent_per_month}); this request is handled at normal urgency.",
            SYSTEM,
            now,
        )
        ticket.audit(
            SYSTEM, now, "urgent_tag_ignored", used=used, quota=q.urgent_per_month, period=period
        )
    return period, honoured


def record_urgent_use(
    uow: UnitOfWork,
    ctx: ServiceContext,
    ticket: Ticket,
    customer: Customer,
    use: tuple[str, bool],
    now: datetime,
) -> None:
    assert customer.id is not None
    uow.sla.add_quota_use(customer.id, URGENT_QUOTA, use[0], ticket.id, use[1], now)


def accept_material(ctx: ServiceContext, ticket: Ticket, now: datetime) -> bool:
    """A supplementary material arrived; True when it raises priority (once per hour)."""
    q = ctx.policies.quotas
    last_raw: Any = ticket.signals.get("last_material_at")
    last = datetime.fromisoformat(last_raw) if last_raw else None
    if q.material_counts(ticket.subcategory.split(".")[0], last, now):
        ticket.signals["materials"] = int(ticket.signals.get("materials", 0)) + 1
        ticket.signals["last_material_at"] = now.isoformat()
        ticket.audit(SYSTEM, now, "material_accepted", materials=ticket.signals["materials"])
        return True
    if ticket.subcategory.split(".")[0] in q.material_categories:
        ticket.add_message(
            MessageKind.SYSTEM,
            f"补充材料已收到。同一工单每 {q.material_interval_minutes} 分钟最多提升一次优先级。"
            f"\nMaterial received. It raises the priority of a ticket at most once every "
            f"{q.material_interval_minutes} minutes.",
            SYSTEM,
            now,
        )
    return False


def check_handler(ctx: ServiceContext) -> TimerHandler:
    """The `sla.check` timer: record due warnings and breaches, then refresh the ticket."""

    def handle(uow: UnitOfWork, timer: Timer, now: datetime) -> None:
        ticket = uow.tickets.get(int(timer.payload["ticket_id"]), for_update=True)
        if ticket is None:
            return
        customer = uow.customers.get(ticket.customer.uid, identities=False)
        if customer is None:
            return
        attach_calendar(uow, ctx, ticket)
        ticket.check_sla(now, ctx.policies.quotas.warn_share)
        refresh(uow, ctx, ticket, customer, now)
        uow.tickets.save(ticket)
        uow.customers.save(customer)

    return handle
