"""The composition root: Settings → adapters → services. The one place that wires."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from kefu.blobs import LocalBlobStore
from kefu.channels.email.runtime import EmailChannel
from kefu.config import Settings
from kefu.domain.clock import Clock, SystemClock
from kefu.jobs.bus import MemoryBus, RedisBus
from kefu.jobs.chat import close_chat, start_chat, wire_chat
from kefu.jobs.routing import close_routing, wire_routing
from kefu.policies import Policies, load_policies
from kefu.policies.disputes import load_dispute_policy
from kefu.services import disputes, sla
from kefu.services.context import ServiceContext
from kefu.services.dispute_access import DisputeContext
from kefu.services.ports import EventBus, OrderDirectory
from kefu.services.timers import NOOP, TimerHandler, fire_until_idle, noop_handler
from kefu.store.db import Database, open_database
from kefu.store.migrate import current_revisions, head_revisions
from kefu.store.outbox import OutboxRelay, RelayThread
from kefu.store.uow import SqlUnitOfWork
from kefu.triage.policy import load_triage_policy
from kefu.triage.runtime import SklearnClassifier, default_cache_dir

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
    disputes: DisputeContext | None = None
    """E-commerce disputes: the services' context with the order system and dispute rules."""

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
        # The chat worker also sweeps for what happened while no process listened
        # (a ticket resolved during a restart still gets its rating request).
        start_chat(self.extras)

    def stop_background(self) -> None:
        while self.relay_threads:
            self.relay_threads.pop().stop()

    def fire_due_timers(self, batch: int = 200) -> int:
        """Fire due timers, one transaction per batch, until none is due; return fired."""
        return fire_until_idle(self.ctx, self.timer_handlers, batch=batch)

    def close(self) -> None:
        self.stop_background()
        close_chat(self.extras)
        close_routing(self.extras)
        self.bus.close()
        self.db.dispose()


def build_classifier(settings: Settings, policies: Policies) -> SklearnClassifier:
    """The triage classifier (scikit-learn loads on its first use, not here)."""
    return SklearnClassifier(
        settings.resolved_classifier_path,
        load_triage_policy(settings.policy_dir),
        policies.taxonomy,
        cache_dir=settings.classifier_cache_dir or default_cache_dir(),
    )


def build_orders(settings: Settings) -> OrderDirectory:
    """The order system: over HTTP when KEFU_ORDERS_URL is set, else the demo orders."""
    from kefu.adapters.orders import DemoOrderDirectory, HttpOrderDirectory

    if settings.orders_url:
        return HttpOrderDirectory(
            settings.orders_url, timeout=settings.orders_timeout, token=settings.orders_token
        )
    return DemoOrderDirectory()


def build_disputes(settings: Settings, ctx: ServiceContext) -> DisputeContext:
    return DisputeContext(ctx, build_orders(settings), load_dispute_policy(settings.policy_dir))


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

    policies = load_policies(settings.policy_dir)
    ctx = ServiceContext(
        uow=uow,
        policies=policies,
        clock=clock,
        blobs=LocalBlobStore(settings.resolved_blob_dir),
        classifier=build_classifier(settings, policies),
    )
    container = Container(settings, db, bus, relay, ctx)
    container.relay_threads = background
    container.timer_handlers[NOOP] = noop_handler
    container.timer_handlers[sla.CHECK] = sla.check_handler(ctx)
    container.disputes = build_disputes(settings, ctx)
    for kind, handler in disputes.timer_handlers(container.disputes).items():
        container.timer_handlers[kind] = handler
    wire_routing(container)  # offer and overflow timers, live figures and their fan-out
    wire_chat(container)  # in-app chat, its ticket-event worker, satisfaction ratings
    container.extras["email"] = EmailChannel.from_settings(settings, ctx)
    return container
