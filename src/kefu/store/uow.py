"""The unit of work: one session, one transaction, events to the outbox on commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import insert

from kefu.domain.clock import Clock
from kefu.domain.customers import Customer
from kefu.domain.tickets import Ticket
from kefu.store.chat import SqlChatRepository
from kefu.store.db import Database
from kefu.store.disputes import SqlDisputeRepository
from kefu.store.email import SqlEmailRepository
from kefu.store.events import SqlEventLog
from kefu.store.knowledge import SqlKnowledgeRepository
from kefu.store.models import OutboxRow
from kefu.store.models_triage import SqlTriageRepository
from kefu.store.reports import SqlReportRepository
from kefu.store.repositories import (
    SqlCustomerRepository,
    SqlOrgRepository,
    SqlTicketRepository,
    SqlUserRepository,
)
from kefu.store.routing import SqlRoutingRepository
from kefu.store.sla import SqlSlaRepository
from kefu.store.timers import SqlTimerRepository


def _aggregate_key(obj: Any) -> tuple[str, str]:
    if isinstance(obj, Ticket):
        return "ticket", str(obj.id)
    if isinstance(obj, Customer):
        return "customer", obj.uid
    return type(obj).__name__.lower(), str(getattr(obj, "id", ""))


class SqlUnitOfWork:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        after_commit: Callable[[], None] | None = None,
        readonly: bool = False,
    ) -> None:
        self._db, self._clock, self._after_commit = db, clock, after_commit
        self.readonly = readonly
        self._published = False

    def __enter__(self) -> Self:
        if self.readonly:
            self._writing = None
            self.session = self._db.reader()
        else:
            self._writing = self._db.write_session()
            self.session = self._writing.__enter__()
        self._seen: list[Any] = []
        now = self._clock.now
        self.customers = SqlCustomerRepository(self.session, self._seen, now)
        self.tickets = SqlTicketRepository(self.session, self._seen)
        self.org = SqlOrgRepository(self.session, now)
        self.users = SqlUserRepository(self.session, now)
        self.timers = SqlTimerRepository(self.session, self._seen, now)
        self.sla = SqlSlaRepository(self.session, now)
        self.disputes = SqlDisputeRepository(self.session, self._seen)
        self.routing = SqlRoutingRepository(self.session, self._seen, now)
        self.email = SqlEmailRepository(self.session, now)
        self.events = SqlEventLog(self.session)
        self.triage = SqlTriageRepository(self.session)
        self.chat = SqlChatRepository(self.session, self._seen)
        self.knowledge = SqlKnowledgeRepository(self.session, self._seen)
        self.reports = SqlReportRepository(self.session)
        self._committed_events = 0
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()  # no-op after commit; undoes anything left open
        finally:
            if self._writing is not None:
                self._writing.__exit__(None, None, None)
            else:
                self.session.close()
        if self._committed_events and self._after_commit is not None:
            self._after_commit()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.flush()
        now = self._clock.now()
        rows: list[dict[str, Any]] = []
        for obj in self._seen:
            pull = getattr(obj, "pull_events", None)
            if pull is None:
                continue
            aggregate, key = _aggregate_key(obj)
            rows.extend(
                {
                    "name": e.name,
                    "aggregate": aggregate,
                    "aggregate_id": key,
                    "payload": e.data,
                    "created_at": now,
                    "published_at": None,
                }
                for e in pull()
            )
        if rows:  # one executemany, not an ORM object per event
            self.session.execute(insert(OutboxRow), rows)
        count = len(rows)
        self.session.commit()
        self._committed_events += count

    def rollback(self) -> None:
        self.session.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Rolls back the rows *and* forgets the events recorded inside it."""
        seen_before = len(self._seen)
        marks = [(obj, len(getattr(obj, "_events", ()))) for obj in self._seen]
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            for obj, mark in marks:
                if hasattr(obj, "_events"):
                    del obj._events[mark:]
            del self._seen[seen_before:]
            raise
