"""Helpers of the chat tests: a real server on a free loopback port, a WebSocket client
that reads frames with a deadline, and a predictable bot."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from websockets.sync.client import ClientConnection, connect

from kefu.bootstrap import Container
from kefu.services.chat_context import ChatContext

CUSTOMER_UID = "UID55500001"
WIDGET_SECRET = "widget-test-secret"


@dataclass(frozen=True)
class Turn:
    kind: str
    text: str
    citations: tuple[Any, ...] = ()
    ask_helpful: bool = False
    options: tuple[Mapping[str, str], ...] = ()
    handoff: Any = None
    classification: Mapping[str, Any] | None = None
    state: Any = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    reasons: tuple[str, ...]


class EchoBot:
    """Answers `echo: <text>` citing one article; 人工 / human hands off as account.hijacked."""

    def reply(self, ctx: Any, state: Mapping[str, Any], text: str, lang: str) -> Turn:
        turns = int(state.get("turns", 0)) + 1
        if "人工" in text or "human" in text.lower():
            return Turn(
                "handoff",
                "正在为您转接人工客服。",
                handoff=Decision(("explicit_request",)),
                classification={"label": "account.hijacked", "confidence": 0.9, "confident": True},
                state={"turns": turns},
            )
        cite = {"article_id": 1, "slug": "howto", "title": "How to", "lang": lang, "url": "/kb/1"}
        return Turn("answer", f"echo: {text}", (cite,), ask_helpful=True, state={"turns": turns})

    def feedback(self, ctx: Any, state: Mapping[str, Any], helpful: bool, lang: str) -> Turn:
        return Turn("answer", "thanks" if helpful else "sorry", state=dict(state))


def use_echo_bot(container: Container) -> ChatContext:
    chat: ChatContext = replace(container.extras["chat"], bot=EchoBot())
    container.extras["chat"] = chat
    return chat


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run the app with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Socket:
    """A WebSocket client that reads JSON frames with a deadline."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []
        self._taken: set[int] = set()

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame, ensure_ascii=False))

    def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
        self.seen.append(frame)
        self._taken.add(len(self.seen) - 1)
        return frame

    def until(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        """The first frame received (earlier or now) that matches and was not returned yet."""
        for i, frame in enumerate(self.seen):
            if i not in self._taken and match(frame):
                self._taken.add(i)
                return frame
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching frame; seen {self.seen[-5:]}")
            frame: dict[str, Any] = json.loads(self.ws.recv(timeout=left))
            self.seen.append(frame)
            if match(frame):
                self._taken.add(len(self.seen) - 1)
                return frame

    def close(self) -> None:
        self.ws.close()


def open_socket(base: str, query: str) -> Socket:
    ws = connect(f"ws://{base}/api/v1/ws/chat?{query}", open_timeout=10)
    return Socket(ws.__enter__())


def is_message(author: str | None = None, kind: str | None = None) -> Callable[[dict], bool]:
    def match(f: dict[str, Any]) -> bool:
        if f.get("type") != "message":
            return False
        m = f["message"]
        return (author is None or m["author"] == author) and (kind is None or m["kind"] == kind)

    return match
