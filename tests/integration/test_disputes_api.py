"""End to end through the HTTP API: a full dispute of each type, then the report, whose
three figures per type must match a hand computation on exactly these disputes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kefu.domain.clock import FixedClock
from tests.conftest import Api, RoleClient
from tests.integration.disputes_support import BUYER, PDF, PNG, SELLER, TEXT, order, use_orders

HOUR = timedelta(hours=1)
ORDERS = [order(f"DY-E2E-{n}", 10_000 * n) for n in range(1, 8)]


class Parties:
    def __init__(self, api: Api) -> None:
        use_orders(api.container, ORDERS)
        self.api = api
        self.buyer = api.as_(api.token("customer", "buyer", customer_uid=BUYER))
        self.seller = api.as_(api.token("customer", "seller", customer_uid=SELLER))
        self.arbiter = api.as_(api.token("supervisor", "arbiter"))

    def upload(self, who: RoleClient, data: bytes, name: str, ctype: str, kind: str) -> dict:
        r = who.c.post(
            f"/api/v1/attachments?filename={name}",
            content=data,
            headers={**who.h, "Content-Type": ctype},
        )
        assert r.status_code == 201, r.text
        return {"sha256": r.json()["sha256"], "filename": name, "content_type": ctype, "kind": kind}

    def open(self, n: int, type: str, files: list[dict] | None = None) -> dict:
        r = self.buyer.post(
            "/api/v1/disputes",
            {
                "order_id": f"DY-E2E-{n}",
                "type": type,
                "statement": "订单有问题，请处理",
                "files": files or [],
                "contact": {"phone": "13812345678"},
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    def act(
        self, who: RoleClient, dispute: dict, action: str, body: dict, status: int = 200
    ) -> dict:
        r = who.post(f"/api/v1/disputes/{dispute['id']}/{action}", body)
        assert r.status_code == status, r.text
        return r.json()


@pytest.fixture
def p(fixed_api: Api) -> Parties:
    return Parties(fixed_api)


def advance(p: Parties, delta: timedelta) -> None:
    clock = p.api.container.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


def decide(p: Parties, d: dict, outcome: str, refund: int | None = None) -> dict:
    body: dict[str, Any] = {"outcome": outcome, "reason": "依据双方证据作出裁决"}
    if refund is not None:
        body["refund_fen"] = refund
    return p.act(p.arbiter, d, "decision", body)


def test_a_full_dispute_of_each_type_and_the_report_per_type(p: Parties) -> None:
    # ---- not received ------------------------------------------------------------------
    # D1: the seller stays silent; 72 h later the platform arbitrates; buyer wins at 96 h.
    d1 = p.open(1, "not_received")
    assert (d1["state"], d1["you"], d1["allowed_actions"]) == (
        "awaiting_seller",
        "buyer",
        ["withdraw"],
    )
    advance(p, 72 * HOUR)
    p.api.container.fire_due_timers()
    d1 = p.buyer.get(f"/api/v1/disputes/{d1['id']}").json()
    assert (d1["state"], d1["arbitration_reason"]) == ("arbitration", "seller_deadline_passed")
    p.act(p.buyer, d1, "evidence", {"statement": "物流显示签收但本人未收到"})
    advance(p, 24 * HOUR)
    d1 = decide(p, d1, "buyer_wins")
    assert (d1["state"], d1["refund_fen"]) == ("decided", 10_000)
    d1 = p.act(p.arbiter, d1, "close", {"reason": "双方无异议"})
    assert (d1["state"], d1["closure"]) == ("closed", "arbitrator")

    # D2: the seller accepts after 10 h: the buyer wins without the platform.
    d2 = p.open(2, "not_received")
    advance(p, 10 * HOUR)
    d2 = p.act(p.seller, d2, "respond", {"decision": "accept"})
    assert (d2["state"], d2["outcome"], d2["refund_fen"], d2["you"]) == (
        "closed",
        "buyer_wins",
        20_000,
        "seller",
    )

    # ---- not as described --------------------------------------------------------------
    # D3: contested at 5 h; seller wins at 50 h; buyer appeals at 60 h; partial at 80 h.
    d3 = p.open(3, "not_as_described")
    advance(p, 5 * HOUR)
    p.act(p.seller, d3, "respond", {"decision": "contest", "statement": "与描述一致"})
    photo = p.upload(p.buyer, PNG, "色差.png", "image/png", "photo")
    p.act(p.buyer, d3, "evidence", {"statement": "实物颜色不同", "files": [photo]})
    p.act(p.seller, d3, "evidence", {"statement": "商品页已注明色差"})
    advance(p, 45 * HOUR)
    d3 = decide(p, d3, "seller_wins")
    assert d3["allowed_actions"] == ["close"]
    advance(p, 10 * HOUR)
    d3 = p.act(p.buyer, d3, "appeal", {"reason": "商品页的图片与实物差别很大"})
    assert d3["state"] == "appealed"
    advance(p, 20 * HOUR)
    d3 = decide(p, d3, "partial", 12_000)
    assert (d3["decision"]["number"], d3["refund_fen"]) == (2, 12_000)
    p.act(p.arbiter, d3, "close", {})

    # D4: withdrawn after an hour: no outcome, no intervention.
    d4 = p.open(4, "not_as_described")
    advance(p, HOUR)
    d4 = p.act(p.buyer, d4, "withdraw", {"reason": "已与卖家协商"})
    assert (d4["state"], d4["closure"], d4["outcome"]) == ("closed", "withdrawn", None)

    # ---- quality -----------------------------------------------------------------------
    # D6: contested at 1 h, partial refund at 25 h, closed by the arbitrator.
    d6 = p.open(6, "quality")
    advance(p, HOUR)
    p.act(p.seller, d6, "respond", {"decision": "contest", "statement": "质量合格"})
    advance(p, 24 * HOUR)
    decide(p, d6, "partial", 30_000)
    p.act(p.arbiter, d6, "close", {})

    # D5: a complete bundle; contested at 2 h; appraisal; report; seller wins at 30 h;
    # nobody appeals: the appeal window's timer closes it.
    chat = p.upload(p.buyer, TEXT, "聊天记录.txt", "text/plain", "chat_log")
    track = p.upload(p.buyer, PNG, "物流.png", "image/png", "logistics")
    d5 = p.open(5, "quality", [chat, track])
    assert d5["complete_bundle"] is True
    advance(p, 2 * HOUR)
    p.act(p.seller, d5, "respond", {"decision": "contest", "statement": "出厂检测合格"})
    advance(p, HOUR)
    d5 = p.act(p.arbiter, d5, "appraisal", {"reason": "需第三方检测"})
    assert d5["state"] == "appraisal"
    advance(p, 17 * HOUR)
    report = p.upload(p.buyer, PDF, "检测报告.pdf", "application/pdf", "inspection_report")
    d5 = p.act(p.buyer, d5, "report", {"statement": "检测机构报告", "files": [report]})
    advance(p, 10 * HOUR)
    d5 = decide(p, d5, "seller_wins")
    advance(p, timedelta(hours=168))
    p.api.container.fire_due_timers()
    d5 = p.arbiter.get(f"/api/v1/disputes/{d5['id']}").json()
    assert (d5["state"], d5["closure"]) == ("closed", "appeal_window_ended")

    # D7: still waiting for the seller: opened, not yet settled either way.
    p.open(7, "quality")

    # ---- the report --------------------------------------------------------------------
    r = p.arbiter.get("/api/v1/reports/disputes")
    assert r.status_code == 200, r.text
    got = {t["type"]: t for t in r.json()["types"]}
    # By hand: cycle = opening → final outcome, over concluded disputes;
    # seller win rate = seller_wins / concluded; intervention = arbitrated / seller phase over.
    expected = {
        #                  opened, cycle h,       seller wins,  intervention
        "not_received": (2, (96 + 10) / 2, 0 / 2, 1 / 2),  # D1 arbitrated, D2 accepted
        "not_as_described": (2, 80.0, 0 / 1, 1 / 2),  # D3 partial at 80 h; D4 withdrawn
        "quality": (3, (30 + 25) / 2, 1 / 2, 2 / 2),  # D5 seller, D6 partial; D7 waiting
    }
    for kind, (opened, cycle, win, intervention) in expected.items():
        row = got[kind]
        assert row["opened"] == opened, kind
        assert row["average_cycle_hours"] == pytest.approx(cycle), kind
        assert row["average_cycle_days"] == pytest.approx(round(cycle / 24, 2)), kind
        assert row["seller_win_rate"] == pytest.approx(win), kind
        assert row["platform_intervention_rate"] == pytest.approx(intervention), kind
    assert got["quality"]["label"] == {"zh": "质量问题", "en": "Quality problem"}
    total = r.json()["total"]
    assert (total["opened"], total["concluded"], total["withdrawn"]) == (7, 5, 1)


def test_the_report_is_for_arbitrators_and_filters_by_opening_time(p: Parties) -> None:
    p.open(1, "quality")
    assert p.buyer.get("/api/v1/reports/disputes").status_code == 403
    agent = p.api.as_(p.api.token("agent", "e", agent_id=_agent(p, ["ecommerce"])))
    other = p.api.as_(p.api.token("agent", "g", agent_id=_agent(p, ["general"])))
    assert agent.get("/api/v1/reports/disputes").json()["total"]["opened"] == 1
    assert other.get("/api/v1/reports/disputes").status_code == 403
    later = "2099-01-01T00:00:00+08:00"
    r = p.arbiter.get("/api/v1/reports/disputes", params={"opened_from": later})
    assert r.json()["total"]["opened"] == 0
    naive = p.arbiter.get("/api/v1/reports/disputes", params={"opened_from": "2026-01-01T00:00"})
    assert naive.status_code == 422


def _agent(p: Parties, teams: list[str]) -> int:
    from kefu.domain.actors import Actor, Role
    from kefu.services import org

    agent = org.create_agent(p.api.container.ctx, Actor(Role.ADMIN, "t"), f"a-{teams[0]}", teams)
    assert agent.id is not None
    return agent.id
