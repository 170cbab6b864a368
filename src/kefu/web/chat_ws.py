"""WebSocket /api/v1/ws/chat: the in-app chat, for customers (widget, apps) and agents.

The protocol (frames, authentication, resume rules, close codes) is documented in
`docs/subsystems/chat.md`. In short: authenticate on connect (API token, a signed widget
identity, or a page session for agents) — a refused connection is accepted and closed at
once with 1008 and the reason, so browsers can show it; then `hello` names the
conversation (customers) or the ticket (agents) and the last sequence number the client
has seen; the server answers `welcome` with every message after it and then pushes new
messages, typing, read marks and state changes. Bad frames get an `error` frame; the
socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.chat import Side
from kefu.domain.customers import normalise_uid
from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.satisfaction import check_widget_signature
from kefu.services import chat as chat_service
from kefu.services import satisfaction
from kefu.services.chat_context import ChatContext, topic
from kefu.services.users import authenticate

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
INBOX = 1000
"""Frames waiting for a slow client; beyond it the socket closes with 1013 and the client
resumes from its last sequence number (nothing is lost: every message is stored)."""
MAX_FRAME = 64 * 1024


def _token(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token", "")
    if not token:
        scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
        token = value if scheme.lower() == "bearer" else ""
    return token.strip()


def widget_actor(container: Container, uid: str, ts: str, sig: str) -> Actor | str:
    """The customer a signed widget identity stands for, or why it is refused."""
    secret = container.settings.widget_secret
    if not secret:
        return "signed widget identities are not enabled on this server"
    now = container.ctx.clock.now()
    max_age = container.settings.widget_signature_max_age
    if not check_widget_signature(secret.encode(), uid, ts, sig, now, max_age):
        return "the widget signature is invalid or expired"
    try:
        normalised = normalise_uid(uid)
    except InvalidInput:
        return "the widget identity is not a platform UID"
    return Actor(Role.CUSTOMER, f"widget:{normalised}", customer_uid=normalised)


def _session_actor(websocket: WebSocket) -> Actor | None:
    try:
        from kefu.web.pages.session import actor_from_websocket
    except ImportError:  # pages not installed in this build
        return None
    try:
        return actor_from_websocket(websocket)
    except Exception:  # no session middleware on this app
        return None


def connection_actor(websocket: WebSocket, container: Container) -> Actor | str:
    params = websocket.query_params
    token = _token(websocket)
    if token:
        actor = authenticate(container.ctx, token)
        if actor is None:
            return "this API token is unknown or disabled"
    elif params.get("sig") or params.get("uid"):
        found = widget_actor(
            container, params.get("uid", ""), params.get("ts", ""), params.get("sig", "")
        )
        if isinstance(found, str):
            return found
        actor = found
    else:
        session = _session_actor(websocket)
        if session is None:
            return "sign in: ?token=, a signed widget identity (?uid=&ts=&sig=) or a session"
        actor = session
    if actor.role is not Role.CUSTOMER and not actor.is_staff:
        return f"the role '{actor.role.value}' has no chat"
    return actor


def _error(exc: Exception, ref: Any = None) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        code = str(exc.details.get("code") or exc.code) if exc.details else exc.code
        frame = {"type": "error", "code": code, "message": exc.message, "details": exc.details}
    else:
        frame = {
            "type": "error",
            "code": "internal_error",
            "message": "an internal error "
            "occurred; it was logged (your message may be resent with its client_id)",
        }
    if ref is not None:
        frame["ref"] = ref
    return json.loads(json.dumps(frame, default=str))


class ChatConnection:
    def __init__(self, websocket: WebSocket, chat: ChatContext, realtime: Any, actor: Actor):
        self.ws, self.chat, self.realtime, self.actor = websocket, chat, realtime, actor
        self.side = Side.AGENT if actor.is_staff else Side.CUSTOMER
        self.conversation_id: int | None = None
        self.ticket_id: int | None = None
        self.sent: set[int] = set()
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.unsubscribe: Callable[[], None] | None = None
        self.loop = asyncio.get_running_loop()
        self.overflowed = False

    # ---- outgoing ---------------------------------------------------------------------

    def send(self, frame: dict[str, Any]) -> None:
        if self.outbox.qsize() >= INBOX:
            if not self.overflowed:
                self.overflowed = True
                self.outbox.put_nowait(None)
            return
        self.outbox.put_nowait(frame)

    def _live(self, frame: dict[str, Any]) -> None:
        """From the real-time fan-out (any thread)."""
        self.loop.call_soon_threadsafe(self._forward, frame)

    def _forward(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            seq = int(frame.get("message", {}).get("seq", 0))
            if seq in self.sent:
                return
            self.sent.add(seq)
        elif kind in ("typing", "read") and frame.get("side") == self.side.value:
            return
        self.send(frame)

    async def writer(self) -> None:
        while True:
            frame = await self.outbox.get()
            if frame is None:
                await self.ws.close(TRY_AGAIN_LATER, "too far behind: reconnect and resume")
                return
            await self.ws.send_json(frame)

    # ---- incoming ---------------------------------------------------------------------

    async def handle(self, raw: str) -> None:
        if len(raw) > MAX_FRAME:
            self.send(_error(InvalidInput(f"frames are at most {MAX_FRAME} bytes")))
            return
        try:
            frame = json.loads(raw)
        except ValueError:
            self.send(_error(InvalidInput("frames are JSON objects")))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            self.send(_error(InvalidInput('frames are JSON objects with a "type"')))
            return
        ref = frame.get("client_id")
        handler = getattr(self, "on_" + frame["type"], None)
        if handler is None:
            self.send(_error(InvalidInput(f"unknown frame type '{frame['type']}'"), ref))
            return
        if frame["type"] not in ("hello", "ping") and self.conversation_id is None:
            self.send(_error(InvalidInput("send hello first"), ref))
            return
        try:
            await handler(frame)
        except DomainError as exc:
            self.send(_error(exc, ref))
        except Exception as exc:
            log.exception("chat frame %s failed", frame.get("type"))
            self.send(_error(exc, ref))

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    @staticmethod
    def _int(frame: dict[str, Any], key: str, default: int | None = None) -> int | None:
        value = frame.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{key} must be a non-negative integer", details={"field": key})
        return value

    async def on_ping(self, frame: dict[str, Any]) -> None:
        self.send({"type": "pong"})

    async def on_hello(self, frame: dict[str, Any]) -> None:
        last_seq = self._int(frame, "last_seq", 0) or 0
        if self.side is Side.AGENT:
            ticket_id = self._int(frame, "ticket_id")
            if ticket_id is None:
                raise InvalidInput(
                    "agents say hello with the ticket_id", details={"field": "ticket_id"}
                )
            conversation, _ = await self.call(
                chat_service.ticket_conversation, self.chat, self.actor, ticket_id
            )
            self.ticket_id = ticket_id
        else:
            conversation = await self.call(
                chat_service.start_or_resume,
                self.chat,
                self.actor,
                self._int(frame, "conversation_id"),
                frame.get("lang"),
            )
        await self._subscribe(conversation.id)
        messages = []
        after = last_seq
        while True:
            c, page = await self.call(
                chat_service.history, self.chat, self.actor, conversation.id, after
            )
            messages += page
            if len(page) < self.chat.policy.history_page:
                break
            after = page[-1].seq
        self.sent.update(m.seq for m in messages)
        welcome: dict[str, Any] = {
            "type": "welcome",
            "side": self.side.value,
            "conversation": chat_service.conversation_dict(c),
            "messages": [m.as_dict() for m in messages],
        }
        if self.side is Side.CUSTOMER and c.id is not None:
            welcome["upload_token"] = chat_service.upload_token_for(self.chat, c)
        self.send(welcome)

    async def _subscribe(self, conversation_id: int) -> None:
        if self.unsubscribe is not None and self.conversation_id != conversation_id:
            self.unsubscribe()
            self.unsubscribe = None
            self.sent.clear()
        self.conversation_id = conversation_id
        if self.unsubscribe is None:
            self.unsubscribe = await self.call(
                self.realtime.subscribe, topic(conversation_id), self._live
            )

    def _ack(self, posted: chat_service.Posted, client_id: Any) -> None:
        self.sent.add(posted.message.seq)
        self.send(
            {
                "type": "ack",
                "client_id": client_id,
                "seq": posted.message.seq,
                "duplicate": posted.duplicate,
                "message": posted.message.as_dict(),
            }
        )

    async def on_message(self, frame: dict[str, Any]) -> None:
        body = frame.get("body", "")
        if not isinstance(body, str):
            raise InvalidInput("body must be text", details={"field": "body"})
        client_id = frame.get("client_id")
        if self.side is Side.AGENT:
            posted = await self.call(
                chat_service.agent_reply, self.chat, self.actor, self.ticket_id, client_id, body
            )
        else:
            posted = await self.call(
                chat_service.post_message,
                self.chat,
                self.actor,
                self.conversation_id,
                client_id,
                body,
            )
        self._ack(posted, client_id)

    async def on_feedback(self, frame: dict[str, Any]) -> None:
        self._customers_only()
        client_id = frame.get("client_id")
        posted = await self.call(
            chat_service.feedback,
            self.chat,
            self.actor,
            self.conversation_id,
            client_id,
            frame.get("helpful"),
        )
        self._ack(posted, client_id)

    async def on_choose(self, frame: dict[str, Any]) -> None:
        self._customers_only()
        client_id = frame.get("client_id")
        posted = await self.call(
            chat_service.choose,
            self.chat,
            self.actor,
            self.conversation_id,
            client_id,
            frame.get("code"),
        )
        self._ack(posted, client_id)

    async def on_rating(self, frame: dict[str, Any]) -> None:
        self._customers_only()
        rating = await self.call(
            satisfaction.rate_in_chat,
            self.chat,
            self.actor,
            self.conversation_id,
            frame.get("score"),
            frame.get("comment"),
        )
        self.send({"type": "rated", "ticket_id": rating.ticket_id, "score": rating.score})

    async def on_typing(self, frame: dict[str, Any]) -> None:
        assert self.conversation_id is not None
        await self.call(
            chat_service.typing,
            self.chat,
            self.conversation_id,
            self.side,
            self.actor.name,
            bool(frame.get("on", True)),
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        seq = self._int(frame, "seq")
        if seq is None:
            raise InvalidInput("read needs the seq read up to", details={"field": "seq"})
        await self.call(chat_service.mark_read, self.chat, self.actor, self.conversation_id, seq)

    def _customers_only(self) -> None:
        if self.side is not Side.CUSTOMER:
            raise InvalidInput("only the customer sends this frame")


@router.websocket("/ws/chat")
async def chat_socket(websocket: WebSocket) -> None:
    container: Container = websocket.app.state.container
    actor = await run_in_threadpool(connection_actor, websocket, container)
    await websocket.accept()
    if isinstance(actor, str):
        await websocket.close(code=POLICY_VIOLATION, reason=actor[:120])
        return
    chat: ChatContext = container.extras["chat"]
    conn = ChatConnection(websocket, chat, container.extras["realtime"], actor)
    writer = asyncio.create_task(conn.writer())
    try:
        while not writer.done():
            receiver = asyncio.create_task(websocket.receive())
            done, _ = await asyncio.wait({receiver, writer}, return_when=asyncio.FIRST_COMPLETED)
            if receiver not in done:
                receiver.cancel()
                break
            message = receiver.result()
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text")
            if raw is None and message.get("bytes") is not None:
                raw = message["bytes"].decode("utf-8", "replace")
            await conn.handle(raw or "")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if conn.unsubscribe is not None:
            conn.unsubscribe()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await writer
