"""Read models of the public help center: published knowledge-base articles for anyone.

The help center is open without signing in. An anonymous visitor has no actor, so these
functions read as `VISITOR` — a customer-like actor bound to no UID, which the knowledge
service treats like any customer: published articles only, drafts are "not found".
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import NotFound
from kefu.domain.knowledge import Article, Lang, parse_lang
from kefu.services import knowledge
from kefu.services.context import ServiceContext
from kefu.triage.kb_search import SearchHit

VISITOR = Actor(Role.CUSTOMER, "visitor")
"""Who reads the help center when nobody is signed in."""
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Topic:
    """A category of the taxonomy with the articles that answer its problems."""

    code: str
    name: str
    articles: list[Article]


@dataclass(frozen=True)
class ArticleView:
    article: Article
    other: Article | None
    """The same article in the other language, when it exists."""
    related: list[Article]


@dataclass(frozen=True)
class Found:
    hit: SearchHit
    other_lang: str | None
    """The slug also exists in this other language (a link to the translation)."""


def _reader(actor: Actor | None) -> Actor:
    return actor or VISITOR


def home(ctx: ServiceContext, actor: Actor | None, lang: str) -> list[Topic]:
    """Every category that has articles, in taxonomy order, with its articles."""
    lg = parse_lang(lang)
    articles = knowledge.list_articles(ctx, _reader(actor), lang=lg.value, limit=200)
    by_category: dict[str, list[Article]] = {}
    for a in articles:
        subs = a.content.subcategories or (ctx.policies.taxonomy.FALLBACK,)
        by_category.setdefault(subs[0].split(".")[0], []).append(a)
    topics = []
    for c in ctx.policies.taxonomy.categories:
        if c.code in by_category:
            name = c.zh if lg is Lang.ZH else c.en
            topics.append(Topic(c.code, name, by_category[c.code]))
    return topics


def article(ctx: ServiceContext, actor: Actor | None, slug: str, lang: str) -> ArticleView:
    """The article `slug` in `lang` (or in the only language it has), with its translation."""
    lg = parse_lang(lang)
    reader = _reader(actor)
    versions = {a.lang: a for a in knowledge.list_articles(ctx, reader, slug=slug, limit=5)}
    shown = versions.get(lg) or next(iter(versions.values()), None)
    if shown is None or shown.slug != slug:
        raise NotFound(f"no help article '{slug}'", details={"slug": slug})
    other = versions.get(shown.lang.other)
    related: list[Article] = []
    if shown.content.subcategories:
        subs = set(shown.content.subcategories)
        cat = shown.content.subcategories[0].split(".")[0]
        pool = knowledge.list_articles(ctx, reader, lang=shown.lang.value, limit=200)
        related = [a for a in pool if a.slug != slug and subs & set(a.content.subcategories)]
        related += [
            a
            for a in pool
            if a.slug != slug
            and a not in related
            and any(s.split(".")[0] == cat for s in a.content.subcategories)
        ]
    return ArticleView(shown, other, related[:5])


def search(ctx: ServiceContext, actor: Actor | None, q: str, lang: str) -> list[Found]:
    """Ranked hits in both languages, one per article topic (the page's language wins a
    tie), each with a link to its translation."""
    lg = parse_lang(lang)
    hits = knowledge.search_articles(ctx, _reader(actor), q, limit=SEARCH_LIMIT)
    best: dict[str, SearchHit] = {}
    langs: dict[str, set[str]] = {}
    for h in hits:
        langs.setdefault(h.slug, set()).add(h.lang)
        held = best.get(h.slug)
        if held is None or (held.lang != lg.value and h.lang == lg.value):
            best[h.slug] = h
    order = sorted(best.values(), key=lambda h: -max(x.score for x in hits if x.slug == h.slug))
    keys = knowledge_keys(ctx, actor)
    out = []
    for h in order:
        other = Lang(h.lang).other.value
        out.append(Found(h, other if (h.slug, other) in keys else None))
    return out


def knowledge_keys(ctx: ServiceContext, actor: Actor | None) -> set[tuple[str, str]]:
    """(slug, lang) of every article the reader may see."""
    return {
        (a.slug, a.lang.value)
        for a in knowledge.list_articles(ctx, _reader(actor), status="published", limit=200)
    }
