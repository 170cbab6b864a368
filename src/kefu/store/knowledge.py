"""The knowledge-base repository: rows ⇄ `Article`, versions append-only.

`save` writes the article row and inserts the versions the aggregate appended since it was
loaded; `get(for_update=True)` locks the row (PostgreSQL `FOR UPDATE`; SQLite's writer
lock serialises anyway), so two editors cannot both make "version 3" — and should they
race anyway, the unique (article, version) constraint refuses the second.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.errors import Conflict
from kefu.domain.knowledge import (
    Article,
    ArticleContent,
    ArticleVersion,
    Lang,
    Origin,
    Status,
)
from kefu.services.knowledge_ports import ArticleFilter
from kefu.store.models_knowledge import ArticleRow, ArticleVersionRow


def _article(row: ArticleRow) -> Article:
    return Article(
        id=row.id,
        slug=row.slug,
        lang=Lang(row.lang),
        content=ArticleContent(
            row.title, row.body, tuple(row.tags or ()), tuple(row.subcategories or ())
        ),
        status=Status(row.status),
        version=row.version,
        origin=Origin(row.origin),
        created_by=row.created_by,
        updated_by=row.updated_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def _fill(row: ArticleRow, a: Article) -> None:
    row.slug, row.lang = a.slug, a.lang.value
    row.title, row.body = a.content.title, a.content.body
    row.tags, row.subcategories = list(a.content.tags), list(a.content.subcategories)
    row.status, row.version, row.origin = a.status.value, a.version, a.origin.value
    row.created_by, row.updated_by = a.created_by, a.updated_by
    row.created_at, row.updated_at, row.published_at = a.created_at, a.updated_at, a.published_at


def _version(row: ArticleVersionRow) -> ArticleVersion:
    return ArticleVersion(
        version=row.version,
        title=row.title,
        body=row.body,
        tags=tuple(row.tags or ()),
        subcategories=tuple(row.subcategories or ()),
        status=Status(row.status),
        author=row.author,
        at=row.at,
        note=row.note,
        article_id=row.article_id,
    )


class SqlKnowledgeRepository:
    def __init__(self, session: Session, seen: list[object]) -> None:
        self.s, self._seen = session, seen

    def add(self, article: Article) -> None:
        row = ArticleRow()
        _fill(row, article)
        try:
            with self.s.begin_nested():
                self.s.add(row)
                self.s.flush()
        except IntegrityError:
            raise Conflict(
                f"an article with slug '{article.slug}' in {article.lang.value} already exists",
                details={"slug": article.slug, "lang": article.lang.value},
            ) from None
        article.id = row.id
        self._write_versions(article)
        self._seen.append(article)

    def get(self, article_id: int, *, for_update: bool = False) -> Article | None:
        stmt = select(ArticleRow).where(ArticleRow.id == article_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.s.scalars(stmt).first()
        if row is None:
            return None
        article = _article(row)
        if for_update:
            self._seen.append(article)
        return article

    def by_slug(self, slug: str, lang: Lang) -> Article | None:
        row = self.s.scalars(
            select(ArticleRow).where(ArticleRow.slug == slug, ArticleRow.lang == lang.value)
        ).first()
        return _article(row) if row is not None else None

    def save(self, article: Article) -> None:
        row = self.s.get(ArticleRow, article.id)
        if row is None:
            raise Conflict(f"{article.name} no longer exists")
        _fill(row, article)
        self._write_versions(article)
        if not any(o is article for o in self._seen):
            self._seen.append(article)

    def _write_versions(self, article: Article) -> None:
        assert article.id is not None
        try:
            with self.s.begin_nested():
                for v in article.new_versions:
                    self.s.add(
                        ArticleVersionRow(
                            article_id=article.id,
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
                    )
                self.s.flush()
        except IntegrityError:
            raise Conflict(
                f"{article.name} was changed by someone else at the same time; reload it",
                details={"article_id": article.id},
            ) from None
        article.new_versions.clear()

    def list(self, flt: ArticleFilter, *, limit: int, offset: int = 0) -> list[Article]:
        stmt = select(ArticleRow)
        if flt.lang is not None:
            stmt = stmt.where(ArticleRow.lang == flt.lang.value)
        if flt.statuses is not None:
            stmt = stmt.where(ArticleRow.status.in_([s.value for s in flt.statuses]))
        if flt.slug is not None:
            stmt = stmt.where(ArticleRow.slug == flt.slug)
        if flt.text:
            like = f"%{flt.text.lower()}%"
            stmt = stmt.where(
                or_(func.lower(ArticleRow.title).like(like), func.lower(ArticleRow.body).like(like))
            )
        stmt = stmt.order_by(ArticleRow.slug, ArticleRow.lang).limit(limit).offset(offset)
        return [_article(r) for r in self.s.scalars(stmt)]

    def versions(self, article_id: int) -> list[ArticleVersion]:
        rows = self.s.scalars(
            select(ArticleVersionRow)
            .where(ArticleVersionRow.article_id == article_id)
            .order_by(ArticleVersionRow.version)
        )
        return [_version(r) for r in rows]

    def published(self) -> list[Article]:
        rows = self.s.scalars(
            select(ArticleRow)
            .where(ArticleRow.status == Status.PUBLISHED.value)
            .order_by(ArticleRow.id)
        )
        return [_article(r) for r in rows]

    def published_stamp(self) -> tuple[int, int, int, str]:
        row = self.s.execute(
            select(
                func.count(ArticleRow.id),
                func.coalesce(func.sum(ArticleRow.id), 0),
                func.coalesce(func.sum(ArticleRow.version), 0),
                func.max(ArticleRow.updated_at),
            ).where(ArticleRow.status == Status.PUBLISHED.value)
        ).one()
        return (int(row[0]), int(row[1]), int(row[2]), str(row[3]))

    def keys(self) -> set[tuple[str, str]]:
        return {(s, lg) for s, lg in self.s.execute(select(ArticleRow.slug, ArticleRow.lang))}
