"""Default rule tables as data (every SPEC number lives here, SPEC value as default).

`load_policies()` reads the TOML files shipped beside this module, or the same files from
`KEFU_POLICY_DIR` when an operator keeps their own copies, and builds domain objects.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.customers import Segment, SegmentPolicy
from kefu.domain.organisation import Lane, Team
from kefu.domain.sla import SlaPolicy, SlaTargets
from kefu.domain.taxonomy import Category, Subcategory, Taxonomy


@dataclass(frozen=True)
class Policies:
    taxonomy: Taxonomy
    teams: dict[str, Team]
    segments: SegmentPolicy
    sla: SlaPolicy


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


def _sla(data: dict[str, Any]) -> SlaPolicy:
    return SlaPolicy(
        {
            name: SlaTargets(
                first_response_minutes=row.get("first_response_minutes") or None,
                next_response_minutes=row.get("next_response_minutes") or None,
                resolution_minutes=row.get("resolution_minutes") or None,
            )
            for name, row in data["class"].items()
        }
    )


def load_policies(directory: Path | None = None) -> Policies:
    taxonomy = _taxonomy(_read("taxonomy.toml", directory))
    teams = {
        t["code"]: Team(t["code"], t["zh"], t["en"], tuple(Lane(x) for x in t["lanes"]))
        for t in _read("teams.toml", directory)["team"]
    }
    sla = _sla(_read("sla.toml", directory))
    for sub in taxonomy:
        if sub.team not in teams:
            raise ValueError(f"{sub.code}: unknown team {sub.team}")
        sla.targets(sub.sla_class)
    return Policies(taxonomy, teams, _segments(_read("segments.toml", directory)), sla)
