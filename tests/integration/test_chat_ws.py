"""The in-app chat over a real WebSocket (uvicorn on loopback, the `websockets` client):
authentication, resume without loss or duplication, the hand-off, agent replies."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from websockets.exceptions import ConnectionClosed

import kefu.store.models_chat  # noqa: F401 - registers the chat tables
from kefu.bootstrap import Container
from kefu.domain.satisfaction import widget_signature
from kefu.store.models import Base
from kefu.web.app import create_app
from tests.conftest import Api
from tests.integration.chat_support import (
    CUSTOMER_UID,
    WIDGET_SECRET,
    Socket,
    is_message,
    open_socket,
    serve,
    use_echo_bot,
)


@pytest.fixture
def live(container: Container) -> Iterator[tuple[str, Api]]:
    container.settings.widget_secret = WIDGET_SECRET
    use_echo_bot(container)
    api = Api(None, container)  # type: ignore[arg-type]  # tokens only
    with serve(create_app(container)) as base:
        yield base, api


def _hello(sock: Socket, **kw: Any) -> dict[str, Any]:
    sock.send({"type": "hello", **kw})
    return sock.until(lambda f: f["type"] in ("welcome", "error"))


def _refused(base: str, query: str) -> tuple[int, str]:
    sock = open_socket(base, query)
    with pytest.raises(ConnectionClosed) as info:
        sock.recv(timeout=10)
    rcvd = info.value.rcvd
    assert rcvd is not None
    return rcvd.code, rcvd.reason


def test_the_chat_migration_matches_the_models(container: Container) -> None:
    with container.db.engines[-1].connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    chat_tables = {"chat_conversations", "chat_messages", "satisfaction_ratings", "rating_requests"}
    ours = [d for d in diff if any(t in repr(d) for t in chat_tables)]
    assert ours == []


def test_an_unauthenticated_or_unknown_token_connection_is_refused(
    live: tuple[str, Api],
) -> None:
    base, _ = live
    code, reason = _refused(base, "")
    assert code == 1008 and "sign in" in reason
    code, reason = _refused(base, "token=kefu_not-a-real-token")
    assert code == 1008 and "unknown" in reason


def test_a_forged_or_expired_widget_signature_is_refused(live: tuple[str, Api]) -> None:
    base, _ = live
    now = int(time.time())
    good = widget_signature(WIDGET_SECRET.encode(), CUSTOMER_UID, now)
    forged = widget_signature(b"not-the-secret", CUSTOMER_UID, now)
    code, _ = _refused(base, f"uid={CUSTOMER_UID}&ts={now}&sig={forged}")
    assert code == 1008
    # the signature of another user does not carry over
    code, _ = _refused(base, f"uid=UID55500002&ts={now}&sig={good}")
    assert code == 1008
    old = now - 3600
    code, reason = _refused(
        base,
        f"uid={CUSTOMER_UID}&ts={old}&sig={widget_signature(WIDGET_SECRET.encode(), CUSTOMER_UID, old)}",
    )
    assert code == 1008 and "expired" in reason
    sock = open_socket(base, f"uid={CUSTOMER_UID}&ts={now}&sig={good}")
    welcome = _hello(sock)
    assert welcome["type"] == "welcome"
    assert welcome["conversation"]["customer_uid"] == CUSTOMER_UID
    assert welcome["messages"][0]["kind"] == "greeting"
    sock.close()


def test_reconnect_and_resume_lose_and_double_nothing(live: tuple[str, Api]) -> None:
    base, api = live
    token = api.token("customer", "resumer", customer_uid=CUSTOMER_UID)
    received: dict[int, dict[str, Any]] = {}

    def keep(frames: list[dict[str, Any]]) -> None:
        for f in frames:
            msgs = f.get("messages", []) if f["type"] == "welcome" else []
            if f["type"] in ("message", "ack"):
                msgs = [f["message"]]
            for m in msgs:
                assert m["seq"] not in received or received[m["seq"]] == m
                received[m["seq"]] = m

    first = open_socket(base, f"token={token}")
    welcome = _hello(first)
    conversation_id = welcome["conversation"]["id"]
    bodies = [f"第{i}条消息" for i in range(1, 9)]
    for i in range(5):
        first.send({"type": "message", "client_id": f"c{i}", "body": bodies[i]})
    acked = set()
    while len(acked) < 3:  # read only the first three acks, then the socket dies
        f = first.recv()
        if f["type"] == "ack":
            acked.add(f["client_id"])
    keep(first.seen)
    first.ws.socket.close()  # the network drops: no close frame
    time.sleep(0.3)  # let the server finish what it had read

    last_seq = 0
    while last_seq + 1 in received:
        last_seq += 1
    second = open_socket(base, f"token={token}")
    resumed = _hello(second, conversation_id=conversation_id, last_seq=last_seq)
    assert resumed["type"] == "welcome"
    assert all(m["seq"] > last_seq for m in resumed["messages"])
    unacked = [i for i in range(5) if f"c{i}" not in acked]
    for i in [*unacked, 0]:  # resend every unacked message, and one acked one by mistake
        second.send({"type": "message", "client_id": f"c{i}", "body": bodies[i]})
    for i in range(5, 8):
        second.send({"type": "message", "client_id": f"c{i}", "body": bodies[i]})
    acks: dict[str, dict[str, Any]] = {}
    while len(acks) < len(unacked) + 4:
        f = second.recv()
        if f["type"] == "ack":
            acks.setdefault(f["client_id"], f)
    assert acks["c0"]["duplicate"] is True

    # every bot answer for the eight messages arrives too
    def answered(f: dict[str, Any]) -> bool:
        return f["type"] == "message" and f["message"]["body"] == "echo: 第8条消息"

    if not any(answered(f) for f in second.seen):
        second.until(answered)
    keep(second.seen)
    second.close()

    customer = [m for m in received.values() if m["author"] == "customer"]
    assert sorted(m["body"] for m in customer) == sorted(bodies)  # each exactly once
    assert sorted(received) == list(range(1, max(received) + 1))  # no gap in what we saw
    with api.container.ctx.uow(readonly=True) as uow:
        stored = uow.chat.messages(conversation_id, limit=1000)
    stored_customer = [m.body for m in stored if m.author.value == "customer"]
    assert sorted(stored_customer) == sorted(bodies)
    assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
    answers = [m.body for m in stored if m.author.value == "bot" and m.kind.value == "answer"]
    assert sorted(answers) == sorted(f"echo: {b}" for b in bodies)  # one answer each


def test_a_resent_client_id_is_stored_once_and_acked_the_same(live: tuple[str, Api]) -> None:
    base, api = live
    token = api.token("customer", "twice", customer_uid=CUSTOMER_UID)
    sock = open_socket(base, f"token={token}")
    conversation_id = _hello(sock)["conversation"]["id"]
    sock.send({"type": "message", "client_id": "same", "body": "你好"})
    a = sock.until(lambda f: f["type"] == "ack")
    sock.send({"type": "message", "client_id": "same", "body": "你好"})
    b = sock.until(lambda f: f["type"] == "ack")
    assert (a["seq"], a["duplicate"], b["seq"], b["duplicate"]) == (a["seq"], False, a["seq"], True)
    with api.container.ctx.uow(readonly=True) as uow:
        stored = uow.chat.messages(conversation_id)
    assert [m.body for m in stored if m.client_id == "same"] == ["你好"]
    sock.close()


def test_bad_frames_get_error_frames_and_the_socket_lives_on(live: tuple[str, Api]) -> None:
    base, api = live
    token = api.token("customer", "clumsy", customer_uid=CUSTOMER_UID)
    sock = open_socket(base, f"token={token}")
    sock.send({"type": "message", "client_id": "x", "body": "too early"})
    assert sock.recv()["code"] == "invalid"  # hello first
    sock.ws.send("not json")
    assert sock.recv()["type"] == "error"
    _hello(sock)
    sock.send({"type": "bogus"})
    assert "unknown frame" in sock.recv()["message"]
    sock.send({"type": "message", "client_id": "big", "body": "长" * 5000})
    err = sock.until(lambda f: f["type"] == "error")
    assert err["ref"] == "big" and err["details"]["limit"] == 2000
    sock.send({"type": "hello", "conversation_id": 999999})
    assert sock.until(lambda f: f["type"] == "error")["code"] == "not_found"
    sock.send({"type": "ping"})
    assert sock.until(lambda f: f["type"] == "pong")


def test_the_hand_off_opens_a_ticket_with_transcript_and_tells_the_wait(
    live: tuple[str, Api],
) -> None:
    base, api = live
    token = api.token("customer", "handed", customer_uid=CUSTOMER_UID)
    sock = open_socket(base, f"token={token}")
    conversation_id = _hello(sock, lang="zh")["conversation"]["id"]
    sock.send({"type": "message", "client_id": "q1", "body": "我的账号登录不了"})
    sock.until(is_message("bot", "answer"))
    sock.send({"type": "message", "client_id": "q2", "body": "转人工"})
    sock.until(is_message("bot", "handoff"))
    queue = sock.until(is_message("system", "queue"))["message"]
    ticket_id = queue["meta"]["ticket_id"]
    assert queue["meta"]["position"] == 1 and f"#{ticket_id}" in queue["body"]
    assert queue["meta"]["subcategory"] == "account.hijacked"
    sock.close()

    supervisor = api.token("supervisor", "sup")
    with api.container.ctx.uow(readonly=True) as uow:
        ticket = uow.tickets.get(ticket_id)
        messages = uow.tickets.messages(ticket_id, include_notes=True)
        conversation = uow.chat.get(conversation_id)
    assert ticket is not None and conversation is not None
    assert (ticket.channel.value, ticket.subcategory) == ("inapp", "account.hijacked")
    assert "chat_handoff" in ticket.tags and "handoff:explicit_request" in ticket.tags
    assert ticket.priority.value == queue["meta"]["priority"]
    transcript = messages[0].body
    assert "我的账号登录不了" in transcript and "echo: 我的账号登录不了" in transcript
    assert "转人工" in transcript
    assert conversation.ticket_id == ticket_id and conversation.state.value == "waiting"
    assert conversation.handoff["reasons"] == ["explicit_request"]
    # the agent's side sees the same conversation
    from fastapi.testclient import TestClient

    with TestClient(create_app(api.container)) as client:
        r = client.get(
            f"/api/v1/tickets/{ticket_id}/conversation",
            headers={"Authorization": f"Bearer {supervisor}"},
        )
        assert r.status_code == 200, r.text
        assert [m["seq"] for m in r.json()["messages"]][:2] == [1, 2]


def test_an_agent_reply_reaches_the_customer_live_and_the_ticket(live: tuple[str, Api]) -> None:
    base, api = live
    token = api.token("customer", "waiting", customer_uid=CUSTOMER_UID)
    customer = open_socket(base, f"token={token}")
    _hello(customer)
    customer.send({"type": "message", "client_id": "h", "body": "人工客服"})
    ticket_id = customer.until(is_message("system", "queue"))["message"]["meta"]["ticket_id"]

    staff = api.token("supervisor", "王经理")
    agent = open_socket(base, f"token={staff}")
    welcome = _hello(agent, ticket_id=ticket_id)
    assert welcome["side"] == "agent"
    assert any(m["body"] == "人工客服" for m in welcome["messages"])
    agent.send({"type": "typing", "on": True})
    typing = customer.until(lambda f: f["type"] == "typing")
    assert typing["side"] == "agent" and typing["on"] is True
    agent.send({"type": "message", "client_id": "r1", "body": "您好，我来帮您处理。"})
    assert agent.until(lambda f: f["type"] == "ack")["duplicate"] is False
    reply = customer.until(is_message("agent"))["message"]
    assert reply["body"] == "您好，我来帮您处理。" and reply["author_name"] == "王经理"
    customer.send({"type": "read", "seq": reply["seq"]})
    read = agent.until(lambda f: f["type"] == "read")
    assert read == {"type": "read", "side": "customer", "seq": reply["seq"]}
    # after the hand-off the customer's words go to the ticket too
    customer.send({"type": "message", "client_id": "after", "body": "谢谢，我的 UID 是 55500001"})
    customer.until(lambda f: f["type"] == "ack")
    agent.until(lambda f: f["type"] == "message" and f["message"]["client_id"] == "after")
    customer.until(lambda f: f["type"] == "state" and f["conversation"]["state"] == "with_agent")
    with api.container.ctx.uow(readonly=True) as uow:
        kinds = [
            (m.kind.value, m.body) for m in uow.tickets.messages(ticket_id, include_notes=False)
        ]
    assert ("agent", "您好，我来帮您处理。") in kinds
    assert ("customer", "谢谢，我的 UID 是 55500001") in kinds
    agent.close()
    customer.close()


def test_a_reply_written_on_the_ticket_reaches_the_chat(live: tuple[str, Api]) -> None:
    base, api = live
    token = api.token("customer", "desk", customer_uid=CUSTOMER_UID)
    customer = open_socket(base, f"token={token}")
    _hello(customer)
    customer.send({"type": "message", "client_id": "h", "body": "转人工"})
    ticket_id = customer.until(is_message("system", "queue"))["message"]["meta"]["ticket_id"]
    from kefu.domain.actors import Actor, Role
    from kefu.services.tickets import add_message

    desk = Actor(Role.SUPERVISOR, "desk", user_id=1)
    add_message(api.container.ctx, desk, ticket_id, "来自工作台的回复")
    reply = customer.until(is_message("agent"))["message"]
    assert reply["body"] == "来自工作台的回复"
    customer.close()


def test_switching_the_widget_language_switches_the_bots_language(
    live: tuple[str, Api],
) -> None:
    base, api = live
    token = api.token("customer", "lang", customer_uid=CUSTOMER_UID)
    zh = open_socket(base, f"token={token}")
    zh.send({"type": "hello", "last_seq": 0, "lang": "zh-CN"})
    welcome = zh.until(lambda f: f.get("type") == "welcome")
    conversation_id = welcome["conversation"]["id"]
    assert welcome["conversation"]["lang"] == "zh"
    zh.close()
    en = open_socket(base, f"token={token}")
    en.send({"type": "hello", "conversation_id": conversation_id, "last_seq": 0, "lang": "en"})
    welcome = en.until(lambda f: f.get("type") == "welcome")
    assert welcome["conversation"]["id"] == conversation_id
    assert welcome["conversation"]["lang"] == "en"
    en.send({"type": "message", "client_id": "x1", "body": "human agent please"})
    queued = en.until(is_message("system", "queue"))["message"]["body"]
    assert re.search(r"[A-Za-z]{4,}", queued) and not re.search(r"[\u4e00-\u9fff]{4,}", queued)
    en.close()
