"""The dispute API's rules: who sees what, refused steps as clear JSON errors, files,
lists, and the order system being down."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from kefu.adapters.orders import HttpOrderDirectory
from tests.conftest import Api
from tests.integration.disputes_support import BUYER, PNG, SELLER, STRANGER, TEXT
from tests.integration.test_disputes_api import Parties


@pytest.fixture
def p(api: Api) -> Parties:
    return Parties(api)


def contested(p: Parties) -> dict:
    d = p.open(1, "not_as_described")
    p.act(
        p.seller,
        d,
        "respond",
        {
            "decision": "contest",
            "statement": "与描述一致，客服电话 13900001111",
            "contact": {"phone": "13900001111", "address": "杭州市某仓库"},
        },
    )
    return d


def test_each_side_sees_its_own_contact_data_and_never_the_others(p: Parties) -> None:
    d = contested(p)
    photo = p.upload(p.seller, PNG, "发货.png", "image/png", "photo")
    p.act(
        p.seller,
        d,
        "evidence",
        {"statement": "发货照片", "files": [photo], "contact": {"email": "shop@example.com"}},
    )
    as_buyer = p.buyer.get(f"/api/v1/disputes/{d['id']}").json()
    as_seller = p.seller.get(f"/api/v1/disputes/{d['id']}").json()
    as_arbiter = p.arbiter.get(f"/api/v1/disputes/{d['id']}").json()
    buyer_view = {(s["party"], s["kind"]): s for s in as_buyer["submissions"]}
    seller_view = {(s["party"], s["kind"]): s for s in as_seller["submissions"]}
    assert buyer_view[("buyer", "opening")]["contact"]["phone"] == "13812345678"
    assert buyer_view[("seller", "response")]["contact"] is None
    assert "13900001111" not in buyer_view[("seller", "response")]["statement"]
    assert buyer_view[("seller", "evidence")]["contact"] is None
    assert seller_view[("buyer", "opening")]["contact"] is None
    assert seller_view[("seller", "evidence")]["contact"]["email"] == "shop@example.com"
    assert all(s["contact"] is not None for s in as_arbiter["submissions"])
    assert "13812345678" not in str(as_seller) and "13900001111" not in str(as_buyer)
    assert "shop@example.com" not in str(as_buyer) and "杭州市某仓库" not in str(as_buyer)
    url = buyer_view[("seller", "evidence")]["files"][0]["url"]
    got = p.buyer.get(url)
    assert (got.status_code, got.content) == (200, PNG)
    assert (
        p.api.as_(p.api.token("customer", "x", customer_uid=STRANGER)).get(url).status_code == 404
    )


def test_a_file_is_served_only_from_a_submission_the_caller_may_see(p: Parties) -> None:
    chat = p.upload(p.buyer, TEXT, "chat.txt", "text/plain", "chat_log")
    d = p.open(2, "quality", [chat])
    seller_view = p.seller.get(f"/api/v1/disputes/{d['id']}").json()
    assert [s["kind"] for s in seller_view["submissions"]] == ["opening"]
    opening_file = seller_view["submissions"][0]["files"][0]
    got = p.seller.get(opening_file["url"])
    assert (got.status_code, got.content) == (200, TEXT)
    assert got.headers["content-type"].startswith("text/plain")
    elsewhere = p.upload(p.buyer, PNG + b"private", "x.png", "image/png", "photo")
    url = f"/api/v1/disputes/{d['id']}/files/{elsewhere['sha256']}"
    assert p.seller.get(url).status_code == 404  # stored, but not evidence of this dispute


def test_refused_steps_are_clear_json_errors(p: Parties) -> None:
    d = contested(p)
    did = d["id"]
    for n in range(3):
        p.act(p.buyer, d, "evidence", {"statement": f"证据 {n}"})
    r = p.buyer.post(f"/api/v1/disputes/{did}/evidence", {"statement": "第四次"})
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "evidence_limit_reached" and "at most 3 times" in err["message"]
    r = p.buyer.post(f"/api/v1/disputes/{did}/decision", {"outcome": "buyer_wins", "reason": "x"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    r = p.seller.post(f"/api/v1/disputes/{did}/respond", {"decision": "accept"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "illegal_transition")
    assert r.json()["error"]["details"]["from"] == "arbitration"
    body = {"outcome": "partial", "refund_fen": 10_001, "reason": "超额"}
    r = p.arbiter.post(f"/api/v1/disputes/{did}/decision", body)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid")
    assert p.arbiter.post(
        f"/api/v1/disputes/{did}/decision", {**body, "refund_fen": 10_000}
    ).is_success
    assert p.seller.post(f"/api/v1/disputes/{did}/appeal", {"reason": "不服"}).status_code == 200
    p.act(p.arbiter, d, "decision", {"outcome": "partial", "refund_fen": 5_000, "reason": "改判"})
    r = p.seller.post(f"/api/v1/disputes/{did}/appeal", {"reason": "再申诉"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "appeal_refused")


def test_files_of_the_wrong_type_or_content_are_refused(p: Parties) -> None:
    exe = p.upload(p.buyer, b"MZ\x90\x00binary", "photo.png", "image/png", "photo")
    r = p.buyer.post(
        "/api/v1/disputes",
        {"order_id": "DY-E2E-1", "type": "quality", "statement": "x", "files": [exe]},
    )
    assert r.status_code == 422 and "does not look like image/png" in r.json()["error"]["message"]
    html = p.upload(p.buyer, b"<html></html>", "a.html", "text/html", "other")
    r = p.buyer.post(
        "/api/v1/disputes",
        {"order_id": "DY-E2E-1", "type": "quality", "statement": "x", "files": [html]},
    )
    assert r.status_code == 422 and "text/html" in r.json()["error"]["message"]
    assert p.buyer.get("/api/v1/disputes").json()["items"] == []


def test_lists_show_each_customer_their_disputes_and_arbitrators_all(p: Parties) -> None:
    first, second = p.open(1, "quality"), p.open(2, "not_received")
    other_buyer = p.api.as_(p.api.token("customer", "o", customer_uid=STRANGER))
    assert other_buyer.get("/api/v1/disputes").json()["items"] == []
    mine = p.seller.get("/api/v1/disputes", params={"role": "seller"}).json()["items"]
    assert [d["id"] for d in mine] == [second["id"], first["id"]]
    assert p.buyer.get("/api/v1/disputes", params={"role": "seller"}).json()["items"] == []
    page = p.arbiter.get("/api/v1/disputes", params={"limit": 1}).json()
    assert [d["id"] for d in page["items"]] == [second["id"]]
    rest = p.arbiter.get("/api/v1/disputes", params={"limit": 1, "cursor": page["next_cursor"]})
    assert [d["id"] for d in rest.json()["items"]] == [first["id"]]
    assert rest.json()["next_cursor"] is None
    by_type = p.arbiter.get("/api/v1/disputes", params={"type": "quality"}).json()["items"]
    assert [d["id"] for d in by_type] == [first["id"]]
    assert p.arbiter.get("/api/v1/disputes", params={"state": "nope"}).status_code == 422
    integration = p.api.as_(p.api.token("integration"))
    assert integration.get("/api/v1/disputes").status_code == 403


def test_an_unreachable_order_system_is_a_502_and_nothing_is_opened(p: Parties) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    c = p.api.container
    assert c.disputes is not None
    orders = HttpOrderDirectory("http://orders.invalid", transport=httpx.MockTransport(down))
    c.disputes = replace(c.disputes, orders=orders)
    r = p.buyer.post(
        "/api/v1/disputes", {"order_id": "DY-E2E-1", "type": "quality", "statement": "x"}
    )
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "order_system_unavailable"
    assert p.buyer.get("/api/v1/tickets").json()["items"] == []


def test_parties_are_customers_matching_the_order(p: Parties) -> None:
    body = {"order_id": "DY-E2E-1", "type": "quality", "statement": "我是卖家"}
    assert p.seller.post("/api/v1/disputes", body).status_code == 403
    assert p.arbiter.post("/api/v1/disputes", body).status_code == 403
    assert p.buyer.post("/api/v1/disputes", {**body, "order_id": "DY-NONE"}).status_code == 404
    d = p.open(1, "quality")
    assert d["buyer_uid"] == BUYER and d["seller_uid"] == SELLER
    assert p.buyer.post("/api/v1/disputes", body).status_code == 409
