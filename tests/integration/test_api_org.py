"""/api/v1/taxonomy, /teams, /queues, /agents."""

from __future__ import annotations

from tests.conftest import RoleClient


def test_taxonomy_lists_12_categories_and_38_subcategories(admin: RoleClient) -> None:
    body = admin.get("/api/v1/taxonomy").json()
    assert len(body["categories"]) == 12
    subs = [s for c in body["categories"] for s in c["subcategories"]]
    assert len(subs) == 38
    ban = next(s for s in subs if s["code"] == "account.ban_appeal")
    assert ban["name"] == {"zh": "账号封禁申诉", "en": "Account ban appeal"}
    assert ban["human_required"] is True and ban["team"] == "account_safety"


def test_teams_and_their_queues(admin: RoleClient) -> None:
    teams = admin.get("/api/v1/teams").json()
    assert {t["code"] for t in teams} == {
        "account_safety",
        "content",
        "live",
        "ecommerce",
        "merchant",
        "ads_enterprise",
        "creators",
        "general",
    }
    queues = admin.get("/api/v1/queues").json()
    keys = {(q["team"], q["lane"]) for q in queues}
    assert ("ecommerce", "legal") in keys and ("general", "triage") in keys
    r = admin.post(
        "/api/v1/queues",
        {"team": "general", "lane": "vip", "name": "综合 VIP", "backup_queue_id": queues[0]["id"]},
    )
    assert r.status_code == 201 and r.json()["backup_queue_id"] == queues[0]["id"]
    assert admin.post("/api/v1/queues", {"team": "general", "lane": "vip"}).status_code == 409
    assert admin.post("/api/v1/queues", {"team": "nope", "lane": "vip"}).status_code == 422
    assert admin.post("/api/v1/queues", {"team": "general", "lane": "nope"}).status_code == 422
    assert (
        admin.post(
            "/api/v1/queues", {"team": "live", "lane": "vip", "backup_queue_id": 999999}
        ).status_code
        == 422
    )


def test_agents_crud_and_presence(admin: RoleClient) -> None:
    r = admin.post(
        "/api/v1/agents",
        {"name": "赵磊", "teams": ["ecommerce"], "skills": ["legal"], "capacity": {"chat": 5}},
    )
    assert r.status_code == 201
    agent = r.json()
    assert agent["capacity"] == {"call": 1, "chat": 5, "email": 10}
    assert agent["presence"] == "offline"
    assert admin.get(f"/api/v1/agents/{agent['id']}").json() == agent
    r = admin.patch(
        f"/api/v1/agents/{agent['id']}",
        {"presence": "available", "skills": ["legal", "product_knowledge"]},
    )
    assert r.status_code == 200 and r.json()["presence"] == "available"
    assert [a["id"] for a in admin.get("/api/v1/agents", params={"team": "ecommerce"}).json()] == [
        agent["id"]
    ]
    assert admin.get("/api/v1/agents", params={"team": "live"}).json() == []
    assert admin.patch(f"/api/v1/agents/{agent['id']}", {"presence": "asleep"}).status_code == 422
    assert admin.post("/api/v1/agents", {"name": "x", "teams": ["nope"]}).status_code == 422
    assert (
        admin.post(
            "/api/v1/agents", {"name": "x", "teams": ["live"], "capacity": {"fax": 1}}
        ).status_code
        == 422
    )
    assert (
        admin.post(
            "/api/v1/agents", {"name": "x", "teams": ["live"], "capacity": {"chat": -1}}
        ).status_code
        == 422
    )
    assert admin.get("/api/v1/agents/999999").status_code == 404


def test_agent_changes_only_their_own_presence(api, admin: RoleClient) -> None:  # type: ignore[no-untyped-def]
    a = admin.post("/api/v1/agents", {"name": "a", "teams": ["live"]}).json()
    b = admin.post("/api/v1/agents", {"name": "b", "teams": ["live"]}).json()
    me = api.as_(api.token("agent", "a", agent_id=a["id"]))
    assert me.patch(f"/api/v1/agents/{a['id']}", {"presence": "busy"}).json()["presence"] == "busy"
    assert me.patch(f"/api/v1/agents/{b['id']}", {"presence": "busy"}).status_code == 403
    assert me.patch(f"/api/v1/agents/{a['id']}", {"skills": ["x"]}).status_code == 403
