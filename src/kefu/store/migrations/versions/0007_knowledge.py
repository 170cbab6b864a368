"""knowledge base: articles (zh-CN and en) and every version of them

Revision ID: 0007_knowledge
Revises: 0006_disputes
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_knowledge"
down_revision = "0006_disputes"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", ID, nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("subcategories", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=140), nullable=False),
        sa.Column("updated_by", sa.String(length=140), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("published_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", "lang", name="uq_kb_articles_slug_lang"),
    )
    op.create_index(op.f("ix_kb_articles_status"), "kb_articles", ["status"])
    op.create_table(
        "kb_article_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("subcategories", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=140), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_versions_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_versions")),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),
    )


def downgrade() -> None:
    op.drop_table("kb_article_versions")
    op.drop_index(op.f("ix_kb_articles_status"), table_name="kb_articles")
    op.drop_table("kb_articles")
