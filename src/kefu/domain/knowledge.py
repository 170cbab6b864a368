"""Knowledge-base articles (SPEC §5): one article per (slug, language), versioned.

An article is written in zh-CN or en; the same `slug` in both languages is one topic in two
translations. Every change of content (title, body, tags, the subcategories it answers)
makes a new numbered version and keeps the old one; publishing and archiving change only
the status. Only published articles are shown to customers and used by the bot.

Limits (lengths, counts) are policy (`policies/knowledge.toml`), passed in as
`ArticleLimits`; the SPEC has no numbers for them, the defaults are generous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import IllegalTransition, InvalidInput
from kefu.domain.events import RecordsEvents
from kefu.domain.taxonomy import Taxonomy


class Lang(StrEnum):
    ZH = "zh-CN"
    EN = "en"

    @property
    def other(self) -> Lang:
        return Lang.EN if self is Lang.ZH else Lang.ZH


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Origin(StrEnum):
    STARTER = "starter"
    """Loaded from the shipped starter set (never overwritten once it exists)."""
    ADMIN = "admin"


STATUS_STEPS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.PUBLISHED, Status.ARCHIVED}),
    Status.PUBLISHED: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset({Status.PUBLISHED}),
}
"""Which status may follow which (a published article is edited by a new version)."""

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def parse_lang(value: str) -> Lang:
    aliases = {"zh": Lang.ZH, "zh-cn": Lang.ZH, "zh_cn": Lang.ZH, "en": Lang.EN, "en-us": Lang.EN}
    lang = aliases.get(value.strip().lower())
    if lang is None:
        raise InvalidInput(
            f"unknown language '{value}': use 'zh-CN' or 'en'", details={"lang": value}
        )
    return lang


def parse_status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput(
            f"unknown article status '{value}': use draft, published or archived",
            details={"status": value},
        ) from None


@dataclass(frozen=True, slots=True)
class ArticleLimits:
    slug_chars: int = 120
    title_chars: int = 200
    body_chars: int = 20_000
    tags: int = 20
    tag_chars: int = 40
    subcategories: int = 6
    note_chars: int = 500


@dataclass(frozen=True, slots=True)
class ArticleContent:
    """What an author writes; `checked()` validates and normalises it."""

    title: str
    body: str
    tags: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()

    def checked(self, limits: ArticleLimits, taxonomy: Taxonomy | None) -> ArticleContent:
        title = " ".join(self.title.split())
        body = self.body.replace("\r\n", "\n").strip()
        if not title:
            raise InvalidInput("an article needs a title", details={"field": "title"})
        if len(title) > limits.title_chars:
            raise InvalidInput(
                f"the title is {len(title)} characters long; the limit is {limits.title_chars}",
                details={"field": "title", "limit": limits.title_chars},
            )
        if not body:
            raise InvalidInput("an article needs a body", details={"field": "body"})
        if len(body) > limits.body_chars:
            raise InvalidInput(
                f"the body is {len(body)} characters long; the limit is {limits.body_chars}",
                details={"field": "body", "limit": limits.body_chars},
            )
        tags = _unique(t.strip() for t in self.tags if t.strip())
        if len(tags) > limits.tags:
            raise InvalidInput(
                f"{len(tags)} tags; an article has at most {limits.tags}",
                details={"field": "tags", "limit": limits.tags},
            )
        for tag in tags:
            if len(tag) > limits.tag_chars:
                raise InvalidInput(
                    f"tag '{tag[:20]}…' is longer than {limits.tag_chars} characters",
                    details={"field": "tags", "limit": limits.tag_chars},
                )
        subs = _unique(s.strip() for s in self.subcategories if s.strip())
        if len(subs) > limits.subcategories:
            raise InvalidInput(
                f"{len(subs)} subcategories; an article answers at most {limits.subcategories}",
                details={"field": "subcategories", "limit": limits.subcategories},
            )
        if taxonomy is not None:
            for code in subs:
                taxonomy.get(code)  # InvalidInput naming the unknown code
        return ArticleContent(title, body, tags, subs)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def check_slug(slug: str, limits: ArticleLimits) -> str:
    slug = slug.strip()
    if not SLUG.match(slug) or len(slug) > limits.slug_chars:
        raise InvalidInput(
            f"slug '{slug}' must be lower-case letters, digits and single hyphens "
            f"(e.g. 'password-recovery'), at most {limits.slug_chars} characters",
            details={"field": "slug", "slug": slug},
        )
    return slug


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """One saved state of an article's content (version 1 is the first)."""

    version: int
    title: str
    body: str
    tags: tuple[str, ...]
    subcategories: tuple[str, ...]
    status: Status
    author: str
    at: datetime
    note: str = ""
    article_id: int | None = None


@dataclass(eq=False)
class Article(RecordsEvents):
    slug: str
    lang: Lang
    content: ArticleContent
    status: Status
    version: int
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime
    origin: Origin = Origin.ADMIN
    published_at: datetime | None = None
    id: int | None = None
    new_versions: list[ArticleVersion] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._init_events()

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def body(self) -> str:
        return self.content.body

    @property
    def name(self) -> str:
        return f"article #{self.id} ({self.slug}, {self.lang.value})"

    @classmethod
    def create(
        cls,
        *,
        slug: str,
        lang: Lang,
        content: ArticleContent,
        author: str,
        now: datetime,
        limits: ArticleLimits,
        taxonomy: Taxonomy | None,
        publish: bool = False,
        origin: Origin = Origin.ADMIN,
        note: str = "",
    ) -> Article:
        article = cls(
            slug=check_slug(slug, limits),
            lang=lang,
            content=content.checked(limits, taxonomy),
            status=Status.PUBLISHED if publish else Status.DRAFT,
            version=1,
            created_by=author,
            updated_by=author,
            created_at=now,
            updated_at=now,
            origin=origin,
            published_at=now if publish else None,
        )
        article._snapshot(author, now, _note(note, limits))
        article.record("kb.article_created", slug=article.slug, lang=lang.value, version=1)
        return article

    def revise(
        self,
        content: ArticleContent,
        *,
        author: str,
        now: datetime,
        limits: ArticleLimits,
        taxonomy: Taxonomy | None,
        note: str = "",
    ) -> ArticleVersion:
        """Save new content as the next version; the status stays as it was."""
        content = content.checked(limits, taxonomy)
        if content == self.content:
            raise InvalidInput(
                f"{self.name}: nothing changed; version {self.version} stays current",
                details={"version": self.version},
            )
        self.content = content
        self.version += 1
        self.updated_by, self.updated_at = author, now
        snapshot = self._snapshot(author, now, _note(note, limits))
        self.record(
            "kb.article_revised", slug=self.slug, lang=self.lang.value, version=self.version
        )
        return snapshot

    def publish(self, *, author: str, now: datetime) -> None:
        self._move(Status.PUBLISHED, author, now)
        self.published_at = now

    def archive(self, *, author: str, now: datetime) -> None:
        self._move(Status.ARCHIVED, author, now)

    def _move(self, target: Status, author: str, now: datetime) -> None:
        if target not in STATUS_STEPS[self.status]:
            raise IllegalTransition(
                self.name,
                self.status.value,
                target.value,
                sorted(s.value for s in STATUS_STEPS[self.status]),
            )
        before, self.status = self.status, target
        self.updated_by, self.updated_at = author, now
        self.record(
            f"kb.article_{target.value}",
            slug=self.slug,
            lang=self.lang.value,
            version=self.version,
            before=before.value,
        )

    def _snapshot(self, author: str, now: datetime, note: str) -> ArticleVersion:
        v = ArticleVersion(
            version=self.version,
            title=self.content.title,
            body=self.content.body,
            tags=self.content.tags,
            subcategories=self.content.subcategories,
            status=self.status,
            author=author,
            at=now,
            note=note,
            article_id=self.id,
        )
        self.new_versions.append(v)
        return v

    def summary(self, max_chars: int) -> str:
        """The opening of the body (whole paragraphs while they fit) for the bot's answer."""
        return summarize(self.content.body, max_chars)


def _note(note: str, limits: ArticleLimits) -> str:
    note = note.strip()
    if len(note) > limits.note_chars:
        raise InvalidInput(
            f"the change note is longer than {limits.note_chars} characters",
            details={"field": "note", "limit": limits.note_chars},
        )
    return note


def summarize(body: str, max_chars: int) -> str:
    """Whole leading paragraphs up to `max_chars`; a first paragraph too long is cut."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    out: list[str] = []
    size = 0
    for p in paragraphs:
        if out and size + len(p) > max_chars:
            break
        out.append(p)
        size += len(p)
    text = "\n\n".join(out)
    if len(text) > max_chars:
        text = text[: max(1, max_chars - 1)].rstrip() + "…"
    return text


def languages(values: Sequence[str]) -> tuple[Lang, ...]:
    return tuple(parse_lang(v) for v in values)
