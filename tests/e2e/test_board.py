"""The supervisor board in a real Chromium: live figures over the WebSocket (signed in by
the session cookie), the reports with their charts, both languages, and no request to
any other host (the harness fails the test on one)."""

from __future__ import annotations

import httpx

from kefu.demo import load_demo
from tests.e2e.browser_support import Live, shot

QUEUE = 'tr[data-queue="general/normal/chat"] [data-f="length"]'


def _waiting(page) -> int:  # type: ignore[no-untyped-def]
    cell = page.locator(QUEUE)
    return int(cell.inner_text()) if cell.count() else 0


def test_board_updates_when_a_ticket_is_created_elsewhere(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    load_demo(live.container.ctx)
    live.user("supervisor", "主管小林", "lin")
    other_token = live.user("admin", "渠道管理员", "gateway")
    page = open_page("zh-CN")
    live.sign_in(page, "lin")
    page.goto(f"{live.url}/board")
    assert page.locator("h1").first.inner_text() == "主管看板"
    page.wait_for_selector('#live-state[data-state="live"]')
    before = _waiting(page)
    kpi_before = int(page.locator("#kpi-waiting").inner_text())
    shot(page, "board-zh-CN")

    # Another user opens a ticket through the REST API: no reload on the board.
    r = httpx.post(
        f"{live.url}/api/v1/tickets",
        headers={"Authorization": f"Bearer {other_token}"},
        json={
            "customer": {"uid": "UID20000001"},
            "channel": "inapp",
            "body": "怎么设置隐私",
            "subcategory": "usage.howto",
        },
    )
    assert r.status_code == 201, r.text
    page.wait_for_function(
        "([sel, n]) => { const c = document.querySelector(sel);"
        " return c && parseInt(c.textContent, 10) === n; }",
        arg=[QUEUE, before + 1],
        timeout=20_000,
    )
    assert int(page.locator("#kpi-waiting").inner_text()) == kpi_before + 1
    assert page.locator('tr[data-queue="general/normal/chat"]').inner_text().startswith("综合")

    # The at-risk list and agents are there, and their links go to the desk.
    assert page.locator("#agents .agent").count() > 0
    for link in page.locator("#risks a.subject").all():
        assert (link.get_attribute("href") or "").startswith("/desk/tickets/")

    # The language switch keeps the board and its live connection.
    page.click("[data-lang-switch=en]")
    assert page.locator("h1").first.inner_text() == "Supervisor board"
    page.wait_for_selector('#live-state[data-state="live"]')
    assert page.locator("#queues th").first.inner_text() == "Team"
    shot(page, "board-en")


def test_board_on_a_phone(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    load_demo(live.container.ctx)
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN", width=390, height=844)
    live.sign_in(page, "zhou")
    page.goto(f"{live.url}/board")
    page.wait_for_selector('#live-state[data-state="live"]')
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the board overflows a phone: {width}px"
    shot(page, "board-390-zh-CN")


def test_reports_show_tables_and_charts_in_both_languages(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    load_demo(live.container.ctx)
    live.user("supervisor", "Lin", "lin")
    page = open_page("en")
    live.sign_in(page, "lin")
    page.goto(f"{live.url}/board/reports")
    assert page.locator("h1").first.inner_text() == "Reports"
    channel_rows = page.locator("#by-channel tbody tr[data-key]")
    assert channel_rows.count() >= 3
    assert page.locator("#by-channel svg.chart rect").count() > 0
    assert page.locator("#daily svg.chart rect").count() > 0
    assert page.locator("#backlog tbody tr").count() > 0
    total = sum(int(r.locator("td").nth(1).inner_text()) for r in channel_rows.all())
    assert total == int(page.locator(".summary .value").first.inner_text())
    shot(page, "board-reports-en")

    page.click("[data-lang-switch=zh-CN]")
    assert page.locator("h1").first.inner_text() == "报表"
    page.click("a.button:has-text('近 7 天')")
    assert "days=7" in page.url
    assert page.locator(".presets a.active").inner_text() == "近 7 天"
    shot(page, "board-reports-zh-CN")

    # A period that ends before it starts is explained, not a 500.
    page.goto(f"{live.url}/board/reports?from=2026-05-01&to=2026-04-01")
    assert page.locator(".alert.error").count() == 1


def test_board_is_for_supervisors_only(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("customer", "王小明", "xiaoming", customer_uid="UID20000001")
    page = open_page("zh-CN")
    live.sign_in(page, "xiaoming")
    response = page.goto(f"{live.url}/board")
    assert response is not None and response.status == 403
