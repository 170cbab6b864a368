"""Shared fixtures: a fresh kefu per test, in the mode the run was started with.

`KEFU_TEST_MODE=embedded` (default): SQLite in a temporary directory, in-process events.
`KEFU_TEST_MODE=scale`: PostgreSQL (a schema of its own per test, so runs never collide)
and Redis (a channel of its own per test). `.ci/run` runs the suite once in each mode.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Container, build
from kefu.config import Settings
from kefu.domain.clock import FixedClock, SystemClock
from kefu.services.setup import prepare
from kefu.services.users import create_user
from kefu.store.migrate import upgrade

MODE = os.environ.get("KEFU_TEST_MODE", "embedded")
PG_URL = os.environ.get("KEFU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def pytest_report_header() -> str:
    return f"kefu test mode: {MODE}"


@dataclass
class Database:
    url: str
    cleanup: object


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _admin_pg():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per run: a schema (scale) or a SQLite file (embedded).

    Migrating costs about half a second; tests get a copy (SQLite) or the schema emptied
    (PostgreSQL) instead. A dedicated test checks the migrations against the models.
    """
    if MODE == "scale":
        schema = f"kefu_test_{uuid.uuid4().hex[:12]}"
        with _admin_pg() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        upgrade(_pg_schema_url(schema))
        yield schema
        with _admin_pg() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    else:
        path = tmp_path_factory.mktemp("template") / "kefu.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield str(path)


_SCHEMA_OBJECTS: dict[str, tuple[list[str], list[str]]] = {}


def _empty_schema(schema: str) -> None:
    """Delete every row and restart every sequence (ids start at 1 again).

    DELETE with foreign-key triggers off (session_replication_role = replica) costs about
    30 ms for the ~40 small tables; TRUNCATE of all of them costs about 160 ms, which over
    ~2,000 tests was five minutes of the scale run."""
    with _admin_pg() as conn:
        if schema not in _SCHEMA_OBJECTS:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                    "AND tablename <> 'alembic_version'",
                    (schema,),
                )
            ]
            sequences = [
                r[0]
                for r in conn.execute(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = %s",
                    (schema,),
                )
            ]
            _SCHEMA_OBJECTS[schema] = (tables, sequences)
        tables, sequences = _SCHEMA_OBJECTS[schema]
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                conn.execute(f'DELETE FROM "{schema}"."{table}"')
            for sequence in sequences:
                conn.execute(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART')


@pytest.fixture
def settings(tmp_path: Path, _template: str) -> Iterator[Settings]:
    """Settings for an empty, migrated database of the run's mode."""
    if MODE == "scale":
        _empty_schema(_template)
        yield Settings(
            data_dir=tmp_path,
            database_url=_pg_schema_url(_template),
            redis_url=REDIS_URL,
            redis_channel=f"kefu-test:{_template}:{uuid.uuid4().hex[:8]}:events",
        )
    else:
        shutil.copyfile(_template, tmp_path / "kefu.sqlite3")
        yield Settings(data_dir=tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    c = build(settings, clock=SystemClock())
    prepare(c.ctx, starter_content=False)
    yield c
    c.close()


@pytest.fixture
def fixed_container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    """A container whose clock the test moves by hand."""
    c = build(settings, clock=clock)
    prepare(c.ctx, starter_content=False)
    yield c
    c.close()


class Api:
    """A TestClient with tokens for each role, for readable tests."""

    def __init__(self, client: TestClient, container: Container) -> None:
        self.client, self.container = client, container
        self.tokens: dict[str, str] = {}

    def token(self, role: str, name: str | None = None, **kw: object) -> str:
        return create_user(self.container.ctx, role, name or f"test-{role}", **kw)[1]  # type: ignore[arg-type]

    def headers(self, token: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **extra}

    def as_(self, token: str) -> RoleClient:
        return RoleClient(self.client, token)


class RoleClient:
    def __init__(self, client: TestClient, token: str) -> None:
        self.c, self.h = client, {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.c.get(url, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def post(self, url: str, json: object = None, **kw):  # type: ignore[no-untyped-def]
        return self.c.post(url, json=json, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def put(self, url: str, json: object = None, **kw):  # type: ignore[no-untyped-def]
        return self.c.put(url, json=json, headers={**self.h, **kw.pop("headers", {})}, **kw)

    def patch(self, url: str, json: object = None, **kw):  # type: ignore[no-untyped-def]
        return self.c.patch(url, json=json, headers={**self.h, **kw.pop("headers", {})}, **kw)


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    from kefu.web.app import create_app

    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, container)


@pytest.fixture
def admin(api: Api) -> RoleClient:
    return api.as_(api.token("admin"))


@pytest.fixture
def fixed_api(fixed_container: Container) -> Iterator[Api]:
    """Like `api`, over a container whose clock the test moves by hand."""
    from kefu.web.app import create_app

    with TestClient(create_app(fixed_container), raise_server_exceptions=False) as client:
        yield Api(client, fixed_container)
