"""Customer segments (SPEC §1): every rule at its thresholds, precedence, UID and identity
normalisation, identity links and profile updates."""

from __future__ import annotations

import pytest

from kefu.domain.customers import (
    Customer,
    IdentityKind,
    ProfileFacts,
    Segment,
    SegmentPolicy,
    Verification,
    normalise_identity,
    normalise_uid,
    segment,
)
from kefu.domain.errors import InvalidInput

DEFAULT = SegmentPolicy()


def _seg(**facts: object):
    return segment(ProfileFacts(**facts), DEFAULT)  # type: ignore[arg-type]


# ---- the shipped policy is the spec's ---------------------------------------------------


def test_default_thresholds_are_the_seeds_numbers():
    assert DEFAULT.creator_t1_followers == 10_000
    assert DEFAULT.creator_t2_followers == 100_000
    assert DEFAULT.creator_t3_followers == 1_000_000
    assert DEFAULT.hotline_boost_daily_plays == 10_000
    assert DEFAULT.key_account_annual_ad_spend == 500_000
    assert DEFAULT.enterprise_max_contacts == 3


def test_shipped_segment_policy_equals_the_defaults(policies):
    shipped = policies.segments
    assert shipped.creator_t1_followers == DEFAULT.creator_t1_followers
    assert shipped.creator_t2_followers == DEFAULT.creator_t2_followers
    assert shipped.creator_t3_followers == DEFAULT.creator_t3_followers
    assert shipped.hotline_boost_daily_plays == DEFAULT.hotline_boost_daily_plays
    assert shipped.key_account_annual_ad_spend == DEFAULT.key_account_annual_ad_spend
    assert shipped.enterprise_max_contacts == DEFAULT.enterprise_max_contacts
    assert shipped.precedence == DEFAULT.precedence


def test_shipped_precedence_puts_vip_and_enterprise_first(policies):
    assert policies.segments.precedence[:4] == (
        Segment.VIP,
        Segment.ENTERPRISE_BRAND,
        Segment.ENTERPRISE_INDUSTRY,
        Segment.ENTERPRISE_BASIC,
    )
    assert set(policies.segments.precedence) == set(Segment)


def test_shipped_policy_boosts_and_labels_every_segment(policies):
    assert set(policies.segments.priority_boost) == set(Segment)
    assert policies.segments.priority_boost[Segment.ORDINARY] == 0
    assert set(policies.segments.labels) == set(Segment)
    for label in policies.segments.labels.values():
        assert label["zh"] and label["en"]


@pytest.mark.parametrize("policy", ["default", "shipped"])
@pytest.mark.parametrize(
    ("followers", "expected"),
    [
        (0, Segment.ORDINARY),
        (9_999, Segment.ORDINARY),
        (10_000, Segment.CREATOR_T1),
        (99_999, Segment.CREATOR_T1),
        (100_000, Segment.CREATOR_T2),
        (999_999, Segment.CREATOR_T2),
        (1_000_000, Segment.CREATOR_T3),
    ],
)
def test_followers_thresholds_set_the_creator_tier(policy, followers, expected, policies):
    chosen = DEFAULT if policy == "default" else policies.segments
    result = segment(ProfileFacts(followers=followers), chosen)
    assert result.segments == (expected,)
    assert result.primary is expected


# ---- one test per rule at its threshold -------------------------------------------------


def test_followers_at_9999_stay_ordinary():
    assert _seg(followers=9_999).primary is Segment.ORDINARY


def test_followers_at_10k_make_creator_t1():
    assert _seg(followers=10_000).primary is Segment.CREATOR_T1


def test_followers_at_99999_stay_creator_t1():
    assert _seg(followers=99_999).primary is Segment.CREATOR_T1


def test_followers_at_100k_make_creator_t2():
    assert _seg(followers=100_000).primary is Segment.CREATOR_T2


def test_followers_at_999999_stay_creator_t2():
    assert _seg(followers=999_999).primary is Segment.CREATOR_T2


def test_followers_at_1m_make_creator_t3():
    assert _seg(followers=1_000_000).primary is Segment.CREATOR_T3


def test_creator_tiers_are_exclusive():
    assert _seg(followers=5_000_000).segments == (Segment.CREATOR_T3,)


def test_daily_plays_at_10k_give_no_hotline_boost():
    assert _seg(followers=20_000, daily_plays=10_000).hotline_boost is False


def test_daily_plays_above_10k_give_the_hotline_boost():
    assert _seg(followers=20_000, daily_plays=10_001).hotline_boost is True


def test_hotline_boost_is_a_flag_not_a_segment():
    result = _seg(followers=20_000, daily_plays=50_000)
    assert result.segments == (Segment.CREATOR_T1,)


def test_annual_ad_spend_at_500k_is_not_a_key_account():
    assert (
        _seg(verification=Verification.ENTERPRISE_BASIC, annual_ad_spend=500_000).key_account
        is False
    )


def test_annual_ad_spend_above_500k_is_a_key_account():
    result = _seg(verification=Verification.ENTERPRISE_BASIC, annual_ad_spend=500_001)
    assert result.key_account is True
    assert result.segments == (Segment.ENTERPRISE_BASIC,)


def test_has_shop_makes_a_merchant():
    result = _seg(has_shop=True)
    assert result.segments == (Segment.MERCHANT,)
    assert result.primary is Segment.MERCHANT


@pytest.mark.parametrize(
    ("verification", "expected"),
    [
        (Verification.ENTERPRISE_BASIC, Segment.ENTERPRISE_BASIC),
        (Verification.ENTERPRISE_INDUSTRY, Segment.ENTERPRISE_INDUSTRY),
        (Verification.ENTERPRISE_BRAND, Segment.ENTERPRISE_BRAND),
    ],
)
def test_verification_tier_makes_its_enterprise_segment(verification, expected):
    result = _seg(verification=verification)
    assert result.segments == (expected,)
    assert result.primary is expected


@pytest.mark.parametrize("verification", [Verification.NONE, Verification.PERSONAL])
def test_personal_or_no_verification_is_not_enterprise(verification):
    assert _seg(verification=verification).segments == (Segment.ORDINARY,)


def test_vip_flag_makes_vip_primary():
    result = _seg(vip=True)
    assert result.segments == (Segment.VIP,)
    assert result.primary is Segment.VIP


def test_no_facts_make_an_ordinary_customer():
    result = _seg()
    assert result.segments == (Segment.ORDINARY,)
    assert result.primary is Segment.ORDINARY
    assert result.key_account is False
    assert result.hotline_boost is False


# ---- several segments at once: precedence ------------------------------------------------


def test_creator_t2_with_a_shop_is_both_and_creator_first():
    result = _seg(followers=100_000, has_shop=True)
    assert result.segments == (Segment.CREATOR_T2, Segment.MERCHANT)
    assert result.primary is Segment.CREATOR_T2


def test_creator_t1_with_a_shop_is_both_and_merchant_first():
    result = _seg(followers=10_000, has_shop=True)
    assert result.segments == (Segment.MERCHANT, Segment.CREATOR_T1)
    assert result.primary is Segment.MERCHANT


def test_vip_enterprise_is_vip_first():
    result = _seg(vip=True, verification=Verification.ENTERPRISE_BRAND)
    assert result.segments == (Segment.VIP, Segment.ENTERPRISE_BRAND)
    assert result.primary is Segment.VIP


def test_enterprise_brand_creator_t3_is_enterprise_first():
    result = _seg(verification=Verification.ENTERPRISE_BRAND, followers=2_000_000)
    assert result.segments == (Segment.ENTERPRISE_BRAND, Segment.CREATOR_T3)
    assert result.primary is Segment.ENTERPRISE_BRAND


def test_ordinary_is_never_combined_with_another_segment():
    result = _seg(has_shop=True, followers=9_999)
    assert Segment.ORDINARY not in result.segments


def test_operator_precedence_decides_the_primary():
    merchant_first = SegmentPolicy(
        precedence=(Segment.MERCHANT, *(s for s in DEFAULT.precedence if s is not Segment.MERCHANT))
    )
    result = segment(ProfileFacts(followers=200_000, has_shop=True), merchant_first)
    assert result.primary is Segment.MERCHANT


def test_precedence_missing_a_segment_is_a_configuration_error():
    partial = SegmentPolicy(precedence=(Segment.VIP, Segment.ORDINARY))
    with pytest.raises(ValueError, match="merchant"):
        segment(ProfileFacts(has_shop=True), partial)


def test_operator_thresholds_replace_the_defaults():
    lower = SegmentPolicy(creator_t1_followers=5_000)
    assert segment(ProfileFacts(followers=5_000), lower).primary is Segment.CREATOR_T1


# ---- UIDs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("UID12345678", "UID12345678"),
        ("uid123456", "UID123456"),
        ("Uid1234", "UID1234"),
        ("  UID12345678 \n", "UID12345678"),
        ("UID" + "9" * 20, "UID" + "9" * 20),
    ],
)
def test_uid_is_normalised_to_upper_case_uid_prefix(raw, expected):
    assert normalise_uid(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345678",
        "UID",
        "UID123",
        "UID" + "1" * 21,
        "UIDabc12345",
        "UID 12345678",
        "UX12345678",
    ],
)
def test_invalid_uid_is_refused_naming_the_input(raw):
    with pytest.raises(InvalidInput) as refused:
        normalise_uid(raw)
    assert f"'{raw}'" in str(refused.value)
    assert refused.value.details == {"uid": raw}


def test_uid_with_full_width_digits_is_not_a_second_customer():
    """Chinese input methods type full-width digits; `UID１２３４５６７８` must either be
    refused or mean the same customer as `UID12345678`, never a distinct UID."""
    try:
        uid = normalise_uid("UID１２３４５６７８")
    except InvalidInput:
        return
    assert uid == "UID12345678"


# ---- identities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        (" +86 138-0013-8000 ", "+8613800138000"),
    ],
)
def test_phone_is_normalised_without_spaces_and_dashes(raw, expected):
    assert normalise_identity(IdentityKind.PHONE, raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1" * 16, "(010) 12345678", "138OO138000", "86+138"])
def test_invalid_phone_is_refused(raw):
    with pytest.raises(InvalidInput):
        normalise_identity(IdentityKind.PHONE, raw)


def test_phone_with_full_width_digits_is_not_a_second_identity():
    try:
        phone = normalise_identity(IdentityKind.PHONE, "１３８００１３８０００")
    except InvalidInput:
        return
    assert phone == "13800138000"


def test_email_is_lower_cased_and_stripped():
    assert normalise_identity(IdentityKind.EMAIL, "  Zhang.San@Example.COM ") == (
        "zhang.san@example.com"
    )


@pytest.mark.parametrize("raw", ["", "zhang", "zhang@example", "a@@b.com", "zhang san@example.com"])
def test_invalid_email_is_refused(raw):
    with pytest.raises(InvalidInput):
        normalise_identity(IdentityKind.EMAIL, raw)


@pytest.mark.parametrize(
    "kind",
    [
        IdentityKind.WECHAT_OPENID,
        IdentityKind.WECHAT_UNIONID,
        IdentityKind.WEIBO_UID,
        IdentityKind.WECOM_EXTERNAL_ID,
    ],
)
def test_other_identities_are_1_to_128_characters_kept_verbatim(kind):
    assert normalise_identity(kind, " oAbC_123 ") == "oAbC_123"
    assert normalise_identity(kind, "x" * 128) == "x" * 128
    with pytest.raises(InvalidInput):
        normalise_identity(kind, "   ")
    with pytest.raises(InvalidInput):
        normalise_identity(kind, "x" * 129)


# ---- the customer aggregate --------------------------------------------------------------


def _customer(**facts: object) -> Customer:
    customer = Customer.register("uid12345678", ProfileFacts(**facts), DEFAULT)  # type: ignore[arg-type]
    customer.pull_events()
    return customer


def test_register_normalises_the_uid_segments_and_records_an_event():
    customer = Customer.register("uid12345678", ProfileFacts(followers=150_000), DEFAULT, "张三")
    assert customer.uid == "UID12345678"
    assert customer.name == "张三"
    assert customer.segmentation.primary is Segment.CREATOR_T2
    events = customer.pull_events()
    assert [e.name for e in events] == ["customer.registered"]
    assert events[0].data == {"uid": "UID12345678"}


def test_register_with_an_invalid_uid_is_refused():
    with pytest.raises(InvalidInput):
        Customer.register("12345678", ProfileFacts(), DEFAULT)


def test_link_is_idempotent_on_the_normalised_value():
    customer = _customer()

    first = customer.link(IdentityKind.PHONE, "138 0013 8000")
    again = customer.link(IdentityKind.PHONE, "138-0013-8000")
    customer.link(IdentityKind.EMAIL, "Zhang@Example.com")
    customer.link(IdentityKind.EMAIL, "zhang@example.com")

    assert again is first
    assert [(i.kind, i.value) for i in customer.identities] == [
        (IdentityKind.PHONE, "13800138000"),
        (IdentityKind.EMAIL, "zhang@example.com"),
    ]
    linked = [e for e in customer.pull_events() if e.name == "customer.identity_linked"]
    assert [e.data["kind"] for e in linked] == ["phone", "email"]


def test_same_value_under_another_kind_is_another_identity():
    customer = _customer()

    customer.link(IdentityKind.WECHAT_OPENID, "o123456")
    customer.link(IdentityKind.WECHAT_UNIONID, "o123456")

    assert len(customer.identities) == 2


def test_link_with_an_invalid_value_is_refused_and_adds_nothing():
    customer = _customer()

    with pytest.raises(InvalidInput):
        customer.link(IdentityKind.EMAIL, "not-an-email")

    assert customer.identities == []
    assert customer.pull_events() == []


def test_update_profile_records_segment_change_when_primary_changes():
    customer = _customer(followers=9_999)

    customer.update_profile(DEFAULT, followers=10_000)

    assert customer.segmentation.primary is Segment.CREATOR_T1
    events = customer.pull_events()
    assert [e.name for e in events] == ["customer.updated", "customer.segment_changed"]
    assert events[1].data == {"uid": "UID12345678", "before": "ordinary", "after": "creator_t1"}


def test_update_profile_without_primary_change_records_no_segment_change():
    customer = _customer(followers=100_000)

    customer.update_profile(DEFAULT, followers=500_000, has_shop=True)

    # Merchant joins the segments, but creator_t2 stays primary.
    assert customer.segmentation.segments == (Segment.CREATOR_T2, Segment.MERCHANT)
    events = customer.pull_events()
    assert [e.name for e in events] == ["customer.updated"]
    assert events[0].data["changes"] == ["followers", "has_shop"]


def test_update_profile_becoming_vip_changes_the_primary():
    customer = _customer(has_shop=True)

    customer.update_profile(DEFAULT, vip=True, name="王五")

    assert customer.name == "王五"
    changed = [e for e in customer.pull_events() if e.name == "customer.segment_changed"]
    assert [(e.data["before"], e.data["after"]) for e in changed] == [("merchant", "vip")]
