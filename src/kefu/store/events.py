"""Reading the outbox as an event log (notification feeds)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.services.ports import LoggedEvent
from kefu.store.models import OutboxRow


class SqlEventLog:
    def __init__(self, session: Session) -> None:
        self.s = session

    def recent(self, names: Sequence[str], *, after_id: int, limit: int) -> list[LoggedEvent]:
        rows = self.s.scalars(
            select(OutboxRow)
            .where(OutboxRow.name.in_(list(names)), OutboxRow.id > after_id)
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        return [
            LoggedEvent(r.id, r.name, r.aggregate, r.aggregate_id, dict(r.payload), r.created_at)
            for r in rows
        ]
