"""Which queue (team and lane) a ticket belongs to, what its lane requires of an agent,
and where it overflows to — the routing policy as data (`policies/routing.toml`).

The team comes from the subcategory's policy row (`taxonomy.toml`). The lane comes from
the lane rules, tried in order (press 3 → urgent, copyright → legal, a large dispute →
legal, …): the first rule that matches and whose lane the team has wins. Otherwise the
customer's segments, in precedence order, each name preferred lanes (`segment_lanes`):
the first one the team has wins. Otherwise `normal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kefu.domain.calendars import BusinessCalendar
from kefu.domain.customers import Segment
from kefu.domain.organisation import Lane, Team, WorkMedium


@dataclass(frozen=True, slots=True)
class LaneRule:
    """Send matching tickets to `lane` (if the team has it). Empty conditions match all."""

    name: str
    lane: Lane
    categories: frozenset[str] = frozenset()
    subcategories: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    signals: frozenset[str] = frozenset()
    """Signals that must all be set (truthy), e.g. `press3`, `legal_cc`."""
    min_signals: Mapping[str, float] = field(default_factory=dict)
    """Numeric signals that must reach a threshold, e.g. `{"dispute_amount": 5000}`."""

    def matches(
        self,
        subcategory: str,
        segments: Sequence[Segment],
        channel: str | None,
        signals: Mapping[str, Any],
    ) -> bool:
        category = subcategory.split(".")[0]
        if self.categories and category not in self.categories:
            return False
        if self.subcategories and subcategory not in self.subcategories:
            return False
        if self.channels and channel not in self.channels:
            return False
        if self.segments and not self.segments & {s.value for s in segments}:
            return False
        if any(not signals.get(s) for s in self.signals):
            return False
        for key, threshold in self.min_signals.items():
            value = signals.get(key)
            if not isinstance(value, int | float) or value < threshold:
                return False
        return True


@dataclass(frozen=True, slots=True)
class OverflowRule:
    """Work waiting in `source` longer than `after_seconds` moves to `target`.

    Queues are `team/lane`; `*` as the team means "any team" in `source` and "the same
    team" in `target` (`*/merchant` → `*/normal`).
    """

    source: str
    target: str
    after_seconds: int

    def applies(self, queue: str) -> str | None:
        team, lane = queue.split("/", 1)
        src_team, src_lane = self.source.split("/", 1)
        if src_lane != lane or src_team not in ("*", team):
            return None
        dst_team, dst_lane = self.target.split("/", 1)
        return f"{team if dst_team == '*' else dst_team}/{dst_lane}"


DEFAULT_SEGMENT_LANES: Mapping[Segment, tuple[Lane, ...]] = {
    Segment.VIP: (Lane.VIP,),
    Segment.ENTERPRISE_BRAND: (Lane.ENTERPRISE,),
    Segment.ENTERPRISE_INDUSTRY: (Lane.ENTERPRISE,),
    Segment.ENTERPRISE_BASIC: (Lane.ENTERPRISE,),
    Segment.CREATOR_T3: (Lane.CREATOR,),
    Segment.CREATOR_T2: (Lane.CREATOR,),
    Segment.CREATOR_T1: (Lane.CREATOR,),
    Segment.MERCHANT: (Lane.MERCHANT,),
    Segment.ORDINARY: (),
}
"""The shipped `segment_lanes` of routing.toml, for callers that pass no policy."""

DEFAULT_LANE_RULES: tuple[LaneRule, ...] = (
    LaneRule("press 3: urgent security", Lane.URGENT, signals=frozenset({"press3"})),
    LaneRule("copyright: legal", Lane.LEGAL, categories=frozenset({"copyright"})),
)
"""The shipped lane rules of routing.toml without the thresholds, for callers with no
policy (the policy file is what the services use)."""


@dataclass(frozen=True)
class RoutingPolicy:
    lane_rules: tuple[LaneRule, ...] = DEFAULT_LANE_RULES
    segment_lanes: Mapping[Segment, tuple[Lane, ...]] = field(
        default_factory=lambda: dict(DEFAULT_SEGMENT_LANES)
    )
    lane_skills: Mapping[Lane, frozenset[str]] = field(default_factory=dict)
    subcategory_skills: Mapping[str, frozenset[str]] = field(default_factory=dict)
    offer_timeout_seconds: int = 30
    auto_accept: frozenset[WorkMedium] = frozenset()
    """Mediums whose offers count as accepted at once (pushed work)."""
    batch: int = 200
    """Most assignments one dispatch transaction makes."""
    aging_points_per_minute: Mapping[WorkMedium, float] = field(default_factory=dict)
    overflow: tuple[OverflowRule, ...] = ()
    default_overflow_seconds: int = 600
    """After this wait, work overflows to a backup queue an admin set on its queue."""
    window_minutes: int = 60
    service_level_seconds: Mapping[WorkMedium, int] = field(default_factory=dict)
    default_handle_seconds: Mapping[WorkMedium, int] = field(default_factory=dict)
    live_horizon_minutes: int = 15
    shifts: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    """Agent schedules by name (`[calendar.*]` of routing.toml)."""

    def skills_for(self, lane: Lane, subcategory: str) -> frozenset[str]:
        """What an agent needs for work of this lane and subcategory."""
        return self.lane_skills.get(lane, frozenset()) | self.subcategory_skills.get(
            subcategory, frozenset()
        )

    def overflow_for(self, queue: str) -> tuple[str, int] | None:
        """The backup queue and the wait after which work overflows to it, if any."""
        for rule in self.overflow:
            target = rule.applies(queue)
            if target is not None and target != queue:
                return target, rule.after_seconds
        return None


DEFAULT_POLICY = RoutingPolicy()


def choose_lane(
    team: Team,
    subcategory: str,
    segments: Sequence[Segment],
    *,
    channel: str | None = None,
    signals: Mapping[str, Any] | None = None,
    policy: RoutingPolicy = DEFAULT_POLICY,
) -> Lane:
    """The lane of `team` a ticket goes to (see the module docstring)."""
    given = signals or {}
    for rule in policy.lane_rules:
        if rule.lane in team.lanes and rule.matches(subcategory, segments, channel, given):
            return rule.lane
    for seg in segments:
        for lane in policy.segment_lanes.get(seg, ()):
            if lane in team.lanes:
                return lane
    return Lane.NORMAL
