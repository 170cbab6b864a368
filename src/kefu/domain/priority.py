"""Dynamic priority (SPEC §5): one pure function of what is known about a ticket.

The result carries its explanation: the terms that add up to it, each with its weight,
which the API returns and the UI shows. Every weight is policy (`policies/priority.toml`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PRIORITY_MIN = 0
PRIORITY_MAX = 100


@dataclass(frozen=True, slots=True)
class PriorityTerm:
    term: str
    """`kind` or `kind:detail`, e.g. `subcategory:account.ban_appeal`, `sla_breached`."""
    weight: int


@dataclass(frozen=True, slots=True)
class Priority:
    value: int
    terms: tuple[PriorityTerm, ...]


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    segment_boost: Mapping[str, int] = field(default_factory=dict)
    hotline_boost: int = 8
    """Creators with daily plays above the threshold, on the hotline (the seed's ~40%)."""
    sla_half_left: int = 5
    """The most urgent running clock has half its target or less left."""
    sla_warning: int = 10
    """… at or past the warning share (default 75% used)."""
    sla_breached: int = 20
    press3: int = 25
    urgent_tag: int = 15
    green_channel: int = 30
    per_material: int = 5
    materials_cap: int = 3
    waiting_step_minutes: int = 30
    waiting_per_step: int = 1
    waiting_cap: int = 10
    abuse: int = -20
    complete_bundle: int = 10
    """A dispute opened with a complete evidence bundle (order id, chat log, logistics)."""
    warn_share: float = 0.75


@dataclass(frozen=True, slots=True)
class PriorityInputs:
    subcategory: str
    base: int
    segment: str
    channel: str = ""
    hotline_boost: bool = False
    sla_fraction_left: float | None = None
    """Smallest share of target left among running SLA clocks; None when none runs."""
    sla_breached: bool = False
    press3: bool = False
    urgent_tag: bool = False
    green_channel: bool = False
    materials: int = 0
    """Accepted supplementary materials that raised priority (at most one per hour)."""
    waiting_minutes: float = 0.0
    abuse: bool = False
    complete_bundle: bool = False


def compute_priority(i: PriorityInputs, p: PriorityPolicy) -> Priority:
    terms = [PriorityTerm(f"subcategory:{i.subcategory}", i.base)]

    def add(term: str, weight: int) -> None:
        if weight:
            terms.append(PriorityTerm(term, weight))

    add(f"segment:{i.segment}", p.segment_boost.get(i.segment, 0))
    if i.hotline_boost and i.channel == "hotline":
        add("hotline_boost", p.hotline_boost)
    if i.sla_breached or (i.sla_fraction_left is not None and i.sla_fraction_left <= 0):
        add("sla_breached", p.sla_breached)
    elif i.sla_fraction_left is not None and i.sla_fraction_left <= 1 - p.warn_share:
        add("sla_warning", p.sla_warning)
    elif i.sla_fraction_left is not None and i.sla_fraction_left <= 0.5:
        add("sla_half_left", p.sla_half_left)
    if i.press3:
        add("press3", p.press3)
    if i.urgent_tag:
        add("urgent_tag", p.urgent_tag)
    if i.green_channel:
        add("green_channel", p.green_channel)
    if i.materials:
        add(
            f"materials:{min(i.materials, p.materials_cap)}",
            p.per_material * min(i.materials, p.materials_cap),
        )
    if i.waiting_minutes >= p.waiting_step_minutes:
        steps = int(i.waiting_minutes // p.waiting_step_minutes)
        add("waiting", min(p.waiting_cap, steps * p.waiting_per_step))
    if i.abuse:
        add("abuse", p.abuse)
    if i.complete_bundle:
        add("complete_bundle", p.complete_bundle)
    total = sum(t.weight for t in terms)
    return Priority(max(PRIORITY_MIN, min(PRIORITY_MAX, total)), tuple(terms))
