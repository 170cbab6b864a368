"""What the knowledge-base use cases need from storage."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Protocol

from kefu.domain.knowledge import Article, ArticleVersion, Lang, Status


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    lang: Lang | None = None
    statuses: frozenset[Status] | None = None
    """None: any status."""
    slug: str | None = None
    text: str | None = None
    """A plain substring of title or body (the ranked search is `search_articles`)."""


class KnowledgeRepository(Protocol):
    def add(self, article: Article) -> None:
        """Insert with its first version; the same (slug, lang) twice is a Conflict."""
        ...

    def get(self, article_id: int, *, for_update: bool = False) -> Article | None: ...
    def by_slug(self, slug: str, lang: Lang) -> Article | None: ...
    def save(self, article: Article) -> None:
        """Write the row and the versions appended since loading."""
        ...

    def list(self, flt: ArticleFilter, *, limit: int, offset: int = 0) -> builtins.list[Article]:
        """By slug, then language."""
        ...

    def versions(self, article_id: int) -> builtins.list[ArticleVersion]:
        """Oldest first."""
        ...

    def published(self) -> builtins.list[Article]: ...
    def published_stamp(self) -> tuple[int, int, int, str]:
        """Changes whenever the set of published articles or their content changes."""
        ...

    def keys(self) -> set[tuple[str, str]]:
        """Every (slug, lang) stored, whatever its status."""
        ...
