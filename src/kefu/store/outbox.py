"""The outbox relay: publishes committed events to the bus, then marks them published.

Delivery is at-least-once: a crash between publishing and marking republishes the batch,
so subscribers key on the event `id`. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets several
processes relay side by side without publishing one event twice in the normal case.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select, update

from kefu.domain.clock import Clock
from kefu.services.ports import EventBus
from kefu.store.db import Database
from kefu.store.models import OutboxRow

log = logging.getLogger(__name__)


def event_dict(row: OutboxRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "aggregate": row.aggregate,
        "aggregate_id": row.aggregate_id,
        "data": row.payload,
        "at": row.created_at.isoformat(),
    }


class OutboxRelay:
    def __init__(self, db: Database, bus: EventBus, clock: Clock, batch: int = 500) -> None:
        self.db, self.bus, self.clock, self.batch = db, bus, clock, batch
        self._lock = threading.Lock()

    def relay_once(self) -> int:
        """Publish one batch of unpublished events; return how many."""
        with self.db.write_session() as session:
            stmt = (
                select(OutboxRow)
                .where(OutboxRow.published_at.is_(None))
                .order_by(OutboxRow.id)
                .limit(self.batch)
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(session.scalars(stmt))
            if not rows:
                session.rollback()
                return 0
            published: list[int] = []
            for row in rows:
                try:
                    self.bus.publish(event_dict(row))
                except Exception:
                    log.exception("publishing event %s failed; it stays in the outbox", row.id)
                    break
                published.append(row.id)
            if published:  # one UPDATE for the batch
                session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(published))
                    .values(published_at=self.clock.now())
                    .execution_options(synchronize_session=False)
                )
            session.commit()
            return len(rows)

    def drain(self) -> int:
        """Relay until the outbox is empty (or publishing fails)."""
        total = 0
        with self._lock:
            while True:
                n = self.relay_once()
                total += n
                if n < self.batch:
                    return total


class RelayThread(threading.Thread):
    """Relays in the background: a commit pokes it, and it drains in batches.

    Under load many requests' events go out in one relay transaction instead of one each.
    It also sweeps every `interval` seconds, so events a failed publish left behind go out
    once the bus is back.
    """

    def __init__(self, relay: OutboxRelay, interval: float = 1.0) -> None:
        super().__init__(name="kefu-outbox-relay", daemon=True)
        self.relay, self.interval = relay, interval
        self._wake = threading.Event()
        self._stopping = False

    def poke(self) -> None:
        self._wake.set()

    def run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.relay.drain()
            except Exception:
                log.exception("outbox relay sweep failed; retrying")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self.join(timeout=5)
