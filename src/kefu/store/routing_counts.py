"""The routing repository's read side for queue figures: counts per queue and medium over
the recent window, and the order keys of waiting work (who would be served first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kefu.domain.figures import QueueCounts
from kefu.domain.organisation import WorkMedium
from kefu.domain.work import WorkState
from kefu.store.models import TicketRow
from kefu.store.models_routing import AssignmentRow, WorkRow

IN_QUEUE = (WorkState.WAITING.value, WorkState.OFFERED.value)


class RoutingCounts:
    s: Session

    def waiting_keys(
        self, team: str, lane: str, medium: WorkMedium
    ) -> list[tuple[float, int, int]]:
        """(enqueued epoch, priority, ticket id) of the work waiting in a queue (not yet
        offered to anyone): to count who would be served first."""
        rows = self.s.execute(
            select(WorkRow.enqueued_epoch, TicketRow.priority, WorkRow.ticket_id)
            .join(TicketRow, TicketRow.id == WorkRow.ticket_id)
            .where(
                WorkRow.state == WorkState.WAITING.value,
                WorkRow.team == team,
                WorkRow.lane == lane,
                WorkRow.medium == medium.value,
            )
        )
        return [(float(e), int(p), int(t)) for e, p, t in rows]

    def queue_counts(self, since: datetime, targets: dict[WorkMedium, int]) -> list[QueueCounts]:
        acc: dict[tuple[str, str, str], dict[str, Any]] = {}

        def slot(team: str, lane: str, medium: str) -> dict[str, Any]:
            return acc.setdefault((team, lane, medium), {})

        w = WorkRow
        key = (w.team, w.lane, w.medium)
        offered = func.sum(case((w.state == WorkState.OFFERED.value, 1), else_=0))
        for team, lane, medium, n, ringing, oldest in self.s.execute(
            select(*key, func.count(), offered, func.min(w.enqueued_at))
            .where(w.state.in_(IN_QUEUE))
            .group_by(*key)
        ):
            slot(team, lane, medium).update(
                waiting=int(n) - int(ringing or 0),
                offered=int(ringing or 0),
                oldest_enqueued_at=oldest,
            )
        for team, lane, medium, n in self.s.execute(
            select(*key, func.count()).where(w.enqueued_at >= since).group_by(*key)
        ):
            slot(team, lane, medium)["arrivals"] = int(n)
        target = case(*((w.medium == m.value, float(t)) for m, t in targets.items()), else_=0.0)
        in_target = func.sum(case((w.wait_seconds <= target, 1), else_=0))
        for team, lane, medium, n, ok in self.s.execute(
            select(*key, func.count(), in_target).where(w.answered_at >= since).group_by(*key)
        ):
            slot(team, lane, medium).update(answered=int(n), answered_in_target=int(ok or 0))
        for team, lane, medium, n in self.s.execute(
            select(*key, func.count())
            .where(w.state == WorkState.ABANDONED.value, w.ended_at >= since)
            .group_by(*key)
        ):
            slot(team, lane, medium)["abandoned"] = int(n)
        a = AssignmentRow
        for queue, medium, n, total in self.s.execute(
            select(a.queue, a.medium, func.count(), func.sum(a.handle_seconds))
            .where(a.released_at >= since)
            .group_by(a.queue, a.medium)
        ):
            team, _, lane = queue.partition("/")
            slot(team, lane, medium).update(handled=int(n), handle_seconds_total=float(total or 0))
        return [
            QueueCounts(team=t, lane=ln, medium=WorkMedium(m), **values)
            for (t, ln, m), values in sorted(acc.items())
        ]
