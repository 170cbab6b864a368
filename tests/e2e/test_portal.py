"""The customer portal and the help center in a real Chromium: a customer describes a
problem, sees the detected problem type and the channel advisor's advice while typing,
sends it and finds it in their list; a customer kept out of staff pages and other people's
requests; the public help center in both languages."""

from __future__ import annotations

import httpx

from kefu.domain.actors import SYSTEM
from kefu.services.tickets import OpenTicket, open_ticket
from tests.e2e.browser_support import Live, shot

ME = "UID20000001"


def _describe(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#description", "")
    page.type("#description", text, delay=5)
    page.wait_for_function(
        "(t) => document.getElementById('advice').getAttribute('data-for') === t", arg=text
    )
    page.wait_for_selector("#advice .advice[data-advice]:not([data-advice=''])")


def test_customer_creates_a_request_and_sees_the_advisor(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("customer", "王小明", "wang", customer_uid=ME)
    page = open_page("zh-CN")
    live.sign_in(page, "wang")
    assert "/portal" in page.url
    assert page.locator("[data-empty=requests]").is_visible()
    shot(page, "portal-home-empty-zh-CN")
    page.click("[data-action=new-request]")
    page.wait_for_url("**/portal/new")

    _describe(page, "I was charged twice for the same coin recharge yesterday")
    assert page.locator("#advice .problem").get_attribute("data-problem").startswith("payment.")
    _describe(page, "我的账号被盗了，手机号也被改绑了")
    problem = page.locator("#advice .problem")
    assert problem.get_attribute("data-problem") == "account.hijacked"
    assert "账号被盗" in problem.inner_text()
    assert page.locator("#advice [data-certainty]").inner_text().strip()
    assert page.locator("#advice .channel").count() >= 1
    assert "预计等待" in page.locator("#advice .channel.best").inner_text()
    assert page.url.endswith("/portal/new"), "the advice appears without submitting"
    shot(page, "portal-new-zh-CN")

    page.click("[data-action=submit]")
    page.wait_for_url("**/portal/tickets/*")
    assert page.locator("[data-flash=created]").is_visible()
    assert "我的账号被盗了" in page.locator(".thread").inner_text()
    assert page.locator("[data-promise]").is_visible()
    ticket_id = int(page.url.split("/portal/tickets/")[1].split("?")[0])
    page.fill("#reply-body", "补充：被盗时间大约是昨晚 21:00")
    page.click("[data-action=reply]")
    page.wait_for_url("**/portal/tickets/*")
    assert "昨晚 21:00" in page.locator(".thread").inner_text()
    shot(page, "portal-ticket-zh-CN")

    page.goto(f"{live.url}/portal")
    row = page.locator(f"[data-ticket='{ticket_id}']")
    assert row.is_visible()
    assert row.locator("[data-phase]").inner_text() == "已受理，等待客服处理"
    shot(page, "portal-home-zh-CN")
    page.click("[data-action=chat]")  # the chat widget opens in a panel, signed in already
    frame = page.locator(".chat-panel iframe")
    assert frame.get_attribute("src").startswith("/widget?lang=zh")
    page.wait_for_load_state("load")
    page.click(".chat-panel [data-chat-close]")
    assert page.locator(".chat-panel").is_hidden()

    # The same pages in English, by the language switch.
    page.click("[data-lang-switch=en]")
    assert page.locator("h1").inner_text() == "My requests"
    assert row.locator("[data-phase]").inner_text() == "Received — waiting for an agent"
    shot(page, "portal-home-en")
    page.goto(f"{live.url}/portal/new")
    _describe(page, "Someone hacked my account and changed my phone number")
    assert page.locator("#advice .problem").get_attribute("data-problem") == "account.hijacked"
    assert "Expected wait" in page.locator("#advice .channel.best").inner_text()
    shot(page, "portal-new-en")
    page.goto(f"{live.url}/portal/tickets/{ticket_id}")
    assert "What happens next" in page.locator("[data-promise]").inner_text()
    shot(page, "portal-ticket-en")


def test_portal_new_on_a_phone(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("customer", "王小明", "wang", customer_uid=ME)
    page = open_page("zh-CN", width=390, height=844)
    live.sign_in(page, "wang")
    page.goto(f"{live.url}/portal/new")
    _describe(page, "直播的时候总是断流，推流一直失败")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "portal-new-390-zh-CN")


def test_customer_cannot_open_staff_pages_or_anothers_request(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("customer", "王小明", "wang", customer_uid=ME)
    other = open_ticket(
        live.container.ctx,
        SYSTEM,
        OpenTicket(customer_uid="UID20000002", channel="inapp", body="别人的订单没收到"),
    )
    page = open_page("zh-CN")
    live.sign_in(page, "wang")
    for path in ("/desk", "/board", "/admin"):
        response = page.goto(f"{live.url}{path}")
        assert response.status == 403, path
        assert "403" in page.locator("h1").inner_text()
    response = page.goto(f"{live.url}/portal/tickets/{other.id}")
    assert response.status == 404
    assert "别人的订单" not in page.content()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.get(f"{live.url}/api/v1/tickets/{other.id}", cookies=cookies)
    assert r.status_code == 404
    r = httpx.get(f"{live.url}/api/v1/tickets", cookies=cookies)
    assert r.status_code == 200 and r.json()["items"] == []


def test_help_center_finds_a_chinese_article_in_both_languages(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    page = open_page("zh-CN")  # not signed in: the help center is public
    page.goto(f"{live.url}/help")
    assert page.locator(".topic").count() >= 3
    shot(page, "help-home-zh-CN")
    page.fill("input[name=q]", "账号被盗了怎么办")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/help/search?*")
    hit = page.locator(".hits li[data-slug=account-hijacked]")
    assert hit.get_attribute("data-lang") == "zh-CN"
    hit.locator("a.hit-title").click()
    page.wait_for_url("**/help/articles/account-hijacked?lang=zh-CN")
    assert "账号被盗" in page.locator("article h1").inner_text()
    shot(page, "help-article-zh-CN")
    page.click("[data-translation=en]")
    page.wait_for_url("**/help/articles/account-hijacked?lang=en")
    assert page.locator("article").get_attribute("lang") == "en"
    assert (
        "hijack" in page.locator("article h1").inner_text().lower()
        or page.locator("article h1").inner_text()
    )
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "help-article-en")
    page.goto(f"{live.url}/help")
    assert page.locator("h1").first.inner_text() == "How can we help?"
    shot(page, "help-home-en")
