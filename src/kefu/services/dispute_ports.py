"""What the dispute use cases need from storage (the order system's port, `OrderDirectory`,
is in `ports.py` beside the other outside systems)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kefu.domain.disputes import Dispute, HistoryEntry, Submission
from kefu.domain.errors import DomainError


class OrderSystemUnavailable(DomainError):
    """The order system did not answer usably (network, timeout, bad reply). HTTP 502."""

    code = "order_system_unavailable"


@dataclass(frozen=True, slots=True)
class DisputeFilter:
    party_uid: str | None = None
    """Disputes where this customer is the buyer or the seller."""
    role: str | None = None
    """With `party_uid`: only those where they are the `buyer` or the `seller`."""
    state: str | None = None
    type: str | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeStep:
    """One history entry with its dispute's type: a row of the reports' input."""

    dispute_id: int
    type: str
    action: str
    after: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute) -> None:
        """Insert; a second live dispute for the same order is a Conflict."""
        ...

    def get(self, dispute_id: int, *, for_update: bool = False) -> Dispute | None: ...
    def save(self, dispute: Dispute) -> None: ...
    def active_for_order(self, order_id: str) -> int | None: ...
    def submissions(self, dispute_id: int) -> builtins.list[Submission]: ...
    def history(self, dispute_id: int) -> builtins.list[HistoryEntry]: ...
    def list(
        self, flt: DisputeFilter, *, limit: int, before_id: int | None
    ) -> builtins.list[Dispute]:
        """Newest first."""
        ...

    def steps(
        self, opened_from: datetime | None, opened_until: datetime | None
    ) -> builtins.list[DisputeStep]:
        """The history of the disputes opened in [from, until), oldest step first."""
        ...
