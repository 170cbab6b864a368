"""The read side of the reports (SPEC §11): ticket figures aggregated in the database.

`ReportRepository` is `uow.reports`; its SQL implementation is `kefu.store.reports`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

GroupBy = Literal["channel", "subcategory", "segment", "team"]


@dataclass(frozen=True, slots=True)
class TicketGroup:
    """Tickets opened in a period that share one value of a grouping column."""

    key: str
    tickets: int
    responded: int
    """Tickets with a first staff response."""
    first_response_seconds: float | None
    """The mean time from opening to the first response (of those responded)."""
    resolved: int
    resolution_seconds: float | None
    """The mean time from opening to resolution (of those resolved)."""
    with_sla: int
    """Tickets an SLA policy applied to."""
    breached: int
    """Tickets whose SLA was missed at least once."""


@dataclass(frozen=True, slots=True)
class BacklogCell:
    team: str
    priority: int
    open: int
    overdue: int
    """Open tickets with a response or resolution deadline already passed."""


@dataclass(frozen=True, slots=True)
class DayVolume:
    day: str
    """YYYY-MM-DD (UTC)."""
    channel: str
    tickets: int


class ReportRepository(Protocol):
    def ticket_groups(self, by: GroupBy, since: datetime, until: datetime) -> list[TicketGroup]: ...
    def backlog(self, now: datetime) -> list[BacklogCell]:
        """Unresolved tickets per team and priority, now."""
        ...

    def daily_volume(self, since: datetime, until: datetime) -> list[DayVolume]: ...
