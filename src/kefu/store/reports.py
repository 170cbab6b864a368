"""SQL for the reports (`uow.reports`): one grouped query per table, on both backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from kefu.services.report_ports import BacklogCell, DayVolume, GroupBy, TicketGroup
from kefu.store.models import CustomerRow, TicketRow

FINAL = ("resolved", "closed")
T = TicketRow


class SqlReportRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """`later - earlier` in seconds, as the backend can compute it."""
        if self.s.get_bind().dialect.name == "sqlite":
            return (func.julianday(later) - func.julianday(earlier)) * 86400.0
        return cast(func.extract("epoch", later - earlier), Float)

    def ticket_groups(self, by: GroupBy, since: datetime, until: datetime) -> list[TicketGroup]:
        column: Any = {
            "channel": T.channel,
            "subcategory": T.subcategory,
            "team": T.team,
            "segment": CustomerRow.segment,
        }[by]
        frt = self._seconds(T.first_response_at, T.created_at)
        res = self._seconds(T.resolved_at, T.created_at)
        one = 1
        stmt = (
            select(
                column,
                func.count(),
                func.count(T.first_response_at),
                func.avg(case((T.first_response_at.is_not(None), frt))),
                func.count(T.resolved_at),
                func.avg(case((T.resolved_at.is_not(None), res))),
                func.sum(case((T.sla_policy != "", one), else_=0)),
                func.sum(case((T.sla_breached.is_(True), one), else_=0)),
            )
            .where(T.created_at >= since, T.created_at < until, T.merged_into_id.is_(None))
            .group_by(column)
            .order_by(func.count().desc(), column)
        )
        if by == "segment":
            stmt = stmt.join(CustomerRow, CustomerRow.id == T.customer_id)
        return [
            TicketGroup(
                key=str(key),
                tickets=int(n),
                responded=int(responded or 0),
                first_response_seconds=None if f is None else float(f),
                resolved=int(resolved or 0),
                resolution_seconds=None if r is None else float(r),
                with_sla=int(with_sla or 0),
                breached=int(breached or 0),
            )
            for key, n, responded, f, resolved, r, with_sla, breached in self.s.execute(stmt)
        ]

    def backlog(self, now: datetime) -> list[BacklogCell]:
        late = or_(
            and_(T.first_response_at.is_(None), T.first_response_due_at < now),
            T.resolution_due_at < now,
        )
        stmt = (
            select(T.team, T.priority, func.count(), func.sum(case((late, 1), else_=0)))
            .where(T.status.not_in(FINAL), T.merged_into_id.is_(None))
            .group_by(T.team, T.priority)
            .order_by(T.team, T.priority)
        )
        return [
            BacklogCell(str(team), int(p), int(n), int(overdue or 0))
            for team, p, n, overdue in self.s.execute(stmt)
        ]

    def daily_volume(self, since: datetime, until: datetime) -> list[DayVolume]:
        day = func.date(T.created_at)
        stmt = (
            select(day, T.channel, func.count())
            .where(T.created_at >= since, T.created_at < until, T.merged_into_id.is_(None))
            .group_by(day, T.channel)
            .order_by(day, T.channel)
        )
        return [DayVolume(str(d), str(c), int(n)) for d, c, n in self.s.execute(stmt)]
