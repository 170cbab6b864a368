"""Satisfaction: a rating in the chat after resolution, one-time signed links for the other
channels (used twice, forged, expired), and the ratings per agent and team."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.jobs.chat import ChatWorker
from kefu.services import chat as chat_service
from kefu.services import satisfaction
from kefu.services.chat_context import ChatContext
from kefu.web.app import create_app
from tests.conftest import Api, RoleClient
from tests.integration.chat_support import (
    CUSTOMER_UID,
    is_message,
    open_socket,
    serve,
    use_echo_bot,
)

SUPERVISOR = Actor(Role.SUPERVISOR, "sup", user_id=1)


def _settle(container: Container, timeout: float = 20.0) -> None:
    """Wait until the chat worker has handled the events so far."""
    worker: ChatWorker = container.extras["chat_worker"]
    deadline = time.monotonic() + timeout
    time.sleep(0.05)
    while not worker.idle.wait(0.05):
        assert time.monotonic() < deadline, "the chat worker did not settle"


def _handed_off(chat: ChatContext, uid: str = CUSTOMER_UID) -> tuple[int, int]:
    customer = Actor(Role.CUSTOMER, "c", customer_uid=uid)
    c = chat_service.start_or_resume(chat, customer, None, "zh")
    assert c.id is not None
    chat_service.post_message(chat, customer, c.id, "m1", "转人工")
    with chat.ctx.uow(readonly=True) as uow:
        found = uow.chat.get(c.id)
    assert found is not None and found.ticket_id is not None
    return c.id, found.ticket_id


@pytest.fixture
def live(container: Container) -> Iterator[tuple[str, Api]]:
    use_echo_bot(container)
    with serve(create_app(container)) as base:
        yield base, Api(None, container)  # type: ignore[arg-type]


def test_the_customer_rates_in_the_chat_once_the_ticket_is_resolved(
    live: tuple[str, Api],
) -> None:
    base, api = live
    token = api.token("customer", "rater", customer_uid=CUSTOMER_UID)
    sock = open_socket(base, f"token={token}")
    sock.send({"type": "hello"})
    sock.until(lambda f: f["type"] == "welcome")
    sock.send({"type": "rating", "score": 5})
    assert sock.until(lambda f: f["type"] == "error")["code"] == "not_asked"
    sock.send({"type": "message", "client_id": "h", "body": "转人工"})
    ticket_id = sock.until(is_message("system", "queue"))["message"]["meta"]["ticket_id"]
    from kefu.services.tickets import transition_ticket

    transition_ticket(api.container.ctx, SUPERVISOR, ticket_id, "resolved", "done")
    ask = sock.until(is_message("system", "rating_request"))["message"]
    assert f"#{ticket_id}" in ask["body"]
    sock.send({"type": "rating", "score": 0})
    assert sock.until(lambda f: f["type"] == "error")["details"]["field"] == "score"
    sock.send({"type": "rating", "score": 4, "comment": "回复很快"})
    assert sock.until(lambda f: f["type"] == "rated") == {
        "type": "rated",
        "ticket_id": ticket_id,
        "score": 4,
    }
    sock.until(is_message("system", "rated"))
    sock.send({"type": "rating", "score": 1})
    assert sock.until(lambda f: f["type"] == "error")["code"] == "already_rated"
    sock.close()
    with api.container.ctx.uow(readonly=True) as uow:
        rating = uow.chat.rating_for_ticket(ticket_id)
    assert rating is not None
    assert (rating.score, rating.comment, rating.source, rating.channel, rating.team) == (
        4,
        "回复很快",
        "chat",
        "inapp",
        "account_safety",
    )


def _email_ticket(client: RoleClient, uid: str = "UID55500009") -> int:
    r = client.post(
        "/api/v1/tickets",
        {"customer": {"uid": uid}, "channel": "email", "subject": "退款", "body": "没有收到退款"},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_a_one_time_link_rates_once_and_forged_or_expired_links_are_refused(
    fixed_api: Api,
) -> None:
    api = fixed_api
    admin = api.as_(api.token("admin"))
    ticket_id = _email_ticket(admin)
    assert admin.get(f"/api/v1/tickets/{ticket_id}/rating-link").status_code == 409
    r = admin.post(f"/api/v1/tickets/{ticket_id}/transitions", {"to": "resolved"})
    assert r.status_code == 200, r.text
    _settle(api.container)
    link = admin.get(f"/api/v1/tickets/{ticket_id}/rating-link").json()
    token = link["url"].rsplit("/", 1)[1]
    assert link["used"] is False and link["url"].startswith("http")
    # the link went on the ticket for its channel to carry
    messages = admin.get(f"/api/v1/tickets/{ticket_id}").json()["messages"]
    assert any(token in m["body"] for m in messages if m["kind"] == "system")

    page = api.client.get(f"/rate/{token}")
    assert page.status_code == 200 and 'name="score"' in page.text
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    r = api.client.post(f"/api/v1/ratings/{forged}", json={"score": 5})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "invalid_link")
    other = token.replace(f"{ticket_id}.", f"{ticket_id + 1}.", 1)
    assert api.client.post(f"/api/v1/ratings/{other}", json={"score": 5}).status_code == 404
    r = api.client.post(f"/api/v1/ratings/{token}", json={"score": 6})
    assert r.status_code == 422
    r = api.client.post(f"/api/v1/ratings/{token}", json={"score": 2, "comment": "太慢"})
    assert r.status_code == 201, r.text
    assert (r.json()["score"], r.json()["channel"], r.json()["source"]) == (2, "email", "link")
    again = api.client.post(f"/api/v1/ratings/{token}", json={"score": 5})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_rated")
    assert api.client.get(f"/rate/{token}").status_code == 409

    later = _email_ticket(admin, "UID55500010")
    admin.post(f"/api/v1/tickets/{later}/transitions", {"to": "resolved"})
    _settle(api.container)
    late = admin.get(f"/api/v1/tickets/{later}/rating-link").json()["url"].rsplit("/", 1)[1]
    clock = api.container.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=8))
    r = api.client.post(f"/api/v1/ratings/{late}", json={"score": 5})
    assert (r.status_code, r.json()["error"]["code"]) == (410, "link_expired")
    form = api.client.post(f"/rate/{late}", data={"score": "5"})
    assert form.status_code == 410


def test_ratings_are_kept_per_agent_and_team_for_the_reports(api: Api) -> None:
    admin = api.as_(api.token("admin"))
    tickets = [_email_ticket(admin, f"UID5550010{n}") for n in range(3)]
    teams = sorted({admin.get(f"/api/v1/tickets/{t}").json()["team"] for t in tickets})
    agents = []
    for name in ("小张", "小李"):
        r = admin.post("/api/v1/agents", {"name": name, "teams": teams})
        assert r.status_code == 201, r.text
        agents.append(r.json()["id"])
    chat = api.container.extras["chat"]
    scores = {}
    for ticket_id, (agent_id, score) in zip(
        tickets, [(agents[0], 5), (agents[0], 3), (agents[1], 4)], strict=True
    ):
        assert (
            admin.post(f"/api/v1/tickets/{ticket_id}/assign", {"agent_id": agent_id}).status_code
            == 200
        )
        assert (
            admin.post(f"/api/v1/tickets/{ticket_id}/transitions", {"to": "resolved"}).status_code
            == 200
        )
        satisfaction.ask_rating(chat, ticket_id)  # the worker may have asked already: idempotent
        url, _ = satisfaction.rating_link(chat, SUPERVISOR, ticket_id)
        r = api.client.post(f"/api/v1/ratings/{url.rsplit('/', 1)[1]}", json={"score": score})
        assert r.status_code == 201, r.text
        scores[ticket_id] = (agent_id, score)
    sup = api.as_(api.token("supervisor"))
    page = sup.get(f"/api/v1/ratings?agent_id={agents[0]}").json()
    assert sorted(i["score"] for i in page["items"]) == [3, 5]
    assert page["summary"] == [{"agent_id": agents[0], "count": 2, "average": 4.0}]
    by_team = sup.get("/api/v1/ratings?group_by=team").json()["summary"]
    counted = {row["team"]: row["count"] for row in by_team}
    assert sum(counted.values()) == 3 and set(counted) <= set(teams)
    customer = api.as_(api.token("customer", customer_uid=CUSTOMER_UID))
    assert customer.get("/api/v1/ratings").status_code == 403
    assert sup.get("/api/v1/ratings?group_by=nonsense").status_code == 422
