"""The ACD rules (SPEC §6): order of work, skills, languages, capacity, longest idle."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.acd import AgentState, Dispatcher, Ordering, WorkItem, eligible, plan
from kefu.domain.organisation import DEFAULT_CAPACITY, Presence, WorkMedium

T0 = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
CALL, CHAT, EMAIL = WorkMedium.CALL, WorkMedium.CHAT, WorkMedium.EMAIL


def agent(
    agent_id: int,
    *,
    teams: tuple[str, ...] = ("ecommerce",),
    skills: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("zh-CN",),
    idle: int = 0,
    load: dict[WorkMedium, int] | None = None,
    capacity: dict[WorkMedium, int] | None = None,
    presence: Presence = Presence.AVAILABLE,
    on_duty: bool = True,
) -> AgentState:
    return AgentState(
        agent_id=agent_id,
        teams=frozenset(teams),
        skills=frozenset(skills),
        languages=frozenset(languages),
        capacity=dict(capacity or DEFAULT_CAPACITY),
        load=dict(load or {}),
        idle_since=T0 + timedelta(minutes=idle),
        presence=presence,
        on_duty=on_duty,
    )


def item(
    ticket_id: int,
    *,
    priority: int = 50,
    waited: int = 0,
    medium: WorkMedium = CHAT,
    team: str = "ecommerce",
    lane: str = "normal",
    skills: tuple[str, ...] = (),
    language: str = "zh-CN",
    declined: tuple[int, ...] = (),
) -> WorkItem:
    return WorkItem(
        ticket_id=ticket_id,
        team=team,
        lane=lane,
        medium=medium,
        priority=priority,
        enqueued_at=T0 - timedelta(minutes=waited),
        skills=frozenset(skills),
        language=language,
        declined=frozenset(declined),
    )


def pairs(decisions: list[tuple[WorkItem, AgentState]]) -> list[tuple[int, int]]:
    return [(i.ticket_id, a.agent_id) for i, a in decisions]


# ---- order of work ------------------------------------------------------------------------


def test_higher_priority_is_offered_first_even_if_it_waited_less() -> None:
    decisions = plan([item(1, priority=40, waited=30), item(2, priority=70)], [agent(9)], T0)
    assert pairs(decisions)[0] == (2, 9)


def test_equal_priority_goes_by_time_waited() -> None:
    work = [item(1, waited=1), item(2, waited=5), item(3, waited=3)]
    decisions = plan(work, [agent(9, capacity={CHAT: 3})], T0)
    assert [i for i, _ in pairs(decisions)] == [2, 3, 1]


def test_aging_lets_a_long_wait_overtake_a_small_priority_lead() -> None:
    # 1 point a minute: 70 waiting 20 minutes (90) beats 80 just arrived.
    ordering = Ordering({CALL: 1.0})
    work = [item(1, priority=80, medium=CALL), item(2, priority=70, waited=20, medium=CALL)]
    assert pairs(plan(work, [agent(9)], T0, ordering)) == [(2, 9)]
    # …but not a lead larger than its wait.
    work = [item(1, priority=95, medium=CALL), item(2, priority=70, waited=20, medium=CALL)]
    assert pairs(plan(work, [agent(9)], T0, ordering)) == [(1, 9)]


def test_the_aging_order_is_the_effective_priority_order_at_any_later_time() -> None:
    rate = 1.0
    ordering = Ordering({CALL: rate})
    rng = random.Random(3)
    work = [
        item(i, priority=rng.randint(0, 100), waited=rng.randint(0, 90), medium=CALL)
        for i in range(50)
    ]
    for later in (0, 17, 240):
        now = T0 + timedelta(minutes=later)

        def effective(i: WorkItem, now: datetime = now) -> tuple[float, datetime, int]:
            waited = (now - i.enqueued_at).total_seconds() / 60
            return (-(i.priority + rate * waited), i.enqueued_at, i.ticket_id)

        assert sorted(work, key=ordering.key) == sorted(work, key=effective)


# ---- who may take it ----------------------------------------------------------------------


def test_the_merchant_lane_needs_the_product_knowledge_skill() -> None:
    work = item(1, lane="merchant", skills=("product_knowledge",))
    assert not eligible(agent(1), work)
    assert eligible(agent(2, skills=("product_knowledge", "legal")), work)
    decisions = plan([work], [agent(1, idle=-60), agent(2, skills=("product_knowledge",))], T0)
    assert pairs(decisions) == [(1, 2)]


def test_a_subcategory_skill_is_needed_on_top_of_the_lane() -> None:
    work = item(1, team="live", skills=("live_tech",))
    assert not eligible(agent(1, teams=("live",)), work)
    assert eligible(agent(2, teams=("live",), skills=("live_tech",)), work)


def test_only_agents_of_the_queue_team_are_offered_its_work() -> None:
    work = item(1, team="content")
    assert not eligible(agent(1, teams=("ecommerce",)), work)
    assert eligible(agent(2, teams=("ecommerce", "content")), work)


def test_english_work_goes_to_an_agent_who_speaks_english() -> None:
    work = item(1, language="en")
    assert not eligible(agent(1), work)
    assert pairs(plan([work], [agent(1, idle=-30), agent(2, languages=("zh-CN", "en"))], T0)) == [
        (1, 2)
    ]


@pytest.mark.parametrize("presence", [Presence.BUSY, Presence.AWAY, Presence.OFFLINE])
def test_agents_who_are_not_available_get_nothing(presence: Presence) -> None:
    assert plan([item(1)], [agent(1, presence=presence)], T0) == []


def test_agents_outside_their_shift_get_nothing() -> None:
    assert plan([item(1)], [agent(1, on_duty=False)], T0) == []


def test_an_agent_who_declined_an_item_is_not_offered_it_again() -> None:
    decisions = plan([item(1, declined=(1,))], [agent(1, idle=-60), agent(2)], T0)
    assert pairs(decisions) == [(1, 2)]
    assert plan([item(1, declined=(1,))], [agent(1)], T0) == []


def test_items_behind_a_declined_head_still_reach_the_agent() -> None:
    work = [item(1, priority=90, declined=(1,)), item(2, priority=10)]
    assert pairs(plan(work, [agent(1)], T0)) == [(2, 1)]


# ---- capacity -----------------------------------------------------------------------------


def test_default_capacity_is_one_call_three_chats_ten_emails() -> None:
    assert DEFAULT_CAPACITY == {CALL: 1, CHAT: 3, EMAIL: 10}
    work = [
        *(item(i, medium=CALL) for i in range(1, 4)),
        *(item(i, medium=CHAT) for i in range(10, 15)),
        *(item(i, medium=EMAIL) for i in range(20, 35)),
    ]
    decisions = plan(work, [agent(1)], T0)
    taken = {m: sum(1 for i, _ in decisions if i.medium is m) for m in WorkMedium}
    assert taken == {CALL: 1, CHAT: 3, EMAIL: 10}


def test_an_agent_at_capacity_in_a_medium_still_takes_another_medium() -> None:
    full = agent(1, load={CHAT: 3})
    assert not eligible(full, item(1, medium=CHAT))
    assert eligible(full, item(2, medium=EMAIL))
    assert pairs(plan([item(1, medium=CHAT), item(2, medium=EMAIL)], [full], T0)) == [(2, 1)]


def test_no_plan_exceeds_any_agents_capacity() -> None:
    rng = random.Random(7)
    agents = [
        agent(a, capacity={CALL: rng.randint(0, 2), CHAT: rng.randint(0, 4), EMAIL: 5})
        for a in range(1, 21)
    ]
    start = {a.agent_id: dict(a.load) for a in agents}
    work = [
        item(i, medium=rng.choice(list(WorkMedium)), priority=rng.randint(0, 99))
        for i in range(500)
    ]
    decisions = plan(work, agents, T0)
    for a in agents:
        for m in WorkMedium:
            given = sum(1 for i, x in decisions if x.agent_id == a.agent_id and i.medium is m)
            assert start[a.agent_id].get(m, 0) + given <= a.capacity.get(m, 0)
    assert len({i.ticket_id for i, _ in decisions}) == len(decisions)


# ---- longest idle -------------------------------------------------------------------------


def test_the_agent_idle_longest_gets_the_work() -> None:
    agents = [agent(1, idle=-5), agent(2, idle=-30), agent(3, idle=-10)]
    assert pairs(plan([item(1)], agents, T0)) == [(1, 2)]


def test_equal_idle_time_goes_to_the_lower_agent_id() -> None:
    assert pairs(plan([item(1)], [agent(5), agent(3)], T0)) == [(1, 3)]


def test_taking_work_sends_an_agent_to_the_back_so_work_is_spread() -> None:
    agents = [agent(1, idle=-3), agent(2, idle=-2), agent(3, idle=-1)]
    decisions = plan([item(i, waited=10 - i) for i in range(1, 7)], agents, T0)
    assert [a for _, a in pairs(decisions)] == [1, 2, 3, 1, 2, 3]


def test_finishing_work_makes_an_agent_idle_from_that_moment() -> None:
    d = Dispatcher()
    d.add_agent(agent(1, capacity={CALL: 1}, idle=-60))
    d.add_agent(agent(2, capacity={CALL: 1}, idle=-30))
    d.add_item(item(1, medium=CALL))
    d.add_item(item(2, medium=CALL))
    assert pairs(d.run(T0)) == [(1, 1), (2, 2)]
    d.release(2, CALL, T0 + timedelta(minutes=1))
    d.release(1, CALL, T0 + timedelta(minutes=2))
    d.add_item(item(3, medium=CALL))
    assert pairs(d.run(T0 + timedelta(minutes=3))) == [(3, 2)]


def test_an_agent_coming_back_is_offered_waiting_work() -> None:
    d = Dispatcher()
    d.add_agent(agent(1, presence=Presence.AWAY))
    d.add_item(item(1))
    assert d.run(T0) == []
    d.set_presence(1, Presence.AVAILABLE, T0)
    assert pairs(d.run(T0)) == [(1, 1)]


# ---- the indexed dispatcher agrees with the plain rule ------------------------------------


def _reference(
    items: list[WorkItem], agents: list[AgentState], ordering: Ordering
) -> list[tuple[int, int]]:
    """The rule said plainly: per medium, the best item someone can take, to the agent
    idle longest; repeat."""
    waiting, out = list(items), []
    taken: dict[int, int] = {}  # agent → when they last took work (a counter)
    while True:
        for medium in WorkMedium:
            options = [
                (ordering.key(i), i)
                for i in waiting
                if i.medium is medium and any(eligible(a, i) for a in agents)
            ]
            if options:
                _, best = min(options, key=lambda o: o[0])
                a = min(
                    (a for a in agents if eligible(a, best)),
                    key=lambda a: (a.idle_since, taken.get(a.agent_id, 0), a.agent_id),
                )
                a.load[medium] = a.load.get(medium, 0) + 1
                a.idle_since = T0
                taken[a.agent_id] = len(out) + 1
                waiting.remove(best)
                out.append((best.ticket_id, a.agent_id))
                break
        else:
            return out


@pytest.mark.parametrize("seed", range(12))
def test_the_indexed_dispatcher_matches_the_plain_rule(seed: int) -> None:
    rng = random.Random(seed)
    teams, langs = ("ecommerce", "live", "general"), ("zh-CN", "en")

    def agents() -> list[AgentState]:
        r = random.Random(seed * 1000)
        return [
            agent(
                a,
                teams=tuple(r.sample(teams, r.randint(1, 2))),
                skills=tuple(
                    r.sample(("legal", "product_knowledge", "live_tech"), r.randint(0, 2))
                ),
                languages=("zh-CN", "en") if r.random() < 0.3 else ("zh-CN",),
                idle=-r.randint(0, 120),
                capacity={CALL: r.randint(0, 1), CHAT: r.randint(0, 3), EMAIL: r.randint(0, 4)},
            )
            for a in range(1, 16)
        ]

    work = [
        item(
            i,
            priority=rng.randint(20, 90),
            waited=rng.randint(0, 60),
            medium=rng.choice(list(WorkMedium)),
            team=rng.choice(teams),
            skills=tuple(rng.sample(("legal", "product_knowledge"), rng.randint(0, 1))),
            language=rng.choice(langs) if rng.random() < 0.2 else "zh-CN",
        )
        for i in range(1, 121)
    ]
    ordering = Ordering({CALL: 1.0, CHAT: 0.2})
    assert pairs(plan(work, agents(), T0, ordering)) == _reference(work, agents(), ordering)
