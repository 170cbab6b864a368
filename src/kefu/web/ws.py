"""WebSocket /api/v1/ws/supervisor: live queue figures pushed to supervisors and admins.

Authenticate with `?token=<API token>` or `Authorization: Bearer <token>`, or — from the
pages — with the session cookie of a signed-in user (same Origin only). Other roles
and bad tokens are refused before the socket opens (close code 1008). The first message is
the current figures; every later one follows routing and ticket events (at most about
once a second, at least every 15 seconds). Messages: `{"type": "figures", "at": ISO time,
"queues": [...]}` with the same queue objects as GET /api/v1/queues/figures.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from kefu.bootstrap import Container
from kefu.domain.actors import Role
from kefu.realtime import Realtime
from kefu.realtime.figures import TOPIC, FiguresBroadcaster, figures_message
from kefu.services.users import authenticate
from kefu.web.pages.session import actor_from_websocket

router = APIRouter(tags=["realtime"])
ALLOWED = (Role.SUPERVISOR, Role.ADMIN)
POLICY_VIOLATION = 1008


def _token(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token", "")
    if not token:
        scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
        token = value if scheme.lower() == "bearer" else ""
    return token.strip()


@router.websocket("/ws/supervisor")
async def supervisor(websocket: WebSocket) -> None:
    container: Container = websocket.app.state.container
    token = _token(websocket)
    if token:
        actor = await run_in_threadpool(authenticate, container.ctx, token)
    else:
        actor = await run_in_threadpool(actor_from_websocket, websocket)
    if actor is None or actor.role not in ALLOWED:
        await websocket.close(code=POLICY_VIOLATION, reason="supervisors and admins only")
        return
    await websocket.accept()
    realtime: Realtime = container.extras["realtime"]
    broadcaster: FiguresBroadcaster = container.extras["figures"]
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)

    def deliver(message: dict[str, Any]) -> None:
        def put() -> None:
            if inbox.full():  # a slow client only needs the newest figures
                inbox.get_nowait()
            inbox.put_nowait(message)

        loop.call_soon_threadsafe(put)

    unsubscribe = realtime.subscribe(TOPIC, deliver)
    broadcaster.start()
    closed = asyncio.create_task(_until_closed(websocket))
    try:
        await websocket.send_json(await run_in_threadpool(figures_message, container.ctx))
        while not closed.done():
            getter = asyncio.create_task(inbox.get())
            done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send_json(getter.result())
            else:
                getter.cancel()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        unsubscribe()
        closed.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await closed


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
