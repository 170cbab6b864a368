"""Tables of the knowledge base: articles and their versions.

Migration `0007_knowledge` creates them; keep the two in step
(`tests/integration/test_knowledge_api.py` compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.models import Base, Id


class ArticleRow(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (UniqueConstraint("slug", "lang", name="uq_kb_articles_slug_lang"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON)
    subcategories: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), index=True)
    version: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(140))
    updated_by: Mapped[str] = mapped_column(String(140))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class ArticleVersionRow(Base):
    __tablename__ = "kb_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON)
    subcategories: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    author: Mapped[str] = mapped_column(String(140))
    note: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]
