"""Who may see and do what: tokens, roles, and objects reported as not found."""

from __future__ import annotations

from tests.conftest import Api, RoleClient

NEW = {"customer": {"uid": "UID10000001"}, "channel": "inapp", "body": "问题"}


def test_no_token_is_401_with_a_json_error(api: Api) -> None:
    r = api.client.get("/api/v1/tickets")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["code"] == "unauthenticated"
    r = api.client.post("/api/v1/tickets", json=NEW)
    assert r.status_code == 401


def test_malformed_or_unknown_tokens_are_401(api: Api) -> None:
    for header in ("Basic abc", "Bearer", "Bearer kefu_unknown", "Bearer nonsense", "token"):
        r = api.client.get("/api/v1/tickets", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json()["error"]["message"]


def test_customer_sees_only_their_own_tickets(api: Api, admin: RoleClient) -> None:
    mine = admin.post("/api/v1/tickets", NEW).json()
    theirs = admin.post("/api/v1/tickets", {**NEW, "customer": {"uid": "UID10000002"}}).json()
    me = api.as_(api.token("customer", "me", customer_uid="UID10000001"))
    assert me.get(f"/api/v1/tickets/{mine['id']}").status_code == 200
    r = me.get(f"/api/v1/tickets/{theirs['id']}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert me.get(f"/api/v1/tickets/{theirs['id']}/messages").status_code == 404
    assert me.post(f"/api/v1/tickets/{theirs['id']}/messages", {"body": "hi"}).status_code == 404
    assert [t["id"] for t in me.get("/api/v1/tickets").json()["items"]] == [mine["id"]]
    assert me.get("/api/v1/tickets", params={"customer_uid": "UID10000002"}).json()["items"] == []
    assert me.get("/api/v1/customers/UID10000002").status_code == 404
    assert me.get("/api/v1/customers/UID10000001").status_code == 200


def test_customer_opens_tickets_only_for_themselves(api: Api) -> None:
    me = api.as_(api.token("customer", "me", customer_uid="UID10000001"))
    r = me.post("/api/v1/tickets", NEW)
    assert r.status_code == 201
    assert r.json()["customer"]["uid"] == "UID10000001"
    r = me.post("/api/v1/tickets", {**NEW, "customer": {"uid": "UID10000002"}})
    assert r.status_code == 403


def test_customer_cannot_use_staff_endpoints(api: Api, admin: RoleClient) -> None:
    t = admin.post("/api/v1/tickets", NEW).json()
    me = api.as_(api.token("customer", "me", customer_uid="UID10000001"))
    assert me.get(f"/api/v1/tickets/{t['id']}/audit").status_code == 403
    assert me.post(f"/api/v1/tickets/{t['id']}/assign", {"agent_id": 1}).status_code == 403
    assert (
        me.put(f"/api/v1/tickets/{t['id']}/subcategory", {"subcategory": "usage.bug"}).status_code
        == 403
    )
    assert me.get("/api/v1/agents").status_code == 403
    assert me.post("/api/v1/agents", {"name": "x", "teams": ["general"]}).status_code == 403
    assert me.put("/api/v1/customers/UID10000001", {"vip": True}).status_code == 403
    r = me.post(f"/api/v1/tickets/{t['id']}/transitions", {"to": "waiting_customer"})
    assert r.status_code == 403


def test_agent_sees_only_their_teams_tickets(api: Api, admin: RoleClient) -> None:
    live = admin.post("/api/v1/tickets", {**NEW, "subcategory": "live.gifts"}).json()
    account = admin.post("/api/v1/tickets", {**NEW, "subcategory": "account.login"}).json()
    agent = admin.post("/api/v1/agents", {"name": "直播坐席", "teams": ["live"]}).json()
    me = api.as_(api.token("agent", "直播坐席", agent_id=agent["id"]))
    assert me.get(f"/api/v1/tickets/{live['id']}").status_code == 200
    assert me.get(f"/api/v1/tickets/{account['id']}").status_code == 404
    assert [t["id"] for t in me.get("/api/v1/tickets").json()["items"]] == [live["id"]]
    assert me.get("/api/v1/tickets", params={"team": "account_safety"}).json()["items"] == []


def test_integration_creates_but_does_not_work_tickets(api: Api) -> None:
    bot = api.as_(api.token("integration", "crm"))
    t = bot.post("/api/v1/tickets", NEW)
    assert t.status_code == 201
    r = bot.post(f"/api/v1/tickets/{t.json()['id']}/transitions", {"to": "resolved"})
    assert r.status_code == 403
    assert bot.put("/api/v1/customers/UID10000001", {"followers": 5}).status_code == 200


def test_only_admins_change_the_organisation(api: Api) -> None:
    sup = api.as_(api.token("supervisor"))
    assert sup.post("/api/v1/agents", {"name": "x", "teams": ["general"]}).status_code == 403
    assert sup.post("/api/v1/queues", {"team": "general", "lane": "vip"}).status_code == 403
    assert sup.get("/api/v1/agents").status_code == 200
