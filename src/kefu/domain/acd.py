"""Automatic call distribution (SPEC §6): which agent gets which waiting work item.

The rules, all pure:

- **Order of work.** Within a medium (calls, chats, emails compete for separate capacity),
  work goes out by *effective priority* = ticket priority + `aging` points per minute
  waited, ties by time waited, then ticket id. The comparison does not change with time,
  so it is a static key: the "virtual arrival time" `enqueued_at − priority / aging`.
  With aging 0 this is strictly "priority, then time waited"; aging > 0 keeps a low
  priority from starving and turns a priority boost into a head start (the hotline
  creator boost of 8 points at 1 point a minute is 8 minutes — about 40% of the seed's
  peak-hour wait).
- **Who may take it.** An agent who is available and on shift, in the queue's team, has
  every skill the lane and subcategory need, speaks the language, has free capacity in
  the medium, and has not declined (or let lapse) an offer of this item.
- **Which of them.** The one idle longest: the earliest `idle_since` (the moment the
  agent last became available, took work, or finished some); at the same instant, the one
  who took work least recently (so one decision round spreads work); then agent id.

`Dispatcher` keeps waiting items and agents indexed so that each decision costs
logarithmic time: items are grouped by what they require (team, lane, medium, skills,
language), each group a heap by the order key; each group has a heap of its eligible
agents by idle time; a heap per medium holds the groups' head items. A group whose
eligible agents are all busy drops out until one of them frees capacity.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.organisation import Presence, WorkMedium

GroupKey = tuple[str, str, WorkMedium, frozenset[str], str]
"""(team, lane, medium, skills, language): items of one group need the same agents."""


@dataclass(frozen=True, slots=True)
class Ordering:
    """Effective priority = priority + aging × minutes waited (per medium; 0 = strict)."""

    aging_points_per_minute: Mapping[WorkMedium, float] = field(default_factory=dict)

    def key(self, item: WorkItem) -> tuple[float, float, int]:
        rate = self.aging_points_per_minute.get(item.medium, 0.0)
        t = item.enqueued_at.timestamp()
        if rate > 0:
            return (t - item.priority * 60.0 / rate, t, item.ticket_id)
        return (float(-item.priority), t, item.ticket_id)


@dataclass(slots=True)
class WorkItem:
    """A ticket waiting for an agent, as the router sees it."""

    ticket_id: int
    team: str
    lane: str
    medium: WorkMedium
    priority: int
    enqueued_at: datetime
    skills: frozenset[str] = frozenset()
    language: str = "zh-CN"
    declined: frozenset[int] = frozenset()
    """Agents who declined this item or let an offer of it lapse: not offered again."""

    @property
    def queue(self) -> str:
        return f"{self.team}/{self.lane}"

    @property
    def group(self) -> GroupKey:
        return (self.team, self.lane, self.medium, self.skills, self.language)


@dataclass(slots=True)
class AgentState:
    """An agent as the router sees them: what they can do and what they hold now."""

    agent_id: int
    teams: frozenset[str]
    skills: frozenset[str]
    languages: frozenset[str]
    capacity: Mapping[WorkMedium, int]
    load: dict[WorkMedium, int]
    """Work held per medium: active assignments plus pending offers."""
    idle_since: datetime
    presence: Presence = Presence.AVAILABLE
    on_duty: bool = True
    """Inside the agent's schedule (shift) now."""

    def free(self, medium: WorkMedium) -> int:
        return self.capacity.get(medium, 0) - self.load.get(medium, 0)

    @property
    def ready(self) -> bool:
        return self.presence is Presence.AVAILABLE and self.on_duty

    def qualifies(self, group: GroupKey) -> bool:
        """Could serve items of this group at all (ignoring load and presence)."""
        team, _lane, medium, skills, language = group
        return (
            team in self.teams
            and skills <= self.skills
            and language in self.languages
            and self.capacity.get(medium, 0) > 0
        )


def eligible(agent: AgentState, item: WorkItem) -> bool:
    """May this agent be offered this item now?"""
    return (
        agent.ready
        and agent.qualifies(item.group)
        and agent.free(item.medium) > 0
        and agent.agent_id not in item.declined
    )


def longest_idle(item: WorkItem, agents: Iterable[AgentState]) -> AgentState | None:
    """The eligible agent idle longest (earliest `idle_since`, then lowest id), or None."""
    candidates = [a for a in agents if eligible(a, item)]
    return min(candidates, key=lambda a: (a.idle_since, a.agent_id), default=None)


class _Group:
    __slots__ = ("agent_ids", "agents", "head", "items", "key")

    def __init__(self, key: GroupKey) -> None:
        self.key = key
        self.items: list[tuple[tuple[float, float, int], WorkItem]] = []
        self.agents: list[tuple[float, int, int, int]] = []
        """(idle_since, last taken, agent id, version): stale once the version moved on."""
        self.agent_ids: set[int] = set()
        self.head: tuple[float, float, int] | None = None
        """The order key under which the group sits in its medium's ready heap."""


class Dispatcher:
    """Incremental matcher over waiting items and agents (see the module docstring)."""

    DECLINE_LOOKAHEAD = 32
    """Items of a group tried past a head that every free agent has declined."""

    def __init__(self, ordering: Ordering | None = None) -> None:
        self.ordering = ordering or Ordering()
        self.agents: dict[int, AgentState] = {}
        self._version: dict[int, int] = {}
        self._taken: dict[int, int] = {}
        """Agent → the decision number at which they last took work (0: never)."""
        self._decisions = 0
        self._agent_groups: dict[int, list[_Group]] = defaultdict(list)
        self._by_team: dict[str, list[int]] = defaultdict(list)
        self._qualified: dict[tuple[str, WorkMedium, frozenset[str], str], list[int]] = {}
        """Agents qualified for (team, medium, skills, language): the lane adds nothing, so
        groups that differ only by lane share one list."""
        self._groups: dict[GroupKey, _Group] = {}
        self._groups_by_team: dict[str, list[_Group]] = defaultdict(list)
        self._ready: dict[WorkMedium, list[tuple[tuple[float, float, int], int, _Group]]] = (
            defaultdict(list)
        )
        self._seq = itertools.count()
        self.waiting = 0

    # ---- feeding ------------------------------------------------------------------------

    def add_agent(self, agent: AgentState) -> None:
        if agent.agent_id in self.agents:
            raise ValueError(f"agent {agent.agent_id} is already known")
        self.agents[agent.agent_id] = agent
        self._version[agent.agent_id] = 0
        for team in agent.teams:
            self._by_team[team].append(agent.agent_id)
        for (team, medium, skills, language), ids in self._qualified.items():
            if agent.qualifies((team, "", medium, skills, language)):
                ids.append(agent.agent_id)
        for team in agent.teams:
            for group in self._groups_by_team[team]:
                self._link(agent, group)
        self._offer_agent(agent)

    def add_item(self, item: WorkItem) -> None:
        group = self._groups.get(item.group)
        if group is None:
            group = self._groups[item.group] = _Group(item.group)
            self._groups_by_team[item.team].append(group)
            for agent_id in self._qualified_for(group.key):
                self._link(self.agents[agent_id], group)
        heapq.heappush(group.items, (self.ordering.key(item), item))
        self.waiting += 1
        self._mark_ready(group)

    def release(self, agent_id: int, medium: WorkMedium, now: datetime) -> None:
        """The agent finished one item of `medium`: capacity back, idle from now."""
        agent = self.agents[agent_id]
        agent.load[medium] = max(0, agent.load.get(medium, 0) - 1)
        agent.idle_since = now
        self._bump(agent)

    def set_presence(self, agent_id: int, presence: Presence, now: datetime) -> None:
        agent = self.agents[agent_id]
        agent.presence = presence
        if presence is Presence.AVAILABLE:
            agent.idle_since = now
        self._bump(agent)

    # ---- deciding -----------------------------------------------------------------------

    def next_assignment(
        self, now: datetime, medium: WorkMedium | None = None
    ) -> tuple[WorkItem, AgentState] | None:
        """The next (item, agent) decision, applied to the state; None when none is possible."""
        for m in (medium,) if medium is not None else tuple(WorkMedium):
            ready = self._ready.get(m)
            while ready:
                head, _, group = heapq.heappop(ready)
                if not group.items or group.items[0][0] != head or group.head != head:
                    continue  # stale entry
                group.head = None
                found = self._match(group)
                if found is None:
                    continue  # every eligible agent is busy: wait for a release
                item, agent = found
                self.waiting -= 1
                self._decisions += 1
                self._taken[agent.agent_id] = self._decisions
                agent.load[m] = agent.load.get(m, 0) + 1
                agent.idle_since = now
                self._bump(agent)
                self._mark_ready(group)
                return item, agent
        return None

    def run(self, now: datetime, limit: int | None = None) -> list[tuple[WorkItem, AgentState]]:
        """Every decision possible now (at most `limit`), in order."""
        plan: list[tuple[WorkItem, AgentState]] = []
        while limit is None or len(plan) < limit:
            decision = self.next_assignment(now)
            if decision is None:
                break
            plan.append(decision)
        return plan

    # ---- internals ----------------------------------------------------------------------

    def _qualified_for(self, key: GroupKey) -> list[int]:
        team, _lane, medium, skills, language = key
        short = (team, medium, skills, language)
        if short not in self._qualified:
            self._qualified[short] = [
                a for a in self._by_team[team] if self.agents[a].qualifies(key)
            ]
        return self._qualified[short]

    def _link(self, agent: AgentState, group: _Group) -> None:
        if agent.qualifies(group.key) and agent.agent_id not in group.agent_ids:
            group.agent_ids.add(agent.agent_id)
            self._agent_groups[agent.agent_id].append(group)
            if agent.ready and agent.free(group.key[2]) > 0:
                self._push_agent(agent, group)

    def _bump(self, agent: AgentState) -> None:
        self._version[agent.agent_id] += 1
        self._offer_agent(agent)

    def _offer_agent(self, agent: AgentState) -> None:
        if not agent.ready:
            return
        for group in self._agent_groups[agent.agent_id]:
            if agent.free(group.key[2]) > 0:
                self._push_agent(agent, group)

    def _push_agent(self, agent: AgentState, group: _Group) -> None:
        entry = (
            agent.idle_since.timestamp(),
            self._taken.get(agent.agent_id, 0),
            agent.agent_id,
            self._version[agent.agent_id],
        )
        heapq.heappush(group.agents, entry)
        self._mark_ready(group)

    def _mark_ready(self, group: _Group) -> None:
        if not group.items or not group.agents:
            return
        head = group.items[0][0]
        if group.head is not None and group.head <= head:
            return
        group.head = head
        heapq.heappush(self._ready[group.key[2]], (head, next(self._seq), group))

    def _valid(self, entry: tuple[float, int, int, int], medium: WorkMedium) -> AgentState | None:
        _, _, agent_id, version = entry
        agent = self.agents[agent_id]
        if version != self._version[agent_id] or not agent.ready or agent.free(medium) <= 0:
            return None
        return agent

    def _match(self, group: _Group) -> tuple[WorkItem, AgentState] | None:
        """Pop the group's best item with its longest-idle eligible agent."""
        medium = group.key[2]
        while group.agents and self._valid(group.agents[0], medium) is None:
            heapq.heappop(group.agents)
        if not group.agents:
            return None
        skipped: list[tuple[tuple[float, float, int], WorkItem]] = []
        try:
            while group.items and len(skipped) <= self.DECLINE_LOOKAHEAD:
                item = group.items[0][1]
                agent = self._first_agent(group, medium, item.declined)
                if agent is not None:
                    heapq.heappop(group.items)
                    return item, agent
                skipped.append(heapq.heappop(group.items))
            return None
        finally:
            for entry in skipped:
                heapq.heappush(group.items, entry)

    def _first_agent(
        self, group: _Group, medium: WorkMedium, declined: frozenset[int]
    ) -> AgentState | None:
        if not declined:
            return self._valid(group.agents[0], medium)
        set_aside = []
        found = None
        while group.agents:
            entry = group.agents[0]
            agent = self._valid(entry, medium)
            if agent is None:
                heapq.heappop(group.agents)
                continue
            if agent.agent_id not in declined:
                found = agent
                break
            set_aside.append(heapq.heappop(group.agents))
        for entry in set_aside:
            heapq.heappush(group.agents, entry)
        return found


def plan(
    items: Iterable[WorkItem],
    agents: Iterable[AgentState],
    now: datetime,
    ordering: Ordering | None = None,
    limit: int | None = None,
) -> list[tuple[WorkItem, AgentState]]:
    """Match waiting items to agents, best item first, longest-idle agent each time."""
    dispatcher = Dispatcher(ordering)
    for agent in agents:
        dispatcher.add_agent(agent)
    for item in items:
        dispatcher.add_item(item)
    return dispatcher.run(now, limit)
