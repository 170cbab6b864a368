"""Knowledge-base articles: validation, versions and the status table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.errors import IllegalTransition, InvalidInput
from kefu.domain.knowledge import (
    Article,
    ArticleContent,
    ArticleLimits,
    Lang,
    Status,
    parse_lang,
    summarize,
)
from kefu.policies import load_policies

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
LIMITS = ArticleLimits()
TAXONOMY = load_policies().taxonomy
CONTENT = ArticleContent(
    "忘记密码怎么办", "在登录页点击“忘记密码”。", ("密码",), ("account.login",)
)


def draft(**kw: object) -> Article:
    args: dict[str, object] = {
        "slug": "password-recovery",
        "lang": Lang.ZH,
        "content": CONTENT,
        "author": "admin:li",
        "now": NOW,
        "limits": LIMITS,
        "taxonomy": TAXONOMY,
    }
    args.update(kw)
    return Article.create(**args)  # type: ignore[arg-type]


def test_a_new_article_is_a_draft_at_version_one_with_its_first_snapshot() -> None:
    a = draft()
    assert (a.status, a.version, a.published_at) == (Status.DRAFT, 1, None)
    assert [v.version for v in a.new_versions] == [1]
    assert a.new_versions[0].title == "忘记密码怎么办"
    assert [e.name for e in a.pull_events()] == ["kb.article_created"]


@pytest.mark.parametrize(
    "slug", ["Password", "pass word", "pass--word", "-pass", "密码", "x" * 121, ""]
)
def test_a_slug_must_be_lower_case_words_joined_by_single_hyphens(slug: str) -> None:
    with pytest.raises(InvalidInput, match="slug"):
        draft(slug=slug)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (ArticleContent("  ", "body"), "title"),
        (ArticleContent("t", " \n "), "body"),
        (ArticleContent("t" * 201, "body"), "title"),
        (ArticleContent("t", "b" * 20_001), "body"),
        (ArticleContent("t", "b", tuple(f"tag{i}" for i in range(21))), "tags"),
    ],
)
def test_content_over_the_limits_is_refused_naming_the_field(
    content: ArticleContent, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        draft(content=content)
    assert err.value.details["field"] == field


def test_an_unknown_subcategory_is_refused_with_its_code() -> None:
    with pytest.raises(InvalidInput, match=r"account\.nope"):
        draft(content=ArticleContent("t", "b", (), ("account.nope",)))


def test_tags_and_subcategories_are_trimmed_and_deduplicated() -> None:
    a = draft(content=ArticleContent(" t  x ", "b", (" a", "a", "", "b"), ("usage.howto",) * 2))
    assert (a.title, a.content.tags, a.content.subcategories) == (
        "t x",
        ("a", "b"),
        ("usage.howto",),
    )


def test_a_revision_is_the_next_version_and_keeps_the_status() -> None:
    a = draft(publish=True)
    a.new_versions.clear()
    later = NOW + timedelta(hours=1)
    v = a.revise(
        ArticleContent("忘记密码", "新正文", (), ("account.login",)),
        author="supervisor:wu",
        now=later,
        limits=LIMITS,
        taxonomy=TAXONOMY,
        note="shorter title",
    )
    assert (a.version, v.version, v.note, v.author) == (2, 2, "shorter title", "supervisor:wu")
    assert (a.status, a.updated_at, a.updated_by) == (Status.PUBLISHED, later, "supervisor:wu")
    assert a.new_versions == [v]


def test_a_revision_that_changes_nothing_is_refused_and_makes_no_version() -> None:
    a = draft()
    with pytest.raises(InvalidInput, match="nothing changed"):
        a.revise(CONTENT, author="admin:li", now=NOW, limits=LIMITS, taxonomy=TAXONOMY)
    assert a.version == 1


def test_publish_and_archive_follow_the_status_table() -> None:
    a = draft()
    a.publish(author="admin:li", now=NOW)
    assert (a.status, a.published_at) == (Status.PUBLISHED, NOW)
    with pytest.raises(IllegalTransition) as err:
        a.publish(author="admin:li", now=NOW)
    assert err.value.details == {"from": "published", "to": "published", "allowed": ["archived"]}
    a.archive(author="admin:li", now=NOW)
    a.publish(author="admin:li", now=NOW)  # an archived article may come back
    assert a.status is Status.PUBLISHED
    assert a.version == 1  # status changes are not content versions


@pytest.mark.parametrize(("raw", "lang"), [("zh-CN", Lang.ZH), ("zh", Lang.ZH), ("EN", Lang.EN)])
def test_languages_accept_common_spellings(raw: str, lang: Lang) -> None:
    assert parse_lang(raw) is lang


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match="zh-CN"):
        parse_lang("fr")


def test_a_summary_keeps_whole_paragraphs_and_cuts_only_a_long_first_one() -> None:
    body = "第一段。\n\n第二段，稍长一些。\n\n" + "第三段" * 50
    assert summarize(body, 20) == "第一段。\n\n第二段，稍长一些。"
    assert summarize("长" * 100, 10) == "长" * 9 + "…"
