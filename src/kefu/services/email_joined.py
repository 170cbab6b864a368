"""Run an existing use case with extra writes in its own transaction.

The email intake opens tickets through `tickets.open_ticket` and adds replies through
`tickets.add_message`, so every rule of those use cases (routing, SLA, quotas, priority)
applies to mail unchanged. The mail's bookkeeping (its `processed` mark, thread, automatic
replies) must commit in the same transaction, or a crash between two commits would open a
ticket twice. `joined(ctx, hook)` gives the use case a context whose unit of work calls
`hook(uow, tickets)` just before it commits, with the tickets the use case added or
saved; an exception from the hook rolls the whole unit of work back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Any, cast

from kefu.domain.tickets import Ticket
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork

Hook = Callable[[UnitOfWork, list[Ticket]], None]


class AlreadyProcessed(Exception):
    """Another worker processed this mail first: roll back, nothing to do."""


class _CapturingTickets:
    def __init__(self, inner: Any, touched: list[Ticket]) -> None:
        self._inner, self._touched = inner, touched

    def add(self, ticket: Ticket) -> None:
        self._inner.add(ticket)
        self._touched.append(ticket)

    def save(self, ticket: Ticket) -> None:
        self._inner.save(ticket)
        if not any(t is ticket for t in self._touched):
            self._touched.append(ticket)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _JoinedUnitOfWork:
    def __init__(self, inner: UnitOfWork, hook: Hook) -> None:
        self._inner, self._hook = inner, hook
        self._touched: list[Ticket] = []

    def __enter__(self) -> _JoinedUnitOfWork:
        self._inner.__enter__()
        self.tickets = _CapturingTickets(self._inner.tickets, self._touched)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._hook(self._inner, self._touched)
        self._inner.commit()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def joined(ctx: ServiceContext, hook: Hook) -> ServiceContext:
    """A context whose read-write units of work run `hook` inside, before commit."""

    def factory(readonly: bool = False) -> UnitOfWork:
        inner = ctx.uow(readonly=readonly)
        if readonly:
            return inner
        return cast(UnitOfWork, _JoinedUnitOfWork(inner, hook))

    return replace(ctx, uow=factory)
