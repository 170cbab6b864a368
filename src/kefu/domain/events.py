"""Domain events: past-tense facts, JSON-serialisable, recorded by aggregates.

An aggregate appends events while it changes; the unit of work writes them to the outbox
in the same transaction, and the relay delivers them after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str
    """Past-tense, dotted: `ticket.opened`, `ticket.status_changed`, …"""
    data: dict[str, Any] = field(default_factory=dict)


class RecordsEvents:
    """Mixin for aggregates: collect events until the unit of work takes them."""

    def _init_events(self) -> None:
        self._events: list[DomainEvent] = []

    def record(self, name: str, **data: Any) -> None:
        self._events.append(DomainEvent(name, data))

    def pull_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events
