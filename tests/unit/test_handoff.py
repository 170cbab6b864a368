"""The hand-off policy of the in-app chat (SPEC §4.1): every reason, look-alikes, negations."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from kefu.domain.taxonomy import Taxonomy
from kefu.policies import load_policies
from kefu.triage.handoff import (
    ESCALATION,
    EXPLICIT,
    HUMAN_REQUIRED,
    NEGATIVE,
    REPEATED,
    HandoffPolicy,
    should_hand_off,
)
from kefu.triage.policy import default_policy, load_triage_policy

FIXTURE = Path(__file__).parents[1] / "fixtures" / "triage" / "handoff.jsonl"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_policies().taxonomy


def decide(text: str, taxonomy: Taxonomy, *, sub: str | None = None, failed: int = 0):  # type: ignore[no-untyped-def]
    return should_hand_off(
        text, predicted_subcategory=sub, failed_bot_answers=failed, taxonomy=taxonomy
    )


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "人工客服",
        "给我转人工客服！！",
        "我要人工",
        "能不能转接人工坐席",
        "找个真人客服跟我说",
        "不要机器人我要人工",
        "人工 人工 人工",
        "叫你们人工出来",
        "搞不定，转人工",
        "human agent please",
        "Can I talk to a real person?",
        "transfer me to a live agent",
        "ＨＵＭＡＮ ＡＧＥＮＴ",
        "this is not working, human agent please",
    ],
)
def test_an_explicit_request_for_a_human_hands_off(text: str, taxonomy: Taxonomy) -> None:
    decision = decide(text, taxonomy)
    assert decision.handoff
    assert decision.reasons == (EXPLICIT,)
    assert decision.evidence


@pytest.mark.parametrize(
    "text",
    [
        "多次尝试未解决，请尽快处理",
        "明显是系统误判，视频没有任何问题",
        "我要投诉你们客服",
        "再不处理我就去12315投诉",
        "我已经向消协投诉了",
        "这个问题我反馈了好几次都没解决",
        "已经第三次联系你们了",
        "再拖下去我就找律师起诉",
        "I've tried multiple times and it's still not resolved",
        "I will file a complaint with the consumer protection agency",
        "your system wrongly flagged my video",
    ],
)
def test_an_escalation_phrase_hands_off(text: str, taxonomy: Taxonomy) -> None:
    decision = decide(text, taxonomy)
    assert decision.handoff
    assert ESCALATION in decision.reasons


@pytest.mark.parametrize(
    "text",
    [
        "气死我了 买个东西这么麻烦",
        "什么垃圾平台 退个款这么难",
        "离谱！！！提现三天了还没到",
        "真的很失望，太失望了！！！",
        "This is the worst app ever, absolutely useless",
        "so frustrated and angry, my coins vanished again",
    ],
)
def test_clearly_negative_sentiment_hands_off(text: str, taxonomy: Taxonomy) -> None:
    decision = decide(text, taxonomy)
    assert decision.reasons == (NEGATIVE,)
    assert decision.sentiment >= default_policy().handoff.negative_threshold


@pytest.mark.parametrize("text", ["有点失望", "无语", "怎么提现？？？", "a bit annoyed"])
def test_mild_annoyance_alone_stays_with_the_bot(text: str, taxonomy: Taxonomy) -> None:
    assert not decide(text, taxonomy).handoff


def test_the_second_unhelpful_bot_answer_hands_off(taxonomy: Taxonomy) -> None:
    assert not decide("还是不行", taxonomy, failed=1).handoff
    decision = decide("还是不行", taxonomy, failed=2)
    assert decision.reasons == (REPEATED,)


@pytest.mark.parametrize("code", ["account.ban_appeal", "account.hijacked", "safety.fraud"])
def test_a_subcategory_that_always_needs_a_human_hands_off(code: str, taxonomy: Taxonomy) -> None:
    decision = decide("想问一下", taxonomy, sub=code)
    assert decision.reasons == (HUMAN_REQUIRED,)
    assert code in decision.evidence


@pytest.mark.parametrize("code", ["usage.howto", "order.refund", None, "no.such_code"])
def test_other_subcategories_stay_with_the_bot(code: str | None, taxonomy: Taxonomy) -> None:
    assert not decide("想问一下", taxonomy, sub=code).handoff


@pytest.mark.parametrize(
    "text",
    [
        "人工智能是什么",
        "AI人工智能生成的视频需要标注吗",
        "人工费怎么算",
        "视频里的人工湖是哪里",
        "手工制作的视频怎么加话题标签",
        "what is artificial intelligence",
        "Does the app use AI or human reviewers for comments?",
        "How do I add a human voice-over to my video?",
        "I work in human resources, how do I run a job ad campaign?",
        "我的视频被别人投诉了 怎么办",
        "怎么投诉抄袭我的视频",
        "这个视频讲的是消协怎么帮消费者维权",
        "我是律师，个人认证要什么材料",
        "怎么拍垃圾分类的科普视频",
        "评论区的垃圾广告怎么删",
        "my usb cable is broken",
        "my complaint was handled, thanks a lot",
    ],
)
def test_look_alikes_do_not_hand_off(text: str, taxonomy: Taxonomy) -> None:
    decision = decide(text, taxonomy)
    assert not decision.handoff, decision


@pytest.mark.parametrize(
    "text",
    [
        "不用转人工了",
        "不需要人工客服 我自己看看",
        "别给我转人工 我就问个小问题",
        "先不转人工",
        "暂时不需要人工服务",
        "我不要人工",
        "我不是要投诉你们，就是问问",
        "不是系统误判 是我自己发错了",
        "我不生气 就是想问下怎么改昵称",
        "no need for a human agent, thanks",
        "I don't want to talk to a real person",
        "don't transfer me to a human, I'm fine",
        "I'm not angry, just asking",
        "not bad, just wondering how to change my avatar",
    ],
)
def test_negated_triggers_do_not_hand_off(text: str, taxonomy: Taxonomy) -> None:
    decision = decide(text, taxonomy)
    assert not decision.handoff, decision


def test_reasons_accumulate_in_a_fixed_order(taxonomy: Taxonomy) -> None:
    decision = decide("垃圾平台！！！我要投诉你们 转人工", taxonomy, sub="safety.fraud", failed=3)
    assert decision.reasons == (EXPLICIT, ESCALATION, NEGATIVE, REPEATED, HUMAN_REQUIRED)


def test_every_labelled_line_without_a_classifier_is_decided_as_labelled(
    taxonomy: Taxonomy,
) -> None:
    """The bench's set (the `human_required` lines need the classifier: bench/triage.py)."""
    wrong = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["kind"] == "human_required":
            continue
        decision = decide(row["text"], taxonomy, failed=row["failed_bot_answers"])
        if decision.handoff != row["handoff"]:
            wrong.append((row["text"], decision.reasons))
    assert not wrong


def test_an_operator_policy_adds_its_own_phrases(tmp_path: Path, taxonomy: Taxonomy) -> None:
    shipped = resources.files("kefu.policies").joinpath("triage.toml").read_text("utf-8")
    data = tomllib.loads(shipped)
    assert not decide("叫主管来", taxonomy).handoff
    own = shipped.replace('  "跟真人",', '  "跟真人",\n  "叫主管",')
    (tmp_path / "triage.toml").write_text(own, encoding="utf-8")
    policy = load_triage_policy(tmp_path).handoff
    decision = should_hand_off(
        "叫主管来",
        predicted_subcategory=None,
        failed_bot_answers=0,
        taxonomy=taxonomy,
        policy=policy,
    )
    assert decision.reasons == (EXPLICIT,)
    assert data["handoff"]["max_failed_bot_answers"] == policy.max_failed_bot_answers


def test_a_bad_pattern_is_refused_with_its_text() -> None:
    data = tomllib.loads(resources.files("kefu.policies").joinpath("triage.toml").read_text())
    data["handoff"]["explicit"]["zh"] = ["转人工("]
    with pytest.raises(ValueError, match=r"转人工\("):
        HandoffPolicy.from_dict(data["handoff"])
