"""create_app(): the FastAPI application around a Container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

import kefu
from kefu.bootstrap import Container, build
from kefu.web import chat_ws, errors, pages, ws
from kefu.web import widget as widget_pages
from kefu.web.api.v1 import advisor, attachments, customers, org, routing, sla, tickets, triage
from kefu.web.api.v1 import chat as chat_api
from kefu.web.api.v1 import disputes as disputes_api
from kefu.web.api.v1 import email as email_api
from kefu.web.api.v1 import knowledge as knowledge_api
from kefu.web.deps import TokenCache
from kefu.web.idempotency import IdempotencyMiddleware

DESCRIPTION = """kefu (客服) — omnichannel customer service.

Authenticate with `Authorization: Bearer <token>` (create one with
`kefu user create --role admin --name NAME`). Errors are
`{"error": {"code", "message", "details"}}`. POSTs honour `Idempotency-Key`.
"""


def create_app(container: Container | None = None) -> FastAPI:
    container = container or build()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.start_background()
        try:
            yield
        finally:
            container.stop_background()

    app = FastAPI(
        title="kefu", version=kefu.__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.container = container
    app.state.token_cache = TokenCache()
    errors.install(app)

    api = APIRouter(prefix="/api/v1")
    for module in (
        tickets,
        customers,
        org,
        attachments,
        sla,
        triage,
        email_api,
        disputes_api,
        knowledge_api,
        routing,
        advisor,
        ws,
        chat_api,
        chat_ws,
    ):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=None)
    def readyz() -> Any:
        """The database is reachable and migrated (and Redis answers, in scale mode)."""
        ok, checks = container.readiness()
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    pages.install(app)
    widget_pages.install(app)
    app.add_middleware(IdempotencyMiddleware, container=container)
    return app
