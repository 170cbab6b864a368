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

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for delivery (Redis delivers on another thread); not a speed assertion."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.events) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
        return list(self.events)


def test_events_reach_subscribers_after_commit(container: Container, admin: RoleClient) -> None:
    rec = Recorder()
    container.bus.subscribe(rec)
    t = admin.post("/api/v1/tickets", NEW).json()
    events = rec.wait_for(3)
    names = [e["name"] for e in events if e["aggregate"] == "ticket"]
    assert names[:3] == ["ticket.opened", "ticket.status_changed", "ticket.status_changed"]
    opened = next(e for e in events if e["name"] == "ticket.opened")
    assert opened["aggregate_id"] == str(t["id"])
    assert opened["data"] == {"channel": "inapp", "subcategory": "usage.bug"}
    with container.db.reader() as s:
        pending = s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
        )
        total = s.scalar(select(func.count()).select_from(OutboxRow))
    assert pending == 0 and total >= 3


def test_a_refused_change_emits_nothing(container: Container, admin: RoleClient) -> None:
    t = admin.post("/api/v1/tickets", NEW).json()
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
    assert container.relay.drain() == pending
    assert len(rec.wait_for(pending)) == pending


class _Broken:
    def publish(self, event: dict[str, Any]) -> None:
        raise ConnectionError("bus down")
