"""The desk's read models over the real store: offers with their tickets, my open tickets
most urgent first, search by id, UID and words within what an agent may see, the ticket
page's read, the saved replies, and the pages themselves over HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.errors import NotFound
from kefu.domain.organisation import Agent
from kefu.services import desk_views, org, routing
from kefu.services.tickets import OpenTicket, assign_ticket, open_ticket
from kefu.services.users import create_user
from kefu.web.app import create_app

ADMIN = Actor(Role.ADMIN, "admin")


def agent(c: Container, name: str, teams: list[str]) -> tuple[Agent, Actor]:
    a = org.create_agent(c.ctx, None, name, teams)
    assert a.id is not None
    a = org.update_agent(c.ctx, ADMIN, a.id, presence="available")
    return a, Actor(Role.AGENT, name, agent_id=a.id, teams=frozenset(teams))


def ticket(c: Container, uid: str, sub: str, subject: str, channel: str = "email") -> int:
    t = open_ticket(
        c.ctx, ADMIN, OpenTicket(uid, channel, subject, subject=subject, subcategory=sub)
    )
    assert t.id is not None
    return t.id


def test_the_desk_shows_offers_with_their_ticket_and_my_tickets_most_urgent_first(
    fixed_container: Container,
) -> None:
    c = fixed_container
    a, me = agent(c, "王", ["general"])
    assert a.id is not None
    low = ticket(c, "UID72000001", "usage.howto", "怎么设置隐私")
    high = ticket(c, "UID72000002", "payment.charge_error", "扣费两次")
    for tid in (low, high):
        assign_ticket(c.ctx, ADMIN, tid, a.id)
    chat = ticket(c, "UID72000003", "usage.bug", "闪退", channel="inapp")
    routing.dispatch(c.ctx)
    home = desk_views.desk_home(c.ctx, me)
    assert [x.offer.ticket_id for x in home.offers] == [chat]
    assert home.offers[0].ticket is not None and home.offers[0].ticket.subject == "闪退"
    assert [t.id for t in home.mine] == [high, low]  # the higher priority first
    assert any(q.queue == "general/normal" for q in home.queues)


def test_search_finds_by_id_uid_and_words_but_only_in_the_agents_teams(
    fixed_container: Container,
) -> None:
    c = fixed_container
    _, me = agent(c, "王", ["general"])
    mine = ticket(c, "UID72000011", "usage.bug", "直播间闪退")
    other_team = ticket(c, "UID72000011", "account.hijacked", "账号被盗 直播间")
    assert [t.id for t in desk_views.find_tickets(c.ctx, me, q=f"#{mine}")] == [mine]
    assert desk_views.find_tickets(c.ctx, me, q=str(other_team)) == []
    assert [t.id for t in desk_views.find_tickets(c.ctx, me, q="uid72000011")] == [mine]
    assert [t.id for t in desk_views.find_tickets(c.ctx, me, q="直播间")] == [mine]
    assert [t.id for t in desk_views.find_tickets(c.ctx, me, q="退款")] == []
    found = desk_views.find_tickets(c.ctx, ADMIN, q="直播间")
    assert {t.id for t in found} == {mine, other_team}
    assert desk_views.find_tickets(c.ctx, me, status="resolved") == []


def test_the_ticket_page_read_has_the_customers_other_tickets_and_the_next_steps(
    fixed_container: Container,
) -> None:
    c = fixed_container
    _, me = agent(c, "王", ["general"])
    first = ticket(c, "UID72000021", "usage.bug", "第一次")
    second = ticket(c, "UID72000021", "usage.howto", "第二次")
    view = desk_views.ticket_view(c.ctx, me, second)
    assert [t.id for t in view.others] == [first]
    assert view.customer is not None and view.customer.uid == "UID72000021"
    assert "resolved" in view.targets and "closed" not in view.targets
    hidden = ticket(c, "UID72000021", "account.hijacked", "别的团队")
    with pytest.raises(NotFound):
        desk_views.ticket_view(c.ctx, me, hidden)


def test_saved_replies_have_both_languages() -> None:
    replies = desk_views.saved_replies()
    assert len(replies) >= 3
    assert all(r.title["zh"] and r.body["en"] for r in replies)
    assert len({r.code for r in replies}) == len(replies)


def signed_in(c: Container, role: str, **kw: Any) -> TestClient:
    create_user(c.ctx, role, "staff", login="staff", password="desk-password-1", **kw)
    client = TestClient(create_app(c))
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    r = client.post(
        "/login",
        data={"login": "staff", "password": "desk-password-1", "csrf_token": token.group(1)},
    )
    assert r.status_code in (200, 303)
    return client


def test_the_desk_pages_answer_in_both_languages_and_unknown_tickets_are_404(
    fixed_container: Container,
) -> None:
    c = fixed_container
    a, _ = agent(c, "王", ["general"])
    tid = ticket(c, "UID72000031", "usage.bug", "页面测试")
    client = signed_in(c, "agent", agent_id=a.id)
    assert "我的工作台" in client.get("/desk?lang=zh-CN").text
    assert "My desk" in client.get("/desk?lang=en").text
    assert "Offered to me" in client.get("/desk/live").text
    page = client.get(f"/desk/tickets/{tid}")
    assert page.status_code == 200 and "页面测试" in page.text
    assert "页面测试" in client.get(f"/desk/tickets/{tid}/thread").text
    assert "页面测试" in client.get("/desk/tickets?q=页面&status=open_any").text
    assert client.get("/desk/tickets/999999").status_code == 404
