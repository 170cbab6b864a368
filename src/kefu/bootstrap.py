"""The composition root: Settings → adapters → services. The one place that wires."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from kefu.blobs import LocalBlobStore
from kefu.config import Settings
from kefu.domain.clock import Clock, SystemClock
from kefu.jobs.bus import MemoryBus, RedisBus
from kefu.policies import load_policies
from kefu.services import sla
from kefu.services.context import ServiceContext
from kefu.services.ports import EventBus
from kefu.services.timers import NOOP, TimerHandler, fire_until_idle, noop_handler
from kefu.store.db import Database, open_database
from kefu.store.migrate import current_revisions, head_revisions
from kefu.store.outbox import OutboxRelay, RelayThread
from kefu.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    db: Database
    bus: EventBus
    relay: OutboxRelay
    ctx: ServiceContext
    extras: dict[str, Any] = field(default_factory=dict)
    relay_threads: list[RelayThread] = field(default_factory=list)
    timer_handlers: dict[str, TimerHandler] = field(default_factory=dict)
    """Durable timer kind → handler; use cases schedule timers of these kinds."""

    def readiness(self) -> tuple[bool, dict[str, str]]:
        """Is the database reachable and migrated to head? (for /readyz)"""
        checks: dict[str, str] = {}
        try:
            engine = self.db.engines[-1]
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            current = current_revisions(engine)
            heads = head_revisions(self.db.url)
            checks["database"] = "ok"
            checks["migrations"] = (
                "ok"
                if current == heads
                else f"at {', '.join(sorted(current)) or 'nothing'}, head is "
                f"{', '.join(sorted(heads))}"
            )
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
        if isinstance(self.bus, RedisBus):
            try:
                self.bus.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"unreachable: {type(exc).__name__}"
        return all(v == "ok" for v in checks.values()), checks

    def start_background(self) -> None:
        """Relay events from a background thread (servers); otherwise after each commit."""
        if not self.relay_threads:
            thread = RelayThread(self.relay)
            thread.start()
            self.relay_threads.append(thread)

    def stop_background(self) -> None:
        while self.relay_threads:
            self.relay_threads.pop().stop()

    def fire_due_timers(self, batch: int = 200) -> int:
        """Fire due timers, one transaction per batch, until none is due; return fired."""
        return fire_until_idle(self.ctx, self.timer_handlers, batch=batch)

    def close(self) -> None:
        self.stop_background()
        self.bus.close()
        self.db.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    clock = clock or SystemClock()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.resolved_database_url, settings.db_pool_size)
    bus: EventBus = (
        RedisBus(settings.redis_url, settings.redis_channel) if settings.redis_url else MemoryBus()
    )
    relay = OutboxRelay(db, bus, clock)

    background: list[RelayThread] = []

    def after_commit() -> None:
        if background and background[0].is_alive():
            background[0].poke()
            return
        try:
            relay.drain()
        except Exception:  # the events stay in the outbox; `kefu worker` retries them
            log.exception("outbox relay failed after commit")

    def uow(readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(db, clock, after_commit, readonly=readonly)

    ctx = ServiceContext(
        uow=uow,
        policies=load_policies(settings.policy_dir),
        clock=clock,
        blobs=LocalBlobStore(settings.resolved_blob_dir),
    )
    container = Container(settings, db, bus, relay, ctx)
    container.relay_threads = background
    container.timer_handlers[NOOP] = noop_handler
    container.timer_handlers[sla.CHECK] = sla.check_handler(ctx)
    return container
