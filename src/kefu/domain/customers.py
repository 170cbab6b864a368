"""Customers, their linked identities, and the segment rules of SPEC §1."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import InvalidInput
from kefu.domain.events import RecordsEvents

UID_PATTERN = re.compile(r"^UID[0-9]{4,20}$")


def normalise_uid(raw: str) -> str:
    """`UID12345678` (also accepts `uid12345678`, full-width characters and blanks)."""
    # NFKC folds full-width digits and letters (common from Chinese input methods) to ASCII.
    uid = unicodedata.normalize("NFKC", raw).strip()
    if uid[:3].lower() == "uid":
        uid = "UID" + uid[3:]
    if not UID_PATTERN.match(uid):
        raise InvalidInput(
            f"'{raw}' is not a platform UID: expected 'UID' followed by 4 to 20 digits, "
            "e.g. UID12345678",
            details={"uid": raw},
        )
    return uid


class Verification(StrEnum):
    NONE = "none"
    PERSONAL = "personal"
    ENTERPRISE_BASIC = "enterprise_basic"
    ENTERPRISE_INDUSTRY = "enterprise_industry"
    ENTERPRISE_BRAND = "enterprise_brand"


class IdentityKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WECHAT_OPENID = "wechat_openid"
    WECHAT_UNIONID = "wechat_unionid"
    WEIBO_UID = "weibo_uid"
    WECOM_EXTERNAL_ID = "wecom_external_id"


_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_identity(kind: IdentityKind, value: str) -> str:
    """The canonical form under which an identity is unique."""
    value = unicodedata.normalize("NFKC", value).strip()
    if kind is IdentityKind.PHONE:
        value = re.sub(r"[\s-]", "", value)
        if not _PHONE.match(value):
            raise InvalidInput(f"'{value}' is not a phone number", details={"value": value})
    elif kind is IdentityKind.EMAIL:
        value = value.lower()
        if not _EMAIL.match(value):
            raise InvalidInput(f"'{value}' is not an email address", details={"value": value})
    elif not value or len(value) > 128:
        raise InvalidInput(f"{kind.value} must be 1 to 128 characters", details={"kind": kind})
    return value


class Segment(StrEnum):
    ORDINARY = "ordinary"
    CREATOR_T1 = "creator_t1"
    CREATOR_T2 = "creator_t2"
    CREATOR_T3 = "creator_t3"
    MERCHANT = "merchant"
    ENTERPRISE_BASIC = "enterprise_basic"
    ENTERPRISE_INDUSTRY = "enterprise_industry"
    ENTERPRISE_BRAND = "enterprise_brand"
    VIP = "vip"


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    followers: int = 0
    daily_plays: int = 0
    has_shop: bool = False
    verification: Verification = Verification.NONE
    annual_ad_spend: int = 0
    vip: bool = False


@dataclass(frozen=True, slots=True)
class SegmentPolicy:
    creator_t1_followers: int = 10_000
    creator_t2_followers: int = 100_000
    creator_t3_followers: int = 1_000_000
    hotline_boost_daily_plays: int = 10_000
    key_account_annual_ad_spend: int = 500_000
    enterprise_max_contacts: int = 3
    precedence: tuple[Segment, ...] = (
        Segment.VIP,
        Segment.ENTERPRISE_BRAND,
        Segment.ENTERPRISE_INDUSTRY,
        Segment.ENTERPRISE_BASIC,
        Segment.CREATOR_T3,
        Segment.CREATOR_T2,
        Segment.MERCHANT,
        Segment.CREATOR_T1,
        Segment.ORDINARY,
    )
    priority_boost: Mapping[Segment, int] = field(default_factory=dict)
    labels: Mapping[Segment, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Segmentation:
    segments: tuple[Segment, ...]
    """Every segment that applies, in precedence order."""
    primary: Segment
    key_account: bool
    """Annual ad spend above the key-account threshold: a named account manager."""
    hotline_boost: bool
    """Daily plays above the threshold: shorter hotline wait."""


_ENTERPRISE_BY_VERIFICATION = {
    Verification.ENTERPRISE_BASIC: Segment.ENTERPRISE_BASIC,
    Verification.ENTERPRISE_INDUSTRY: Segment.ENTERPRISE_INDUSTRY,
    Verification.ENTERPRISE_BRAND: Segment.ENTERPRISE_BRAND,
}


def segment(facts: ProfileFacts, policy: SegmentPolicy) -> Segmentation:
    """Which segments the profile facts put a customer in (SPEC §1)."""
    found: set[Segment] = set()
    if facts.vip:
        found.add(Segment.VIP)
    if facts.verification in _ENTERPRISE_BY_VERIFICATION:
        found.add(_ENTERPRISE_BY_VERIFICATION[facts.verification])
    # Creator tiers are exclusive: a creator is in the highest tier they reach.
    if facts.followers >= policy.creator_t3_followers:
        found.add(Segment.CREATOR_T3)
    elif facts.followers >= policy.creator_t2_followers:
        found.add(Segment.CREATOR_T2)
    elif facts.followers >= policy.creator_t1_followers:
        found.add(Segment.CREATOR_T1)
    if facts.has_shop:
        found.add(Segment.MERCHANT)
    if not found:
        found.add(Segment.ORDINARY)
    ordered = tuple(s for s in policy.precedence if s in found)
    missing = found.difference(ordered)
    if missing:
        raise ValueError(f"segment precedence does not rank {sorted(missing)}")
    return Segmentation(
        segments=ordered,
        primary=ordered[0],
        key_account=facts.annual_ad_spend > policy.key_account_annual_ad_spend,
        hotline_boost=facts.daily_plays > policy.hotline_boost_daily_plays,
    )


@dataclass(slots=True)
class Identity:
    kind: IdentityKind
    value: str


class Customer(RecordsEvents):
    """A person or organisation on the platform, one across every channel."""

    def __init__(
        self,
        uid: str,
        *,
        facts: ProfileFacts,
        segmentation: Segmentation,
        name: str = "",
        identities: Sequence[Identity] = (),
        id: int | None = None,
        created_at: datetime | None = None,
        flags: Sequence[str] = (),
    ) -> None:
        self._init_events()
        self.flags = list(flags)
        self.new_identities: list[Identity] = []
        """Linked since load; a repository writes just these."""
        """Abuse and attention flags (e.g. `urgent_tag_abuse`); agents see them."""
        self.id = id
        self.uid = uid
        self.name = name
        self.facts = facts
        self.segmentation = segmentation
        self.identities = list(identities)
        self.created_at = created_at

    @classmethod
    def register(
        cls, uid: str, facts: ProfileFacts, policy: SegmentPolicy, name: str = ""
    ) -> Customer:
        customer = cls(normalise_uid(uid), facts=facts, segmentation=segment(facts, policy))
        customer.name = name
        customer.record("customer.registered", uid=customer.uid)
        return customer

    def update_profile(
        self, policy: SegmentPolicy, name: str | None = None, **changes: object
    ) -> None:
        facts = replace(self.facts, **changes)  # type: ignore[arg-type]
        before = self.segmentation.primary
        self.facts = facts
        if name is not None:
            self.name = name
        self.segmentation = segment(facts, policy)
        self.record("customer.updated", uid=self.uid, changes=sorted(changes))
        if self.segmentation.primary is not before:
            self.record(
                "customer.segment_changed",
                uid=self.uid,
                before=before.value,
                after=self.segmentation.primary.value,
            )

    def flag(self, name: str, reason: str) -> None:
        if name in self.flags:
            return
        self.flags.append(name)
        self.record("customer.flagged", uid=self.uid, flag=name, reason=reason)

    def link(self, kind: IdentityKind, value: str) -> Identity:
        value = normalise_identity(kind, value)
        for identity in self.identities:
            if identity.kind is kind and identity.value == value:
                return identity
        identity = Identity(kind, value)
        self.identities.append(identity)
        self.new_identities.append(identity)
        self.record("customer.identity_linked", uid=self.uid, kind=kind.value)
        return identity
