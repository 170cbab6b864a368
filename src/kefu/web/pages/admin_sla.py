"""Pages: admin — business calendars with their holiday overrides, and SLA rules."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.domain.customers import Segment
from kefu.domain.errors import DomainError, InvalidInput
from kefu.services import admin_views, sla_admin
from kefu.services.ports import CalendarOverride
from kefu.web.deps import CtxDep
from kefu.web.pages import admin_forms as forms
from kefu.web.pages import admin_views as views
from kefu.web.pages.guards import AdminActor
from kefu.web.pages.render import LOCAL_TZ, language, render

router = APIRouter(include_in_schema=False)
DEFAULT_CALENDAR = "office_9_18"


# ---- calendars ---------------------------------------------------------------------------


@router.get("/admin/calendars")
def calendars(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    calendar: str | None = None,
    year: int | None = None,
) -> Response:
    return _calendars(request, actor, ctx, calendar, year)


def _calendars(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    calendar: str | None,
    year: int | None,
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    cals = sla_admin.calendars(ctx, actor)
    name = (
        calendar
        if calendar in cals
        else DEFAULT_CALENDAR
        if DEFAULT_CALENDAR in cals
        else next(iter(cals))
    )
    year = year or ctx.clock.now().astimezone(LOCAL_TZ).year
    if not 2000 <= year <= 2100:
        year = ctx.clock.now().astimezone(LOCAL_TZ).year
    overrides = sorted(sla_admin.overrides(ctx, actor), key=lambda o: (o.day, o.calendar))
    return render(
        request,
        "admin/calendars.html",
        {
            "cals": cals,
            "chosen": name,
            "year": year,
            "months": admin_views.year_view(ctx, actor, name, year),
            "overrides": overrides,
            "holidays": views.HOLIDAYS,
            "error": error,
            "values": values or {},
        },
        status=status,
        actor=actor,
    )


def _back(calendar: str, day: date | None, fallback_year: str) -> str:
    year = str(day.year) if day else fallback_year
    return "/admin/calendars?" + urlencode({"calendar": calendar, "year": year})


@router.post("/admin/calendars/overrides")
async def add_override(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    shown = forms.text(form, "shown") or DEFAULT_CALENDAR
    try:
        try:
            day = date.fromisoformat(forms.text(form, "day"))
        except ValueError:
            raise InvalidInput("the day must be a date like 2026-10-01") from None
        o = CalendarOverride(
            forms.text(form, "calendar") or "*",
            day,
            forms.text(form, "kind"),
            forms.text(form, "note"),
        )
        sla_admin.set_override(ctx, actor, o)
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _calendars(
            request,
            actor,
            ctx,
            shown,
            None,
            error=error,
            values=dict(form),
            status=forms.status_of(exc),
        )
    return forms.done(_back(shown, day, ""), "override", f"d-{day.isoformat()}")


@router.post("/admin/calendars/overrides/delete")
async def delete_override(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    shown = forms.text(form, "shown") or DEFAULT_CALENDAR
    try:
        try:
            day = date.fromisoformat(forms.text(form, "day"))
        except ValueError:
            raise InvalidInput("the day must be a date like 2026-10-01") from None
        sla_admin.delete_override(ctx, actor, forms.text(form, "calendar") or "*", day)
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _calendars(
            request, actor, ctx, shown, None, error=error, status=forms.status_of(exc)
        )
    return forms.done(_back(shown, day, ""), "override_removed")


# ---- SLA rules ---------------------------------------------------------------------------


def _rule_values(form: Any) -> dict[str, Any]:
    legal = forms.text(form, "legal_cc")
    values: dict[str, Any] = {
        "name": forms.text(form, "name"),
        "calendar": forms.optional(form, "calendar"),
        "segment": forms.optional(form, "segment"),
        "category": forms.optional(form, "category"),
        "subcategory": forms.optional(form, "subcategory"),
        "sla_class": forms.optional(form, "sla_class"),
        "channel": forms.optional(form, "channel"),
        "grade": forms.optional(form, "grade"),
        "legal_cc": {"yes": True, "no": False}.get(legal),
    }
    for target in sla_admin.TARGETS:
        values[target] = forms.minutes(form, target)
    return values


def _sla(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    *,
    editing: int | None = None,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    rules = sorted(sla_admin.rules(ctx, actor), key=lambda r: r.name)
    rule = next((r for r in rules if r.id == editing), None) if editing else None
    if editing and rule is None:
        from kefu.domain.errors import NotFound

        raise NotFound(f"SLA rule {editing} not found")
    return render(
        request,
        "admin/sla.html",
        {
            "rules": rules,
            "rule": rule,
            "values": values or {},
            "error": error,
            "calendars": list(ctx.policies.calendars),
            "segments": [(s.value, ctx.policies.segments.labels.get(s, {})) for s in Segment],
            "categories": ctx.policies.taxonomy.categories,
            "classes": views.SLA_CLASSES,
            "channels": views.CHANNELS,
            "grades": views.GRADES,
            "targets": forms.TARGET_LABELS,
            "label": views.label,
            "mins": views.minutes_text,
            "problems": _problems(ctx),
        },
        status=status,
        actor=actor,
    )


def _problems(ctx: CtxDep) -> dict[str, tuple[str, str]]:
    """category or subcategory code → (zh, en) label, "大类 › 子类" for a subcategory."""
    out: dict[str, tuple[str, str]] = {}
    for c in ctx.policies.taxonomy.categories:
        out[c.code] = (c.zh, c.en)
        for s in c.subcategories:
            out[s.code] = (f"{c.zh} › {s.zh}", f"{c.en} › {s.en}")
    return out


@router.get("/admin/sla")
def sla(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    return _sla(request, actor, ctx)


@router.get("/admin/sla/{rule_id}")
def sla_rule(request: Request, actor: AdminActor, ctx: CtxDep, rule_id: int) -> Response:
    return _sla(request, actor, ctx, editing=rule_id)


@router.post("/admin/sla")
async def create_rule(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    try:
        rule = sla_admin.create_rule(ctx, actor, _rule_values(form))
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _sla(
            request, actor, ctx, error=error, values=dict(form), status=forms.status_of(exc)
        )
    return forms.done("/admin/sla", "rule", f"rule-{rule.id}")


@router.post("/admin/sla/{rule_id}")
async def update_rule(request: Request, actor: AdminActor, ctx: CtxDep, rule_id: int) -> Response:
    form = await request.form()
    try:
        sla_admin.update_rule(ctx, actor, rule_id, _rule_values(form))
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _sla(
            request,
            actor,
            ctx,
            editing=rule_id,
            error=error,
            values=dict(form),
            status=forms.status_of(exc),
        )
    return forms.done("/admin/sla", "rule", f"rule-{rule_id}")


@router.post("/admin/sla/{rule_id}/delete")
async def delete_rule(request: Request, actor: AdminActor, ctx: CtxDep, rule_id: int) -> Response:
    try:
        sla_admin.delete_rule(ctx, actor, rule_id)
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _sla(request, actor, ctx, error=error, status=forms.status_of(exc))
    return forms.done("/admin/sla", "rule_deleted")
