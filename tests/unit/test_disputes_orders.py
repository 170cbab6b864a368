"""The order-system port: one contract for the demo adapter and the HTTP adapter (against
a real HTTP server on loopback), plus the HTTP adapter's failure modes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import unquote

import httpx
import pytest

from kefu.adapters.orders import DEMO_ORDERS, DemoOrderDirectory, HttpOrderDirectory
from kefu.bootstrap import build_orders
from kefu.config import Settings
from kefu.domain.disputes import Order, OrderItem
from kefu.services.dispute_ports import OrderSystemUnavailable
from kefu.services.ports import OrderDirectory

ORDER = Order(
    "DY 2026/1",
    "UID10000001",
    "UID10000002",
    12_900,
    (OrderItem("充电宝", 1, 12_900),),
    "delivered",
)


def as_json(o: Order) -> dict:
    return {
        "id": o.id,
        "buyer_uid": o.buyer_uid,
        "seller_uid": o.seller_uid,
        "amount_fen": o.amount_fen,
        "currency": o.currency,
        "logistics_status": o.logistics_status,
        "items": [
            {"name": i.name, "quantity": i.quantity, "price_fen": i.price_fen} for i in o.items
        ],
    }


class OrderSystem(BaseHTTPRequestHandler):
    orders: ClassVar[dict[str, dict]] = {ORDER.id: as_json(ORDER)}
    seen_auth: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.seen_auth.append(self.headers.get("Authorization"))
        prefix = "/api/orders/"
        found = (
            self.orders.get(unquote(self.path[len(prefix) :]))
            if self.path.startswith(prefix)
            else None
        )
        body = json.dumps(found or {"error": "no such order"}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OrderSystem)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    httpd.shutdown()


@pytest.fixture(params=["demo", "http"])
def directory(request: pytest.FixtureRequest, server: str) -> OrderDirectory:
    if request.param == "demo":
        return DemoOrderDirectory([ORDER])
    return HttpOrderDirectory(server, token="s3cret")


def test_a_known_order_comes_back_whole(directory: OrderDirectory) -> None:
    assert directory.get(ORDER.id) == ORDER


@pytest.mark.parametrize("order_id", ["DY-UNKNOWN", " ", "x" * 65])
def test_an_unknown_order_is_none(directory: OrderDirectory, order_id: str) -> None:
    assert directory.get(order_id) is None


def test_the_http_adapter_sends_its_token(server: str) -> None:
    OrderSystem.seen_auth.clear()
    HttpOrderDirectory(server, token="s3cret").get(ORDER.id)
    assert OrderSystem.seen_auth == ["Bearer s3cret"]


def mock(handler) -> HttpOrderDirectory:  # type: ignore[no-untyped-def]
    return HttpOrderDirectory("http://orders.test", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (httpx.Response(500, text="boom"), "answered 500"),
        (httpx.Response(200, text="not json"), "is not an order"),
        (httpx.Response(200, json={"id": ORDER.id, "buyer_uid": "UID1"}), "seller_uid"),
        (httpx.Response(200, json={**as_json(ORDER), "amount_fen": "lots"}), "wrong type"),
        (httpx.Response(200, json={**as_json(ORDER), "id": "OTHER"}), "when asked for"),
    ],
)
def test_a_bad_reply_is_a_clear_order_system_error(reply: httpx.Response, problem: str) -> None:
    with pytest.raises(OrderSystemUnavailable, match=problem):
        mock(lambda request: reply).get(ORDER.id)


def test_a_timeout_is_an_order_system_error() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(OrderSystemUnavailable, match="did not answer in time") as err:
        mock(slow).get(ORDER.id)
    assert err.value.code == "order_system_unavailable"


def test_bootstrap_uses_http_when_the_url_is_set_else_the_demo_orders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    http = build_orders(Settings(data_dir=tmp_path, orders_url="http://orders.test/api"))
    assert isinstance(http, HttpOrderDirectory) and http.base_url == "http://orders.test/api"
    demo = build_orders(Settings(data_dir=tmp_path))
    assert isinstance(demo, DemoOrderDirectory)
    assert demo.get(DEMO_ORDERS[0].id) == DEMO_ORDERS[0]
