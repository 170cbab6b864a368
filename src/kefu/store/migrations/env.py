"""Alembic environment: the URL comes from the caller (kefu.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from kefu.store import (  # noqa: F401  (every table module, for autogenerate)
    models_chat,
    models_disputes,
    models_email,
    models_knowledge,
    models_routing,
    models_triage,
)
from kefu.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
