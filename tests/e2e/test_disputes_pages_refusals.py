"""Refusals on the dispute pages, shown in the reader's language with the page current:
the fourth evidence submission (409), a step someone else's action made impossible (409),
and a dispute that is not yours (404)."""

from __future__ import annotations

from typing import Any

from kefu.demo import DEMO_PASSWORD, load_demo
from kefu.domain.actors import Actor, Role
from kefu.services import disputes as svc
from tests.e2e.browser_support import Live, shot

BUYER = Actor(Role.CUSTOMER, "王小明", customer_uid="UID20000001")
DEMO_DISPUTE = 1  # load_demo: in arbitration, 王小明 against 山货小铺


def test_the_fourth_evidence_submission_is_refused_on_the_page(live: Live, open_page: Any) -> None:
    load_demo(live.container.ctx)
    dc = live.container.disputes
    assert dc is not None
    page = open_page("en")
    live.sign_in(page, "customer", DEMO_PASSWORD)
    page.goto(f"{live.url}/disputes/{DEMO_DISPUTE}")
    form = page.locator("form[data-form=evidence]")
    assert "3 of 3 submissions left" in form.locator("h3").inner_text()
    # Meanwhile all three submissions are used (another tab, the app…).
    for n in range(3):
        svc.submit_evidence(dc, BUYER, DEMO_DISPUTE, svc.Submit(f"补充证据 {n + 1}"))
    form.locator("textarea[name=statement]").fill("One more photo.")
    page.click("[data-action=evidence]")
    page.wait_for_load_state("load")
    alert = page.locator(".alert.error[data-error=evidence_limit_reached]")
    assert "at most 3 times" in alert.inner_text()
    assert page.locator("form[data-form=evidence]").count() == 0  # none left: no form
    assert "0 of 3 submissions left" in page.locator(".dz-quota[data-party=buyer]").inner_text()
    shot(page, "disputes-detail-refused-evidence-en")
    page.click("[data-lang-switch=zh-CN]")
    assert "剩余 0 / 3 次举证机会" in page.locator(".dz-quota[data-party=buyer]").inner_text()


def test_a_step_overtaken_by_the_other_side_says_where_the_dispute_stands(
    live: Live, open_page: Any
) -> None:
    load_demo(live.container.ctx)
    dc = live.container.disputes
    assert dc is not None
    opened = svc.open_dispute(
        dc, BUYER, svc.OpenDispute("DY2026112500001", "not_received", "还没收到货")
    )
    page = open_page("zh-CN")
    live.sign_in(page, "seller", DEMO_PASSWORD)
    page.goto(f"{live.url}/disputes/{opened.id}")
    assert page.locator("[data-action=contest]").is_visible()
    svc.withdraw(dc, BUYER, opened.id or 0, "已和商家协商好")  # the buyer withdrew meanwhile
    page.fill("form[data-form=respond] textarea[name=statement]", "已发货，有物流记录")
    page.click("[data-action=contest]")
    page.wait_for_load_state("load")
    alert = page.locator(".alert.error[data-error=illegal_transition]")
    assert (
        alert.inner_text()
        == "未完成： 纠纷当前处于「已结束」阶段，此操作已不可用。页面已显示最新状态。"
    )
    assert page.locator("form.dz-form").count() == 0
    assert page.locator(".dz-title .badge[data-state=closed]").count() == 1

    # Someone who is neither buyer, seller nor arbitrator does not see the dispute at all.
    live.user("customer", "路人", "stranger", customer_uid="UID20000009")
    other = open_page("en")
    live.sign_in(other, "stranger")
    response = other.goto(f"{live.url}/disputes/{opened.id}")
    assert response is not None and response.status == 404
    other.goto(f"{live.url}/disputes")
    assert other.locator("tr[data-dispute]").count() == 0
    assert other.locator(".dz-empty").is_visible()
