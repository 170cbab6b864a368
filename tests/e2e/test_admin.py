"""The admin pages in a real Chromium: an admin creates an agent, adjusts a holiday,
adds an SLA rule (and sees a bad value refused), and every page in both languages."""

from __future__ import annotations

from kefu.services import org
from tests.e2e.browser_support import Live, shot

PAGES = ("index", "taxonomy", "teams", "agents", "calendars", "sla", "quotas", "channels", "kb")


def _path(name: str) -> str:
    return "/admin" if name == "index" else f"/admin/{name}"


def test_admin_creates_an_agent_with_skills(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN")
    live.sign_in(page, "zhou")
    page.goto(f"{live.url}/admin/agents")
    form = page.locator("form[data-form=new-agent]")
    form.locator("input[name=name]").fill("新客服小林")
    form.locator("input[name=teams][value=account_safety]").check()
    form.locator("input[name=skills]").fill("vip, legal")
    form.locator("input[name=languages][value=en]").check()
    form.locator("input[name=capacity_chat]").fill("4")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-done=agent]").inner_text() == "客服已创建。"
    row = page.locator("tr[data-agent=新客服小林]")
    assert "vip" in row.inner_text() and "legal" in row.inner_text()
    assert "0 / 4 / 10" not in row.inner_text() and "1 / 4 / 10" in row.inner_text()
    # A web login for the new agent, then the agent signs in and is kept out of /admin.
    row.locator("a", has_text="新客服小林").click()
    login = page.locator("form[data-form=login]")
    login.locator("input[name=login]").fill("lin")
    login.locator("input[name=password]").fill("lin-password-1")
    login.locator("input[name=password2]").fill("lin-password-1")
    login.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-login]").inner_text() == "lin"
    shot(page, "admin-agent-zh-CN")
    agent_page = open_page("en")
    live.sign_in(agent_page, "lin", "lin-password-1")
    agent_page.goto(f"{live.url}/admin")
    assert "403" in agent_page.locator("h1").inner_text()


def test_admin_adds_and_removes_a_holiday(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "Ada", "ada")
    page = open_page("en")
    live.sign_in(page, "ada")
    page.goto(f"{live.url}/admin/calendars?calendar=office_9_18&year=2027")
    day = page.locator("td[data-day='2027-03-03']")  # a Wednesday: a working day
    assert day.get_attribute("data-kind") == "workday"
    day.click()  # fills the form with the day, suggesting a holiday
    form = page.locator("form[data-form=override]")
    assert form.locator("input[name=day]").input_value() == "2027-03-03"
    form.locator("input[name=note]").fill("Company anniversary")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    day = page.locator("td[data-day='2027-03-03']")
    assert day.get_attribute("data-kind") == "holiday"
    assert day.get_attribute("data-override") == "holiday"
    assert "Company anniversary" in page.locator("tr[data-override='2027-03-03']").inner_text()
    shot(page, "admin-calendars-override-en")
    page.locator("tr[data-override='2027-03-03'] [data-action=remove-override]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-done=override_removed]").is_visible()
    assert page.locator("td[data-day='2027-03-03']").get_attribute("data-kind") == "workday"
    assert page.locator("tr[data-override='2027-03-03']").count() == 0


def test_admin_adds_an_sla_rule_after_a_refused_value(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN")
    live.sign_in(page, "zhou")
    page.goto(f"{live.url}/admin/sla")
    form = page.locator("form[data-form=rule]")
    form.locator("input[name=name]").fill("微博 VIP 首响")
    form.locator("select[name=segment]").select_option("vip")
    form.locator("select[name=channel]").select_option("weibo")
    form.locator("input[name=first_response_minutes]").fill("0")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    error = page.locator(".alert.error").inner_text()
    assert error == "首次响应时限必须在 1 到 525600 分钟（一年）之间。"
    shot(page, "admin-sla-error-zh-CN")
    form = page.locator("form[data-form=rule]")  # what was typed is kept
    assert form.locator("input[name=name]").input_value() == "微博 VIP 首响"
    assert form.locator("select[name=channel]").input_value() == "weibo"
    form.locator("input[name=first_response_minutes]").fill("20")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-done=rule]").is_visible()
    row = page.locator("tr[data-rule='微博 VIP 首响']")
    assert "20分钟" in row.inner_text() and "微博" in row.inner_text()


def test_every_admin_page_in_both_languages(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    from kefu.demo import load_demo

    load_demo(live.container.ctx)
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN")
    live.sign_in(page, "zhou")
    for name in PAGES:
        page.goto(f"{live.url}{_path(name)}?lang=zh-CN")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator(".admin-nav a.active").count() == 1
        shot(page, f"admin-{name}-zh-CN")
        page.click("[data-lang-switch=en]")
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "en"
        shot(page, f"admin-{name}-en")
        page.click("[data-lang-switch=zh-CN]")
        page.wait_for_load_state("load")
    narrow = open_page("zh-CN", width=390)
    live.sign_in(narrow, "zhou")
    narrow.goto(f"{live.url}/admin")
    shot(narrow, "admin-index-zh-CN-390")


def test_a_supervisor_is_kept_out_of_admin(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    agent = org.create_agent(live.container.ctx, None, "组长", ["content"])
    live.user("supervisor", "组长", "lead", agent_id=agent.id)
    page = open_page("zh-CN")
    live.sign_in(page, "lead")
    for name in ("index", "agents", "sla"):
        page.goto(f"{live.url}{_path(name)}")
        assert "403" in page.locator("h1").inner_text()


def test_admin_writes_revises_and_publishes_a_kb_article(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN")
    live.sign_in(page, "zhou")
    page.goto(f"{live.url}/admin/kb")
    page.click("[data-action=new-article]")
    form = page.locator("form[data-form=article]")
    form.locator("input[name=slug]").fill("refund-timing")
    form.locator("input[name=title]").fill("退款多久到账")
    form.locator("textarea[name=body]").fill(
        "退款在商家同意后 1–3 个工作日原路退回。\n\n银行卡可能再晚 1–2 天。"
    )
    form.locator("input[name=tags]").fill("退款, 到账")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-done=article]").is_visible()
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "draft"
    # A new version, then publish.
    form = page.locator("form[data-form=article]")
    form.locator("textarea[name=body]").fill("退款在商家同意后 1–3 个工作日原路退回。")
    form.locator("input[name=note]").fill("删去银行卡说明")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("ol.versions li").count() == 2
    page.click("[data-action=publish]")
    page.wait_for_load_state("load")
    assert page.locator("[data-done=published]").is_visible()
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "published"
    shot(page, "admin-kb-article-zh-CN")
    page.goto(f"{live.url}/admin/kb?status=published&language_filter=zh-CN")
    row = page.locator("tr[data-article=refund-timing]")
    assert row.count() == 1 and "v2" in row.inner_text()
    page.goto(f"{live.url}/admin/kb?status=draft")
    assert page.locator("tr[data-article=refund-timing]").count() == 0
