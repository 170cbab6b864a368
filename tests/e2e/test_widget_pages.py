"""The chat widget, the agent chat page and the rating pages in Chromium, in zh-CN and en:
each page's language switch changes the text and keeps who is chatting; a one-time link
rates once; a customer rates a resolved request in the portal and sees the thanks."""

from __future__ import annotations

import re
from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.services import satisfaction
from kefu.services import tickets as svc
from tests.e2e.browser_support import Live, shot

UID = "UID66600011"
ADMIN = Actor(Role.ADMIN, "admin", user_id=1)


def _resolved_ticket(live: Live, uid: str, channel: str, subject: str) -> int:
    ctx = live.container.ctx
    cmd = svc.OpenTicket(customer_uid=uid, channel=channel, body=subject, subject=subject)
    ticket = svc.open_ticket(ctx, ADMIN, cmd)
    assert ticket.id is not None
    svc.transition_ticket(ctx, ADMIN, ticket.id, "resolved", "done")
    return ticket.id


def test_widget_and_agent_chat_in_both_languages(live: Live, open_page: Any) -> None:
    visitor_token = live.user("customer", "Sam", "sam", customer_uid="UID66600010")
    customer_token = live.user("customer", "小周", "xiaozhou", customer_uid=UID)
    supervisor_token = live.user("supervisor", "陈主管", "chenzhuguan")

    page = open_page("en", width=420, height=720)
    page.goto(f"{live.url}/widget?token={visitor_token}")
    page.wait_for_selector(".kefu-msg.bot")
    assert page.inner_text(".kefu-title") == "Customer service chat"
    assert page.get_attribute(".kefu-send textarea", "placeholder") == "Type your question…"
    shot(page, "widget-en")
    # the switch keeps who is chatting; the page's words change (the conversation keeps
    # the language it started in)
    page.click(".kefu-langswitch [data-lang-switch='zh-CN']")
    page.wait_for_selector(".kefu-title:has-text('在线客服')")
    assert f"token={visitor_token}" in page.url and "lang=zh-CN" in page.url
    page.wait_for_selector(".kefu-msg.bot")
    assert page.get_attribute(".kefu-send textarea", "placeholder") == "请输入您的问题…"
    assert page.inner_text(".kefu-send .kefu-primary") == "发送"

    page = open_page("zh-CN", width=420, height=720)
    page.goto(f"{live.url}/widget?token={customer_token}")
    page.wait_for_selector(".kefu-msg.bot")
    assert page.inner_text(".kefu-title") == "在线客服"
    page.fill(".kefu-send textarea", "转人工")
    page.press(".kefu-send textarea", "Enter")
    queue = page.wait_for_selector(".kefu-msg.system:has-text('工单 #')")
    found = re.search(r"工单 #(\d+)", queue.inner_text())
    assert found is not None
    ticket_id = int(found.group(1))
    shot(page, "widget-zh-CN")

    phone = open_page("zh-CN", width=390, height=760)
    phone.goto(f"{live.url}/widget?lang=zh&token={customer_token}")
    phone.wait_for_selector(".kefu-msg.system:has-text('工单 #')")
    shot(phone, "widget-phone-zh-CN")

    agent = open_page("en")
    agent.goto(f"{live.url}/widget/agent?ticket_id={ticket_id}&token={supervisor_token}")
    agent.wait_for_selector(".kefu-msg.customer:has-text('转人工')")
    assert agent.title() == f"Chat · request #{ticket_id}"
    assert agent.get_attribute(".kefu-send textarea", "placeholder") == "Reply to the customer…"
    shot(agent, "widget-agent-en")
    agent.click(".kefu-langswitch [data-lang-switch='zh-CN']")
    agent.wait_for_selector(".kefu-title:has-text('客户会话')")
    agent.wait_for_selector(".kefu-msg.customer:has-text('转人工')")
    assert agent.title() == f"会话 · 工单 #{ticket_id}"
    assert f"ticket_id={ticket_id}" in agent.url and f"token={supervisor_token}" in agent.url
    shot(agent, "widget-agent-zh-CN")


def test_one_time_rating_link_in_both_languages(live: Live, open_page: Any) -> None:
    ticket_id = _resolved_ticket(live, "UID66600012", "email", "退款一直没有到账")
    chat = live.container.extras["chat"]
    satisfaction.ask_rating(chat, ticket_id)  # idempotent: the worker may have asked
    url, _ = satisfaction.rating_link(chat, ADMIN, ticket_id)
    path = "/rate/" + url.rsplit("/", 1)[1]

    page = open_page("zh-CN")
    page.goto(f"{live.url}{path}")
    assert page.inner_text("h1") == "服务评价"
    assert "退款一直没有到账" in page.inner_text(".kefu-rate")
    shot(page, "rate-zh-CN")
    page.click(".langswitch [data-lang-switch='en']")
    page.wait_for_selector("h1:has-text('Rate our service')")
    assert "Very satisfied" in page.inner_text(".kefu-star-scale")
    shot(page, "rate-en")
    page.click("label[for=score-4]")
    page.fill("textarea[name=comment]", "Quick and friendly")
    page.click("[data-action=rate]")
    page.wait_for_selector(".kefu-rate[data-state=thanks]")
    assert "Thank you for your rating" in page.inner_text(".kefu-rate")
    shot(page, "rate-thanks-en")
    page.goto(f"{live.url}{path}?lang=zh-CN")
    assert "此链接已使用过" in page.inner_text(".kefu-rate")
    with live.container.ctx.uow(readonly=True) as uow:
        rating = uow.chat.rating_for_ticket(ticket_id)
    assert rating is not None and (rating.score, rating.source) == (4, "link")


def test_customer_rates_a_resolved_request_in_the_portal(live: Live, open_page: Any) -> None:
    uid = "UID66600013"
    live.user("customer", "赵女士", "zhao", customer_uid=uid)
    ticket_id = _resolved_ticket(live, uid, "inapp", "无法修改绑定的手机号")

    page = open_page("zh-CN")
    live.sign_in(page, "zhao")
    page.goto(f"{live.url}/portal/tickets/{ticket_id}")
    card = page.locator("#rating[data-rating=open]")
    assert card.is_visible() and "评价本次服务" in card.inner_text()
    shot(page, "portal-rating-zh-CN")
    page.goto(f"{live.url}/portal/tickets/{ticket_id}?lang=en")
    assert "Rate this service" in page.inner_text("#rating")
    shot(page, "portal-rating-en")
    page.click("#rating label[for=score-5]")
    page.fill("#rating textarea[name=comment]", "Solved on the same day, thank you")
    page.click("#rating [data-action=rate]")
    page.wait_for_selector("#rating [data-flash=rated]")
    assert page.locator("#rating[data-rating=given] .kefu-stars-given .on").count() == 5
    assert page.locator("#rating input[name=score]").count() == 0
    shot(page, "portal-rated-en")
