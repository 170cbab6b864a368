"""The workspace's frame in a real Chromium: sign-in and out, the language switch, CSRF,
and a customer kept out of staff pages."""

from __future__ import annotations

import httpx

from tests.e2e.browser_support import Live, shot


def test_staff_sign_in_and_sign_out(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "管理员小周", "zhou")
    page = open_page("zh-CN")
    page.goto(f"{live.url}/desk")
    assert "/login" in page.url  # not signed in: sent to the sign-in page, and back after
    shot(page, "login-zh-CN")
    page.fill("input[name=login]", "zhou")
    page.fill("input[name=password]", "wrong password")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator(".alert.error").inner_text() == "账号或密码错误。"
    live.sign_in(page, "zhou")
    assert page.locator(".whoami").inner_text() == "管理员小周"
    page.click("[data-action=logout]")
    page.wait_for_url("**/login")
    page.goto(f"{live.url}/admin")
    assert "/login" in page.url


def test_language_switch_is_remembered(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    page = open_page("zh-CN")
    page.goto(f"{live.url}/login")
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("[data-lang-switch=en]")
    assert page.locator("h1").inner_text() == "Sign in"
    shot(page, "login-en")
    page.goto(f"{live.url}/login")  # the choice is kept in a cookie
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("[data-lang-switch=zh-CN]")
    assert page.locator("h1").inner_text() == "登录"


def test_a_forged_form_post_is_rejected(live: Live, open_page) -> None:  # type: ignore[no-untyped-def]
    live.user("admin", "Ada", "ada")
    page = open_page("en")
    live.sign_in(page, "ada")
    # A form another site would post: the session cookie travels, the CSRF token does not.
    page.set_content(
        f"""<form id=f method=post action="{live.url}/logout">
        <input name=csrf_token value=forged></form>"""
    )
    page.evaluate("document.getElementById('f').submit()")
    page.wait_for_load_state("load")
    assert "403" in page.locator("h1").inner_text()
    page.goto(f"{live.url}/")
    assert "/login" not in page.url, "the forged post must not have signed the user out"
    # The API refuses a cookie-authenticated change without the header as well.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.post(f"{live.url}/api/v1/tickets", json={}, cookies=cookies)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
