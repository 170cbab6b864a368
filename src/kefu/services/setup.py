"""Make a fresh (or upgraded) database ready: teams and queues, the SLA rules."""

from __future__ import annotations

from kefu.services.context import ServiceContext
from kefu.services.knowledge import load_starter
from kefu.services.org import sync_org
from kefu.services.sla import seed_rules


def prepare(ctx: ServiceContext) -> None:
    """Idempotent: run at every start."""
    sync_org(ctx)
    seed_rules(ctx)
    load_starter(ctx)
