"""Health, readiness, OpenAPI, idempotency, attachments and error shapes."""

from __future__ import annotations

import hashlib

from tests.conftest import Api, RoleClient

NEW = {"customer": {"uid": "UID40000001"}, "channel": "email", "body": "请帮我查一下订单"}


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    r = api.client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["migrations"] == "ok"


def test_readyz_is_503_on_an_unmigrated_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from kefu.bootstrap import build
    from kefu.config import Settings
    from kefu.web.app import create_app

    container = build(Settings(data_dir=tmp_path / "empty"))
    with TestClient(create_app(container)) as client:
        r = client.get("/readyz")
    container.close()
    assert r.status_code == 503
    assert "head is" in r.json()["checks"]["migrations"]


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/customers/{uid}",
        "/api/v1/taxonomy",
        "/api/v1/agents",
        "/api/v1/queues",
        "/healthz",
        "/readyz",
    ):
        assert path in spec["paths"], path
    assert api.client.get("/docs").status_code == 200


def test_unknown_endpoint_and_method_are_json_errors(admin: RoleClient) -> None:
    r = admin.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_404"
    r = admin.c.delete("/api/v1/tickets", headers=admin.h)
    assert r.status_code == 405 and r.json()["error"]["message"]


def test_same_idempotency_key_and_body_create_one_ticket(admin: RoleClient) -> None:
    h = {"Idempotency-Key": "order-42-retry"}
    first = admin.post("/api/v1/tickets", NEW, headers=h)
    second = admin.post("/api/v1/tickets", NEW, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"
    items = admin.get("/api/v1/tickets").json()["items"]
    assert [t["id"] for t in items] == [first.json()["id"]]


def test_same_idempotency_key_with_another_body_is_422(admin: RoleClient) -> None:
    h = {"Idempotency-Key": "k-1"}
    assert admin.post("/api/v1/tickets", NEW, headers=h).status_code == 201
    r = admin.post("/api/v1/tickets", {**NEW, "body": "别的问题"}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert len(admin.get("/api/v1/tickets").json()["items"]) == 1


def test_idempotency_keys_are_per_token_and_failures_release_them(
    api: Api, admin: RoleClient
) -> None:
    other = api.as_(api.token("integration"))
    h = {"Idempotency-Key": "shared"}
    assert admin.post("/api/v1/tickets", NEW, headers=h).status_code == 201
    assert other.post("/api/v1/tickets", NEW, headers=h).status_code == 201
    bad = {**NEW, "channel": "fax"}
    assert (
        admin.post("/api/v1/tickets", bad, headers={"Idempotency-Key": "fix-me"}).status_code == 422
    )
    assert (
        admin.post("/api/v1/tickets", NEW, headers={"Idempotency-Key": "fix-me"}).status_code == 201
    )
    assert (
        admin.post("/api/v1/tickets", NEW, headers={"Idempotency-Key": "x" * 201}).status_code
        == 422
    )
    assert len(admin.get("/api/v1/tickets").json()["items"]) == 3
    r1 = admin.post("/api/v1/tickets", NEW)
    r2 = admin.post("/api/v1/tickets", NEW)
    assert r1.json()["id"] != r2.json()["id"]  # without a key, two tickets


def test_attachments_upload_reference_and_download(api: Api, admin: RoleClient) -> None:
    data = b"\x89PNG fake screenshot bytes"
    r = admin.post(
        "/api/v1/attachments",
        content=data,
        params={"filename": "截图.png"},
        headers={"content-type": "image/png"},
    )
    assert r.status_code == 201
    meta = r.json()
    assert meta == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": "截图.png",
        "content_type": "image/png",
        "size": len(data),
    }
    t = admin.post(
        "/api/v1/tickets",
        {
            **NEW,
            "attachments": [
                {"sha256": meta["sha256"], "filename": "截图.png", "content_type": "image/png"}
            ],
        },
    ).json()
    msg = admin.get(f"/api/v1/tickets/{t['id']}").json()["messages"][0]
    assert msg["attachments"][0]["size"] == len(data)
    assert admin.get(f"/api/v1/attachments/{meta['sha256']}").content == data
    missing = "0" * 64
    r = admin.post(
        "/api/v1/tickets", {**NEW, "attachments": [{"sha256": missing, "filename": "a"}]}
    )
    assert r.status_code == 422 and missing in r.json()["error"]["message"]
    assert admin.get(f"/api/v1/attachments/{missing}").status_code == 404
    assert admin.get("/api/v1/attachments/not-a-hash").status_code == 422
    customer = api.as_(api.token("customer", "c", customer_uid="UID40000001"))
    assert customer.get(f"/api/v1/attachments/{meta['sha256']}").status_code == 403


def test_attachment_limits(api: Api, admin: RoleClient) -> None:
    api.container.settings.max_attachment_bytes = 1000
    r = admin.post("/api/v1/attachments", content=b"x" * 1001, params={"filename": "big.mp4"})
    assert r.status_code == 413
    assert "big.mp4" in r.json()["error"]["message"]
    r = admin.post("/api/v1/attachments", content=b"", params={"filename": "empty.txt"})
    assert r.status_code == 422
    r = admin.post("/api/v1/attachments", content=b"abc")
    assert r.status_code == 422  # the filename is required
