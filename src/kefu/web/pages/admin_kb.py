"""Pages: admin — the knowledge base (list with filters, write, new versions, history,
publish and archive), over `kefu.services.knowledge`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.domain.errors import DomainError
from kefu.domain.knowledge import Lang, Status
from kefu.services import knowledge
from kefu.web.deps import CtxDep
from kefu.web.pages import admin_forms as forms
from kefu.web.pages.guards import AdminActor
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)
PAGE = 100


def _choices(ctx: CtxDep) -> dict[str, Any]:
    return {
        "categories": ctx.policies.taxonomy.categories,
        "langs": [x.value for x in Lang],
        "statuses": [x.value for x in Status],
    }


@router.get("/admin/kb")
def articles(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    language_filter: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Response:
    lang_f = language_filter if language_filter in {x.value for x in Lang} else None
    status_f = status if status in {x.value for x in Status} else None
    found = knowledge.list_articles(
        ctx, actor, lang=lang_f, status=status_f, q=(q or "").strip()[:200] or None, limit=PAGE
    )
    return render(
        request,
        "admin/kb.html",
        {
            "articles": found,
            "lang_f": lang_f,
            "status_f": status_f,
            "q": q or "",
            "page_size": PAGE,
            **_choices(ctx),
        },
        actor=actor,
    )


@router.get("/admin/kb/new")
def new_article(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    return _editor(request, actor, ctx, None)


def _editor(
    request: Request,
    actor: AdminActor,
    ctx: CtxDep,
    article_id: int | None,
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    article = knowledge.get_article(ctx, actor, article_id) if article_id else None
    versions = knowledge.article_versions(ctx, actor, article_id) if article_id else []
    return render(
        request,
        "admin/kb_article.html",
        {
            "article": article,
            "versions": list(reversed(versions)),
            "error": error,
            "values": values or {},
            **_choices(ctx),
        },
        status=status,
        actor=actor,
    )


def _content(form: Any) -> dict[str, Any]:
    return {
        "title": forms.text(form, "title"),
        "body": form.get("body", "").strip() if isinstance(form.get("body"), str) else "",
        "tags": tuple(forms.words(forms.text(form, "tags"))),
        "subcategories": tuple(s for s in form.getlist("subcategories") if s),
        "note": forms.text(form, "note"),
    }


def _kept(form: Any) -> dict[str, Any]:
    return {k: form.getlist(k) if k == "subcategories" else form.get(k) for k in form}


@router.post("/admin/kb")
async def create(request: Request, actor: AdminActor, ctx: CtxDep) -> Response:
    form = await request.form()
    try:
        article = knowledge.create_article(
            ctx,
            actor,
            knowledge.NewArticle(
                slug=forms.text(form, "slug"),
                lang=forms.text(form, "language") or "zh-CN",
                publish=forms.text(form, "publish") == "yes",
                **_content(form),
            ),
        )
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _editor(
            request, actor, ctx, None, error=error, values=_kept(form), status=forms.status_of(exc)
        )
    return forms.done(f"/admin/kb/{article.id}", "article")


@router.get("/admin/kb/{article_id}")
def article(request: Request, actor: AdminActor, ctx: CtxDep, article_id: int) -> Response:
    return _editor(request, actor, ctx, article_id)


@router.post("/admin/kb/{article_id}")
async def update(request: Request, actor: AdminActor, ctx: CtxDep, article_id: int) -> Response:
    form = await request.form()
    expected = forms.text(form, "expected_version")
    try:
        knowledge.update_article(
            ctx,
            actor,
            article_id,
            knowledge.ArticleEdit(
                expected_version=int(expected) if expected.isdigit() else None, **_content(form)
            ),
        )
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _editor(
            request,
            actor,
            ctx,
            article_id,
            error=error,
            values=_kept(form),
            status=forms.status_of(exc),
        )
    return forms.done(f"/admin/kb/{article_id}", "article")


@router.post("/admin/kb/{article_id}/{action}")
async def move(
    request: Request, actor: AdminActor, ctx: CtxDep, article_id: int, action: str
) -> Response:
    steps = {"publish": knowledge.publish_article, "archive": knowledge.archive_article}
    step = steps.get(action)
    if step is None:
        from kefu.domain.errors import NotFound

        raise NotFound(f"no action '{action}'")
    try:
        step(ctx, actor, article_id)
    except DomainError as exc:
        error = forms.error_text(exc.message, language(request))
        return _editor(request, actor, ctx, article_id, error=error, status=forms.status_of(exc))
    return forms.done(f"/admin/kb/{article_id}", "published" if action == "publish" else "archived")
