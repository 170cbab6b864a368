"""Exit 0 when the scale-mode services answer, else print which one does not and exit 1."""

from __future__ import annotations

import os
import sys

PG = os.environ.get("KEFU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def main() -> int:
    ok = True
    try:
        import psycopg

        with psycopg.connect(
            PG.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        print(f"PostgreSQL unreachable at {PG}: {type(exc).__name__}: {exc}", file=sys.stderr)
        ok = False
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=5).ping()
    except Exception as exc:
        print(f"Redis unreachable at {REDIS}: {type(exc).__name__}: {exc}", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
