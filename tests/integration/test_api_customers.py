"""/api/v1/customers: upsert by UID with profile facts, identities, lookup."""

from __future__ import annotations

import pytest

from tests.conftest import RoleClient


def test_upsert_computes_the_segment(admin: RoleClient) -> None:
    r = admin.put(
        "/api/v1/customers/UID30000001",
        {"followers": 150_000, "has_shop": True, "daily_plays": 20_000, "name": "小店主"},
    )
    assert r.status_code == 200
    c = r.json()
    assert c["segment"] == "creator_t2"
    assert c["segments"] == ["creator_t2", "merchant"]
    assert c["hotline_boost"] is True
    assert c["segment_label"]["zh"] and c["segment_label"]["en"]
    assert c["name"] == "小店主"
    r = admin.put(
        "/api/v1/customers/UID30000001",
        {"verification": "enterprise_brand", "annual_ad_spend": 600_000},
    )
    c = r.json()
    assert c["segment"] == "enterprise_brand"
    assert c["key_account"] is True
    assert c["followers"] == 150_000  # untouched facts stay
    assert admin.get("/api/v1/customers/UID30000001").json() == c


@pytest.mark.parametrize(
    ("payload", "mention"),
    [
        ({"followers": -1}, "followers"),
        ({"verification": "gold"}, "verification"),
        ({"shoe_size": 42}, "shoe_size"),
        ({"vip": "maybe"}, "vip"),
    ],
)
def test_bad_profile_facts_are_422(admin: RoleClient, payload: dict, mention: str) -> None:
    r = admin.put("/api/v1/customers/UID30000002", payload)
    assert r.status_code == 422
    assert mention in r.json()["error"]["message"]


def test_bad_uid_is_422_and_unknown_is_404(admin: RoleClient) -> None:
    r = admin.put("/api/v1/customers/12345", {})
    assert r.status_code == 422 and "UID" in r.json()["error"]["message"]
    assert admin.get("/api/v1/customers/UID99999999").status_code == 404


def test_identities_link_and_find_the_same_person(admin: RoleClient) -> None:
    admin.put("/api/v1/customers/UID30000003", {})
    r = admin.post(
        "/api/v1/customers/UID30000003/identities", {"kind": "phone", "value": "138-0013 8000"}
    )
    assert r.status_code == 200
    r = admin.post(
        "/api/v1/customers/UID30000003/identities", {"kind": "email", "value": "Me@Example.com"}
    )
    assert {"kind": "email", "value": "me@example.com"} in r.json()["identities"]
    r = admin.post(
        "/api/v1/customers/UID30000003/identities",
        {"kind": "wechat_openid", "value": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"},
    )
    assert len(r.json()["identities"]) == 3
    again = admin.post(
        "/api/v1/customers/UID30000003/identities", {"kind": "phone", "value": "13800138000"}
    )
    assert len(again.json()["identities"]) == 3
    found = admin.get("/api/v1/customers", params={"kind": "phone", "value": "13800138000"})
    assert found.status_code == 200 and found.json()["uid"] == "UID30000003"
    admin.put("/api/v1/customers/UID30000004", {})
    r = admin.post(
        "/api/v1/customers/UID30000004/identities", {"kind": "phone", "value": "13800138000"}
    )
    assert r.status_code == 409
    assert (
        admin.post(
            "/api/v1/customers/UID30000004/identities", {"kind": "fax", "value": "1"}
        ).status_code
        == 422
    )
    assert (
        admin.post(
            "/api/v1/customers/UID30000004/identities", {"kind": "email", "value": "nope"}
        ).status_code
        == 422
    )
    assert (
        admin.post(
            "/api/v1/customers/UID39999999/identities", {"kind": "phone", "value": "13800138001"}
        ).status_code
        == 404
    )
    assert (
        admin.get("/api/v1/customers", params={"kind": "phone", "value": "13900000000"}).status_code
        == 404
    )


def test_tickets_carry_the_customers_current_segment(admin: RoleClient) -> None:
    admin.put("/api/v1/customers/UID30000005", {"has_shop": True})
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID30000005"},
            "channel": "hotline",
            "body": "保证金",
            "subcategory": "merchant.settlement",
        },
    ).json()
    assert t["customer"]["segment"] == "merchant"
    assert t["lane"] == "merchant"
