"""Routing rules as policy data (routing.toml): lanes, skills, overflow; and the states of
a work item and its offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.customers import Segment
from kefu.domain.errors import Conflict
from kefu.domain.organisation import Lane, Team, WorkMedium
from kefu.domain.routing import DEFAULT_POLICY, OverflowRule, choose_lane
from kefu.domain.work import OfferOutcome, Work, WorkState
from kefu.policies import Policies, load_policies

T0 = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def policies() -> Policies:
    return load_policies()


def lane(p: Policies, team: str, code: str, segments: list[Segment], **kw: object) -> Lane:
    return choose_lane(p.teams[team], code, segments, policy=p.routing, **kw)  # type: ignore[arg-type]


def test_hotline_press_3_goes_to_the_urgent_security_lane(policies: Policies) -> None:
    got = lane(
        policies,
        "account_safety",
        "account.hijacked",
        [Segment.ORDINARY],
        channel="hotline",
        signals={"press3": True},
    )
    assert got is Lane.URGENT
    assert lane(policies, "account_safety", "account.hijacked", [Segment.ORDINARY]) is Lane.NORMAL


def test_press_3_beats_the_vip_lane(policies: Policies) -> None:
    got = lane(
        policies, "account_safety", "account.hijacked", [Segment.VIP], signals={"press3": True}
    )
    assert got is Lane.URGENT
    assert lane(policies, "account_safety", "account.hijacked", [Segment.VIP]) is Lane.VIP


def test_copyright_with_or_without_legal_in_copy_goes_to_the_legal_lane(
    policies: Policies,
) -> None:
    for signals in ({}, {"legal_cc": True}):
        got = lane(
            policies, "content", "copyright.complaint", [Segment.CREATOR_T2], signals=signals
        )
        assert got is Lane.LEGAL


def test_a_large_dispute_goes_to_the_legal_lane_a_small_one_does_not(
    policies: Policies,
) -> None:
    big = lane(
        policies, "ecommerce", "order.quality", [Segment.MERCHANT], signals={"dispute_amount": 5000}
    )
    small = lane(
        policies, "ecommerce", "order.quality", [Segment.MERCHANT], signals={"dispute_amount": 4999}
    )
    assert big is Lane.LEGAL
    assert small is Lane.MERCHANT
    assert (
        lane(
            policies,
            "ecommerce",
            "order.quality",
            [Segment.ORDINARY],
            signals={"dispute_amount": "lots"},
        )
        is Lane.NORMAL
    )


@pytest.mark.parametrize(
    ("segment", "team", "expected"),
    [
        (Segment.MERCHANT, "ecommerce", Lane.MERCHANT),
        (Segment.CREATOR_T1, "live", Lane.CREATOR),
        (Segment.ENTERPRISE_BASIC, "ads_enterprise", Lane.ENTERPRISE),
        (Segment.VIP, "account_safety", Lane.VIP),
        (Segment.ORDINARY, "ecommerce", Lane.NORMAL),
        (Segment.ENTERPRISE_BRAND, "content", Lane.NORMAL),  # content has no enterprise lane
    ],
)
def test_segment_picks_the_lane_when_the_team_has_it(
    policies: Policies, segment: Segment, team: str, expected: Lane
) -> None:
    sub = {"ecommerce": "order.refund", "live": "live.gifts", "ads_enterprise": "ads.campaign"}
    code = sub.get(team, "account.login" if team == "account_safety" else "content.misjudged")
    assert lane(policies, team, code, [segment]) is expected


def test_a_rule_whose_lane_the_team_lacks_is_skipped() -> None:
    team = Team("plain", "plain", "plain", (Lane.NORMAL, Lane.MERCHANT))
    got = choose_lane(team, "copyright.complaint", [Segment.MERCHANT], signals={"press3": True})
    assert got is Lane.MERCHANT


def test_the_shipped_policy_answers_like_the_built_in_defaults(policies: Policies) -> None:
    for team in policies.teams.values():
        for sub in policies.taxonomy:
            for seg in Segment:
                assert choose_lane(team, sub.code, [seg]) is choose_lane(
                    team, sub.code, [seg], policy=policies.routing
                )


def test_lanes_and_subcategories_name_the_skills_they_need(policies: Policies) -> None:
    r = policies.routing
    assert r.skills_for(Lane.MERCHANT, "order.refund") == {"product_knowledge"}
    assert r.skills_for(Lane.LEGAL, "copyright.complaint") == {"legal"}
    assert r.skills_for(Lane.URGENT, "account.hijacked") == {"security"}
    assert r.skills_for(Lane.NORMAL, "live.equipment") == {"live_tech"}
    assert r.skills_for(Lane.NORMAL, "usage.howto") == frozenset()


def test_offer_policy_defaults(policies: Policies) -> None:
    r = policies.routing
    assert r.offer_timeout_seconds == 30
    assert r.auto_accept == {WorkMedium.EMAIL}
    assert r.aging_points_per_minute[WorkMedium.CALL] == 1.0


def test_overflow_rules_map_a_lane_to_the_same_teams_backup(policies: Policies) -> None:
    r = policies.routing
    assert r.overflow_for("ecommerce/merchant") == ("ecommerce/normal", 300)
    assert r.overflow_for("live/creator") == ("live/normal", 600)
    assert r.overflow_for("general/triage") == ("general/normal", 300)
    assert r.overflow_for("ecommerce/normal") is None
    assert r.overflow_for("content/legal") is None  # legal work waits for a legal agent
    assert OverflowRule("*/vip", "general/normal", 60).applies("account_safety/vip") == (
        "general/normal"
    )
    assert DEFAULT_POLICY.overflow_for("ecommerce/merchant") is None


# ---- a work item's states -------------------------------------------------------------------


def new_work() -> Work:
    return Work.enqueue(7, "ecommerce", "normal", WorkMedium.CALL, frozenset(), "zh-CN", T0)


def test_work_is_offered_then_assigned_and_its_wait_is_measured() -> None:
    w = new_work()
    w.offer(3, T0 + timedelta(seconds=40))
    w.answer(3, T0 + timedelta(seconds=45), "offer")
    assert w.state is WorkState.ASSIGNED and w.agent_id == 3
    assert w.wait_seconds == 45
    assert [e.name for e in w.pull_events()] == [
        "routing.enqueued",
        "routing.offered",
        "routing.assigned",
    ]


@pytest.mark.parametrize("outcome", [OfferOutcome.DECLINED, OfferOutcome.TIMED_OUT])
def test_a_declined_or_lapsed_offer_waits_again_and_remembers_the_agent(
    outcome: OfferOutcome,
) -> None:
    w = new_work()
    w.offer(3, T0)
    w.decline(3, outcome)
    assert w.state is WorkState.WAITING and w.agent_id is None
    assert w.declined == [3]
    assert w.pull_events()[-1].name == f"routing.offer_{outcome.value}"


def test_a_withdrawn_offer_does_not_count_against_the_agent() -> None:
    w = new_work()
    w.offer(3, T0)
    w.decline(3, OfferOutcome.WITHDRAWN)
    assert w.declined == []


def test_only_the_agent_offered_can_decline_and_only_waiting_work_is_offered() -> None:
    w = new_work()
    with pytest.raises(Conflict):
        w.decline(3, OfferOutcome.DECLINED)
    w.offer(3, T0)
    with pytest.raises(Conflict):
        w.offer(4, T0)
    with pytest.raises(Conflict):
        w.decline(4, OfferOutcome.DECLINED)


def test_work_that_ends_unanswered_is_abandoned_answered_work_is_done() -> None:
    w = new_work()
    w.end(T0)
    assert w.state is WorkState.ABANDONED
    w = new_work()
    w.end(T0, merged=True)
    assert w.state is WorkState.DONE  # a duplicate merged away is no abandonment
    w = new_work()
    w.answer(1, T0, "manual")
    w.end(T0 + timedelta(minutes=5))
    assert w.state is WorkState.DONE


def test_moving_work_keeps_its_wait_but_ended_work_cannot_move() -> None:
    w = new_work()
    w.place("ecommerce", "legal", frozenset({"legal"}), "by supervisor")
    assert (
        w.queue == "ecommerce/legal" and w.enqueued_at == T0 and w.home_queue == "ecommerce/normal"
    )
    w.end(T0)
    with pytest.raises(Conflict):
        w.place("ecommerce", "normal", frozenset(), "again")


def test_requeued_work_starts_a_new_wait_in_its_own_queue() -> None:
    w = new_work()
    w.offer(2, T0)
    w.answer(2, T0, "offer")
    later = T0 + timedelta(hours=1)
    w.requeue("ecommerce", "merchant", frozenset({"product_knowledge"}), later)
    assert (w.state, w.enqueued_at, w.answered_at, w.queue) == (
        WorkState.WAITING,
        later,
        None,
        "ecommerce/merchant",
    )
