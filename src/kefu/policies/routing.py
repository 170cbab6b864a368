"""Build the routing policy (`routing.toml`) and the channel catalogue (`channels.toml`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kefu.domain.advisor import FITS, ChannelCatalogue, ChannelSpec, text_from
from kefu.domain.calendars import BusinessCalendar, calendars_from_toml_data
from kefu.domain.customers import Segment
from kefu.domain.organisation import Channel, Lane, Team, WorkMedium
from kefu.domain.routing import LaneRule, OverflowRule, RoutingPolicy
from kefu.domain.taxonomy import Taxonomy

RULE_KEYS = frozenset(
    {"name", "lane", "categories", "subcategories", "channels", "segments", "signals"}
    | {"min_signals"}
)


def _mediums(data: Mapping[str, Any], cast: type = float) -> dict[WorkMedium, Any]:
    return {WorkMedium(k): cast(v) for k, v in data.items()}


def _queue(text: str, teams: Mapping[str, Team], where: str) -> None:
    team, _, lane = text.partition("/")
    if not lane or (team != "*" and team not in teams):
        raise ValueError(f"routing.toml {where}: '{text}' is not a queue (team/lane)")
    Lane(lane)


def routing_from_toml_data(
    data: Mapping[str, Any],
    teams: Mapping[str, Team],
    taxonomy: Taxonomy,
    calendars: Mapping[str, BusinessCalendar],
) -> RoutingPolicy:
    rules = []
    for row in data.get("lane_rule", []):
        unknown = set(row) - RULE_KEYS
        if unknown:
            raise ValueError(f"lane rule {row.get('name')}: unknown fields {sorted(unknown)}")
        for code in row.get("subcategories", []):
            taxonomy.get(code)
        rules.append(
            LaneRule(
                name=row["name"],
                lane=Lane(row["lane"]),
                categories=frozenset(row.get("categories", [])),
                subcategories=frozenset(row.get("subcategories", [])),
                channels=frozenset(Channel(c).value for c in row.get("channels", [])),
                segments=frozenset(Segment(s).value for s in row.get("segments", [])),
                signals=frozenset(row.get("signals", [])),
                min_signals={k: float(v) for k, v in row.get("min_signals", {}).items()},
            )
        )
    assignment = data.get("assignment", {})
    overflow = data.get("overflow", {})
    over_rules = []
    for row in overflow.get("rule", []):
        _queue(row["from"], teams, "overflow rule")
        _queue(row["to"], teams, "overflow rule")
        over_rules.append(OverflowRule(row["from"], row["to"], int(row["after_seconds"])))
    figures = data.get("figures", {})
    shifts = calendars_from_toml_data({"calendar": data.get("calendar", {})})
    clash = set(shifts) & set(calendars)
    if clash:
        raise ValueError(f"routing.toml: shift names {sorted(clash)} clash with calendars.toml")
    skills = {code: frozenset(v) for code, v in data.get("subcategory_skills", {}).items()}
    for code in skills:
        taxonomy.get(code)
    policy = RoutingPolicy(
        lane_rules=tuple(rules),
        segment_lanes={
            Segment(k): tuple(Lane(x) for x in v) for k, v in data["segment_lanes"].items()
        },
        lane_skills={Lane(k): frozenset(v) for k, v in data.get("lane_skills", {}).items()},
        subcategory_skills=skills,
        offer_timeout_seconds=int(assignment.get("offer_timeout_seconds", 30)),
        auto_accept=frozenset(WorkMedium(m) for m in assignment.get("auto_accept", [])),
        batch=int(assignment.get("batch", 200)),
        aging_points_per_minute=_mediums(assignment.get("aging_points_per_minute", {})),
        overflow=tuple(over_rules),
        default_overflow_seconds=int(overflow.get("default_after_seconds", 600)),
        window_minutes=int(figures.get("window_minutes", 60)),
        service_level_seconds=_mediums(figures.get("service_level_seconds", {}), int),
        default_handle_seconds=_mediums(figures.get("default_handle_seconds", {}), int),
        live_horizon_minutes=int(figures.get("live_horizon_minutes", 15)),
        shifts=shifts,
    )
    if policy.offer_timeout_seconds < 1 or policy.batch < 1:
        raise ValueError("routing.toml: offer_timeout_seconds and batch must be at least 1")
    return policy


def channels_from_toml_data(
    data: Mapping[str, Any], taxonomy: Taxonomy, calendars: Mapping[str, BusinessCalendar]
) -> ChannelCatalogue:
    """The catalogue, with the calendars it defines on top of calendars.toml."""
    own = calendars_from_toml_data({"calendar": data.get("calendar", {})})
    known = {**calendars, **own}
    specs = []
    for row in data.get("channel", []):
        name = Channel(row["name"]).value
        if row["calendar"] not in known:
            raise ValueError(f"channels.toml {name}: unknown calendar {row['calendar']}")
        fit = dict(row.get("fit", {}))
        bad = {k: v for k, v in fit.items() if v not in FITS}
        if bad:
            raise ValueError(f"channels.toml {name}: fit must be one of {FITS}, got {bad}")
        specs.append(
            ChannelSpec(
                name=name,
                calendar=row["calendar"],
                label=text_from(row["label"]),
                hours=text_from(row["hours"]),
                entitlement=text_from(row["entitlement"]),
                strength=text_from(row["strength"]),
                fit=fit,
                prepare=tuple(text_from(t) for t in row.get("prepare", [])),
                prepare_for={
                    k: tuple(text_from(t) for t in v) for k, v in row.get("prepare_for", {}).items()
                },
                entitled=frozenset(Segment(s).value for s in row.get("entitled", [])),
                response_seconds=row.get("response_seconds"),
                lead_days={k: int(v) for k, v in row.get("lead_days", {}).items()},
                cities={k: text_from(v) for k, v in row.get("cities", {}).items()},
                effort_seconds=int(row.get("effort_seconds", 0)),
            )
        )
    missing = {c.value for c in Channel} - {s.name for s in specs}
    if missing:
        raise ValueError(f"channels.toml: no entry for channel(s) {sorted(missing)}")
    for code in data.get("keywords", {}):
        taxonomy.get(code)
    ranking = data.get("ranking", {})
    catalogue = ChannelCatalogue(
        channels=tuple(specs),
        base_seconds=int(ranking.get("base_seconds", 300)),
        unknown_wait_seconds=int(ranking.get("unknown_wait_seconds", 172_800)),
        fit_factor={k: float(v) for k, v in ranking.get("fit_factor", {}).items()}
        or ChannelCatalogue().fit_factor,
        entitlements={
            k: tuple(text_from(t) for t in v) for k, v in data.get("entitlements", {}).items()
        },
        keywords={k: tuple(v) for k, v in data.get("keywords", {}).items()},
        calendars=own,
    )
    return catalogue
