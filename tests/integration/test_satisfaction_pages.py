"""The rating pages over HTTP: the one-time link page in both languages and each state, and
the customer portal's rating card (own resolved request once; others' 404; bad score 422;
twice 409), stored like the chat and link ratings."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.errors import Conflict, InvalidInput, NotFound
from kefu.services import satisfaction
from kefu.services.users import create_user
from tests.conftest import Api, RoleClient

PASSWORD = "rating-password-1"
ME, OTHER = "UID55500201", "UID55500202"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _sign_in(client: TestClient, container: Container, login: str, uid: str) -> None:
    create_user(container.ctx, "customer", login, login=login, password=PASSWORD, customer_uid=uid)
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _ticket(admin: RoleClient, uid: str, channel: str = "inapp", resolve: bool = True) -> int:
    r = admin.post(
        "/api/v1/tickets",
        {"customer": {"uid": uid}, "channel": channel, "subject": "退款", "body": "没有收到退款"},
    )
    assert r.status_code == 201, r.text
    ticket_id = int(r.json()["id"])
    if resolve:
        r = admin.post(f"/api/v1/tickets/{ticket_id}/transitions", {"to": "resolved"})
        assert r.status_code == 200, r.text
    return ticket_id


def test_the_customer_rates_a_resolved_request_in_the_portal_once(api: Api) -> None:
    client, container = api.client, api.container
    admin = api.as_(api.token("admin"))
    mine, open_one = _ticket(admin, ME), _ticket(admin, ME, resolve=False)
    theirs = _ticket(admin, OTHER)
    _sign_in(client, container, "rater", ME)

    page = client.get(f"/portal/tickets/{mine}?lang=en")
    assert page.status_code == 200 and 'id="rating"' in page.text
    assert 'data-rating="open"' in page.text and 'name="score"' in page.text
    assert "Rate this service" in page.text
    assert 'id="rating"' not in client.get(f"/portal/tickets/{open_one}").text
    csrf = _csrf(page.text)

    url = f"/portal/tickets/{mine}/rating"
    bad = client.post(url, data={"score": "6", "csrf_token": csrf})
    assert bad.status_code == 422 and "Choose from one to five stars." in bad.text
    assert client.post(url, data={"score": "", "csrf_token": csrf}).status_code == 422
    long = client.post(url, data={"score": "4", "comment": "长" * 501, "csrf_token": csrf})
    assert long.status_code == 422 and "at most 500 characters" in long.text
    assert client.post(url, data={"score": "5"}).status_code == 403  # no CSRF token

    r = client.post(
        url,
        data={"score": "4", "comment": " 很快 ", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=rated#rating")
    done = client.get(r.headers["location"].split("#")[0] + "&lang=zh-CN")
    assert 'data-rating="given"' in done.text and "感谢您的评价" in done.text
    assert 'name="score"' not in done.text and "很快" in done.text

    again = client.post(url, data={"score": "1", "csrf_token": csrf})
    assert again.status_code == 409 and "您已评价过此工单" in again.text
    other = client.post(f"/portal/tickets/{theirs}/rating", data={"score": "5", "csrf_token": csrf})
    assert other.status_code == 404
    early = client.post(
        f"/portal/tickets/{open_one}/rating", data={"score": "5", "csrf_token": csrf}
    )
    assert early.status_code == 409

    with container.ctx.uow(readonly=True) as uow:
        rating = uow.chat.rating_for_ticket(mine)
        ticket = uow.tickets.get(mine)
    assert rating is not None and ticket is not None
    assert (rating.score, rating.comment, rating.source, rating.channel) == (
        4,
        "很快",
        "portal",
        "inapp",
    )
    assert (rating.team, rating.agent_id) == (ticket.team, ticket.assignee_id)
    # the rating's one-time link (if one was made) is used up as well
    link, _ = satisfaction.rating_link(
        container.extras["chat"], Actor(Role.ADMIN, "a", user_id=1), mine
    )
    assert client.get("/rate/" + link.rsplit("/", 1)[1]).status_code == 409


def test_rate_ticket_service_checks_owner_score_and_once(api: Api) -> None:
    admin = api.as_(api.token("admin"))
    mine, theirs = _ticket(admin, ME, channel="email"), _ticket(admin, OTHER)
    chat = api.container.extras["chat"]
    me = Actor(Role.CUSTOMER, "me", customer_uid=ME)
    with pytest.raises(NotFound):
        satisfaction.rate_ticket(chat, me, theirs, 5, "")
    with pytest.raises(InvalidInput):
        satisfaction.rate_ticket(chat, me, mine, 0, "")
    with pytest.raises(InvalidInput):
        satisfaction.rate_ticket(chat, me, mine, "5", "")
    rating = satisfaction.rate_ticket(chat, me, mine, 5, "")
    assert (rating.score, rating.channel, rating.source) == (5, "email", "portal")
    with pytest.raises(Conflict):
        satisfaction.rate_ticket(chat, me, mine, 3, "")
    given = satisfaction.ticket_rating(chat, me, mine)
    assert given is not None and given.score == 5
    assert satisfaction.ticket_rating(chat, Actor(Role.ADMIN, "a", user_id=1), mine) is None


def test_the_rating_page_speaks_the_visitors_language_in_every_state(api: Api) -> None:
    admin = api.as_(api.token("admin"))
    ticket_id = _ticket(admin, ME, channel="email")
    chat = api.container.extras["chat"]
    satisfaction.ask_rating(chat, ticket_id)
    url, _ = satisfaction.rating_link(chat, Actor(Role.ADMIN, "a", user_id=1), ticket_id)
    path = "/rate/" + url.rsplit("/", 1)[1]
    client = api.client

    zh = client.get(path + "?lang=zh")
    assert zh.status_code == 200 and 'lang="zh-CN"' in zh.text
    assert "服务评价" in zh.text and f"工单 #{ticket_id}" in zh.text and "非常满意" in zh.text
    client.cookies.clear()  # ?lang= was remembered in the kefu_lang cookie
    en = client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in en.text and "Very satisfied" in en.text
    assert f'href="{path}?lang=zh-CN"' in en.text  # the top bar's language switch

    forged = client.get(path[:-4] + ("0000" if not path.endswith("0000") else "1111") + "?lang=en")
    assert forged.status_code == 404 and "This rating link is not valid." in forged.text
    bad = client.post(path + "?lang=en", data={"score": "9"})
    assert bad.status_code == 422 and "Choose from one to five stars." in bad.text
    done = client.post(path + "?lang=zh-CN", data={"score": "5", "comment": "好"})
    assert done.status_code == 201 and "感谢您的评价" in done.text
    used = client.get(path + "?lang=en")
    assert used.status_code == 409 and "already been used" in used.text


def test_the_widget_pages_follow_the_page_language_and_keep_the_identity(api: Api) -> None:
    client = api.client
    page = client.get("/widget?lang=en&token=abc")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "<title>Customer service chat</title>" in page.text
    assert "&#34;lang&#34;: &#34;en&#34;" in page.text  # the script's config
    assert 'href="/widget?lang=zh-CN&amp;token=abc"' in page.text
    assert page.headers["cache-control"] == "no-store"
    zh = client.get("/widget?lang=zh&uid=U1&ts=1&sig=ab")
    assert "<title>在线客服</title>" in zh.text
    assert 'href="/widget?lang=en&amp;uid=U1&amp;ts=1&amp;sig=ab"' in zh.text
    client.cookies.clear()
    agent = client.get("/widget/agent?ticket_id=12", headers={"Accept-Language": "en"})
    assert "<title>Chat · request #12</title>" in agent.text
    agent = client.get("/widget/agent?ticket_id=12&lang=zh-CN")
    assert "<title>会话 · 工单 #12</title>" in agent.text
    assert client.get("/widget/embed.js").headers["content-type"].startswith("text/javascript")
