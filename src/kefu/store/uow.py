"""The unit of work: one session, one transaction, events to the outbox on commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from kefu.domain.clock import Clock
from kefu.domain.customers import Customer
from kefu.domain.tickets import Ticket
from kefu.store.db import Database
from kefu.store.models import OutboxRow
from kefu.store.repositories import (
    SqlCustomerRepository,
    SqlOrgRepository,
    SqlTicketRepository,
    SqlUserRepository,
)


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
        factory = self._db.reader if self.readonly else self._db.writer
        self.session = factory()
        self._seen: list[Any] = []
        now = self._clock.now
        self.customers = SqlCustomerRepository(self.session, self._seen, now)
        self.tickets = SqlTicketRepository(self.session, self._seen)
        self.org = SqlOrgRepository(self.session, now)
        self.users = SqlUserRepository(self.session, now)
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
            self.session.close()
        if self._committed_events and self._after_commit is not None:
            self._after_commit()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.flush()
        now = self._clock.now()
        count = 0
        for obj in self._seen:
            pull = getattr(obj, "pull_events", None)
            if pull is None:
                continue
            aggregate, key = _aggregate_key(obj)
            for event in pull():
                self.session.add(
                    OutboxRow(
                        name=event.name,
                        aggregate=aggregate,
                        aggregate_id=key,
                        payload=event.data,
                        created_at=now,
                        published_at=None,
                    )
                )
                count += 1
        self.session.commit()
        self._committed_events += count

    def rollback(self) -> None:
        self.session.rollback()
