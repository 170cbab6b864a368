"""The taxonomy of SPEC §2 as shipped, and the pure rules built on the policy tables:
priority, lane choice and the shipped SLA rules (details in test_sla_rules.py)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from kefu.domain.customers import Segment
from kefu.domain.errors import InvalidInput
from kefu.domain.organisation import Channel, Lane, Team
from kefu.domain.priority import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    PriorityInputs,
    PriorityPolicy,
    PriorityTerm,
    compute_priority,
)
from kefu.domain.routing import choose_lane
from kefu.domain.sla import Metric, SlaSubject, resolve_terms
from kefu.domain.taxonomy import Category, Subcategory, Taxonomy
from kefu.policies import load_policies, sla_rules_from_toml_data

# SPEC §2, written out by hand: 12 categories, 38 subcategories.
EXPECTED_CODES = [
    "account.ban_appeal",
    "account.hijacked",
    "account.login",
    "account.realname",
    "account.deletion",
    "content.misjudged",
    "content.prereview",
    "content.comments",
    "live.permission",
    "live.interrupted",
    "live.equipment",
    "live.gifts",
    "order.not_received",
    "order.not_as_described",
    "order.quality",
    "order.refund",
    "merchant.onboarding",
    "merchant.settlement",
    "merchant.listing",
    "payment.recharge",
    "payment.withdrawal",
    "payment.charge_error",
    "copyright.complaint",
    "copyright.counter_notice",
    "copyright.portrait_trademark",
    "safety.fraud",
    "safety.harassment",
    "safety.minors",
    "traffic.anomaly",
    "traffic.analytics",
    "ads.campaign",
    "ads.ad_review",
    "ads.invoice",
    "verification.enterprise",
    "verification.creator_program",
    "verification.personal",
    "usage.howto",
    "usage.bug",
]

EXPECTED_CATEGORIES = [
    "account",
    "content",
    "live",
    "order",
    "merchant",
    "payment",
    "copyright",
    "safety",
    "traffic",
    "ads",
    "verification",
    "usage",
]

# SPEC §2's team column, as team codes.
EXPECTED_TEAM_OF_CATEGORY = {
    "account": "account_safety",
    "content": "content",
    "live": "live",
    "order": "ecommerce",
    "merchant": "merchant",
    "payment": "general",
    "copyright": "content",
    "safety": "account_safety",
    "traffic": "creators",
    "ads": "ads_enterprise",
    "usage": "general",
}
EXPECTED_TEAM_OF_VERIFICATION = {
    "verification.enterprise": "ads_enterprise",
    "verification.creator_program": "creators",
    "verification.personal": "creators",
}

# SPEC "Who uses it": the eight business-module teams.
EXPECTED_TEAMS = {
    "account_safety",
    "content",
    "live",
    "ecommerce",
    "merchant",
    "ads_enterprise",
    "creators",
    "general",
}

HUMAN_REQUIRED = ["account.ban_appeal", "account.hijacked", "safety.fraud"]

# The SLA classes subcategories may carry (taxonomy.toml header).
SLA_CLASSES = {"urgent", "standard", "low", "legal"}


def _team(code: str, *lanes: Lane) -> Team:
    return Team(code, code, code, lanes)


# ---- shipped taxonomy --------------------------------------------------------------------


def test_shipped_taxonomy_has_the_12_categories_of_the_spec(policies):
    assert [c.code for c in policies.taxonomy.categories] == EXPECTED_CATEGORIES
    assert len(policies.taxonomy.categories) == 12


def test_shipped_taxonomy_has_the_38_subcategory_codes_of_the_spec(policies):
    assert len(EXPECTED_CODES) == 38
    assert policies.taxonomy.codes == EXPECTED_CODES
    assert len(policies.taxonomy) == 38


@pytest.mark.parametrize("code", EXPECTED_CODES)
def test_every_spec_code_is_in_the_taxonomy(code, policies):
    assert code in policies.taxonomy
    assert policies.taxonomy.get(code).code == code


@pytest.mark.parametrize("code", HUMAN_REQUIRED)
def test_ban_appeal_hijacked_and_fraud_always_need_a_human(code, policies):
    sub = policies.taxonomy.get(code)
    assert sub.human_required is True
    assert sub.bot_resolvable is False


def test_a_subcategory_needing_a_human_is_never_bot_resolvable(policies):
    both = [s.code for s in policies.taxonomy if s.human_required and s.bot_resolvable]
    assert both == []


def test_shipped_teams_are_the_eight_business_modules(policies):
    assert set(policies.teams) == EXPECTED_TEAMS


@pytest.mark.parametrize("code", EXPECTED_CODES)
def test_every_subcategory_belongs_to_its_spec_team(code, policies):
    sub = policies.taxonomy.get(code)
    expected = EXPECTED_TEAM_OF_VERIFICATION.get(code) or EXPECTED_TEAM_OF_CATEGORY[sub.category]
    assert sub.team == expected
    assert sub.team in policies.teams


@pytest.mark.parametrize("code", EXPECTED_CODES)
def test_every_subcategory_has_a_known_sla_class_and_sane_policy_row(code, policies):
    sub = policies.taxonomy.get(code)
    assert sub.sla_class in SLA_CLASSES
    assert PRIORITY_MIN <= sub.base_priority <= PRIORITY_MAX
    assert sub.zh and sub.en


def test_every_team_has_a_normal_lane(policies):
    for team in policies.teams.values():
        assert Lane.NORMAL in team.lanes, team.code


def test_the_content_team_has_a_legal_lane_for_copyright(policies):
    assert Lane.LEGAL in policies.teams["content"].lanes


def test_fallback_subcategory_is_usage_howto(policies):
    assert Taxonomy.FALLBACK == "usage.howto"
    assert Taxonomy.FALLBACK in policies.taxonomy


@pytest.mark.parametrize("code", ["account.nope", "ban_appeal", "", "ACCOUNT.BAN_APPEAL"])
def test_unknown_subcategory_is_refused_naming_the_code(code, policies):
    with pytest.raises(InvalidInput) as refused:
        policies.taxonomy.get(code)
    assert f"'{code}'" in str(refused.value)
    assert refused.value.details == {"subcategory": code}


def _sub(category: str, sub: str) -> Subcategory:
    return Subcategory(category, sub, sub, sub, "general", False, True, 10, "standard")


def test_taxonomy_refuses_duplicate_codes():
    howto = _sub("usage", "howto")
    with pytest.raises(ValueError, match="duplicate"):
        Taxonomy([Category("usage", "u", "u", (howto, howto))])


def test_taxonomy_requires_the_fallback():
    with pytest.raises(ValueError, match=r"usage\.howto"):
        Taxonomy([Category("usage", "u", "u", (_sub("usage", "bug"),))])


# ---- operator policy directory -----------------------------------------------------------


def _shipped(name: str) -> str:
    return resources.files("kefu.policies").joinpath(name).read_text(encoding="utf-8")


def test_operator_policy_file_replaces_the_shipped_one(tmp_path: Path):
    shipped = _shipped("segments.toml")
    (tmp_path / "segments.toml").write_text(
        shipped.replace("creator_t1_followers = 10_000", "creator_t1_followers = 5_000"),
        encoding="utf-8",
    )

    custom = load_policies(tmp_path)

    assert custom.segments.creator_t1_followers == 5_000
    # Files the operator did not copy come from the shipped set.
    assert len(custom.taxonomy) == 38


def test_operator_taxonomy_with_an_unknown_team_is_refused(tmp_path: Path):
    shipped = _shipped("taxonomy.toml")
    (tmp_path / "taxonomy.toml").write_text(
        shipped.replace('team = "general"', 'team = "nobody"', 1), encoding="utf-8"
    )

    with pytest.raises(ValueError, match="nobody"):
        load_policies(tmp_path)


def test_operator_taxonomy_with_an_unknown_sla_class_is_refused(tmp_path: Path):
    shipped = _shipped("taxonomy.toml")
    (tmp_path / "taxonomy.toml").write_text(
        shipped.replace('sla_class = "low"', 'sla_class = "glacial"', 1), encoding="utf-8"
    )

    # A typo would otherwise silently fall through to the default SLA rule.
    with pytest.raises((InvalidInput, ValueError), match="glacial"):
        load_policies(tmp_path)


# ---- priority ----------------------------------------------------------------------------


def _priority(code: str, base: int, segment: str, boost: dict[str, int]):
    inputs = PriorityInputs(subcategory=code, base=base, segment=segment)
    return compute_priority(inputs, PriorityPolicy(segment_boost=boost))


def test_priority_is_the_base_plus_the_segment_boost():
    p = _priority("account.ban_appeal", 70, Segment.CREATOR_T2, {Segment.CREATOR_T2: 6})
    assert p.value == 76
    assert p.terms == (
        PriorityTerm("subcategory:account.ban_appeal", 70),
        PriorityTerm("segment:creator_t2", 6),
    )
    assert sum(t.weight for t in p.terms) == p.value


def test_priority_without_a_boost_has_only_the_subcategory_term():
    p = _priority("usage.howto", 20, Segment.ORDINARY, {Segment.ORDINARY: 0, Segment.VIP: 20})
    assert p.value == 20
    assert p.terms == (PriorityTerm("subcategory:usage.howto", 20),)


def test_priority_is_clamped_at_100():
    p = _priority("account.hijacked", 85, Segment.VIP, {Segment.VIP: 20})
    assert p.value == PRIORITY_MAX == 100
    # The terms still explain the raw sum.
    assert sum(t.weight for t in p.terms) == 105


def test_priority_is_clamped_at_0():
    p = _priority("usage.howto", 5, Segment.ORDINARY, {Segment.ORDINARY: -10})
    assert p.value == PRIORITY_MIN == 0


def test_priority_exactly_at_the_bounds_is_kept():
    top = _priority("x.y", 80, Segment.VIP, {Segment.VIP: 20})
    assert top.value == 100
    assert sum(t.weight for t in top.terms) == 100


@pytest.mark.parametrize("code", EXPECTED_CODES)
@pytest.mark.parametrize("seg", list(Segment))
def test_shipped_priority_is_explained_by_its_terms(code, seg, policies):
    sub = policies.taxonomy.get(code)
    p = compute_priority(
        PriorityInputs(subcategory=code, base=sub.base_priority, segment=seg.value),
        policies.priority,
    )
    raw = sum(t.weight for t in p.terms)
    assert p.value == max(PRIORITY_MIN, min(PRIORITY_MAX, raw))
    assert raw == sub.base_priority + policies.segments.priority_boost[seg]


# ---- lanes -------------------------------------------------------------------------------


def test_copyright_goes_to_the_legal_lane_of_the_content_team(policies):
    content = policies.teams["content"]
    for code in ["copyright.complaint", "copyright.counter_notice", "copyright.portrait_trademark"]:
        assert choose_lane(content, code, [Segment.ORDINARY]) is Lane.LEGAL
    # Even a creator's copyright case is a legal matter.
    assert choose_lane(content, "copyright.complaint", [Segment.CREATOR_T2]) is Lane.LEGAL


def test_non_copyright_content_is_not_legal(policies):
    assert choose_lane(policies.teams["content"], "content.misjudged", [Segment.ORDINARY]) is (
        Lane.NORMAL
    )


@pytest.mark.parametrize(
    "seg", [Segment.ENTERPRISE_BASIC, Segment.ENTERPRISE_INDUSTRY, Segment.ENTERPRISE_BRAND]
)
def test_enterprise_customer_goes_to_the_enterprise_lane_of_ads_enterprise(seg, policies):
    lane = choose_lane(policies.teams["ads_enterprise"], "ads.campaign", [seg])
    assert lane is Lane.ENTERPRISE


def test_ordinary_customer_goes_to_the_normal_lane(policies):
    for team in policies.teams.values():
        sub = next(s for s in policies.taxonomy if s.team == team.code)
        if sub.category == "copyright":
            continue
        assert choose_lane(team, sub.code, [Segment.ORDINARY]) is Lane.NORMAL


def test_lane_the_team_lacks_falls_back_to_normal(policies):
    # The content team has no enterprise lane; account & safety has no creator lane.
    content = policies.teams["content"]
    account = policies.teams["account_safety"]
    assert choose_lane(content, "content.misjudged", [Segment.ENTERPRISE_BRAND]) is Lane.NORMAL
    assert choose_lane(account, "account.login", [Segment.CREATOR_T3]) is Lane.NORMAL


def test_copyright_in_a_team_without_a_legal_lane_falls_back_to_normal():
    team = _team("general", Lane.NORMAL)
    assert choose_lane(team, "copyright.complaint", [Segment.ORDINARY]) is Lane.NORMAL


def test_first_segment_whose_lane_the_team_has_wins(policies):
    ecommerce = policies.teams["ecommerce"]
    # A creator with a shop: ecommerce has no creator lane, so the merchant lane.
    lane = choose_lane(ecommerce, "order.refund", [Segment.CREATOR_T2, Segment.MERCHANT])
    assert lane is Lane.MERCHANT
    live = policies.teams["live"]
    assert choose_lane(live, "live.gifts", [Segment.CREATOR_T2, Segment.MERCHANT]) is Lane.CREATOR


def test_vip_goes_to_the_vip_lane_where_there_is_one(policies):
    account = policies.teams["account_safety"]
    assert choose_lane(account, "account.ban_appeal", [Segment.VIP]) is Lane.VIP


# ---- SLA rules ---------------------------------------------------------------------------


def _subject(policies, code: str, channel: str = "inapp", *segments: str) -> SlaSubject:
    sub = policies.taxonomy.get(code)
    return SlaSubject(
        segments=segments or ("ordinary",),
        subcategory=code,
        sla_class=sub.sla_class,
        channel=channel,
    )


def test_shipped_sla_rules_have_unique_names_and_known_calendars(policies):
    names = [r.name for r in policies.sla_rules]
    assert len(names) == len(set(names))
    assert {r.calendar for r in policies.sla_rules if r.calendar} <= set(policies.calendars)
    # Every rule sets at least one target or the calendar.
    for r in policies.sla_rules:
        targets = (r.first_response_minutes, r.next_response_minutes, r.resolution_minutes)
        assert r.calendar or any(targets), r.name


def test_the_default_rule_matches_everything_and_sets_every_target(policies):
    (default,) = [r for r in policies.sla_rules if r.name == "default"]
    assert default.specificity == 0
    assert (default.calendar, default.first_response_minutes) == ("24x7", 120)
    assert (default.next_response_minutes, default.resolution_minutes) == (480, 3 * 24 * 60)


@pytest.mark.parametrize(
    ("code", "minutes"),
    [
        ("account.ban_appeal", 15),
        ("live.permission", 22),
        ("order.not_received", 9),
        ("order.not_as_described", 9),
        ("order.quality", 9),
        ("order.refund", 9),
    ],
)
def test_shipped_rules_give_the_seeds_inapp_first_response_targets(code, minutes, policies):
    terms = resolve_terms(policies.sla_rules, _subject(policies, code))

    assert terms.targets[Metric.FIRST_RESPONSE] == minutes
    assert terms.calendar == "24x7"


@pytest.mark.parametrize("code", EXPECTED_CODES)
@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_every_subcategory_on_every_channel_gets_first_response_and_resolution_targets(
    code, channel, policies
):
    terms = resolve_terms(policies.sla_rules, _subject(policies, code, channel))

    first = terms.targets[Metric.FIRST_RESPONSE]
    resolution = terms.targets[Metric.RESOLUTION]
    assert first is not None and first > 0
    assert resolution is not None
    assert resolution >= first
    assert terms.calendar in policies.calendars


def test_operator_sla_rule_with_an_unknown_calendar_is_refused(tmp_path: Path):
    shipped = _shipped("sla.toml")
    (tmp_path / "sla.toml").write_text(
        shipped.replace('calendar = "office_9_18"', 'calendar = "moon_hours"', 1),
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="moon_hours"):
        load_policies(tmp_path)


def test_sla_rule_with_an_unknown_field_is_refused_naming_it():
    with pytest.raises(ValueError, match="first_reply_minutes"):
        sla_rules_from_toml_data({"rule": [{"name": "x", "first_reply_minutes": 5}]})
