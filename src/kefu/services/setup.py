"""Make a fresh (or upgraded) database ready: teams and queues, the SLA rules."""

from __future__ import annotations

from kefu.services.context import ServiceContext
from kefu.services.knowledge import load_starter
from kefu.services.org import sync_org
from kefu.services.sla import seed_rules


def prepare(ctx: ServiceContext, *, starter_content: bool = True) -> None:
    """Idempotent: run at every start. `starter_content=False` skips the shipped
    knowledge-base articles (the test-suite's fresh databases load them only when a test
    needs them: 58 articles per test would cost minutes over the suite)."""
    sync_org(ctx)
    seed_rules(ctx)
    if starter_content:
        load_starter(ctx)
