"""SLA rules (SPEC §1, §4, §7): which targets and calendar the shipped rules give a ticket.

`resolve_terms` picks, per target (calendar, first response, next response, resolution),
the most specific matching rule that sets it; ties go to the earlier rule. Every default
policy of the "Service levels" issue is checked here against `load_policies().sla_rules`.
Targets are business minutes on the resolved calendar.
"""

from __future__ import annotations

import pytest

from kefu.domain.sla import SPECIFICITY, Metric, SlaRule, SlaSubject, SlaTerms, resolve_terms
from kefu.policies import Policies

FR, NR, RES = Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION
HOUR, DAY = 60, 24 * 60

# The default rule: 2 h / 8 h / 3 d round the clock.
DEFAULT = {FR: 2 * HOUR, NR: 8 * HOUR, RES: 3 * DAY}


def subject(
    policies: Policies,
    code: str = "usage.bug",
    channel: str = "inapp",
    segments: tuple[str, ...] = ("ordinary",),
    grade: str | None = None,
    legal_cc: bool = False,
) -> SlaSubject:
    return SlaSubject(
        segments=segments,
        subcategory=code,
        sla_class=policies.taxonomy.get(code).sla_class,
        channel=channel,
        grade=grade,
        legal_cc=legal_cc,
    )


def terms_for(policies: Policies, **kw: object) -> SlaTerms:
    return resolve_terms(policies.sla_rules, subject(policies, **kw))  # type: ignore[arg-type]


def targets(terms: SlaTerms) -> tuple[int | None, int | None, int | None]:
    return terms.targets[FR], terms.targets[NR], terms.targets[RES]


# ---- the default and the SLA classes -------------------------------------------------------


def test_default_policy_is_2h_first_8h_next_3d_resolution_round_the_clock(policies):
    terms = terms_for(policies, code="usage.bug")  # a standard subcategory, in-app, ordinary

    assert targets(terms) == (120, 480, 4320)
    assert terms.calendar == "24x7"
    assert terms.policy == "default"


@pytest.mark.parametrize("code", ["account.hijacked", "safety.fraud", "live.interrupted"])
def test_class_urgent_gives_a_15_minute_first_response(code, policies):
    terms = terms_for(policies, code=code)

    assert targets(terms) == (15, 60, DAY)
    assert terms.calendar == "24x7"
    assert "class-urgent" in terms.policy


@pytest.mark.parametrize("code", ["usage.howto", "account.deletion", "traffic.analytics"])
def test_class_low_gives_7_days_resolution_and_keeps_the_default_first_response(code, policies):
    terms = terms_for(policies, code=code)

    assert targets(terms) == (2 * HOUR, DAY, 7 * DAY)
    assert terms.calendar == "24x7"


# ---- enterprise tiers (SPEC §1): 4 working hours / 2 working hours / 30 minutes ----------


@pytest.mark.parametrize(
    ("segment", "calendar", "first"),
    [
        ("enterprise_basic", "office_9_18", 4 * HOUR),
        ("enterprise_industry", "office_9_18", 2 * HOUR),
        ("enterprise_brand", "24x7", 30),
    ],
)
def test_enterprise_tier_first_response_and_its_calendar(segment, calendar, first, policies):
    terms = terms_for(policies, segments=(segment,))

    assert terms.calendar == calendar
    assert terms.targets[FR] == first
    # The tier rule sets only the first response; the rest is inherited from the default.
    assert (terms.targets[NR], terms.targets[RES]) == (DEFAULT[NR], DEFAULT[RES])
    assert terms.policy == f"{segment.replace('_', '-')}+default"


def test_enterprise_working_hours_calendar_is_office_hours_on_chinese_workdays(policies):
    office = policies.calendars["office_9_18"]
    assert office.days == "workdays"
    assert [(o.hour, c.hour) for o, c in office.hours] == [(9, 18)]


def test_enterprise_tier_applies_when_the_customer_is_also_a_creator(policies):
    terms = terms_for(policies, segments=("enterprise_industry", "creator_t2"))

    assert (terms.calendar, terms.targets[FR]) == ("office_9_18", 2 * HOUR)


# ---- email by completeness grade (SPEC §4.3) ---------------------------------------------


@pytest.mark.parametrize(
    ("grade", "first", "resolution"),
    [
        ("text", 48 * HOUR, 7 * DAY),
        ("screenshots", 24 * HOUR, 5 * DAY),
        ("recording", 12 * HOUR, 3 * DAY),
    ],
)
def test_email_completeness_grade_sets_first_reply_and_resolution(
    grade, first, resolution, policies
):
    terms = terms_for(policies, channel="email", grade=grade)

    assert (terms.targets[FR], terms.targets[RES]) == (first, resolution)
    assert terms.targets[NR] == DEFAULT[NR]
    assert terms.calendar == "24x7"
    assert f"email-{grade}" in terms.policy


def test_email_without_a_grade_gets_the_default(policies):
    assert targets(terms_for(policies, channel="email")) == (120, 480, 4320)


def test_a_grade_on_another_channel_does_not_match_the_email_rules(policies):
    assert targets(terms_for(policies, channel="inapp", grade="text")) == (120, 480, 4320)


def test_email_grade_beats_the_enterprise_tier_for_first_response(policies):
    # email + grade (2 + 3 = 5 points) is more specific than a segment (4 points).
    terms = terms_for(policies, channel="email", grade="recording", segments=("enterprise_brand",))

    assert (terms.targets[FR], terms.targets[RES]) == (12 * HOUR, 3 * DAY)
    assert terms.calendar == "24x7"


# ---- social media (SPEC §4.4) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "first"), [("weibo", 30), ("wechat", 2 * HOUR), ("station_letter", 6 * HOUR)]
)
def test_social_channel_first_response_targets(channel, first, policies):
    terms = terms_for(policies, channel=channel, code="account.login")  # a standard case

    assert terms.targets[FR] == first
    assert (terms.targets[NR], terms.targets[RES]) == (DEFAULT[NR], DEFAULT[RES])
    assert terms.calendar == "24x7"


@pytest.mark.parametrize(
    ("channel", "grade", "metric", "promised"),
    [
        ("weibo", None, FR, 30),
        ("wechat", None, FR, 2 * HOUR),
        ("station_letter", None, FR, 6 * HOUR),
        ("email", "screenshots", RES, 5 * DAY),
        ("email", "recording", RES, 3 * DAY),
    ],
)
def test_channel_target_is_not_loosened_for_an_unclassified_ticket(
    channel, grade, metric, promised, policies
):
    """A ticket nobody has classified yet gets the fallback subcategory `usage.howto`
    (class low). The channel's own promise (Weibo 30 min, …; a recording answered within
    3 days) must still hold: a class rule may make it stricter, never looser."""
    terms = terms_for(policies, code="usage.howto", channel=channel, grade=grade)

    assert terms.targets[metric] is not None
    assert terms.targets[metric] <= promised


def test_station_letter_promise_holds_for_fraud_reports(policies):
    # The seed's 安全中心 station letters exist for fraud reports and promise 6 hours: the
    # channel's public promise (6 points) beats the urgent class (5).
    assert terms_for(policies, code="safety.fraud", channel="station_letter").targets[FR] == 360
    assert terms_for(policies, code="safety.fraud", channel="inapp").targets[FR] == 15


# ---- in-app first response (the seed's table) --------------------------------------------


@pytest.mark.parametrize(
    ("code", "first"),
    [
        ("account.ban_appeal", 15),
        ("live.permission", 22),
        ("order.not_received", 9),
        ("order.not_as_described", 9),
        ("order.quality", 9),
        ("order.refund", 9),
    ],
)
def test_inapp_first_response_targets(code, first, policies):
    terms = terms_for(policies, code=code, channel="inapp")

    assert terms.targets[FR] == first
    assert (terms.targets[NR], terms.targets[RES]) == (DEFAULT[NR], DEFAULT[RES])
    assert terms.calendar == "24x7"


@pytest.mark.parametrize("code", ["account.ban_appeal", "live.permission", "order.refund"])
def test_inapp_targets_do_not_apply_on_other_channels(code, policies):
    assert terms_for(policies, code=code, channel="hotline").targets[FR] == DEFAULT[FR]


def test_inapp_dispute_rule_matches_the_whole_order_category_only(policies):
    assert terms_for(policies, code="merchant.settlement").targets[FR] == DEFAULT[FR]


# ---- copyright with legal in copy (SPEC §4.3) --------------------------------------------


@pytest.mark.parametrize(
    "code", ["copyright.complaint", "copyright.counter_notice", "copyright.portrait_trademark"]
)
def test_copyright_with_legal_in_copy_is_resolved_within_72_hours(code, policies):
    terms = terms_for(policies, code=code, channel="email", legal_cc=True)

    assert terms.targets[RES] == 72 * HOUR
    assert "copyright-legal-cc" in terms.policy


def test_copyright_without_legal_in_copy_gets_the_legal_class(policies):
    terms = terms_for(policies, code="copyright.complaint", channel="email")

    assert (terms.targets[FR], terms.targets[RES]) == (DAY, 7 * DAY)
    assert "copyright-legal-cc" not in terms.policy


def test_legal_in_copy_on_another_category_changes_nothing(policies):
    assert targets(terms_for(policies, code="usage.bug", legal_cc=True)) == (120, 480, 4320)


# ---- specific rule wins per target; inheritance -------------------------------------------


@pytest.mark.parametrize(
    ("segment", "calendar", "first"),
    [("enterprise_basic", "office_9_18", 4 * HOUR), ("enterprise_brand", "24x7", 30)],
)
def test_enterprise_inapp_ban_appeal_takes_each_target_from_the_most_specific_rule(
    segment, calendar, first, policies
):
    ordinary = terms_for(policies, code="account.ban_appeal")
    enterprise = terms_for(policies, code="account.ban_appeal", segments=(segment,))
    tier = terms_for(policies, segments=(segment,))

    # first response: subcategory + channel (18 points) beats the tier (4 points) …
    assert enterprise.targets[FR] == ordinary.targets[FR] == 15
    assert tier.targets[FR] == first
    # … next response and resolution: only the default sets them.
    assert (enterprise.targets[NR], enterprise.targets[RES]) == (DEFAULT[NR], DEFAULT[RES])
    assert set(enterprise.policy.split("+")) >= {"inapp-ban-appeal", "default"}


def test_enterprise_inapp_ban_appeal_15_minutes_are_counted_round_the_clock(policies):
    """calendars.toml: the 24×7 calendar is the one of the plain-minute in-app targets
    (ban appeal 15 min …). An enterprise customer's 15 minutes must not become 15 office
    minutes — due the next working morning, later than an ordinary customer's."""
    terms = terms_for(policies, code="account.ban_appeal", segments=("enterprise_basic",))

    assert terms.targets[FR] == 15
    assert terms.calendar == "24x7"


def test_a_rule_setting_one_target_inherits_the_others_each_on_its_rules_calendar():
    rules = [
        SlaRule("base", calendar="7x12", first_response_minutes=60, resolution_minutes=600),
        SlaRule("weibo", channel="weibo", first_response_minutes=30),
    ]
    s = SlaSubject(("ordinary",), "usage.bug", "standard", "weibo")

    terms = resolve_terms(rules, s)

    assert targets(terms) == (30, None, 600)
    # The Weibo promise is plain minutes; the inherited resolution keeps base's calendar.
    assert terms.calendars[FR] == "24x7"
    assert terms.calendars[RES] == "7x12"
    assert terms.policy == "weibo+base"


def test_no_matching_rule_gives_no_targets_on_24x7():
    rules = [SlaRule("weibo", channel="weibo", first_response_minutes=30)]

    terms = resolve_terms(rules, SlaSubject(("ordinary",), "usage.bug", "standard", "inapp"))

    assert terms == SlaTerms(
        "none", {FR: None, NR: None, RES: None}, dict.fromkeys((FR, NR, RES), "24x7")
    )


def test_a_zero_target_means_no_target():
    rules = [SlaRule("zero", first_response_minutes=0, resolution_minutes=10)]

    terms = resolve_terms(rules, SlaSubject(("ordinary",), "usage.bug", "standard", "inapp"))

    assert targets(terms) == (None, None, 10)


@pytest.mark.parametrize("order", ["as_given", "reversed"])
def test_specificity_tie_goes_to_the_earlier_rule(order):
    a = SlaRule("a", channel="weibo", first_response_minutes=10)
    b = SlaRule("b", channel="weibo", first_response_minutes=20)
    rules = [a, b] if order == "as_given" else [b, a]
    s = SlaSubject(("ordinary",), "usage.bug", "standard", "weibo")

    terms = resolve_terms(rules, s)

    assert terms.targets[FR] == (10 if order == "as_given" else 20)
    assert terms.policy == ("a" if order == "as_given" else "b")


def test_specificity_tie_across_attributes_goes_to_the_earlier_rule():
    # grade and legal_cc weigh the same (3 points each).
    assert SPECIFICITY["grade"] == SPECIFICITY["legal_cc"]
    by_grade = SlaRule("by-grade", grade="text", resolution_minutes=100)
    by_legal = SlaRule("by-legal", legal_cc=True, resolution_minutes=200)
    s = SlaSubject(("ordinary",), "copyright.complaint", "legal", "email", "text", True)

    assert resolve_terms([by_grade, by_legal], s).targets[RES] == 100
    assert resolve_terms([by_legal, by_grade], s).targets[RES] == 200


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [
        ("subcategory", "category"),
        ("category", "channel"),
        ("channel", "sla_class"),
        ("sla_class", "segment"),
        ("segment", "grade"),
    ],
)
def test_more_specific_attribute_wins_whatever_the_order(stronger, weaker):
    s = SlaSubject(("vip",), "account.ban_appeal", "standard", "email", "text")
    values = {
        "subcategory": "account.ban_appeal",
        "category": "account",
        "sla_class": "standard",
        "segment": "vip",
        "channel": "email",
        "grade": "text",
    }
    strong = SlaRule("strong", first_response_minutes=1, **{stronger: values[stronger]})
    weak = SlaRule("weak", first_response_minutes=2, **{weaker: values[weaker]})

    assert resolve_terms([weak, strong], s).targets[FR] == 1
    assert resolve_terms([strong, weak], s).targets[FR] == 1


def test_a_rule_for_another_segment_channel_or_grade_does_not_match():
    s = SlaSubject(("creator_t2", "merchant"), "order.refund", "standard", "email", "text")

    assert SlaRule("m", segment="merchant").matches(s)
    assert SlaRule("c", segment="creator_t2").matches(s)
    assert not SlaRule("v", segment="vip").matches(s)
    assert not SlaRule("w", channel="weibo").matches(s)
    assert not SlaRule("g", grade="recording").matches(s)
    assert not SlaRule("l", legal_cc=True).matches(s)
    assert SlaRule("nl", legal_cc=False).matches(s)
    assert SlaRule("o", category="order").matches(s)
    assert not SlaRule("a", category="account").matches(s)


# ---- the urgent tag halves every target ----------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "halved"),
    [
        ({"code": "usage.bug"}, (60, 240, 2160)),
        ({"segments": ("enterprise_basic",)}, (120, 240, 2160)),
        ({"channel": "email", "grade": "text"}, (24 * HOUR, 240, 5040)),
        ({"code": "account.hijacked"}, (8, 30, 720)),  # 7.5 rounds to 8
    ],
)
def test_urgent_factor_halves_every_target_and_keeps_the_calendar(kw, halved, policies):
    plain = terms_for(policies, **kw)
    urgent = resolve_terms(
        policies.sla_rules,
        subject(policies, **kw),  # type: ignore[arg-type]
        urgent_factor=policies.quotas.urgent_target_factor,
    )

    assert policies.quotas.urgent_target_factor == 0.5
    assert targets(urgent) == halved
    assert urgent.calendar == plain.calendar
    assert urgent.policy == plain.policy


def test_urgent_factor_never_makes_a_target_zero_nor_creates_one():
    rules = [SlaRule("tiny", first_response_minutes=1)]
    s = SlaSubject(("ordinary",), "usage.bug", "standard", "inapp")

    terms = resolve_terms(rules, s, urgent_factor=0.1)

    assert targets(terms) == (1, None, None)
