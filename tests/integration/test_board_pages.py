"""The supervisor board's server side: the WebSocket signed in by the page session (and
refused from another Origin or for other roles), the reports' figures computed in SQL,
and the pages' errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from kefu.demo import load_demo
from kefu.domain.actors import Actor, Role
from kefu.domain.errors import Forbidden
from kefu.services import board_views
from kefu.services.users import create_user
from tests.conftest import Api

PASSWORD = "board-password-1"
LEAD = Actor(Role.SUPERVISOR, "lead")


def sign_in(client: TestClient, api: Api, role: str, login: str, **kw: object) -> None:
    create_user(api.container.ctx, role, login, login=login, password=PASSWORD, **kw)  # type: ignore[arg-type]
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    r = client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_the_supervisor_socket_accepts_the_page_session(api: Api) -> None:
    client = api.client
    sign_in(client, api, "supervisor", "lin")
    with client.websocket_connect("/api/v1/ws/supervisor") as ws:
        first = ws.receive_json()
    assert first["type"] == "figures" and isinstance(first["queues"], list)
    # Cross-site: the cookie travels, but the Origin is another site's.
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(
            "/api/v1/ws/supervisor", headers={"Origin": "https://evil.example"}
        ) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 1008


def test_the_socket_refuses_a_customer_session_and_no_session(api: Api) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        api.client.websocket_connect("/api/v1/ws/supervisor") as ws,
    ):
        ws.receive_json()
    sign_in(api.client, api, "customer", "xm", customer_uid="UID20000001")
    with (
        pytest.raises(WebSocketDisconnect),
        api.client.websocket_connect("/api/v1/ws/supervisor") as ws,
    ):
        ws.receive_json()


def test_reports_count_the_demo_tickets(api: Api) -> None:
    ctx = api.container.ctx
    load_demo(ctx)
    now = ctx.clock.now()
    r = board_views.reports(ctx, LEAD, now - timedelta(days=1), now + timedelta(minutes=1))
    total = sum(g.tickets for g in r.by_channel)
    assert total >= 38
    assert sum(g.tickets for g in r.by_subcategory) == total
    assert sum(g.tickets for g in r.by_segment) == total
    assert sum(g.tickets for g in r.by_team) == total
    assert {g.key for g in r.by_channel} >= {"inapp", "hotline", "email"}
    for g in r.by_channel:
        assert g.responded <= g.tickets and g.resolved <= g.tickets
        if g.first_response_seconds is not None:
            assert g.first_response_seconds >= 0
    assert sum(c.open for c in r.backlog) > 0
    assert sum(d.tickets for d in r.daily) == total
    assert [t.type for t in r.disputes.types]
    # Nothing was opened in a period long ago.
    old = board_views.reports(ctx, LEAD, now - timedelta(days=400), now - timedelta(days=390))
    assert old.by_channel == [] and old.daily == []


def test_board_pages_for_leads_only_and_bad_periods_are_explained(api: Api) -> None:
    client = api.client
    load_demo(api.container.ctx)
    sign_in(client, api, "supervisor", "lin")
    page = client.get("/board?lang=en")
    assert page.status_code == 200 and "Supervisor board" in page.text
    panels = client.get("/board/panels").json()
    assert set(panels) == {"risks", "agents", "online", "count"}
    assert client.get("/board/reports?days=7").status_code == 200
    bad = client.get("/board/reports?from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 400 and 'class="alert error"' in bad.text
    assert client.get("/board/reports?from=nonsense").status_code == 200
    at = api.container.ctx.clock.now()
    with pytest.raises(Forbidden):
        board_views.reports(api.container.ctx, Actor(Role.AGENT, "a", agent_id=1), at, at)
