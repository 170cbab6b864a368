"""The email repository: received mails, threads, Message-IDs, outgoing mail, addresses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.services.email_ports import (
    AddressRecord,
    AgentMessageRef,
    InboundRecord,
    OutboundRecord,
    ThreadRecord,
)
from kefu.store.models import MessageRow
from kefu.store.models_email import (
    EmailAddressRow,
    EmailMessageIdRow,
    EmailStateRow,
    EmailThreadRow,
    InboundMailRow,
    OutboundMailRow,
)

INBOUND_FIELDS = [f for f in InboundRecord.__dataclass_fields__ if f != "id"]
OUTBOUND_FIELDS = [f for f in OutboundRecord.__dataclass_fields__ if f != "id"]
THREAD_FIELDS = list(ThreadRecord.__dataclass_fields__)


def _inbound(row: InboundMailRow) -> InboundRecord:
    return InboundRecord(id=row.id, **{f: getattr(row, f) for f in INBOUND_FIELDS})


def _outbound(row: OutboundMailRow) -> OutboundRecord:
    return OutboundRecord(id=row.id, **{f: getattr(row, f) for f in OUTBOUND_FIELDS})


class SqlEmailRepository:
    def __init__(self, session: Session, now: Any) -> None:
        self.s, self._now = session, now

    @property
    def _pg(self) -> bool:
        return self.s.get_bind().dialect.name == "postgresql"

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._pg else sqlite.insert)(table)

    # ---- intake ---------------------------------------------------------------------

    def add_inbound(self, rec: InboundRecord) -> int | None:
        values = {f: getattr(rec, f) for f in INBOUND_FIELDS}
        stmt: Insert = (
            self._insert(InboundMailRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(InboundMailRow.id)
        )
        new_id = self.s.execute(stmt).scalar_one_or_none()
        if new_id is None:
            self.s.execute(
                update(InboundMailRow)
                .where(InboundMailRow.message_id == rec.message_id)
                .values(times_seen=InboundMailRow.times_seen + 1)
            )
        return new_id

    def inbound(self, inbound_id: int) -> InboundRecord | None:
        row = self.s.get(InboundMailRow, inbound_id)
        return _inbound(row) if row else None

    def sender_count(self, rate_key: str, since: datetime) -> int:
        stmt = select(func.count()).where(
            InboundMailRow.rate_key == rate_key, InboundMailRow.received_at >= since
        )
        return int(self.s.scalar(stmt) or 0)

    def claim_inbound(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[InboundRecord]:
        stmt = (
            select(InboundMailRow)
            .where(
                InboundMailRow.status == "received",
                or_(
                    InboundMailRow.next_attempt_at.is_(None), InboundMailRow.next_attempt_at <= now
                ),
            )
            .order_by(InboundMailRow.id)
            .limit(limit)
        )
        if self._pg:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.s.scalars(stmt))
        for row in rows:
            row.next_attempt_at = lease_until
        self.s.flush()
        return [_inbound(r) for r in rows]

    def release_inbound_leases(self) -> int:
        result = self.s.execute(
            update(InboundMailRow)
            .where(InboundMailRow.status == "received", InboundMailRow.next_attempt_at.isnot(None))
            .values(next_attempt_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def finish_inbound(
        self, inbound_id: int, outcome: str, ticket_id: int | None, now: datetime
    ) -> bool:
        result = self.s.execute(
            update(InboundMailRow)
            .where(InboundMailRow.id == inbound_id, InboundMailRow.status != "processed")
            .values(
                status="processed",
                outcome=outcome,
                ticket_id=ticket_id,
                processed_at=now,
                next_attempt_at=None,
                attempts=InboundMailRow.attempts + 1,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def fail_inbound(
        self, inbound_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        self.s.execute(
            update(InboundMailRow)
            .where(InboundMailRow.id == inbound_id, InboundMailRow.status == "received")
            .values(
                status="received" if retry_at is not None else "failed",
                attempts=InboundMailRow.attempts + 1,
                last_error=error,
                next_attempt_at=retry_at,
                processed_at=None if retry_at is not None else now,
            )
        )

    def list_inbound(
        self, status: str | None, limit: int, before_id: int | None
    ) -> list[InboundRecord]:
        stmt = select(InboundMailRow).order_by(InboundMailRow.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(InboundMailRow.status == status)
        if before_id is not None:
            stmt = stmt.where(InboundMailRow.id < before_id)
        return [_inbound(r) for r in self.s.scalars(stmt)]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {"inbound": {}, "outbound": {}}
        for table, key in ((InboundMailRow, "inbound"), (OutboundMailRow, "outbound")):
            for status, n in self.s.execute(
                select(table.status, func.count()).group_by(table.status)
            ):
                out[key][status] = int(n)
        return out

    # ---- threads --------------------------------------------------------------------

    def thread(self, ticket_id: int) -> ThreadRecord | None:
        row = self.s.get(EmailThreadRow, ticket_id)
        if row is None:
            return None
        rec = ThreadRecord(**{f: getattr(row, f) for f in THREAD_FIELDS})
        rec.references = list(rec.references)
        return rec

    def add_thread(self, rec: ThreadRecord) -> None:
        values = {f: getattr(rec, f) for f in THREAD_FIELDS}
        values["references"] = list(rec.references)
        self.s.execute(insert(EmailThreadRow).values(**values))

    def save_thread(self, rec: ThreadRecord) -> None:
        row = self.s.get(EmailThreadRow, rec.ticket_id)
        if row is None:
            row = EmailThreadRow(ticket_id=rec.ticket_id)
            self.s.add(row)
        for f in THREAD_FIELDS:
            if f != "ticket_id":
                setattr(row, f, getattr(rec, f))
        row.references = list(rec.references)
        self.s.flush()

    def last_message_id(self, ticket_id: int) -> int:
        stmt = select(func.max(MessageRow.id)).where(MessageRow.ticket_id == ticket_id)
        return int(self.s.scalar(stmt) or 0)

    def ticket_of_message_ids(self, message_ids: list[str]) -> int | None:
        ids = [m for m in message_ids if m][:50]
        if not ids:
            return None
        stmt = (
            select(EmailMessageIdRow.ticket_id)
            .where(EmailMessageIdRow.message_id.in_(ids))
            .order_by(EmailMessageIdRow.id.desc())
            .limit(1)
        )
        found = self.s.scalar(stmt)
        return int(found) if found is not None else None

    def add_message_id(self, message_id: str, ticket_id: int, direction: str, at: datetime) -> None:
        self.s.execute(
            self._insert(EmailMessageIdRow)
            .values(message_id=message_id, ticket_id=ticket_id, direction=direction, created_at=at)
            .on_conflict_do_nothing(index_elements=["message_id"])
        )

    def agent_messages_after(self, after_id: int, limit: int) -> list[AgentMessageRef]:
        stmt = (
            select(MessageRow.id, MessageRow.ticket_id)
            .join(EmailThreadRow, EmailThreadRow.ticket_id == MessageRow.ticket_id)
            .where(
                MessageRow.id > after_id,
                MessageRow.id > EmailThreadRow.last_mailed_message_id,
                MessageRow.kind == "agent",
                or_(MessageRow.channel.is_(None), MessageRow.channel == "email"),
            )
            .order_by(MessageRow.id)
            .limit(limit)
        )
        return [AgentMessageRef(int(m), int(t)) for m, t in self.s.execute(stmt)]

    def state(self, key: str) -> str | None:
        row = self.s.get(EmailStateRow, key)
        return row.value if row else None

    def set_state(self, key: str, value: str) -> None:
        stmt = self._insert(EmailStateRow).values(key=key, value=value)
        self.s.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    # ---- outgoing -------------------------------------------------------------------

    def add_outbound(self, rec: OutboundRecord) -> bool:
        values = {f: getattr(rec, f) for f in OUTBOUND_FIELDS}
        values["next_attempt_at"] = None
        stmt = (
            self._insert(OutboundMailRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(OutboundMailRow.id)
        )
        new_id = self.s.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            rec.id = int(new_id)
        return new_id is not None

    def claim_outbound(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboundRecord]:
        stmt = (
            select(OutboundMailRow)
            .where(
                OutboundMailRow.status == "pending",
                or_(
                    OutboundMailRow.next_attempt_at.is_(None),
                    OutboundMailRow.next_attempt_at <= now,
                ),
            )
            .order_by(OutboundMailRow.id)
            .limit(limit)
        )
        if self._pg:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.s.scalars(stmt))
        for row in rows:
            row.next_attempt_at = lease_until
        self.s.flush()
        return [_outbound(r) for r in rows]

    def finish_outbound(
        self, outbound_id: int, status: str, now: datetime, error: str | None = None
    ) -> None:
        self.s.execute(
            update(OutboundMailRow)
            .where(OutboundMailRow.id == outbound_id)
            .values(
                status=status,
                attempts=OutboundMailRow.attempts + 1,
                last_error=error,
                sent_at=now if status == "sent" else None,
                next_attempt_at=None,
            )
        )

    def retry_outbound(self, outbound_id: int, error: str, retry_at: datetime) -> None:
        self.s.execute(
            update(OutboundMailRow)
            .where(OutboundMailRow.id == outbound_id)
            .values(
                attempts=OutboundMailRow.attempts + 1, last_error=error, next_attempt_at=retry_at
            )
        )

    def auto_replies_since(self, address: str, since: datetime) -> int:
        stmt = select(func.count()).where(
            OutboundMailRow.to_address == address,
            OutboundMailRow.auto.is_(True),
            OutboundMailRow.created_at >= since,
        )
        return int(self.s.scalar(stmt) or 0)

    def list_outbound(
        self, ticket_id: int | None, limit: int, before_id: int | None
    ) -> list[OutboundRecord]:
        stmt = select(OutboundMailRow).order_by(OutboundMailRow.id.desc()).limit(limit)
        if ticket_id is not None:
            stmt = stmt.where(OutboundMailRow.ticket_id == ticket_id)
        if before_id is not None:
            stmt = stmt.where(OutboundMailRow.id < before_id)
        return [_outbound(r) for r in self.s.scalars(stmt)]

    # ---- addresses ------------------------------------------------------------------

    def address(self, address: str) -> AddressRecord | None:
        row = self.s.scalars(
            select(EmailAddressRow).where(EmailAddressRow.address == address.lower())
        ).first()
        if row is None:
            return None
        return AddressRecord(
            row.address, row.bounces, row.suppressed, row.last_bounce_at, row.last_bounce_reason
        )

    def record_bounce(self, address: str, reason: str, permanent: bool, at: datetime) -> None:
        stmt = self._insert(EmailAddressRow).values(
            address=address.lower()[:320],
            bounces=1,
            suppressed=permanent,
            last_bounce_at=at,
            last_bounce_reason=reason[:300],
        )
        self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=["address"],
                set_={
                    "bounces": EmailAddressRow.bounces + 1,
                    "suppressed": or_(EmailAddressRow.suppressed, stmt.excluded.suppressed),
                    "last_bounce_at": stmt.excluded.last_bounce_at,
                    "last_bounce_reason": stmt.excluded.last_bounce_reason,
                },
            )
        )

    def clear_bounce(self, address: str) -> None:
        self.s.execute(
            update(EmailAddressRow)
            .where(EmailAddressRow.address == address.lower(), EmailAddressRow.suppressed.is_(True))
            .values(suppressed=False)
        )
