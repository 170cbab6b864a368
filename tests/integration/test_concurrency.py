"""Read-then-write under concurrency: row locks on PostgreSQL, the writer lock on SQLite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.errors import DomainError
from kefu.services.ports import TicketFilter
from kefu.services.tickets import OpenTicket, list_tickets, open_ticket, transition_ticket

ADMIN = Actor(Role.ADMIN, "t")


def test_first_tickets_of_a_new_customer_at_once_make_one_customer(container: Container) -> None:
    ctx = container.ctx

    def one(i: int) -> int:
        t = open_ticket(ctx, ADMIN, OpenTicket("UID60000001", "inapp", f"第{i}个问题"))
        assert t.id is not None
        return t.id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(one, range(16)))
    assert len(set(ids)) == 16
    items, _ = list_tickets(ctx, ADMIN, TicketFilter(customer_uid="UID60000001"), 50, None)
    assert len(items) == 16
    assert len({t.customer.id for t in items}) == 1


def test_concurrent_transitions_of_one_ticket_apply_once(container: Container) -> None:
    ctx = container.ctx
    ticket = open_ticket(ctx, ADMIN, OpenTicket("UID60000002", "email", "问题"))
    assert ticket.id is not None
    tid = ticket.id

    def resolve(_: int) -> str:
        try:
            transition_ticket(ctx, ADMIN, tid, "resolved")
            return "ok"
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(resolve, range(8)))
    # queued → resolved once; every later attempt sees 'resolved' and is refused.
    assert outcomes.count("ok") == 1
    assert outcomes.count("illegal_transition") == 7
