"""Pages: the public help center — search, categories, articles (no sign-in needed).

Articles live in the knowledge base (`kefu.services.knowledge`); the bot cites them with
`/help/articles/{slug}?lang=…`, so that URL is stable. A visitor who is not signed in
reads as the knowledge base's anonymous reader (see `kefu.services.help_views`).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kefu.services import help_views as views
from kefu.web.deps import CtxDep
from kefu.web.pages.render import language, render
from kefu.web.pages.session import session_actor

router = APIRouter(include_in_schema=False)

POPULAR = 6


@router.get("/help")
def index(request: Request, ctx: CtxDep) -> Response:
    actor = session_actor(request)
    topics = views.home(ctx, actor, language(request))
    popular = [a for t in topics for a in t.articles[:1]][:POPULAR]
    return render(request, "help/index.html", {"topics": topics, "popular": popular})


@router.get("/help/search")
def search(request: Request, ctx: CtxDep, q: str = Query(default="", max_length=500)) -> Response:
    actor = session_actor(request)
    found = views.search(ctx, actor, q, language(request)) if q.strip() else []
    return render(request, "help/search.html", {"q": q, "found": found})


@router.get("/help/articles/{slug}")
def article(request: Request, slug: str, ctx: CtxDep) -> Response:
    actor = session_actor(request)
    view = views.article(ctx, actor, slug, language(request))
    paragraphs = [p.strip() for p in view.article.body.split("\n\n") if p.strip()]
    return render(request, "help/article.html", {"v": view, "paragraphs": paragraphs})
