"""Which queue (team and lane) a ticket belongs to.

The team comes from the subcategory's policy row. The lane comes from the customer's
segment and the subcategory: the first preferred lane the team actually has, else
`normal`. The "Routing" work replaces the preference table with policy data and signals.
"""

from __future__ import annotations

from collections.abc import Sequence

from kefu.domain.customers import Segment
from kefu.domain.organisation import Lane, Team

LANE_PREFERENCE: dict[Segment, tuple[Lane, ...]] = {
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

LEGAL_CATEGORIES = frozenset({"copyright"})


def choose_lane(team: Team, subcategory: str, segments: Sequence[Segment]) -> Lane:
    if subcategory.split(".")[0] in LEGAL_CATEGORIES and Lane.LEGAL in team.lanes:
        return Lane.LEGAL
    for seg in segments:
        for lane in LANE_PREFERENCE.get(seg, ()):
            if lane in team.lanes:
                return lane
    return Lane.NORMAL
