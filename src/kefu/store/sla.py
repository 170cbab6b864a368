"""SLA rules, calendar overrides, the compensation ledger and quota uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kefu.domain.sla import SlaRule
from kefu.services.ports import CalendarOverride, CompensationCredit
from kefu.store.models import CalendarOverrideRow, CompensationRow, QuotaUseRow, SlaRuleRow

RULE_COLUMNS = [f for f in SlaRule.__dataclass_fields__ if f != "id"]


def _rule(row: SlaRuleRow) -> SlaRule:
    return SlaRule(id=row.id, **{f: getattr(row, f) for f in RULE_COLUMNS})


class SqlSlaRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.s, self._now = session, now

    # -- rules --
    def rules(self) -> list[SlaRule]:
        return [_rule(r) for r in self.s.scalars(select(SlaRuleRow).order_by(SlaRuleRow.id))]

    def rule(self, rule_id: int) -> SlaRule | None:
        row = self.s.get(SlaRuleRow, rule_id)
        return _rule(row) if row else None

    def rule_named(self, name: str) -> SlaRule | None:
        row = self.s.scalars(select(SlaRuleRow).where(SlaRuleRow.name == name)).first()
        return _rule(row) if row else None

    def add_rule(self, rule: SlaRule) -> SlaRule:
        row = SlaRuleRow(**{f: getattr(rule, f) for f in RULE_COLUMNS})
        self.s.add(row)
        self.s.flush()
        return _rule(row)

    def save_rule(self, rule: SlaRule) -> SlaRule:
        row = self.s.get(SlaRuleRow, rule.id)
        assert row is not None
        for f in RULE_COLUMNS:
            setattr(row, f, getattr(rule, f))
        self.s.flush()
        return _rule(row)

    def delete_rule(self, rule_id: int) -> bool:
        return bool(self.s.execute(delete(SlaRuleRow).where(SlaRuleRow.id == rule_id)).rowcount)

    # -- calendar overrides --
    def overrides(self) -> list[CalendarOverride]:
        rows = self.s.scalars(select(CalendarOverrideRow).order_by(CalendarOverrideRow.day))
        return [CalendarOverride(r.calendar, r.day, r.kind, r.note) for r in rows]

    def set_override(self, o: CalendarOverride) -> None:
        row = self.s.scalars(
            select(CalendarOverrideRow).where(
                CalendarOverrideRow.calendar == o.calendar, CalendarOverrideRow.day == o.day
            )
        ).first()
        if row is None:
            self.s.add(
                CalendarOverrideRow(calendar=o.calendar, day=o.day, kind=o.kind, note=o.note)
            )
        else:
            row.kind, row.note = o.kind, o.note
        self.s.flush()

    def delete_override(self, calendar: str, day: date) -> bool:
        result = self.s.execute(
            delete(CalendarOverrideRow).where(
                CalendarOverrideRow.calendar == calendar, CalendarOverrideRow.day == day
            )
        )
        return bool(result.rowcount)

    # -- compensation ledger --
    def add_credit(self, c: CompensationCredit) -> None:
        self.s.add(
            CompensationRow(
                customer_id=c.customer_id,
                ticket_id=c.ticket_id,
                metric=c.metric,
                minutes=c.minutes,
                reason=c.reason,
                created_at=c.created_at,
            )
        )

    def credits(self, customer_id: int) -> list[CompensationCredit]:
        rows = self.s.scalars(
            select(CompensationRow)
            .where(CompensationRow.customer_id == customer_id)
            .order_by(CompensationRow.id)
        )
        return [
            CompensationCredit(
                r.customer_id, r.ticket_id, r.metric, r.minutes, r.reason, r.created_at
            )
            for r in rows
        ]

    # -- quotas --
    def quota_uses(self, customer_id: int, quota: str, period: str) -> int:
        """Honoured uses in the period."""
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(QuotaUseRow)
                .where(
                    QuotaUseRow.customer_id == customer_id,
                    QuotaUseRow.quota == quota,
                    QuotaUseRow.period == period,
                    QuotaUseRow.honoured.is_(True),
                )
            )
            or 0
        )

    def add_quota_use(
        self,
        customer_id: int,
        quota: str,
        period: str,
        ticket_id: int | None,
        honoured: bool,
        at: datetime,
    ) -> None:
        self.s.add(
            QuotaUseRow(
                customer_id=customer_id,
                quota=quota,
                period=period,
                ticket_id=ticket_id,
                honoured=honoured,
                created_at=at,
            )
        )
