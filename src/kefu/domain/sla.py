"""Service-level targets and due dates.

This is the wall-clock (24×7) version. Business calendars, pauses while waiting on the
customer, warnings and breaches as timers come with the "Service levels" work; the shapes
here (targets per class, due dates on the ticket) are what that work extends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class SlaTargets:
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None


@dataclass(frozen=True, slots=True)
class SlaDue:
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None


class SlaPolicy:
    def __init__(self, classes: Mapping[str, SlaTargets]) -> None:
        self.classes = dict(classes)

    def targets(self, sla_class: str) -> SlaTargets:
        try:
            return self.classes[sla_class]
        except KeyError:
            raise InvalidInput(f"no SLA class '{sla_class}' is configured") from None

    def due(self, sla_class: str, start: datetime) -> SlaDue:
        t = self.targets(sla_class)

        def after(minutes: int | None) -> datetime | None:
            return start + timedelta(minutes=minutes) if minutes else None

        return SlaDue(
            first_response_due_at=after(t.first_response_minutes),
            next_response_due_at=None,
            resolution_due_at=after(t.resolution_minutes),
        )
