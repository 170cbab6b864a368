"""Chinese-aware knowledge-base search over the shipped starter articles."""

from __future__ import annotations

import pytest

from kefu.policies.knowledge import knowledge_policy
from kefu.services.knowledge import starter_articles
from kefu.triage.kb_search import Document, KbIndex, SearchPolicy, bigrams, words


@pytest.fixture(scope="module")
def index() -> KbIndex:
    docs = [
        Document(i, slug, lang.value, c.title, c.body, c.tags, c.subcategories)
        for i, (slug, lang, c) in enumerate(starter_articles(), 1)
    ]
    return KbIndex(docs, knowledge_policy().search)


def top(index: KbIndex, q: str, lang: str) -> str:
    hits = index.search(q, lang)
    assert hits, f"nothing found for {q!r}"
    return hits[0].slug


def test_the_starter_set_has_every_article_in_both_languages() -> None:
    pairs = {(slug, lang.value) for slug, lang, _ in starter_articles()}
    slugs = {slug for slug, _ in pairs}
    assert len(slugs) >= 24
    assert pairs == {(s, lg) for s in slugs for lg in ("zh-CN", "en")}


@pytest.mark.parametrize(
    ("query", "lang", "slug"),
    [
        ("密码忘了怎么办", "zh-CN", "password-recovery"),
        ("how do I send an email complaint", "en", "email-feedback-rules"),
        ("95152 几点上班", "zh-CN", "hotline-95152-hours"),
        ("我的号被盗了", "zh-CN", "account-hijacked"),
        ("直播打赏能退款吗", "zh-CN", "live-gift-refund"),
        ("孩子用我手机乱充值", "zh-CN", "minors-protection"),
        ("快递一直没到", "zh-CN", "order-not-received"),
        ("怎么注销账号", "zh-CN", "account-deletion"),
        ("what are the hotline hours", "en", "hotline-95152-hours"),
        ("my account was hacked", "en", "account-hijacked"),
        ("seller has 72 hours to respond to a dispute", "en", "ecommerce-dispute-process"),
        ("北京线下服务中心要提前几天预约", "zh-CN", "offline-service-centers"),
    ],
)
def test_questions_find_the_article_that_answers_them(
    index: KbIndex, query: str, lang: str, slug: str
) -> None:
    assert top(index, query, lang) == slug


def test_chinese_is_segmented_into_words_not_split_on_spaces() -> None:
    policy = knowledge_policy().search
    assert "密码" in words("密码忘了怎么办", policy)
    assert "怎么办" not in words("密码忘了怎么办", policy)  # a stop word
    assert "#密码" in bigrams("密码忘了", policy)


def test_english_plurals_and_stop_words_fold_away() -> None:
    policy = knowledge_policy().search
    assert words("How do I file complaints?", policy) == ["file", "complaint"]


def test_scores_are_between_zero_and_one_best_first(index: KbIndex) -> None:
    hits = index.search("忘记密码", "zh-CN")
    assert 0 < hits[-1].score <= hits[0].score <= 1


def test_a_search_stays_in_its_language(index: KbIndex) -> None:
    assert {h.lang for h in index.search("refund", "en")} == {"en"}
    assert index.search("refund", "zh-CN") == []


def test_nonsense_finds_nothing(index: KbIndex) -> None:
    assert index.search("asdfgh qwerty", "en") == []
    assert index.search("嗯嗯", "zh-CN") == []


def test_the_snippet_shows_a_sentence_with_a_matched_word(index: KbIndex) -> None:
    hit = index.search("验证码收不到", "zh-CN")[0]
    assert hit.slug == "password-recovery"
    assert "验证码" in hit.snippet


def test_a_subcategory_filter_keeps_only_articles_that_answer_it(index: KbIndex) -> None:
    hits = index.search("退款", "zh-CN", subcategory="order.refund")
    assert [h.slug for h in hits] == ["order-refund"]


def test_synonyms_from_the_policy_are_searched_too() -> None:
    docs = [
        Document(1, "a", "zh-CN", "服务时间", "每天九点"),
        Document(2, "b", "zh-CN", "退款", "x"),
    ]
    plain = KbIndex(docs, SearchPolicy())
    tuned = KbIndex(docs, SearchPolicy(synonyms={"上班": ("服务时间",)}))
    assert plain.search("几点上班", "zh-CN") == []
    assert [h.slug for h in tuned.search("几点上班", "zh-CN")] == ["a"]


def test_a_bad_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="k1"):
        SearchPolicy.from_dict({"k1": 0})
