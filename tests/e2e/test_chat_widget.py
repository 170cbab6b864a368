"""The acceptance path of the in-app chat in a real Chromium: the customer opens the
widget, asks a how-to question and gets the bot's answer citing an article, types 转人工;
an agent in a second browser context gets the hand-off with the transcript and replies;
the customer sees the reply without reloading."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser_support import Live, shot

UID = "UID66600001"


def test_widget_bot_answer_hand_off_and_live_agent_reply(live: Live, open_page: Any) -> None:
    customer_token = live.user("customer", "小王", "xiaowang", customer_uid=UID)
    supervisor_token = live.user("supervisor", "李主管", "lizhuguan")

    customer = open_page("zh-CN", width=420, height=720)
    customer.goto(f"{live.url}/widget?token={customer_token}")
    customer.wait_for_selector(".kefu-msg.bot")  # the greeting
    customer.fill(".kefu-send textarea", "怎么修改昵称")
    customer.press(".kefu-send textarea", "Enter")
    shot(customer, "chat-widget-asked")
    answer = customer.wait_for_selector(".kefu-msg.bot .kefu-cites a", timeout=60_000)
    assert answer.get_attribute("href")
    shot(customer, "chat-widget-bot-answer")

    customer.fill(".kefu-send textarea", "转人工")
    customer.press(".kefu-send textarea", "Enter")
    queue = customer.wait_for_selector(".kefu-msg.system:has-text('工单 #')")
    text = queue.inner_text()
    ticket_id = int(text.split("工单 #", 1)[1].split("）", 1)[0].split(")", 1)[0])

    agent = open_page("zh-CN")
    agent.goto(f"{live.url}/widget/agent?ticket_id={ticket_id}&token={supervisor_token}")
    agent.wait_for_selector(".kefu-msg.customer:has-text('转人工')")
    assert agent.locator(".kefu-msg.customer:has-text('怎么修改昵称')").count() == 1
    agent.fill(".kefu-send textarea", "您好，我是人工客服，请问有什么可以帮您？")
    agent.press(".kefu-send textarea", "Enter")
    agent.wait_for_selector(".kefu-msg.agent:not(.pending):has-text('人工客服')")

    reply = customer.wait_for_selector(".kefu-msg.agent:has-text('我是人工客服')")
    assert "李主管" in reply.inner_text()
    shot(customer, "chat-widget-agent-reply")
    shot(agent, "chat-agent-view")
