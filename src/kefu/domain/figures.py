"""Live queue figures (SPEC §6): length, oldest wait, estimated wait, service level,
abandonment — per queue and medium, from counts the store provides and the agents on duty.

Method (also in docs/subsystems/routing.md):

- `servers` c = the capacity in the medium of the agents who could take the queue's work
  now (available, on shift, in the team, with the lane's skills); `busy` = their load.
- `handle_seconds` = average handle time of the assignments released in the window (the
  policy default until there is history); μ = 1 / handle_seconds.
- `arrival_rate` λ = work enqueued in the window / window.
- `length` = waiting + offered (ringing); `oldest_wait_seconds` over both.
- `estimated_wait_seconds` for a new arrival at the back of the queue: the M/M/c wait
  *given the state we see* — (n − free + 1) / (c·μ) with n waiting (not yet offered) and
  `free` idle slots (a ringing offer holds its slot), 0 when a slot is free for it
  (see `erlang.wait_given_state`);
- `erlang_wait_seconds`, `erlang_service_level`: the steady-state Erlang C figures for λ, μ,
  c (what the queue settles to at the current arrival rate and staffing);
- `service_level`: measured — answered within the target / (answered + abandoned) in the
  window; `abandonment`: abandoned / (answered + abandoned). None without history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.domain import erlang
from kefu.domain.organisation import WorkMedium


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Counts of one queue and medium: the queue now and the window's history."""

    team: str
    lane: str
    medium: WorkMedium
    waiting: int = 0
    """Waiting for an offer."""
    offered: int = 0
    """Offered to an agent (ringing), not yet accepted; their agent's unit is taken."""
    oldest_enqueued_at: datetime | None = None
    arrivals: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    handled: int = 0
    """Assignments released in the window (their handle time is known)."""
    handle_seconds_total: float = 0.0

    @property
    def queue(self) -> str:
        return f"{self.team}/{self.lane}"


@dataclass(frozen=True, slots=True)
class Staffing:
    agents: int
    """Agents who could take this work now (available and on shift)."""
    servers: int
    busy: int


@dataclass(frozen=True, slots=True)
class QueueFigures:
    queue: str
    medium: WorkMedium
    length: int
    oldest_wait_seconds: float | None
    agents: int
    servers: int
    busy: int
    handle_seconds: float
    arrival_rate_per_hour: float
    estimated_wait_seconds: float | None
    erlang_wait_seconds: float | None
    erlang_service_level: float | None
    service_level: float | None
    service_level_target_seconds: int
    abandonment: float | None
    answered: int
    abandoned: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, the same shape over HTTP and WebSocket."""
        team, _, lane = self.queue.partition("/")

        def r(x: float | None, digits: int = 1) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "queue": self.queue,
            "team": team,
            "lane": lane,
            "medium": self.medium.value,
            "length": self.length,
            "oldest_wait_seconds": r(self.oldest_wait_seconds),
            "estimated_wait_seconds": r(self.estimated_wait_seconds),
            "agents": self.agents,
            "servers": self.servers,
            "busy": self.busy,
            "handle_seconds": r(self.handle_seconds),
            "arrival_rate_per_hour": r(self.arrival_rate_per_hour),
            "erlang_wait_seconds": r(self.erlang_wait_seconds),
            "erlang_service_level": r(self.erlang_service_level, 4),
            "service_level": r(self.service_level, 4),
            "service_level_target_seconds": self.service_level_target_seconds,
            "abandonment": r(self.abandonment, 4),
            "answered": self.answered,
            "abandoned": self.abandoned,
        }


def handle_seconds(counts: QueueCounts, default: float) -> float:
    return counts.handle_seconds_total / counts.handled if counts.handled else default


def compute(
    counts: QueueCounts,
    staffing: Staffing,
    now: datetime,
    *,
    window_seconds: float,
    target_seconds: int,
    default_handle_seconds: float,
) -> QueueFigures:
    aht = handle_seconds(counts, default_handle_seconds)
    mu = 1.0 / aht if aht > 0 else 0.0
    lam = counts.arrivals / window_seconds if window_seconds > 0 else 0.0
    c, busy = staffing.servers, min(staffing.busy, staffing.servers)
    finished = counts.answered + counts.abandoned
    oldest = (
        max(0.0, (now - counts.oldest_enqueued_at).total_seconds())
        if counts.oldest_enqueued_at is not None
        else None
    )
    return QueueFigures(
        queue=counts.queue,
        medium=counts.medium,
        length=counts.waiting + counts.offered,
        oldest_wait_seconds=oldest,
        agents=staffing.agents,
        servers=c,
        busy=busy,
        handle_seconds=aht,
        arrival_rate_per_hour=lam * 3600,
        estimated_wait_seconds=erlang.wait_given_state(c, busy, counts.waiting, mu),
        erlang_wait_seconds=erlang.mean_wait(c, lam, mu),
        erlang_service_level=erlang.service_level(c, lam, mu, target_seconds),
        service_level=counts.answered_in_target / finished if finished else None,
        service_level_target_seconds=target_seconds,
        abandonment=counts.abandoned / finished if finished else None,
        answered=counts.answered,
        abandoned=counts.abandoned,
    )
