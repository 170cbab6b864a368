"""/api/v1/kb — knowledge-base articles and search. A route parses, calls one service,
renders. Admins and supervisors write; staff read every status; customers see published
articles only (anything else is a 404)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kefu.domain.knowledge import Article, ArticleVersion
from kefu.policies.knowledge import knowledge_policy
from kefu.services import knowledge as svc
from kefu.triage.kb_search import SearchHit
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Strict

router = APIRouter(tags=["knowledge base"])


class ArticleIn(Strict):
    slug: str = Field(examples=["password-recovery"], description="Same slug in both languages.")
    lang: str = Field(examples=["zh-CN"], description="`zh-CN` or `en`.")
    title: str = Field(examples=["忘记密码、无法登录怎么办"])
    body: str = Field(description="Plain text; blank lines separate paragraphs.")
    tags: list[str] = Field(default_factory=list)
    subcategories: list[str] = Field(
        default_factory=list, description="Subcategory codes it answers, e.g. `account.login`."
    )
    publish: bool = False
    note: str = ""


class ArticleEditIn(Strict):
    title: str
    body: str
    tags: list[str] = Field(default_factory=list)
    subcategories: list[str] = Field(default_factory=list)
    note: str = Field(default="", description="What changed (kept with the version).")
    expected_version: int | None = Field(
        default=None, description="The version you edited; 409 if it is no longer current."
    )


class ArticleOut(BaseModel):
    id: int
    slug: str
    lang: str
    title: str
    body: str
    tags: list[str]
    subcategories: list[str]
    status: str
    version: int
    origin: str
    url: str
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    next_offset: int | None


class VersionOut(BaseModel):
    version: int
    title: str
    body: str
    tags: list[str]
    subcategories: list[str]
    status: str
    author: str
    note: str
    at: datetime


class VersionsOut(BaseModel):
    items: list[VersionOut]


class HitOut(BaseModel):
    article_id: int
    slug: str
    lang: str
    title: str
    score: float = Field(description="0..1: how much of the query the article matches.")
    snippet: str
    subcategories: list[str]
    matched: list[str]
    url: str


class SearchOut(BaseModel):
    query: str
    items: list[HitOut]


def _url(slug: str, lang: str) -> str:
    return knowledge_policy().bot.article_url.format(slug=slug, lang=lang)


def _out(a: Article) -> ArticleOut:
    assert a.id is not None
    return ArticleOut(
        id=a.id,
        slug=a.slug,
        lang=a.lang.value,
        title=a.title,
        body=a.body,
        tags=list(a.content.tags),
        subcategories=list(a.content.subcategories),
        status=a.status.value,
        version=a.version,
        origin=a.origin.value,
        url=_url(a.slug, a.lang.value),
        created_by=a.created_by,
        updated_by=a.updated_by,
        created_at=a.created_at,
        updated_at=a.updated_at,
        published_at=a.published_at,
    )


def _version(v: ArticleVersion) -> VersionOut:
    return VersionOut(
        version=v.version,
        title=v.title,
        body=v.body,
        tags=list(v.tags),
        subcategories=list(v.subcategories),
        status=v.status.value,
        author=v.author,
        note=v.note,
        at=v.at,
    )


def _hit(h: SearchHit) -> HitOut:
    return HitOut(
        article_id=h.article_id,
        slug=h.slug,
        lang=h.lang,
        title=h.title,
        score=h.score,
        snippet=h.snippet,
        subcategories=list(h.subcategories),
        matched=list(h.matched),
        url=_url(h.slug, h.lang),
    )


@router.get("/kb/search", response_model=SearchOut)
def search(
    ctx: CtxDep,
    actor: ActorDep,
    q: str = Query(min_length=1, max_length=svc.MAX_QUERY, examples=["密码忘了怎么办"]),
    lang: str | None = Query(default=None, description="`zh-CN` or `en`; omitted: both"),
    limit: int = Query(default=10, ge=1, le=50),
) -> SearchOut:
    """Ranked, Chinese-aware search over published articles (anyone signed in)."""
    hits = svc.search_articles(ctx, actor, q, lang=lang, limit=limit)
    return SearchOut(query=q, items=[_hit(h) for h in hits])


@router.get("/kb/articles", response_model=ArticlePage)
def list_articles(
    ctx: CtxDep,
    actor: ActorDep,
    q: str | None = Query(default=None, description="Substring of title or body"),
    lang: str | None = None,
    status: str | None = Query(default=None, description="draft | published | archived"),
    slug: str | None = None,
    limit: int = Query(default=50, ge=1, le=svc.MAX_PAGE),
    offset: int = Query(default=0, ge=0),
) -> ArticlePage:
    items = svc.list_articles(
        ctx, actor, lang=lang, status=status, q=q, slug=slug, limit=limit, offset=offset
    )
    return ArticlePage(
        items=[_out(a) for a in items],
        next_offset=offset + limit if len(items) == limit else None,
    )


@router.post("/kb/articles", status_code=201, response_model=ArticleOut)
def create_article(body: ArticleIn, ctx: CtxDep, actor: ActorDep) -> ArticleOut:
    """A new article (version 1), a draft unless `publish` (admins, supervisors)."""
    cmd = svc.NewArticle(
        slug=body.slug,
        lang=body.lang,
        title=body.title,
        body=body.body,
        tags=tuple(body.tags),
        subcategories=tuple(body.subcategories),
        publish=body.publish,
        note=body.note,
    )
    return _out(svc.create_article(ctx, actor, cmd))


@router.get("/kb/articles/{article_id}", response_model=ArticleOut)
def get_article(article_id: int, ctx: CtxDep, actor: ActorDep) -> ArticleOut:
    return _out(svc.get_article(ctx, actor, article_id))


@router.put("/kb/articles/{article_id}", response_model=ArticleOut)
def update_article(
    article_id: int, body: ArticleEditIn, ctx: CtxDep, actor: ActorDep
) -> ArticleOut:
    """Save new content as the next version; the status stays (admins, supervisors)."""
    cmd = svc.ArticleEdit(
        title=body.title,
        body=body.body,
        tags=tuple(body.tags),
        subcategories=tuple(body.subcategories),
        note=body.note,
        expected_version=body.expected_version,
    )
    return _out(svc.update_article(ctx, actor, article_id, cmd))


@router.get("/kb/articles/{article_id}/versions", response_model=VersionsOut)
def versions(article_id: int, ctx: CtxDep, actor: ActorDep) -> VersionsOut:
    """Every version, oldest first (staff)."""
    return VersionsOut(items=[_version(v) for v in svc.article_versions(ctx, actor, article_id)])


@router.post("/kb/articles/{article_id}/publish", response_model=ArticleOut)
def publish(article_id: int, ctx: CtxDep, actor: ActorDep) -> ArticleOut:
    return _out(svc.publish_article(ctx, actor, article_id))


@router.post("/kb/articles/{article_id}/archive", response_model=ArticleOut)
def archive(article_id: int, ctx: CtxDep, actor: ActorDep) -> ArticleOut:
    return _out(svc.archive_article(ctx, actor, article_id))
