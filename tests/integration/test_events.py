"""Domain events: written to the outbox with the change, delivered after commit."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select

from kefu.bootstrap import Container
from kefu.store.models import OutboxRow
from tests.conftest import RoleClient

NEW = {
    "customer": {"uid": "UID50000001"},
    "channel": "inapp",
    "body": "问题",
    "subcategory": "usage.bug",
}


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = threading.Condition()

    def __call__(self, event: dict[str, Any]) -> None:
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    def wait_for(
        self, count: int, timeout: float = 10.0, *, aggregate: str | None = None
    ) -> list[dict[str, Any]]:
        """Wait until `count` events (of `aggregate`, if given) arrived: delivery happens on
        the relay's or Redis's thread. Not a speed assertion: the timeout only bounds it."""
        deadline = time.monotonic() + timeout

        def matching() -> list[dict[str, Any]]:
            return [e for e in self.events if aggregate is None or e["aggregate"] == aggregate]

        with self.arrived:
            while len(matching()) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return matching()


def test_events_reach_subscribers_after_commit(container: Container, admin: RoleClient) -> None:
    rec = Recorder()
    container.bus.subscribe(rec)
    t = admin.post("/api/v1/tickets", NEW).json()
    events = rec.wait_for(3, aggregate="ticket")
    names = [e["name"] for e in events]
    assert names[:3] == ["ticket.opened", "ticket.status_changed", "ticket.status_changed"]
    opened = next(e for e in events if e["name"] == "ticket.opened")
    assert opened["aggregate_id"] == str(t["id"])
    assert opened["data"] == {"channel": "inapp", "subcategory": "usage.bug"}
    container.relay.drain()  # later events (routing, timers) may still be on their way
    with container.db.reader() as s:
        pending = s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
        )
        total = s.scalar(select(func.count()).select_from(OutboxRow))
    assert pending == 0 and total >= 3


def test_a_refused_change_emits_nothing(container: Container, admin: RoleClient) -> None:
    t = admin.post("/api/v1/tickets", NEW).json()
    container.relay.drain()  # the ticket's own events are out before we listen
    with container.db.reader() as s:
        before = s.scalar(select(func.count()).select_from(OutboxRow))
    rec = Recorder()
    container.bus.subscribe(rec)
    assert admin.post(f"/api/v1/tickets/{t['id']}/transitions", {"to": "closed"}).status_code == 409
    with container.db.reader() as s:
        after = s.scalar(select(func.count()).select_from(OutboxRow))
    assert after == before
    assert rec.events == []


def test_events_left_in_the_outbox_are_relayed_later(
    container: Container, admin: RoleClient
) -> None:
    """A crash after commit but before relaying: the next sweep (kefu worker) delivers."""
    container.relay.bus = _Broken()  # publishing fails: events stay in the outbox
    t = admin.post("/api/v1/tickets", NEW)
    assert t.status_code == 201  # the request itself succeeded
    with container.db.reader() as s:
        pending = s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
        )
    assert pending >= 3
    rec = Recorder()
    container.bus.subscribe(rec)
    container.relay.bus = container.bus
    container.relay.drain()  # what `kefu worker` (or the relay thread's sweep) does
    delivered = rec.wait_for(pending)
    assert len(delivered) == pending
    assert len({e["id"] for e in delivered}) == pending


class _Broken:
    def publish(self, event: dict[str, Any]) -> None:
        raise ConnectionError("bus down")
