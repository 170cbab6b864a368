"""Priority: one pure function of what is known about a ticket, with its explanation.

The "Service levels" work adds SLA time left, urgency signals, materials, waiting time and
abuse flags as further terms; each term is a (name, weight) pair the UI shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kefu.domain.customers import Segment

PRIORITY_MIN = 0
PRIORITY_MAX = 100


@dataclass(frozen=True, slots=True)
class PriorityTerm:
    term: str
    weight: int


@dataclass(frozen=True, slots=True)
class Priority:
    value: int
    terms: tuple[PriorityTerm, ...]


def compute_priority(
    *,
    subcategory: str,
    base: int,
    segment: Segment,
    segment_boost: Mapping[Segment, int],
) -> Priority:
    terms = [PriorityTerm(f"subcategory:{subcategory}", base)]
    boost = segment_boost.get(segment, 0)
    if boost:
        terms.append(PriorityTerm(f"segment:{segment.value}", boost))
    total = sum(t.weight for t in terms)
    return Priority(max(PRIORITY_MIN, min(PRIORITY_MAX, total)), tuple(terms))
