"""The creator hotline boost (seed §二: creators with > 10k daily plays wait ~40% less) is a
priority rule: `hotline_boost` adds 8 points (priority.toml), which the ACD's aging on calls
(1 point per minute waited, routing.toml) turns into an 8-minute head start.

A small discrete-event simulation of the 95152 hotline at the seed's peak (the ordinary
queue passes 300 waiting) drives the real `Dispatcher` with priorities from the real
`compute_priority` and the shipped policies, and compares boosted creators with creators
of the same tier and problems whose daily plays are below the threshold.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.acd import AgentState, Dispatcher, Ordering, WorkItem
from kefu.domain.organisation import WorkMedium
from kefu.domain.priority import PriorityInputs, PriorityPolicy, compute_priority
from kefu.policies import Policies, load_policies

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, the evening peak
CALL = WorkMedium.CALL
AGENTS = 100
HANDLE_SECONDS = 432.0  # the seed's 7.2-minute average talk time
CAPACITY_PER_HOUR = AGENTS * 3600 / HANDLE_SECONDS  # ≈ 833 calls an hour
PEAK_SECONDS, CALM_SECONDS, CALM = 5400, 5400, 0.6
"""1.5 h of calls above capacity (the peak: 130% by default), then 1.5 h at 60%."""
PROBLEMS = {  # what people call the hotline about (subcategory: share of calls)
    "account.ban_appeal": 0.25,
    "account.login": 0.2,
    "order.refund": 0.2,
    "payment.charge_error": 0.15,
    "content.misjudged": 0.1,
    "usage.howto": 0.1,
}
CALLERS = (("ordinary", False, 0.6), ("creator_t1", False, 0.2), ("creator_t1", True, 0.2))


@dataclass
class Waits:
    boosted: list[float]
    unboosted: list[float]
    peak_queue: int

    @property
    def reduction(self) -> float:
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        return 1 - mean(self.boosted) / mean(self.unboosted)


def simulate(
    policies: Policies,
    priority: PriorityPolicy,
    aging: float,
    seed: int,
    problems: dict[str, float] = PROBLEMS,
    peak: float = 1.3,
) -> Waits:
    rng = random.Random(seed)
    d = Dispatcher(Ordering({CALL: aging}))
    for a in range(AGENTS):
        d.add_agent(
            AgentState(a, frozenset({"hotline"}), frozenset(), frozenset({"zh-CN"}),
                       {CALL: 1}, {}, T0)
        )  # fmt: skip
    events: list[tuple[float, int, str, int]] = []  # (seconds, seq, kind, id)
    t, seq = 0.0, 0
    for length, load in ((PEAK_SECONDS, peak), (CALM_SECONDS, CALM)):
        end, rate = t + length, CAPACITY_PER_HOUR * load / 3600
        while (t := t + rng.expovariate(rate)) < end:
            seq += 1
            heapq.heappush(events, (t, seq, "arrive", seq))
        t = end
    who: dict[int, tuple[bool, bool]] = {}  # ticket → (creator, boosted)
    arrived: dict[int, float] = {}
    waits = Waits([], [], 0)
    while events:
        now_s, _, kind, ident = heapq.heappop(events)
        now = T0 + timedelta(seconds=now_s)
        if kind == "arrive":
            segment, boosted = rng.choices(
                [(s, b) for s, b, _ in CALLERS], [w for *_, w in CALLERS]
            )[0]
            code = rng.choices(list(problems), list(problems.values()))[0]
            sub = policies.taxonomy.get(code)
            p = compute_priority(
                PriorityInputs(code, sub.base_priority, segment, "hotline", hotline_boost=boosted),
                priority,
            ).value
            d.add_item(WorkItem(ident, "hotline", "normal", CALL, p, now))
            who[ident] = (segment != "ordinary", boosted)
            arrived[ident] = now_s
        else:
            d.release(ident, CALL, now)
        waits.peak_queue = max(waits.peak_queue, d.waiting)
        for item, agent in d.run(now):
            creator, boosted = who[item.ticket_id]
            if creator:
                (waits.boosted if boosted else waits.unboosted).append(
                    now_s - arrived[item.ticket_id]
                )
            seq += 1
            done = now_s + rng.expovariate(1 / HANDLE_SECONDS)
            heapq.heappush(events, (done, seq, "done", agent.agent_id))
    return waits


@pytest.fixture(scope="module")
def policies() -> Policies:
    return load_policies()


def test_boosted_creators_wait_about_40_percent_less_on_the_hotline_at_peak(
    policies: Policies,
) -> None:
    aging = policies.routing.aging_points_per_minute[CALL]
    runs = [simulate(policies, policies.priority, aging, seed) for seed in range(3)]
    assert sum(r.peak_queue for r in runs) / len(runs) > 300  # the seed's peak: 300+ waiting
    reduction = sum(r.reduction for r in runs) / len(runs)
    assert 0.30 <= reduction <= 0.50, reduction


def test_without_the_boost_term_both_groups_wait_the_same(policies: Policies) -> None:
    aging = policies.routing.aging_points_per_minute[CALL]
    no_boost = replace(policies.priority, hotline_boost=0)
    runs = [simulate(policies, no_boost, aging, seed) for seed in range(3)]
    assert abs(sum(r.reduction for r in runs) / len(runs)) < 0.1
