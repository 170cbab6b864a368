"""Helpers of the dispute tests: orders, parties, evidence files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kefu.adapters.orders import DemoOrderDirectory
from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.disputes import Dispute, Order, OrderItem
from kefu.services.dispute_access import DisputeContext, FileRef
from kefu.services.disputes import OpenDispute, open_dispute

BUYER, SELLER, STRANGER = "UID31000001", "UID31000002", "UID31000009"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
TEXT = "2026-11-20 卖家：已发货\n2026-11-21 买家：没收到".encode()
ARBITER = Actor(Role.SUPERVISOR, "arbiter", user_id=900)


def customer(uid: str, name: str = "c") -> Actor:
    return Actor(Role.CUSTOMER, name, user_id=hash(uid) % 1000, customer_uid=uid)


def order(oid: str, amount: int = 12_900, buyer: str = BUYER, seller: str = SELLER) -> Order:
    return Order(oid, buyer, seller, amount, (OrderItem("商品", 1, amount),), "delivered")


def use_orders(c: Container, orders: Sequence[Order]) -> DisputeContext:
    """Point the container's disputes at a directory of these orders; return the context."""
    assert c.disputes is not None
    c.disputes = replace(c.disputes, orders=DemoOrderDirectory(orders))
    return c.disputes


def evidence(
    c: Container, kind: str, data: bytes = PDF, content_type: str = "application/pdf"
) -> FileRef:
    sha = c.ctx.blobs.put(data + kind.encode())
    return FileRef(sha, f"{kind}.bin", content_type, kind)


def bundle(c: Container) -> list[FileRef]:
    """A complete opening bundle: chat log and logistics record (the order id is given)."""
    return [
        evidence(c, "chat_log", TEXT, "text/plain"),
        evidence(c, "logistics", PNG, "image/png"),
    ]


def open_for(
    dc: DisputeContext,
    order_id: str,
    type: str = "quality",
    *,
    files: Sequence[FileRef] = (),
    buyer: str = BUYER,
    statement: str = "充电宝用了两天就鼓包了",
) -> Dispute:
    return open_dispute(
        dc, customer(buyer, "buyer"), OpenDispute(order_id, type, statement, files=files)
    )
