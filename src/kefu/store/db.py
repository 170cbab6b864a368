"""Engines for the two modes: embedded SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Database:
    """A writer and a reader session factory over the same database.

    On SQLite, write transactions start with BEGIN IMMEDIATE: they take the write lock up
    front, so two read-then-write units of work serialise instead of failing with
    "database is locked" on upgrade. Reads use plain deferred transactions and run
    alongside (WAL). On PostgreSQL both factories share one engine; writers lock rows.
    """

    url: str
    writer: sessionmaker[Session]
    reader: sessionmaker[Session]
    engines: tuple[Engine, ...]
    write_lock: threading.Lock | None = None
    """SQLite only: writers of this process queue here (fair, no sleeping) instead of in
    SQLite's busy handler, which backs off in sleeps of up to 100 ms under contention."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A writer session; on SQLite, holding this process's write lock throughout."""
        if self.write_lock is None:
            with self.writer() as session:
                yield session
            return
        with self.write_lock, self.writer() as session:
            yield session

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def open_database(url: str, pool_size: int = 10) -> Database:
    if url.startswith("sqlite"):
        writer = _sqlite_engine(url, "BEGIN IMMEDIATE")
        reader = _sqlite_engine(url, "BEGIN")
        return Database(
            url,
            sessionmaker(writer, expire_on_commit=False, autoflush=False),
            sessionmaker(reader, expire_on_commit=False, autoflush=False),
            (writer, reader),
            threading.Lock(),
        )
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=False)
    return Database(url, factory, factory, (engine,))
