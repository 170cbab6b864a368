"""Knowledge-base use cases (SPEC §5): write, publish and search articles.

Admins and supervisors write (a helpdesk's knowledge managers are usually team leads);
staff and integrations read every status; customers and the bot see published articles
only — anything else is "not found", so drafts do not leak. Every content change is a new
version (`Article.revise`); an editor may send the version they edited
(`expected_version`) and gets a 409 if someone saved in between.

Search runs over an in-memory index of the published articles (`kb_index`), rebuilt only
when they change: a cheap stamp query (count, ids, versions, last change) is cached in
`ctx.cache` for its TTL, and the index is rebuilt when the stamp differs. A write in this
process clears the cache, so its own edits are searchable at once; other processes see
them within the TTL.
"""

from __future__ import annotations

import functools
import threading
import tomllib
import weakref
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.errors import Conflict, InvalidInput, NotFound
from kefu.domain.knowledge import (
    Article,
    ArticleContent,
    ArticleVersion,
    Lang,
    Origin,
    Status,
    parse_lang,
    parse_status,
)
from kefu.policies.knowledge import knowledge_policy
from kefu.services.access import require_role
from kefu.services.cache import TtlCache
from kefu.services.context import ServiceContext
from kefu.services.knowledge_ports import ArticleFilter
from kefu.triage.kb_search import Document, KbIndex, SearchHit

EDITORS = (Role.ADMIN, Role.SUPERVISOR)
READERS_OF_ALL = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION, Role.SYSTEM})
"""Who sees drafts and archived articles; everyone else sees published ones only."""
MAX_PAGE = 200
MAX_QUERY = 500
STARTER_PACKAGE = "kefu.knowledge"
STARTER_DIR = "starter"


@dataclass(frozen=True)
class NewArticle:
    slug: str
    lang: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()
    publish: bool = False
    note: str = ""


@dataclass(frozen=True)
class ArticleEdit:
    title: str
    body: str
    tags: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()
    note: str = ""
    expected_version: int | None = None
    """The version the editor started from; a different current version is a Conflict."""


def sees_all(actor: Actor) -> bool:
    return actor.role in READERS_OF_ALL


def _not_found(article_id: int) -> NotFound:
    return NotFound(f"article #{article_id} not found", details={"article_id": article_id})


def _changed(ctx: ServiceContext) -> None:
    ctx.cache.clear()


# ---- writing -------------------------------------------------------------------------


def create_article(ctx: ServiceContext, actor: Actor, cmd: NewArticle) -> Article:
    require_role(actor, *EDITORS)
    policy = knowledge_policy()
    article = Article.create(
        slug=cmd.slug,
        lang=parse_lang(cmd.lang),
        content=ArticleContent(cmd.title, cmd.body, cmd.tags, cmd.subcategories),
        author=actor.label,
        now=ctx.clock.now(),
        limits=policy.limits,
        taxonomy=ctx.policies.taxonomy,
        publish=cmd.publish,
        note=cmd.note,
    )
    with ctx.uow() as uow:
        uow.knowledge.add(article)
        uow.commit()
    _changed(ctx)
    return article


def update_article(ctx: ServiceContext, actor: Actor, article_id: int, cmd: ArticleEdit) -> Article:
    """Save new content as the next version (the status is unchanged)."""
    require_role(actor, *EDITORS)
    policy = knowledge_policy()
    with ctx.uow() as uow:
        article = uow.knowledge.get(article_id, for_update=True)
        if article is None:
            raise _not_found(article_id)
        if cmd.expected_version is not None and cmd.expected_version != article.version:
            raise Conflict(
                f"{article.name} is at version {article.version}, not "
                f"{cmd.expected_version}: someone saved it meanwhile; reload and edit again",
                details={"version": article.version, "expected": cmd.expected_version},
            )
        article.revise(
            ArticleContent(cmd.title, cmd.body, cmd.tags, cmd.subcategories),
            author=actor.label,
            now=ctx.clock.now(),
            limits=policy.limits,
            taxonomy=ctx.policies.taxonomy,
            note=cmd.note,
        )
        uow.knowledge.save(article)
        uow.commit()
    _changed(ctx)
    return article


def publish_article(ctx: ServiceContext, actor: Actor, article_id: int) -> Article:
    return _move(ctx, actor, article_id, Status.PUBLISHED)


def archive_article(ctx: ServiceContext, actor: Actor, article_id: int) -> Article:
    return _move(ctx, actor, article_id, Status.ARCHIVED)


def _move(ctx: ServiceContext, actor: Actor, article_id: int, target: Status) -> Article:
    require_role(actor, *EDITORS)
    with ctx.uow() as uow:
        article = uow.knowledge.get(article_id, for_update=True)
        if article is None:
            raise _not_found(article_id)
        if target is Status.PUBLISHED:
            article.publish(author=actor.label, now=ctx.clock.now())
        else:
            article.archive(author=actor.label, now=ctx.clock.now())
        uow.knowledge.save(article)
        uow.commit()
    _changed(ctx)
    return article


# ---- reading -------------------------------------------------------------------------


def get_article(ctx: ServiceContext, actor: Actor, article_id: int) -> Article:
    with ctx.uow(readonly=True) as uow:
        article = uow.knowledge.get(article_id)
    if article is None or not (sees_all(actor) or article.status is Status.PUBLISHED):
        raise _not_found(article_id)
    return article


def list_articles(
    ctx: ServiceContext,
    actor: Actor,
    *,
    lang: str | None = None,
    status: str | None = None,
    q: str | None = None,
    slug: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Article]:
    """By slug then language. `q` is a plain substring of title or body (use
    `search_articles` for ranked, Chinese-aware search)."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE} and offset ≥ 0", details={"limit": limit})
    wanted = parse_status(status) if status else None
    if sees_all(actor):
        statuses = frozenset({wanted}) if wanted else None
    elif wanted not in (None, Status.PUBLISHED):
        return []  # customers only ever see published articles
    else:
        statuses = frozenset({Status.PUBLISHED})
    flt = ArticleFilter(
        lang=parse_lang(lang) if lang else None,
        statuses=statuses,
        slug=slug.strip() if slug else None,
        text=_query(q) if q and q.strip() else None,
    )
    with ctx.uow(readonly=True) as uow:
        return uow.knowledge.list(flt, limit=limit, offset=offset)


def article_versions(ctx: ServiceContext, actor: Actor, article_id: int) -> list[ArticleVersion]:
    """Every version, oldest first (staff: it shows unpublished drafts)."""
    require_role(actor, *READERS_OF_ALL)
    with ctx.uow(readonly=True) as uow:
        if uow.knowledge.get(article_id) is None:
            raise _not_found(article_id)
        return uow.knowledge.versions(article_id)


def _query(q: str) -> str:
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise InvalidInput(
            f"the query is {len(q)} characters long; the limit is {MAX_QUERY}",
            details={"limit": MAX_QUERY},
        )
    return q


def search_articles(
    ctx: ServiceContext, actor: Actor, q: str, *, lang: str | None = None, limit: int = 10
) -> list[SearchHit]:
    """Ranked search over published articles (any actor), best first; no `lang`: both."""
    if not q.strip():
        raise InvalidInput("say what to search for: q is empty", details={"field": "q"})
    if not 1 <= limit <= 50:
        raise InvalidInput("limit must be 1..50", details={"limit": limit})
    text = _query(q)
    index = kb_index(ctx)
    langs = [parse_lang(lang)] if lang else list(Lang)
    hits = [h for lg in langs for h in index.search(text, lg.value, limit=limit)]
    hits.sort(key=lambda h: (-h.score, h.article_id))
    return hits[:limit]


# ---- the index -----------------------------------------------------------------------

_indexes: weakref.WeakKeyDictionary[TtlCache, tuple[Any, KbIndex]] = weakref.WeakKeyDictionary()
_index_lock = threading.Lock()


def document(article: Article) -> Document:
    assert article.id is not None
    return Document(
        article_id=article.id,
        slug=article.slug,
        lang=article.lang.value,
        title=article.title,
        body=article.body,
        tags=article.content.tags,
        subcategories=article.content.subcategories,
    )


def kb_index(ctx: ServiceContext) -> KbIndex:
    """The search index of the published articles, rebuilt only when they changed."""

    def stamp() -> tuple[int, int, int, str]:
        with ctx.uow(readonly=True) as uow:
            return uow.knowledge.published_stamp()

    current = ctx.cache.get("kb:published_stamp", stamp)
    with _index_lock:
        held = _indexes.get(ctx.cache)
        if held is not None and held[0] == current:
            return held[1]
        with ctx.uow(readonly=True) as uow:
            articles = uow.knowledge.published()
        index = KbIndex([document(a) for a in articles], knowledge_policy().search)
        _indexes[ctx.cache] = (current, index)
        return index


# ---- the starter set -----------------------------------------------------------------


@functools.cache
def starter_articles() -> tuple[tuple[str, Lang, ArticleContent], ...]:
    """The shipped articles (`kefu/knowledge/starter/*.toml`): (slug, language, content)."""
    folder = resources.files(STARTER_PACKAGE).joinpath(STARTER_DIR)
    out: list[tuple[str, Lang, ArticleContent]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for item in data.get("article", []):
            subs = tuple(item.get("subcategories", ()))
            for lang in Lang:
                text = item.get(lang.value)
                if text is None:
                    raise ValueError(f"{entry.name}: {item['slug']} has no {lang.value} text")
                content = ArticleContent(
                    text["title"], text["body"], tuple(text.get("tags", ())), subs
                )
                out.append((item["slug"], lang, content))
    return tuple(out)


def load_starter(ctx: ServiceContext) -> int:
    """Add the starter articles that are missing (idempotent); return how many were added.

    An article already stored under the same slug and language — edited or archived by an
    admin, or added by another process a moment ago — is left alone.
    """
    policy = knowledge_policy()
    with ctx.uow(readonly=True) as uow:
        have = uow.knowledge.keys()
    missing = [s for s in starter_articles() if (s[0], s[1].value) not in have]
    if not missing:
        return 0
    now = ctx.clock.now()
    added = 0
    with ctx.uow() as uow:
        for slug, lang, content in missing:
            article = Article.create(
                slug=slug,
                lang=lang,
                content=content,
                author=SYSTEM.label,
                now=now,
                limits=policy.limits,
                taxonomy=ctx.policies.taxonomy,
                publish=True,
                origin=Origin.STARTER,
                note="starter article",
            )
            article.pull_events()  # shipped content is not news
            try:
                uow.knowledge.add(article)
                added += 1
            except Conflict:
                continue
        uow.commit()
    _changed(ctx)
    return added
