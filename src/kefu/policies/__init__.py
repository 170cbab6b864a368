"""Default rule tables as data (every SPEC number lives here, SPEC value as default).

`load_policies()` reads the TOML files shipped beside this module, or the same files from
`KEFU_POLICY_DIR` when an operator keeps their own copies, and builds domain objects.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.advisor import ChannelCatalogue
from kefu.domain.calendars import BusinessCalendar, calendars_from_toml_data
from kefu.domain.customers import Segment, SegmentPolicy
from kefu.domain.organisation import Lane, Team
from kefu.domain.priority import PriorityPolicy
from kefu.domain.quotas import QuotaPolicy
from kefu.domain.routing import RoutingPolicy
from kefu.domain.sla import SlaRule
from kefu.domain.taxonomy import Category, Subcategory, Taxonomy
from kefu.policies.routing import channels_from_toml_data, routing_from_toml_data


@dataclass(frozen=True)
class Policies:
    taxonomy: Taxonomy
    teams: dict[str, Team]
    segments: SegmentPolicy
    sla_rules: tuple[SlaRule, ...]
    """The shipped SLA rules; they seed the `sla_rules` table, which is what applies."""
    calendars: dict[str, BusinessCalendar]
    priority: PriorityPolicy
    quotas: QuotaPolicy
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    """Lanes, skills, offers, aging, overflow, shifts (routing.toml)."""
    channels: ChannelCatalogue = field(default_factory=ChannelCatalogue)
    """The channel advisor's catalogue (channels.toml)."""


def _read(name: str, directory: Path | None) -> dict[str, Any]:
    if directory is not None and (directory / name).is_file():
        return tomllib.loads((directory / name).read_text(encoding="utf-8"))
    return tomllib.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _taxonomy(data: dict[str, Any]) -> Taxonomy:
    categories = []
    for cat in data["category"]:
        subs = tuple(
            Subcategory(
                category=cat["code"],
                sub=s["code"],
                zh=s["zh"],
                en=s["en"],
                team=s["team"],
                human_required=bool(s["human_required"]),
                bot_resolvable=bool(s["bot_resolvable"]),
                base_priority=int(s["base_priority"]),
                sla_class=s["sla_class"],
            )
            for s in cat["sub"]
        )
        categories.append(Category(cat["code"], cat["zh"], cat["en"], subs))
    return Taxonomy(categories)


def _segments(data: dict[str, Any]) -> SegmentPolicy:
    t = data["thresholds"]
    return SegmentPolicy(
        creator_t1_followers=int(t["creator_t1_followers"]),
        creator_t2_followers=int(t["creator_t2_followers"]),
        creator_t3_followers=int(t["creator_t3_followers"]),
        hotline_boost_daily_plays=int(t["hotline_boost_daily_plays"]),
        key_account_annual_ad_spend=int(t["key_account_annual_ad_spend"]),
        enterprise_max_contacts=int(t["enterprise_max_contacts"]),
        precedence=tuple(Segment(s) for s in data["precedence"]["order"]),
        priority_boost={Segment(k): int(v) for k, v in data["priority_boost"].items()},
        labels={Segment(k): dict(v) for k, v in data["labels"].items()},
    )


RULE_FIELDS = frozenset(SlaRule.__dataclass_fields__) - {"id"}


def sla_rules_from_toml_data(data: dict[str, Any]) -> tuple[SlaRule, ...]:
    rules = []
    for row in data.get("rule", []):
        row = dict(row)
        unknown = set(row) - RULE_FIELDS
        if unknown:
            raise ValueError(f"SLA rule {row.get('name')}: unknown fields {sorted(unknown)}")
        rules.append(SlaRule(**row))
    return tuple(rules)


def _priority(data: dict[str, Any], segments: SegmentPolicy) -> PriorityPolicy:
    weights = dict(data.get("weights", {}))
    boost = {k.value: v for k, v in segments.priority_boost.items()}
    return PriorityPolicy(segment_boost=boost, **weights)


def _quotas(data: dict[str, Any]) -> QuotaPolicy:
    u, m, s = data["urgent_tag"], data["materials"], data["sla"]
    return QuotaPolicy(
        urgent_per_month=int(u["per_month"]),
        urgent_target_factor=float(u["target_factor"]),
        urgent_flag=u["flag"],
        urgent_markers=tuple(u["markers"]),
        material_interval_minutes=int(m["min_interval_minutes"]),
        material_categories=tuple(m["categories"]),
        warn_share=float(s["warn_share"]),
        compensation_factor=float(s["compensation_factor"]),
        compensation_segments=tuple(s["compensation_segments"]),
    )


def load_policies(directory: Path | None = None) -> Policies:
    taxonomy = _taxonomy(_read("taxonomy.toml", directory))
    teams = {
        t["code"]: Team(t["code"], t["zh"], t["en"], tuple(Lane(x) for x in t["lanes"]))
        for t in _read("teams.toml", directory)["team"]
    }
    for sub in taxonomy:
        if sub.team not in teams:
            raise ValueError(f"{sub.code}: unknown team {sub.team}")
    segments = _segments(_read("segments.toml", directory))
    calendars = calendars_from_toml_data(_read("calendars.toml", directory))
    sla_data = _read("sla.toml", directory)
    rules = sla_rules_from_toml_data(sla_data)
    classes = set(sla_data.get("classes", []))
    for rule in rules:
        if rule.calendar is not None and rule.calendar not in calendars:
            raise ValueError(f"SLA rule {rule.name}: unknown calendar {rule.calendar}")
        if rule.sla_class is not None and rule.sla_class not in classes:
            raise ValueError(f"SLA rule {rule.name}: unknown SLA class {rule.sla_class}")
    for sub in taxonomy:
        if sub.sla_class not in classes:
            raise ValueError(
                f"{sub.code}: unknown SLA class '{sub.sla_class}'; sla.toml defines "
                f"{', '.join(sorted(classes))}"
            )
    quotas = _quotas(_read("quotas.toml", directory))
    priority = _priority(_read("priority.toml", directory), segments)
    priority = replace(priority, warn_share=quotas.warn_share)
    routing = routing_from_toml_data(_read("routing.toml", directory), teams, taxonomy, calendars)
    channels = channels_from_toml_data(_read("channels.toml", directory), taxonomy, calendars)
    return Policies(
        taxonomy, teams, segments, rules, calendars, priority, quotas, routing, channels
    )
