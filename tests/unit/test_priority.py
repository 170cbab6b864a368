"""Dynamic priority (SPEC §5) with the shipped weights, term by term, and the quotas that
feed it (SPEC §4.3): the urgent tag per calendar month, supplementary materials per hour.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.priority import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    PriorityInputs,
    PriorityTerm,
    compute_priority,
)
from kefu.policies import load_policies

POLICIES = load_policies()
P = POLICIES.priority
Q = POLICIES.quotas
BASE = PriorityInputs(subcategory="account.login", base=40, segment="ordinary")


def terms_of(**changes: object) -> dict[str, int]:
    p = compute_priority(replace(BASE, **changes), P)  # type: ignore[arg-type]
    return {t.term: t.weight for t in p.terms}


def value_of(**changes: object) -> int:
    return compute_priority(replace(BASE, **changes), P).value  # type: ignore[arg-type]


def extra(**changes: object) -> dict[str, int]:
    """The terms beyond the subcategory's base."""
    out = terms_of(**changes)
    assert out.pop("subcategory:account.login") == 40
    return out


# ---- shipped weights -----------------------------------------------------------------------


def test_shipped_weights_are_those_of_priority_toml():
    assert (P.hotline_boost, P.sla_half_left, P.sla_warning, P.sla_breached) == (8, 5, 10, 20)
    assert (P.press3, P.urgent_tag, P.green_channel) == (25, 15, 30)
    assert (P.per_material, P.materials_cap) == (5, 3)
    assert (P.waiting_step_minutes, P.waiting_per_step, P.waiting_cap) == (30, 1, 10)
    assert P.abuse == -20
    assert P.warn_share == Q.warn_share == 0.75


def test_no_signal_gives_just_the_base():
    p = compute_priority(BASE, P)
    assert p.value == 40
    assert p.terms == (PriorityTerm("subcategory:account.login", 40),)


# ---- segment and hotline boost -----------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "boost"),
    [
        ("ordinary", 0),
        ("creator_t1", 3),
        ("creator_t2", 6),
        ("creator_t3", 10),
        ("merchant", 5),
        ("enterprise_basic", 8),
        ("enterprise_industry", 12),
        ("enterprise_brand", 18),
        ("vip", 20),
    ],
)
def test_segment_term_is_the_segments_boost(segment, boost):
    assert extra(segment=segment) == ({f"segment:{segment}": boost} if boost else {})


@pytest.mark.parametrize(("channel", "term"), [("hotline", {"hotline_boost": 8}), ("inapp", {})])
def test_hotline_boost_applies_only_on_the_hotline(channel, term):
    assert extra(channel=channel, hotline_boost=True) == term


def test_hotline_without_the_boost_flag_gets_nothing():
    assert extra(channel="hotline", hotline_boost=False) == {}


# ---- SLA time left: half 5, warning (75% used) 10, breached 20 ----------------------------


@pytest.mark.parametrize(
    ("left", "term"),
    [
        (None, {}),
        (1.0, {}),
        (0.5001, {}),
        (0.5, {"sla_half_left": 5}),
        (0.2501, {"sla_half_left": 5}),
        (0.25, {"sla_warning": 10}),
        (0.0001, {"sla_warning": 10}),
        (0.0, {"sla_breached": 20}),
        (-0.5, {"sla_breached": 20}),
    ],
)
def test_sla_term_by_share_of_target_left(left, term):
    assert extra(sla_fraction_left=left) == term


def test_a_breached_clock_counts_as_breached_whatever_time_is_left():
    # e.g. a stopped-late clock while another clock still has plenty left
    assert extra(sla_fraction_left=0.9, sla_breached=True) == {"sla_breached": 20}
    assert extra(sla_breached=True) == {"sla_breached": 20}


# ---- urgency signals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "weight"), [("press3", 25), ("urgent_tag", 15), ("green_channel", 30)]
)
def test_urgency_signal_adds_its_weight(signal, weight):
    assert extra(**{signal: True}) == {signal: weight}
    assert value_of(**{signal: True}) == 40 + weight


# ---- materials, waiting, abuse ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("materials", "term"),
    [(0, {}), (1, {"materials:1": 5}), (2, {"materials:2": 10}), (3, {"materials:3": 15})],
)
def test_each_accepted_material_adds_5(materials, term):
    assert extra(materials=materials) == term


@pytest.mark.parametrize("materials", [4, 10])
def test_materials_are_capped_at_3(materials):
    assert extra(materials=materials) == {"materials:3": 15}


@pytest.mark.parametrize(
    ("minutes", "weight"),
    [
        (0, 0),
        (29.99, 0),
        (30, 1),
        (59.99, 1),
        (60, 2),
        (299.99, 9),
        (300, 10),
        (330, 10),
        (7 * 24 * 60, 10),
    ],
)
def test_waiting_adds_1_per_30_minutes_up_to_10(minutes, weight):
    assert extra(waiting_minutes=minutes) == ({"waiting": weight} if weight else {})


def test_abuse_flag_lowers_priority_by_20():
    assert extra(abuse=True) == {"abuse": -20}
    assert value_of(abuse=True) == 20


# ---- sum and clamping ------------------------------------------------------------------------


def test_terms_add_up_to_the_value():
    p = compute_priority(
        replace(
            BASE,
            segment="creator_t2",
            channel="hotline",
            hotline_boost=True,
            sla_fraction_left=0.3,
            urgent_tag=True,
            materials=2,
            waiting_minutes=95,
        ),
        P,
    )
    assert p.value == 40 + 6 + 8 + 5 + 15 + 10 + 3 == 87
    assert sum(t.weight for t in p.terms) == p.value
    assert p.terms[0].term == "subcategory:account.login"


def test_priority_is_clamped_to_100_but_the_terms_explain_the_raw_sum():
    p = compute_priority(replace(BASE, base=85, segment="vip", press3=True, green_channel=True), P)
    assert p.value == PRIORITY_MAX
    assert sum(t.weight for t in p.terms) == 85 + 20 + 25 + 30


def test_priority_is_clamped_to_0_for_abuse():
    p = compute_priority(replace(BASE, base=10, abuse=True), P)
    assert p.value == PRIORITY_MIN
    assert sum(t.weight for t in p.terms) == -10


# ---- the urgent tag quota (SPEC §4.3) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "tags", "requested"),
    [
        ("【紧急】账号被盗", (), True),
        ("账号被盗【紧急】", (), True),
        ("[紧急] UID12345678_账号解封", (), True),
        ("紧急求助：账号被盗", (), False),  # bare 紧急 is ordinary language
        ("urgent: my account", (), False),
        ("账号被盗", ("urgent",), True),
        ("账号被盗", (" URGENT ",), True),
        ("账号被盗", ("紧急",), True),
        ("账号被盗", ("【紧急】",), True),
        ("账号被盗", ("vip", "press3"), False),
        ("", (), False),
    ],
)
def test_urgent_requested_by_bracketed_subject_marker_or_tag(subject, tags, requested):
    assert Q.urgent_requested(subject, tags) is requested


def test_urgent_quota_is_3_per_month_halving_targets():
    assert (Q.urgent_per_month, Q.urgent_target_factor) == (3, 0.5)
    assert Q.urgent_flag == "urgent_tag_abuse"


@pytest.mark.parametrize(
    ("utc", "month"),
    [
        (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), "2026-11"),
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "2026-12"),  # midnight in Shanghai
        (datetime(2026, 11, 30, 16, 30, tzinfo=UTC), "2026-12"),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2027-01"),
        (datetime(2026, 11, 1, 0, 0, tzinfo=UTC), "2026-11"),
        (datetime(2026, 10, 31, 15, 59, tzinfo=UTC), "2026-10"),
    ],
)
def test_the_urgent_quota_month_is_the_calendar_month_in_shanghai(utc, month):
    assert Q.month(utc) == month


# ---- materials at most once an hour (SPEC §4.1) -----------------------------------------------

LAST = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("category", ["account", "safety"])
def test_first_material_counts_for_account_and_safety(category):
    assert Q.material_counts(category, None, LAST) is True


@pytest.mark.parametrize(
    ("after", "counts"),
    [
        (timedelta(0), False),
        (timedelta(minutes=59, seconds=59), False),
        (timedelta(minutes=60), True),
        (timedelta(hours=5), True),
    ],
)
def test_material_counts_again_only_an_hour_after_the_last_that_counted(after, counts):
    assert Q.material_counts("account", LAST, LAST + after) is counts


@pytest.mark.parametrize("category", ["usage", "order", "content"])
def test_materials_never_raise_priority_outside_account_and_safety(category):
    assert Q.material_counts(category, None, LAST) is False
