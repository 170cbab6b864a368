"""Pages: admin — agents (list, create, edit skills/languages/capacity/teams, web login)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.organisation import WorkMedium
from kefu.services import admin_views, org
from kefu.services.context import ServiceContext
from kefu.web.deps import CtxDep
from kefu.web.pages import admin_forms as forms
from kefu.web.pages.guards import AdminActor
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)
LANGUAGES = ("zh-CN", "en")
MEDIA = tuple(m.value for m in WorkMedium)


def known_skills(ctx: ServiceContext) -> list[str]:
    r = ctx.policies.routing
    found = {s for v in r.lane_skills.values() for s in v}
    found |= {s for v in r.subcategory_skills.values() for s in v}
    return sorted(found)


def _capacity(form: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for m in MEDIA:
        raw = forms.text(form, f"capacity_{m}")
        if raw:
            if not raw.isdigit():
                raise InvalidInput(f"capacity for {m} must be an integer from 0 to 1000")
            out[m] = int(raw)
    return out


def _fields(form: Any) -> dict[str, Any]:
    return {
        "teams": form.getlist("teams"),
        "skills": forms.words(forms.text(form, "skills")),
        "languages": form.getlist("languages") or ["zh-CN"],
        "capacity": _capacity(form),
    }


@router.get("/admin/agents")
def agents(request: Request, actor: AdminActor, ctx: CtxDep, team: str | None = None) -> Response:
    return _list(request, actor, ctx, team=team or None)


def _list(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    *,
    team: str | None = None,
    error: str = "",
    values: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "admin/agents.html",
        {
            "agents": org.agents(ctx, actor, team if team in ctx.policies.teams else None),
            "logins": admin_views.agent_logins(ctx, actor),
            "teams": ctx.policies.teams,
            "team": team,
            "skills": known_skills(ctx),
            "media": MEDIA,
            "error": error,
            "values": values or {},
        },
        status=status,
        actor=actor,
    )


@router.post("/admin/agents")
async def create(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    try:
        values = _fields(form)
        agent = org.create_agent(ctx, actor, forms.text(form, "name"), **values)
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        kept = {k: form.getlist(k) if k in ("teams", "languages") else form.get(k) for k in form}
        return _list(request, actor, ctx, error=error, values=kept, status=forms.status_of(exc))
    return forms.done("/admin/agents", "agent", f"agent-{agent.id}")


@router.get("/admin/agents/{agent_id}")
def agent(request: Request, actor: AdminActor, ctx: CtxDep, agent_id: int) -> Response:
    return _agent(request, actor, ctx, agent_id)


def _agent(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    agent_id: int,
    *,
    error: str = "",
    login_error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "admin/agent.html",
        {
            "agent": org.get_agent(ctx, actor, agent_id),
            "login": admin_views.agent_logins(ctx, actor).get(agent_id),
            "teams": ctx.policies.teams,
            "skills": known_skills(ctx),
            "media": MEDIA,
            "error": error,
            "login_error": login_error,
        },
        status=status,
        actor=actor,
    )


@router.post("/admin/agents/{agent_id}")
async def update(request: Request, actor: AdminActor, ctx: CtxDep, agent_id: int) -> Response:
    form = await request.form()
    try:
        org.update_agent(ctx, actor, agent_id, **_fields(form))
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _agent(request, actor, ctx, agent_id, error=error, status=forms.status_of(exc))
    return forms.done(f"/admin/agents/{agent_id}", "agent_saved")


@router.post("/admin/agents/{agent_id}/login")
async def create_login(request: Request, actor: AdminActor, ctx: CtxDep, agent_id: int) -> Response:
    form = await request.form()
    password = forms.text(form, "password")
    try:
        if password != forms.text(form, "password2"):
            raise InvalidInput("the two passwords differ")
        admin_views.create_agent_login(
            ctx, actor, agent_id, forms.text(form, "login"), password, forms.text(form, "role")
        )
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _agent(request, actor, ctx, agent_id, login_error=error, status=forms.status_of(exc))
    return forms.done(f"/admin/agents/{agent_id}", "login")
