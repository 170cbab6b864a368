"""The dispute tables: migration 0006 matches the models, and rows round-trip."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import kefu.store.models_disputes  # noqa: F401 - registers the dispute tables
from kefu.bootstrap import Container
from kefu.config import Settings
from kefu.domain.disputes import Party, State
from kefu.services import disputes as svc
from kefu.services.dispute_queries import detail
from kefu.store.models import Base
from tests.integration.disputes_support import (
    ARBITER,
    SELLER,
    bundle,
    customer,
    open_for,
    order,
    use_orders,
)

TABLES = {"disputes", "dispute_submissions", "dispute_history"}


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table":
        return name in TABLES
    owner = getattr(obj, "table", None) if type_ != "foreign_key_constraint" else obj.parent
    return owner is not None and owner.name in TABLES


def test_migration_0006_creates_exactly_what_the_models_describe(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _ours}
            )
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_dispute_round_trips_through_its_rows(container: Container) -> None:
    dc = use_orders(container, [order("DY500", 33_300)])
    d = open_for(dc, "DY500", "not_as_described", files=bundle(container))
    assert d.id is not None
    svc.respond(dc, customer(SELLER), d.id, accept=False, sub=svc.Submit("不同意"))
    svc.decide(dc, ARBITER, d.id, outcome="partial", refund_fen=11_100, reason="部分支持")
    svc.appeal(dc, customer(SELLER), d.id, svc.Submit("退多了"))
    back = detail(dc, ARBITER, d.id)
    got = back.dispute
    assert (got.state, got.order.amount_fen, got.order.items[0].price_fen) == (
        State.APPEALED,
        33_300,
        33_300,
    )
    assert (got.refund_fen, got.decisions, got.complete_bundle) == (11_100, 1, True)
    assert set(got.appeals) == {Party.SELLER} and got.appeal_deadline_at is None
    assert [s.kind for s in back.submissions] == ["opening", "response", "appeal"]
    assert [f.kind for f in back.submissions[0].files] == ["chat_log", "logistics"]
    assert [h.after for h in back.history] == [
        State.AWAITING_SELLER,
        State.ARBITRATION,
        State.DECIDED,
        State.APPEALED,
    ]
