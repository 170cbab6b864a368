"""The help-center bot's dialogue policy (SPEC §4.1) over the starter articles."""

from __future__ import annotations

import json

import pytest

from kefu.domain.knowledge import Lang
from kefu.policies import load_policies
from kefu.policies.knowledge import handoff_policy, knowledge_policy
from kefu.services.knowledge import starter_articles
from kefu.services.ports import Classification
from kefu.triage.bot import BotState, Context, feedback, respond
from kefu.triage.kb_search import Document, KbIndex

TAXONOMY = load_policies().taxonomy


def make_context(docs: list[Document] | None = None) -> Context:
    if docs is None:
        docs = [
            Document(i, slug, lang.value, c.title, c.body, c.tags, c.subcategories)
            for i, (slug, lang, c) in enumerate(starter_articles(), 1)
        ]
    return Context(
        index=KbIndex(docs, knowledge_policy().search),
        taxonomy=TAXONOMY,
        policy=knowledge_policy().bot,
        handoff=handoff_policy(),
    )


@pytest.fixture(scope="module")
def cx() -> Context:
    return make_context()


def guess(*top: tuple[str, float]) -> Classification:
    return Classification(top[0][0], top[0][1], tuple(top), confident=top[0][1] >= 0.5)


SPLIT = guess(("account.login", 0.34), ("account.realname", 0.30), ("account.deletion", 0.2))


@pytest.mark.parametrize("text", ["人工智能是什么", "不用转人工了", "我不需要人工客服，谢谢"])
def test_look_alikes_stay_with_the_bot(cx: Context, text: str) -> None:
    turn = respond(text, Lang.ZH, BotState(), None, cx)
    assert turn.kind != "handoff"
    assert turn.handoff is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("转人工", "explicit_request"),
        ("人工客服在吗", "explicit_request"),
        ("I want a human agent", "explicit_request"),
        ("多次尝试未解决，还是登录不了", "escalation_phrase"),
        ("我的视频是系统误判", "escalation_phrase"),
        ("再不处理我要投诉到12315", "escalation_phrase"),
    ],
)
def test_requests_and_escalations_hand_off_with_the_reason(
    cx: Context, text: str, reason: str
) -> None:
    turn = respond(text, Lang.ZH, BotState(), None, cx)
    assert turn.kind == "handoff"
    assert turn.handoff is not None and reason in turn.handoff.reasons
    assert "人工客服" in turn.text


def test_clearly_negative_sentiment_hands_off(cx: Context) -> None:
    turn = respond("你们这破平台太垃圾了，气死我了！！！", Lang.ZH, BotState(), None, cx)
    assert turn.kind == "handoff"
    assert turn.handoff is not None and "negative_sentiment" in turn.handoff.reasons


def test_a_confident_subcategory_that_always_needs_a_human_hands_off(cx: Context) -> None:
    turn = respond("我的号被盗了", Lang.ZH, BotState(), guess(("account.hijacked", 0.9)), cx)
    assert turn.kind == "handoff"
    assert turn.handoff is not None
    assert turn.handoff.reasons == ("human_required_subcategory",)
    assert turn.classification is not None and turn.classification["label"] == "account.hijacked"


def test_a_how_to_gets_an_answer_citing_the_article(cx: Context) -> None:
    turn = respond("密码忘了怎么办", Lang.ZH, BotState(), None, cx)
    assert turn.kind == "answer" and turn.ask_helpful
    (cite,) = turn.citations
    assert (cite.slug, cite.lang) == ("password-recovery", "zh-CN")
    assert cite.url == "/help/articles/password-recovery?lang=zh-CN"
    assert "忘记密码" in turn.text and "有帮助吗" in turn.text
    assert turn.state.last_article_ids == (cite.article_id,)


def test_an_english_chat_is_answered_in_english(cx: Context) -> None:
    turn = respond("how do I send an email complaint", Lang.EN, BotState(), None, cx)
    assert turn.kind == "answer"
    assert turn.citations[0].slug == "email-feedback-rules"
    assert turn.text.startswith("This help article") and "Was this helpful?" in turn.text


def test_with_nothing_in_the_chat_language_the_other_language_is_cited() -> None:
    only_zh = make_context(
        [
            Document(1, "hotline", "zh-CN", "95152 热线服务时间", "95152 每天 09:00–22:00"),
            Document(2, "refund", "zh-CN", "如何申请退款", "在订单中申请售后"),
            Document(3, "ban", "zh-CN", "账号封禁申诉", "在封禁提示页点击申诉"),
        ]
    )
    turn = respond("95152 几点上班", Lang.EN, BotState(), None, only_zh)
    assert turn.kind == "answer"
    assert turn.citations[0].lang == "zh-CN"
    assert turn.text.startswith("This help article")


def test_a_vague_message_gets_a_clarifying_question_with_labelled_options(cx: Context) -> None:
    turn = respond("账号出问题了", Lang.ZH, BotState(), SPLIT, cx)
    assert turn.kind == "clarify" and not turn.citations
    codes = [o["code"] for o in turn.options]
    assert 2 <= len(codes) <= 3 and codes[:2] == ["account.login", "account.realname"]
    assert turn.options[0]["label"] == "登录与绑定"
    assert "1. 登录与绑定" in turn.text
    assert turn.state.pending_clarify == tuple(codes)


@pytest.mark.parametrize("choice", ["登录与绑定", "account.login", "1", "Login & binding"])
def test_choosing_an_option_answers_for_that_subcategory(cx: Context, choice: str) -> None:
    asked = respond("账号出问题了", Lang.ZH, BotState(), SPLIT, cx)
    if choice == "Login & binding":
        choice = TAXONOMY.get("account.login").en
    turn = respond(choice, Lang.ZH, asked.state, None, cx)
    assert turn.kind == "answer"
    assert turn.citations[0].slug == "password-recovery"
    assert turn.state.pending_clarify == ()


def test_choosing_a_subcategory_that_needs_a_human_hands_off(cx: Context) -> None:
    split = guess(("account.ban_appeal", 0.3), ("account.login", 0.28))
    asked = respond("账号用不了", Lang.ZH, BotState(), split, cx)
    assert asked.kind == "clarify"
    turn = respond("账号封禁申诉", Lang.ZH, asked.state, None, cx)
    assert turn.kind == "handoff"
    assert turn.handoff is not None and "human_required_subcategory" in turn.handoff.reasons


def test_the_bot_never_asks_twice_in_a_row(cx: Context) -> None:
    asked = respond("账号出问题了", Lang.ZH, BotState(), SPLIT, cx)
    again = respond("就是有问题", Lang.ZH, asked.state, SPLIT, cx)
    assert again.kind == "fallback"
    assert again.state.failed_answers == 1


def test_a_second_unhelpful_answer_hands_off(cx: Context) -> None:
    first = respond("密码忘了怎么办", Lang.ZH, BotState(), None, cx)
    sorry = feedback(first.state, False, Lang.ZH, cx)
    assert sorry.kind == "fallback" and sorry.state.failed_answers == 1
    second = respond("收不到验证码", Lang.ZH, sorry.state, None, cx)
    assert second.kind == "answer"
    turn = feedback(second.state, False, Lang.ZH, cx)
    assert turn.kind == "handoff"
    assert turn.handoff is not None and turn.handoff.reasons == ("repeated_failure",)


def test_a_helpful_answer_is_thanked_and_counts_no_failure(cx: Context) -> None:
    first = respond("密码忘了怎么办", Lang.ZH, BotState(), None, cx)
    turn = feedback(first.state, True, Lang.EN, cx)
    assert turn.kind == "answer" and turn.state.failed_answers == 0
    assert turn.text.startswith("Glad")


def test_a_fallback_counts_as_a_failed_answer_and_the_second_hands_off(cx: Context) -> None:
    one = respond("asdfgh", Lang.EN, BotState(), None, cx)
    assert one.kind == "fallback" and one.state.failed_answers == 1
    two = respond("qwerty", Lang.EN, one.state, None, cx)
    assert two.kind == "handoff"
    assert two.handoff is not None and "repeated_failure" in two.handoff.reasons


def test_the_state_survives_json_and_a_broken_one_starts_afresh() -> None:
    state = BotState(failed_answers=1, last_article_ids=(3,), pending_clarify=("a.b",), turns=4)
    assert BotState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert BotState.from_dict(None) == BotState()
    assert BotState.from_dict({"failed_answers": "x"}) == BotState()


def test_every_turn_counts(cx: Context) -> None:
    turn = respond("密码忘了怎么办", Lang.ZH, BotState(turns=2), None, cx)
    assert turn.state.turns == 3
    assert json.loads(json.dumps(turn.to_dict()))["citations"][0]["slug"] == "password-recovery"


def test_a_confident_how_to_is_answered_by_the_matching_article_only(cx: Context) -> None:
    howto = guess(("usage.howto", 0.9))
    turn = respond("怎么修改昵称", Lang.ZH, BotState(), howto, cx)
    assert turn.kind == "answer" and [c.slug for c in turn.citations] == ["edit-profile"]
    # How-to questions span every topic: a question no article covers is not answered
    # with an unrelated how-to article just because the classifier is sure of the type.
    turn = respond("怎么给视频加字幕", Lang.ZH, BotState(), howto, cx)
    assert turn.kind != "answer" and not turn.citations
