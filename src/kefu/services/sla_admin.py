"""Admin and supervisor use cases of service levels: calendars, holiday overrides, SLA
rules, tickets about to breach, and the enterprise compensation ledger."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta
from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.domain.calendars import OVERRIDE_KINDS, BusinessCalendar
from kefu.domain.customers import normalise_uid
from kefu.domain.errors import Conflict, InvalidInput, NotFound
from kefu.domain.organisation import parse_channel
from kefu.domain.sla import SlaRule
from kefu.domain.tickets import Ticket
from kefu.services import sla
from kefu.services.access import require_role, visible_filter
from kefu.services.context import ServiceContext
from kefu.services.ports import CalendarOverride, CompensationCredit, TicketFilter

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MATCH_FIELDS = ("segment", "category", "subcategory", "sla_class", "channel", "grade", "legal_cc")
TARGETS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def calendars(ctx: ServiceContext, actor: Actor) -> dict[str, BusinessCalendar]:
    require_role(actor, *STAFF)
    with ctx.uow(readonly=True) as uow:
        return sla.calendars(uow, ctx)


def overrides(ctx: ServiceContext, actor: Actor) -> list[CalendarOverride]:
    require_role(actor, *STAFF)
    with ctx.uow(readonly=True) as uow:
        return uow.sla.overrides()


def set_override(ctx: ServiceContext, actor: Actor, o: CalendarOverride) -> CalendarOverride:
    require_role(actor, Role.ADMIN)
    if o.calendar != "*" and o.calendar not in ctx.policies.calendars:
        raise InvalidInput(
            f"unknown calendar '{o.calendar}': use '*' or one of "
            f"{', '.join(ctx.policies.calendars)}"
        )
    if o.kind not in OVERRIDE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(OVERRIDE_KINDS)}")
    with ctx.uow() as uow:
        uow.sla.set_override(o)
        uow.commit()
        ctx.cache.clear()
    return o


def delete_override(ctx: ServiceContext, actor: Actor, calendar: str, day: date) -> None:
    require_role(actor, Role.ADMIN)
    with ctx.uow() as uow:
        if not uow.sla.delete_override(calendar, day):
            raise NotFound(f"no override for {day.isoformat()} on calendar '{calendar}'")
        uow.commit()
        ctx.cache.clear()


def rules(ctx: ServiceContext, actor: Actor) -> list[SlaRule]:
    require_role(actor, *STAFF)
    with ctx.uow(readonly=True) as uow:
        return uow.sla.rules()


def _check_rule(ctx: ServiceContext, rule: SlaRule) -> None:
    if not rule.name.strip():
        raise InvalidInput("an SLA rule needs a name")
    if rule.calendar is not None and rule.calendar not in ctx.policies.calendars:
        raise InvalidInput(f"unknown calendar '{rule.calendar}'")
    if rule.subcategory is not None:
        ctx.policies.taxonomy.get(rule.subcategory)
    if rule.category is not None and rule.category not in {
        c.code for c in ctx.policies.taxonomy.categories
    }:
        raise InvalidInput(f"unknown category '{rule.category}'")
    if rule.channel is not None:
        parse_channel(rule.channel)
    if rule.grade is not None and rule.grade not in sla.GRADES:
        raise InvalidInput(f"grade must be one of {', '.join(sorted(sla.GRADES))}")
    for name in TARGETS:
        value = getattr(rule, name)
        if value is not None and not 1 <= value <= 525_600:
            raise InvalidInput(f"{name} must be between 1 and 525600 (a year)")
    if rule.calendar is None and all(getattr(rule, n) is None for n in TARGETS):
        raise InvalidInput("a rule must set a calendar or at least one target")


def create_rule(ctx: ServiceContext, actor: Actor, values: dict[str, Any]) -> SlaRule:
    require_role(actor, Role.ADMIN)
    rule = SlaRule(**values)
    _check_rule(ctx, rule)
    with ctx.uow() as uow:
        if uow.sla.rule_named(rule.name) is not None:
            raise Conflict(f"an SLA rule named '{rule.name}' exists")
        rule = uow.sla.add_rule(rule)
        uow.commit()
        ctx.cache.clear()
        return rule


def update_rule(ctx: ServiceContext, actor: Actor, rule_id: int, values: dict[str, Any]) -> SlaRule:
    """Replace the rule's fields with `values` (a full rule, as PUT means)."""
    require_role(actor, Role.ADMIN)
    with ctx.uow() as uow:
        current = uow.sla.rule(rule_id)
        if current is None:
            raise NotFound(f"SLA rule {rule_id} not found")
        blank = {f.name: None for f in fields(SlaRule) if f.name not in ("id", "name")}
        rule = replace(current, **{**blank, **values})
        _check_rule(ctx, rule)
        other = uow.sla.rule_named(rule.name)
        if other is not None and other.id != rule_id:
            raise Conflict(f"an SLA rule named '{rule.name}' exists")
        rule = uow.sla.save_rule(rule)
        uow.commit()
        ctx.cache.clear()
        return rule


def delete_rule(ctx: ServiceContext, actor: Actor, rule_id: int) -> None:
    require_role(actor, Role.ADMIN)
    with ctx.uow() as uow:
        if not uow.sla.delete_rule(rule_id):
            raise NotFound(f"SLA rule {rule_id} not found")
        uow.commit()
        ctx.cache.clear()


def breaching(ctx: ServiceContext, actor: Actor, within_minutes: int, limit: int) -> list[Ticket]:
    """Open tickets whose running SLA clock is due within N minutes (or is overdue),
    soonest first."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    if not 0 <= within_minutes <= 7 * 24 * 60:
        raise InvalidInput("within must be between 0 and 10080 minutes (a week)")
    horizon = ctx.clock.now() + timedelta(minutes=within_minutes)
    flt = visible_filter(actor, TicketFilter(due_before=horizon, unresolved=True))
    with ctx.uow(readonly=True) as uow:
        items = uow.tickets.list(flt, limit=limit, before_id=None, order="due")
        cals = sla.calendars(uow, ctx)
        for t in items:
            t.calendar = cals
    far = horizon + timedelta(days=3650)
    items.sort(key=lambda t: min((c.due_at for _, c in t.sla.running() if c.due_at), default=far))
    return items


def compensation(ctx: ServiceContext, actor: Actor, uid: str) -> list[CompensationCredit]:
    uid = normalise_uid(uid)
    if actor.role is Role.CUSTOMER and actor.customer_uid != uid:
        raise NotFound(f"customer {uid} not found")
    if actor.role is not Role.CUSTOMER:
        require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    with ctx.uow(readonly=True) as uow:
        customer = uow.customers.get(uid)
        if customer is None or customer.id is None:
            raise NotFound(f"customer {uid} not found")
        return uow.sla.credits(customer.id)
