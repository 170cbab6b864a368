"""The routing API: agents see and answer their offers, supervisors move work, set shifts
and run the dispatcher; everything else is refused with the JSON error shape."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, RoleClient


def _agent(admin: RoleClient, name: str, teams: list[str], **extra: Any) -> dict[str, Any]:
    r = admin.post("/api/v1/agents", {"name": name, "teams": teams, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _ticket(admin: RoleClient, uid: str, channel: str, sub: str) -> int:
    body = {"customer": {"uid": uid}, "channel": channel, "body": "问题", "subcategory": sub}
    r = admin.post("/api/v1/tickets", body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_an_agent_accepts_an_offer_and_the_ticket_is_theirs(api: Api, admin: RoleClient) -> None:
    a = _agent(admin, "王", ["general"])
    me = api.as_(api.token("agent", name="王", agent_id=a["id"]))
    tid = _ticket(admin, "UID93000001", "hotline", "usage.bug")
    before = me.get(f"/api/v1/routing/tickets/{tid}").json()  # nobody on duty yet
    assert (before["state"], before["position"], before["estimated_wait_seconds"]) == (
        "waiting",
        1,
        None,
    )
    assert me.patch(f"/api/v1/agents/{a['id']}", {"presence": "available"}).status_code == 200
    desk = me.get(f"/api/v1/routing/agents/{a['id']}").json()
    [offer] = desk["pending_offers"]
    assert (offer["ticket_id"], offer["medium"], desk["load"]["call"]) == (tid, "call", 1)
    r = me.post(f"/api/v1/routing/offers/{offer['id']}/accept")
    assert r.status_code == 200 and r.json()["outcome"] == "accepted"
    ticket = admin.get(f"/api/v1/tickets/{tid}").json()
    assert (ticket["status"], ticket["assignee_id"]) == ("assigned", a["id"])
    work = me.get(f"/api/v1/routing/tickets/{tid}").json()
    assert work["state"] == "assigned" and work["assignments"][0]["how"] == "offer"
    again = me.post(f"/api/v1/routing/offers/{offer['id']}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_a_decline_goes_on_record_and_others_cannot_touch_the_offer(
    api: Api, admin: RoleClient
) -> None:
    a = _agent(admin, "王", ["general"])
    b = _agent(admin, "李", ["general"])
    me = api.as_(api.token("agent", agent_id=a["id"]))
    other = api.as_(api.token("agent", agent_id=b["id"]))
    tid = _ticket(admin, "UID93000002", "inapp", "usage.bug")
    me.patch(f"/api/v1/agents/{a['id']}", {"presence": "available"})
    [offer] = me.get(f"/api/v1/routing/agents/{a['id']}").json()["pending_offers"]
    assert other.post(f"/api/v1/routing/offers/{offer['id']}/accept").status_code == 404
    assert other.get(f"/api/v1/routing/agents/{a['id']}").status_code == 403
    r = me.post(f"/api/v1/routing/offers/{offer['id']}/decline", {"reason": "不熟悉该业务"})
    assert r.status_code == 200 and r.json()["outcome"] == "declined"
    work = admin.get(f"/api/v1/routing/tickets/{tid}").json()
    assert work["declined_by"] == [a["id"]] and work["state"] == "waiting"
    assert work["offers"][0]["reason"] == "不熟悉该业务"


def test_supervisors_move_work_set_shifts_and_dispatch(api: Api, admin: RoleClient) -> None:
    sup = api.as_(api.token("supervisor"))
    lawyer = _agent(admin, "陈", ["ecommerce"], skills=["legal"])
    tid = _ticket(admin, "UID93000003", "email", "order.quality")
    r = sup.post(f"/api/v1/routing/tickets/{tid}/move", {"queue": "ecommerce/legal"})
    assert r.status_code == 200 and (r.json()["queue"], r.json()["skills"]) == (
        "ecommerce/legal",
        ["legal"],
    )
    assert sup.post(f"/api/v1/routing/tickets/{tid}/move", {"queue": "x"}).status_code == 422
    r = sup.put(f"/api/v1/routing/agents/{lawyer['id']}/schedule", {"schedule": "24x7"})
    assert r.status_code == 200 and r.json()["schedule"] == "24x7"
    bad = sup.put(f"/api/v1/routing/agents/{lawyer['id']}/schedule", {"schedule": "mars"})
    assert bad.status_code == 422
    admin.patch(f"/api/v1/agents/{lawyer['id']}", {"presence": "available"})
    assert sup.post("/api/v1/routing/dispatch").json() == {"placed": 0}  # placed at once
    work = sup.get(f"/api/v1/routing/tickets/{tid}").json()
    assert work["state"] == "assigned" and work["assignments"][0]["agent_id"] == lawyer["id"]
    audit = sup.get(f"/api/v1/tickets/{tid}/audit").json()
    assert any(e["action"] == "queue_moved" for e in audit)


def test_agents_and_customers_may_not_move_work_or_dispatch(api: Api, admin: RoleClient) -> None:
    a = _agent(admin, "王", ["general"])
    agent = api.as_(api.token("agent", agent_id=a["id"]))
    customer = api.as_(api.token("customer", customer_uid="UID93000004"))
    tid = _ticket(admin, "UID93000004", "inapp", "usage.bug")
    for who in (agent, customer):
        r = who.post(f"/api/v1/routing/tickets/{tid}/move", {"queue": "general/normal"})
        assert r.status_code in (403, 404)
        assert who.post("/api/v1/routing/dispatch").status_code == 403
    assert customer.get(f"/api/v1/routing/tickets/{tid}").status_code == 403
