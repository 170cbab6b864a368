"""Pages: admin — the overview and the read-only policy pages (taxonomy, teams, quotas,
channels). Agents, calendars, SLA and the knowledge base have their own modules."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.domain.errors import DomainError
from kefu.services import admin_views, org
from kefu.web.deps import CtxDep
from kefu.web.pages import admin_forms as forms
from kefu.web.pages import admin_views as views
from kefu.web.pages.guards import AdminActor
from kefu.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def index(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    return render(request, "admin/index.html", {"o": admin_views.overview(ctx, actor)}, actor=actor)


@router.get("/admin/taxonomy")
def taxonomy(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    tax = ctx.policies.taxonomy
    teams = ctx.policies.teams
    return render(
        request,
        "admin/taxonomy.html",
        {
            "categories": tax.categories,
            "teams": teams,
            "sub_count": sum(len(c.subcategories) for c in tax.categories),
            "classes": views.SLA_CLASSES,
            "label": views.label,
            "source": views.policy_file("taxonomy.toml", _dir(request)),
        },
        actor=actor,
    )


@router.get("/admin/teams")
def teams(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    return _teams(request, actor, ctx)


def _teams(
    request: Request, actor: AdminActor, ctx: CtxDep, error: str = "", status: int = 200
) -> Response:
    queues = org.queues(ctx, actor)
    agents = org.agents(ctx, actor)
    per_team = Counter(t for a in agents for t in a.teams)
    by_id = {q.id: q for q in queues}
    return render(
        request,
        "admin/teams.html",
        {
            "teams": org.teams(ctx, actor),
            "team_by_code": ctx.policies.teams,
            "queues": queues,
            "per_team": per_team,
            "by_id": by_id,
            "lanes": views.LANES,
            "label": views.label,
            "error": error,
            "source": views.policy_file("teams.toml", _dir(request)),
        },
        status=status,
        actor=actor,
    )


@router.post("/admin/teams/queues")
async def create_queue(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    backup = forms.text(form, "backup_queue_id")
    try:
        org.create_queue(
            ctx,
            actor,
            forms.text(form, "team"),
            forms.text(form, "lane"),
            forms.text(form, "name"),
            int(backup) if backup.isdigit() else None,
        )
    except DomainError as exc:
        lang = render_lang(request)
        return _teams(
            request, actor, ctx, forms.error_text(exc.message, lang), forms.status_of(exc)
        )
    return forms.done("/admin/teams", "queue")


@router.get("/admin/quotas")
def quotas(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    return render(
        request,
        "admin/policy.html",
        {
            "page": "quotas",
            "files": [views.policy_file("quotas.toml", _dir(request))],
            "quotas": ctx.policies.quotas,
            "cat_labels": {c.code: (c.zh, c.en) for c in ctx.policies.taxonomy.categories},
            "seg_labels": {
                k.value: (v.get("zh", k.value), v.get("en", k.value))
                for k, v in ctx.policies.segments.labels.items()
            },
            "label": views.label,
        },
        actor=actor,
    )


@router.get("/admin/channels")
def channels(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    names = ("channels.toml", "email.toml", "chat.toml")
    return render(
        request,
        "admin/policy.html",
        {
            "page": "channels",
            "catalogue": ctx.policies.channels,
            "files": [views.policy_file(n, _dir(request)) for n in names if _exists(n)],
            "names": views.CHANNELS,
            "label": views.label,
        },
        actor=actor,
    )


def _exists(name: str) -> bool:
    from importlib import resources

    return resources.files(views.POLICY_PACKAGE).joinpath(name).is_file()


def _dir(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.container.settings.policy_dir


def render_lang(request: Request) -> str:
    from kefu.web.pages.render import language

    return language(request)
