"""`Idempotency-Key` on POST: the same key and body replay the first response.

A pure ASGI middleware (no per-request cost without the header). The key is scoped to
the caller's token. The key row is claimed before the request runs, so a concurrent
retry with the same key gets 409 instead of creating a second ticket; a failed request
releases the key so that the client may retry it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu.bootstrap import Container
from kefu.store.models import IdempotencyRow
from kefu.web.errors import error_body

MAX_KEY = 200


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app, self.container = app, container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key.strip() or len(key) > MAX_KEY:
            await _send_json(
                send,
                422,
                error_body(
                    "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY} characters"
                ),
            )
            return
        body = await _read_body(receive)
        scope_key = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        digest = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        claimed, existing = await run_in_threadpool(self._claim, scope_key, key, digest)
        if not claimed:
            assert existing is not None
            await self._answer_existing(send, existing, digest)
            return

        status: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            code = status.get("code", 500)
            if 200 <= code < 300:
                await run_in_threadpool(self._store, scope_key, key, code, b"".join(chunks))
            else:
                await run_in_threadpool(self._release, scope_key, key)

    async def _answer_existing(self, send: Send, row: IdempotencyRow, digest: str) -> None:
        if row.request_hash != digest:
            await _send_json(
                send,
                422,
                error_body(
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used with a different request body",
                    {"key": row.key},
                ),
            )
        elif row.status_code is None:
            await _send_json(
                send,
                409,
                error_body(
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    {"key": row.key},
                ),
            )
        else:
            await send(
                {
                    "type": "http.response.start",
                    "status": row.status_code,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": (row.response_body or "").encode()})

    # -- storage (threads) --

    def _claim(self, scope: str, key: str, digest: str) -> tuple[bool, IdempotencyRow | None]:
        db = self.container.db
        with db.write_session() as s:
            s.add(
                IdempotencyRow(
                    scope=scope,
                    key=key,
                    request_hash=digest,
                    created_at=self.container.ctx.clock.now(),
                )
            )
            try:
                s.commit()
                return True, None
            except IntegrityError:
                s.rollback()
        with db.reader() as s:
            row = s.scalars(
                select(IdempotencyRow).where(
                    IdempotencyRow.scope == scope, IdempotencyRow.key == key
                )
            ).first()
            if row is None:  # released between our insert and this read: try once more
                return self._claim(scope, key, digest)
            s.expunge(row)
            return False, row

    def _store(self, scope: str, key: str, code: int, body: bytes) -> None:
        with self.container.db.write_session() as s:
            row = s.scalars(
                select(IdempotencyRow).where(
                    IdempotencyRow.scope == scope, IdempotencyRow.key == key
                )
            ).one()
            row.status_code, row.response_body = code, body.decode("utf-8", "replace")
            s.commit()

    def _release(self, scope: str, key: str) -> None:
        with self.container.db.write_session() as s:
            s.execute(
                delete(IdempotencyRow).where(
                    IdempotencyRow.scope == scope, IdempotencyRow.key == key
                )
            )
            s.commit()


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send(
        {"type": "http.response.body", "body": json.dumps(payload, ensure_ascii=False).encode()}
    )
