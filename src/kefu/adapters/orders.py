"""The platform's order system, behind the `OrderDirectory` port.

`HttpOrderDirectory` calls a configurable endpoint (`KEFU_ORDERS_URL`):

    GET {base}/orders/{order_id}      Authorization: Bearer {KEFU_ORDERS_TOKEN} (if set)
    200 {"id": "DY…", "buyer_uid": "UID…", "seller_uid": "UID…", "amount_fen": 12900,
         "currency": "CNY", "logistics_status": "delivered",
         "items": [{"name": "…", "quantity": 1, "price_fen": 12900}]}
    404 no such order

Anything else (timeouts, 5xx, a body that is not such an order) raises
`OrderSystemUnavailable` with a message saying what went wrong. `DemoOrderDirectory`
answers from demo data (embedded mode, tests, `kefu demo`); `bootstrap.py` picks the HTTP
adapter whenever `KEFU_ORDERS_URL` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from kefu.domain.disputes import Order, OrderItem
from kefu.services.dispute_ports import OrderSystemUnavailable

MAX_ORDER_ID = 64


def order_from_json(data: Any) -> Order:
    """Parse the order system's JSON; ValueError says which field is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError("the reply is not a JSON object")
    try:
        items = tuple(
            OrderItem(str(i["name"]), int(i.get("quantity", 1)), int(i.get("price_fen", 0)))
            for i in data.get("items") or ()
        )
        order = Order(
            id=str(data["id"]),
            buyer_uid=str(data["buyer_uid"]).upper(),
            seller_uid=str(data["seller_uid"]).upper(),
            amount_fen=int(data["amount_fen"]),
            items=items,
            logistics_status=str(data.get("logistics_status") or ""),
            currency=str(data.get("currency") or "CNY"),
        )
    except KeyError as exc:
        raise ValueError(f"field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a field has the wrong type: {exc}") from None
    if order.amount_fen < 0:
        raise ValueError("amount_fen is negative")
    return order


def _check_id(order_id: str) -> str:
    order_id = order_id.strip()
    if not order_id or len(order_id) > MAX_ORDER_ID:
        raise ValueError(f"an order id has 1 to {MAX_ORDER_ID} characters")
    return order_id


class HttpOrderDirectory:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers=headers, transport=transport
        )

    def get(self, order_id: str) -> Order | None:
        try:
            order_id = _check_id(order_id)
        except ValueError:
            return None
        where = f"{self.base_url}/orders/{order_id}"
        try:
            reply = self._client.get(f"/orders/{quote(order_id, safe='')}")
        except httpx.TimeoutException:
            raise OrderSystemUnavailable(
                f"订单系统超时，请稍后重试。\nThe order system did not answer in time ({where}).",
                details={"order_id": order_id},
            ) from None
        except httpx.HTTPError as exc:
            raise OrderSystemUnavailable(
                f"无法连接订单系统，请稍后重试。\nThe order system is unreachable ({where}): "
                f"{type(exc).__name__}.",
                details={"order_id": order_id},
            ) from None
        if reply.status_code == 404:
            return None
        if reply.status_code != 200:
            raise OrderSystemUnavailable(
                f"订单系统返回错误 {reply.status_code}。\nThe order system answered "
                f"{reply.status_code} for {where}.",
                details={"order_id": order_id, "status": reply.status_code},
            )
        try:
            order = order_from_json(reply.json())
        except ValueError as exc:
            raise OrderSystemUnavailable(
                f"订单系统返回的数据无法识别。\nThe order system's reply for {where} is not an "
                f"order: {exc}.",
                details={"order_id": order_id},
            ) from None
        if order.id != order_id:
            raise OrderSystemUnavailable(
                f"The order system answered order {order.id!r} when asked for {order_id!r}.",
                details={"order_id": order_id},
            )
        return order

    def close(self) -> None:
        self._client.close()


DEMO_ORDERS: tuple[Order, ...] = (
    Order(
        "DY2026112500001",
        "UID20000001",
        "UID20000005",
        8_900,
        (OrderItem("云南野生菌干货礼盒 500g", 1, 8_900),),
        "signed",
    ),
    Order(
        "DY2026112500002",
        "UID20000009",
        "UID20000005",
        32_900,
        (OrderItem("羊毛混纺大衣 驼色 L", 1, 32_900),),
        "delivered",
    ),
    Order(
        "DY2026112500003",
        "UID20000001",
        "UID20000005",
        12_900,
        (OrderItem("20000mAh 快充充电宝", 1, 12_900),),
        "delivered",
    ),
    Order(
        "DY2026112500004",
        "UID20000003",
        "UID20000005",
        899_900,
        (OrderItem("轻薄笔记本电脑 16GB/1TB", 1, 899_900),),
        "delivered",
    ),
    Order(
        "DY2026112500005",
        "UID20000002",
        "UID20000005",
        19_800,
        (OrderItem("手工蜂蜜 2 瓶装", 2, 9_900),),
        "in_transit",
    ),
)
"""Orders of the demo customers (the shop UID20000005 sells them all)."""


class DemoOrderDirectory:
    """Orders from memory: the demo set, plus any a test or the demo loader adds."""

    def __init__(self, orders: Iterable[Order] = DEMO_ORDERS) -> None:
        self._orders = {o.id: o for o in orders}
        self._lock = threading.Lock()

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id.strip())

    def add(self, order: Order) -> None:
        with self._lock:
            self._orders[order.id] = order
