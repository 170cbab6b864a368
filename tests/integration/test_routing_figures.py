"""Live queue figures: length, oldest wait, estimated wait, service level, abandonment —
served by GET /api/v1/queues/figures and pushed over WebSocket /api/v1/ws/supervisor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from kefu.bootstrap import Container
from kefu.domain import erlang
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.domain.organisation import Agent
from kefu.services import org, routing, routing_ops
from kefu.services.queue_figures import queue_figures, ticket_wait
from kefu.services.tickets import OpenTicket, open_ticket, transition_ticket
from tests.conftest import Api

ADMIN = Actor(Role.ADMIN, "admin")
SECOND = timedelta(seconds=1)


def general_agent(c: Container, name: str) -> Agent:
    agent = org.create_agent(c.ctx, None, name, ["general"])
    assert agent.id is not None
    return org.update_agent(c.ctx, ADMIN, agent.id, presence="available")


def chat(c: Container, n: int) -> int:
    t = open_ticket(
        c.ctx, ADMIN, OpenTicket(f"UID8{n:07d}", "inapp", "怎么用", subcategory="usage.howto")
    )
    assert t.id is not None
    return t.id


def general_chat(c: Container) -> Any:
    [f] = [
        f
        for f in queue_figures(c.ctx, ADMIN)
        if f.queue == "general/normal" and f.medium.value == "chat"
    ]
    return f


def test_queue_figures_follow_the_queue_and_its_history(
    fixed_container: Container, clock: FixedClock
) -> None:
    c = fixed_container
    agents = [general_agent(c, "王"), general_agent(c, "李")]  # 2 × 3 chats = 6 slots
    tickets = [chat(c, i) for i in range(8)]

    f = general_chat(c)
    assert (f.length, f.oldest_wait_seconds, f.agents, f.servers, f.busy) == (8, 0, 2, 6, 0)
    assert f.handle_seconds == 480  # the policy default until there is history
    # 8 waiting, 6 free slots: the 9th arrival waits for 3 completions at 6 / 480 s.
    assert f.estimated_wait_seconds == pytest.approx(3 * 480 / 6)
    assert f.service_level is None and f.abandonment is None

    clock.advance(100 * SECOND)
    assert routing.dispatch(c.ctx) == 6
    f = general_chat(c)
    assert (f.length, f.oldest_wait_seconds, f.busy) == (8, 100, 6)
    assert f.estimated_wait_seconds == pytest.approx(3 * 480 / 6)  # 2 waiting + itself

    offers = {
        o.ticket_id: o
        for a in agents
        if a.id is not None
        for o in routing_ops.desk_of(c.ctx, ADMIN, a.id)[1]
    }
    offered = sorted(offers)
    for tid in offered[:3]:  # answered after 100 s: within the 120 s chat target
        routing_ops.accept_offer(c.ctx, ADMIN, offers[tid].id)  # type: ignore[arg-type]
    clock.advance(50 * SECOND)
    for tid in offered[3:]:  # after 150 s: too late
        routing_ops.accept_offer(c.ctx, ADMIN, offers[tid].id)  # type: ignore[arg-type]
    waiting = [t for t in tickets if t not in offers]
    transition_ticket(c.ctx, ADMIN, waiting[0], "resolved", "the customer left")

    clock.advance(600 * SECOND)
    transition_ticket(c.ctx, ADMIN, offered[0], "resolved")  # held 650 s (from 100 s)
    clock.advance(100 * SECOND)
    transition_ticket(c.ctx, ADMIN, offered[3], "resolved")  # held 700 s (from 150 s)

    f = general_chat(c)
    assert (f.answered, f.abandoned, f.length) == (6, 1, 1)
    assert f.service_level == pytest.approx(3 / 7)
    assert f.abandonment == pytest.approx(1 / 7)
    assert f.handle_seconds == pytest.approx(675)
    assert f.arrival_rate_per_hour == pytest.approx(8)
    assert f.busy == 4
    # One waiting, two free slots: it is answered at once.
    assert f.estimated_wait_seconds == 0
    lam, mu = 8 / 3600, 1 / 675
    assert f.erlang_wait_seconds == pytest.approx(erlang.mean_wait(6, lam, mu))
    assert f.erlang_service_level == pytest.approx(erlang.service_level(6, lam, mu, 120))


def test_a_queue_without_agents_on_duty_has_no_estimate(fixed_container: Container) -> None:
    chat(fixed_container, 1)
    f = general_chat(fixed_container)
    assert (f.length, f.servers, f.estimated_wait_seconds) == (1, 0, None)


def test_figures_are_served_to_staff_and_integrations_only(api: Api) -> None:
    sup = api.as_(api.token("supervisor"))
    api.as_(api.token("admin")).post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID80000001"},
            "channel": "hotline",
            "body": "怎么用",
            "subcategory": "usage.howto",
        },
    )
    r = sup.get("/api/v1/queues/figures")
    assert r.status_code == 200
    [q] = [
        q for q in r.json()["queues"] if q["queue"] == "general/normal" and q["medium"] == "call"
    ]
    assert (q["length"], q["servers"], q["estimated_wait_seconds"]) == (1, 0, None)
    assert {"oldest_wait_seconds", "service_level", "abandonment", "erlang_wait_seconds"} <= set(q)
    customer = api.as_(api.token("customer", customer_uid="UID80000001"))
    assert customer.get("/api/v1/queues/figures").status_code == 403


def _receive(ws: Any, timeout: float = 20.0) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(ws.receive_json).result(timeout=timeout)


def test_supervisors_get_the_figures_pushed_over_a_websocket(api: Api) -> None:
    token = api.token("supervisor")
    admin = api.as_(api.token("admin"))
    with api.client.websocket_connect(f"/api/v1/ws/supervisor?token={token}") as ws:
        first = _receive(ws)
        assert first["type"] == "figures"
        assert not [q for q in first["queues"] if q["queue"] == "live/normal"]
        r = admin.post(
            "/api/v1/tickets",
            {
                "customer": {"uid": "UID80000002"},
                "channel": "inapp",
                "body": "开播",
                "subcategory": "live.permission",
            },
        )
        assert r.status_code == 201
        for _ in range(5):  # a heartbeat may come first; the ticket's push follows
            pushed = _receive(ws)
            live = [q for q in pushed["queues"] if q["queue"] == "live/normal"]
            if live:
                break
        assert live and live[0]["length"] == 1 and live[0]["medium"] == "chat"


def test_the_websocket_takes_the_token_in_a_header_too(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token('admin')}"}
    with api.client.websocket_connect("/api/v1/ws/supervisor", headers=headers) as ws:
        assert _receive(ws)["type"] == "figures"


@pytest.mark.parametrize("who", ["agent", "customer", "nobody"])
def test_the_websocket_refuses_everyone_but_supervisors_and_admins(api: Api, who: str) -> None:
    if who == "agent":
        agent = org.create_agent(api.container.ctx, None, "王", ["general"])
        token = api.token("agent", agent_id=agent.id)
    elif who == "customer":
        token = api.token("customer", customer_uid="UID80000003")
    else:
        token = "kefu_not-a-token"
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        api.client.websocket_connect(f"/api/v1/ws/supervisor?token={token}") as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 1008


def test_a_waiting_caller_hears_their_place_in_the_queue_and_the_wait(
    fixed_container: Container,
) -> None:
    c = fixed_container
    general_agent(c, "王")  # one call at a time
    calls = [
        open_ticket(
            c.ctx, ADMIN, OpenTicket(f"UID8100000{i}", "hotline", "?", subcategory="usage.bug")
        ).id
        for i in range(3)
    ]
    assert [ticket_wait(c.ctx, ADMIN, t) for t in calls] == [(1, 0), (2, 432), (3, 864)]  # type: ignore[arg-type]
    routing.dispatch(c.ctx)  # the first call rings at the agent's desk
    assert [ticket_wait(c.ctx, ADMIN, t) for t in calls] == [(0, 0), (1, 432), (2, 864)]  # type: ignore[arg-type]
