"""The agent desk in a real Chromium: an offer appears without reloading, the agent takes
it, replies (the customer sees the reply through the API) and resolves the ticket; the
desk in English and back; screenshots of the desk and the ticket page."""

from __future__ import annotations

from typing import Any

import httpx

from kefu.demo import DEMO_PASSWORD, load_demo
from kefu.domain.actors import Actor, Role
from kefu.services import org, routing
from kefu.services.tickets import OpenTicket, get_ticket, open_ticket
from tests.e2e.browser_support import Live, shot

ADMIN = Actor(Role.ADMIN, "e2e")


def available_agent(live: Live, name: str, teams: list[str], login: str) -> int:
    ctx = live.container.ctx
    agent = org.create_agent(ctx, None, name, teams, (), ["zh-CN", "en"])
    assert agent.id is not None
    org.update_agent(ctx, ADMIN, agent.id, presence="available")
    live.user("agent", name, login, agent_id=agent.id)
    return agent.id


def test_an_agent_takes_an_offered_ticket_replies_and_resolves_it(
    live: Live, open_page: Any
) -> None:
    ctx = live.container.ctx
    available_agent(live, "李客服", ["general"], "li")
    customer_token = live.user("customer", "王小明", "wang", customer_uid="UID71000001")
    ticket = open_ticket(
        ctx,
        ADMIN,
        OpenTicket(
            "UID71000001",
            "inapp",
            "更新到最新版以后，一打开直播间 APP 就闪退，重装也没用",
            subject="APP 打开直播间就闪退",
            subcategory="usage.bug",
        ),
    )
    tid = ticket.id
    page = open_page("zh-CN")
    live.sign_in(page, "li")
    page.goto(f"{live.url}/desk")
    assert page.locator("h1").inner_text() == "我的工作台"
    assert page.locator("#offers .offer").count() == 0

    assert routing.dispatch(ctx) == 1  # the router offers the chat to the only agent on duty
    offer = page.locator(f".offer[data-ticket-id='{tid}']")
    offer.wait_for(timeout=15_000)  # polled in: no reload
    assert "APP 打开直播间就闪退" in offer.inner_text()
    assert "新工单分配给你" in page.locator("#toast").inner_text()
    shot(page, "desk-home-offer-zh-CN")

    offer.locator("[data-accept]").click()
    page.wait_for_url(f"**/desk/tickets/{tid}")
    assert get_ticket(ctx, ADMIN, tid).ticket.status.value == "assigned"
    assert "APP 打开直播间就闪退" in page.locator("h1").inner_text()
    assert "闪退" in page.locator("#thread .msg.customer").first.inner_text()

    page.keyboard.press("r")
    page.keyboard.type("您好，请在设置里清除缓存后重新打开试试。")
    page.keyboard.press("Control+Enter")  # mod+enter sends
    page.locator("#thread .msg.agent", has_text="清除缓存").wait_for()
    assert page.locator("#compose").input_value() == ""
    r = httpx.get(
        f"{live.url}/api/v1/tickets/{tid}/messages",
        headers={"Authorization": f"Bearer {customer_token}"},
    )
    assert r.status_code == 200
    assert [m["kind"] for m in r.json()][-1] == "agent"
    assert "清除缓存" in r.json()[-1]["body"]

    page.click("[data-transition=resolved]")
    page.locator("#status-badge[data-status=resolved]").wait_for()
    assert page.locator("#status-badge").inner_text() == "已解决"
    assert get_ticket(ctx, ADMIN, tid).ticket.status.value == "resolved"


def demo_agent_with_offers(live: Live) -> None:
    """The demo, with its first agent (login `agent`) on duty and offered work."""
    ctx = live.container.ctx
    load_demo(ctx)
    agent = next(a for a in org.agents(ctx, ADMIN) if a.name == "张敏")
    assert agent.id is not None
    org.update_agent(ctx, ADMIN, agent.id, presence="available")
    routing.dispatch(ctx)


def test_the_desk_in_english_and_back_with_screenshots(live: Live, open_page: Any) -> None:
    demo_agent_with_offers(live)
    page = open_page("zh-CN")
    live.sign_in(page, "agent", DEMO_PASSWORD)
    page.goto(f"{live.url}/desk")
    assert page.locator("#mine tbody tr").count() >= 1
    shot(page, "desk-home-zh-CN")
    page.click("[data-lang-switch=en]")
    assert page.locator("h1").inner_text() == "My desk"
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "desk-home-en")

    first = page.locator("#mine tbody tr").first.get_attribute("data-row-href")
    page.keyboard.press("j")
    page.keyboard.press("o")  # open the selected ticket
    page.wait_for_url(f"**{first}")
    assert page.locator(".facts h2").first.inner_text() == "Ticket"
    shot(page, "desk-ticket-en")
    page.keyboard.press("s")  # a saved reply, filled in for this customer and agent
    page.locator("#saved-list [data-saved=greeting]").click()
    assert "张敏" in page.locator("#compose").input_value()
    page.keyboard.press("Escape")
    page.locator("#compose").blur()
    page.keyboard.press("i")  # a knowledge-base article
    page.fill("#kb-q", "password")
    page.locator("#kb-results li", has_not_text="Type to search").first.wait_for()
    page.keyboard.press("Escape")
    page.locator("#kb-q").blur()
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")

    page.click("[data-lang-switch=zh-CN]")
    assert page.locator(".facts h2").first.inner_text() == "工单"
    shot(page, "desk-ticket-zh-CN")

    page.goto(f"{live.url}/desk/tickets?status=open_any")
    assert page.locator("h1").inner_text().endswith("工单列表")
    shot(page, "desk-tickets-zh-CN")

    phone = open_page("zh-CN", width=390)
    live.sign_in(phone, "agent", DEMO_PASSWORD)
    phone.goto(f"{live.url}/desk")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the desk overflows a phone screen: {width}px"
    shot(phone, "desk-home-390-zh-CN")
