"""Every ticket endpoint, through HTTP, on the run's database."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import Api, RoleClient

NEW = {
    "customer": {"uid": "UID12345678"},
    "channel": "inapp",
    "subject": "封号",
    "body": "账号被封了，申请解封",
}


def create(client: RoleClient, **over: object) -> dict:
    r = client.post("/api/v1/tickets", {**NEW, **over})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_returns_the_stable_ticket_shape(admin: RoleClient) -> None:
    t = create(admin, subcategory="account.ban_appeal")
    for key in (
        "id",
        "status",
        "channel",
        "subcategory",
        "priority",
        "team",
        "customer",
        "sla",
        "created_at",
    ):
        assert key in t
    assert t["status"] == "queued"
    assert t["channel"] == "inapp"
    assert t["subcategory"] == "account.ban_appeal"
    assert t["team"] == "account_safety"
    assert t["customer"] == {"uid": "UID12345678", "segment": "ordinary"}
    assert t["priority"] == sum(x["weight"] for x in t["priority_explanation"])
    sla = t["sla"]
    assert sla["breached"] is False
    created = datetime.fromisoformat(t["created_at"])
    due = datetime.fromisoformat(sla["first_response_due_at"])
    assert due.utcoffset() is not None
    assert (due - created).total_seconds() == 15 * 60  # the seed's in-app ban appeal target
    assert sla["resolution_due_at"] is not None


def test_create_without_subcategory_goes_to_the_triage_queue(admin: RoleClient) -> None:
    # A text the classifier cannot place (tests/integration/test_triage.py has clear ones).
    t = create(admin, subject="", body="你好，在吗？")
    assert t["queue"] == "general/triage"


def test_segment_raises_priority_and_picks_the_lane(admin: RoleClient) -> None:
    admin.put("/api/v1/customers/UID55555555", {"verification": "enterprise_brand"})
    ordinary = create(admin, subcategory="ads.campaign")
    brand = create(admin, subcategory="ads.campaign", customer={"uid": "UID55555555"})
    assert brand["customer"]["segment"] == "enterprise_brand"
    assert brand["lane"] == "enterprise"
    assert brand["priority"] > ordinary["priority"]
    term = next(t for t in brand["priority_explanation"] if t["term"] == "segment:enterprise_brand")
    assert term["weight"] == brand["priority"] - ordinary["priority"]
    assert term["label"] == {
        "zh": "客户分层加分：品牌认证企业",
        "en": "Customer segment: Enterprise (brand)",
    }


def test_unknown_subcategory_is_422_and_creates_nothing(admin: RoleClient) -> None:
    r = admin.post("/api/v1/tickets", {**NEW, "subcategory": "account.nope"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"
    assert "account.nope" in r.json()["error"]["message"]
    assert admin.get("/api/v1/tickets").json()["items"] == []


def test_bad_input_gets_specific_422s(admin: RoleClient) -> None:
    cases = [
        ({**NEW, "channel": "fax"}, "fax"),
        ({**NEW, "customer": {"uid": "12"}}, "UID"),
        ({**NEW, "body": ""}, "body"),
        ({**NEW, "unexpected": 1}, "unexpected"),
        ({"channel": "inapp", "body": "x"}, "customer"),
    ]
    for payload, mention in cases:
        r = admin.post("/api/v1/tickets", payload)
        assert r.status_code == 422, payload
        assert mention in r.json()["error"]["message"], r.json()
    r = admin.post(
        "/api/v1/tickets", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


def test_get_returns_ticket_with_its_messages(admin: RoleClient) -> None:
    t = create(admin)
    r = admin.get(f"/api/v1/tickets/{t['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == t["id"]
    assert [m["kind"] for m in body["messages"]] == ["customer"]
    assert body["messages"][0]["body"] == NEW["body"]
    assert admin.get("/api/v1/tickets/999999").status_code == 404


def test_list_filters(api: Api, admin: RoleClient) -> None:
    admin.put("/api/v1/customers/UID77777777", {"followers": 200_000})
    a = create(admin, subcategory="account.ban_appeal")
    b = create(admin, subcategory="usage.howto", channel="email")
    c = create(
        admin, subcategory="live.permission", customer={"uid": "UID77777777"}, channel="email"
    )
    agent = admin.post("/api/v1/agents", {"name": "A", "teams": ["account_safety"]}).json()
    admin.post(f"/api/v1/tickets/{a['id']}/assign", {"agent_id": agent["id"]})

    def ids(**q: object) -> set[int]:
        r = admin.get("/api/v1/tickets", params=q)
        assert r.status_code == 200, r.text
        return {t["id"] for t in r.json()["items"]}

    assert ids() == {a["id"], b["id"], c["id"]}
    assert ids(channel="email") == {b["id"], c["id"]}
    assert ids(status="assigned") == {a["id"]}
    assert ids(status="queued") == {b["id"], c["id"]}
    assert ids(team="live") == {c["id"]}
    assert ids(subcategory="usage.howto") == {b["id"]}
    assert ids(customer_uid="UID77777777") == {c["id"]}
    assert ids(assignee_id=agent["id"]) == {a["id"]}
    assert ids(priority_min=a["priority"]) == {
        t["id"] for t in (a, b, c) if t["priority"] >= a["priority"]
    }
    assert ids(priority_max=b["priority"]) == {b["id"]}
    assert ids(priority_min=60, priority_max=70, channel="inapp") == {a["id"]}
    assert ids(channel="email", team="general") == {b["id"]}
    for bad in (
        {"channel": "fax"},
        {"status": "lost"},
        {"subcategory": "x.y"},
        {"priority_min": 101},
        {"limit": 0},
        {"limit": 1000},
    ):
        r = admin.get("/api/v1/tickets", params=bad)
        assert r.status_code == 422, bad
        assert r.json()["error"]["message"]


def test_cursor_pagination_walks_every_ticket_once(admin: RoleClient) -> None:
    created = [create(admin, body=f"问题 {i}")["id"] for i in range(7)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = admin.get("/api/v1/tickets", params=params).json()
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(created, reverse=True)
    r = admin.get("/api/v1/tickets", params={"cursor": "garbage!"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_cursor"


def _agent(admin: RoleClient, team: str = "account_safety") -> dict:
    r = admin.post("/api/v1/agents", {"name": "坐席", "teams": [team]})
    assert r.status_code == 201
    return r.json()


def test_full_lifecycle_through_the_api(api: Api, admin: RoleClient) -> None:
    t = create(admin, subcategory="account.login")
    agent = _agent(admin)
    agent_client = api.as_(api.token("agent", "坐席", agent_id=agent["id"]))
    customer = api.as_(api.token("customer", "c", customer_uid="UID12345678"))
    tid = t["id"]

    r = agent_client.post(f"/api/v1/tickets/{tid}/assign", {"agent_id": agent["id"]})
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    assert r.json()["assignee_id"] == agent["id"]

    r = agent_client.post(f"/api/v1/tickets/{tid}/messages", {"body": "您好，请提供截图"})
    assert r.status_code == 201 and r.json()["kind"] == "agent"
    got = admin.get(f"/api/v1/tickets/{tid}").json()
    assert got["status"] == "open"
    assert got["sla"]["first_response_at"] is not None

    assert (
        agent_client.post(f"/api/v1/tickets/{tid}/transitions", {"to": "waiting_customer"}).json()[
            "status"
        ]
        == "waiting_customer"
    )
    r = customer.post(f"/api/v1/tickets/{tid}/messages", {"body": "截图已上传", "channel": "email"})
    assert r.status_code == 201 and r.json()["kind"] == "customer"
    got = admin.get(f"/api/v1/tickets/{tid}").json()
    assert got["status"] == "open"
    assert got["channels"] == ["inapp", "email"]

    assert (
        agent_client.post(
            f"/api/v1/tickets/{tid}/transitions", {"to": "resolved", "reason": "已解决"}
        ).json()["status"]
        == "resolved"
    )
    customer.post(f"/api/v1/tickets/{tid}/messages", {"body": "又不行了"})
    got = admin.get(f"/api/v1/tickets/{tid}").json()
    assert got["status"] == "reopened" and got["reopen_count"] == 1
    agent_client.post(f"/api/v1/tickets/{tid}/assign", {"agent_id": agent["id"]})
    agent_client.post(f"/api/v1/tickets/{tid}/transitions", {"to": "resolved"})
    r = customer.post(f"/api/v1/tickets/{tid}/transitions", {"to": "closed"})
    assert r.status_code == 200 and r.json()["closed_at"] is not None

    audit = admin.get(f"/api/v1/tickets/{tid}/audit").json()
    statuses = [a["changes"]["status"] for a in audit if a["action"] == "status_changed"]
    assert statuses[:3] == [["new", "triaged"], ["triaged", "queued"], ["queued", "assigned"]]
    assert statuses[-1] == ["resolved", "closed"]
    assert all(a["actor"] and a["at"] for a in audit)
    assert any(a["actor"] == "customer:c" for a in audit)


def test_illegal_transition_is_409_naming_both_states(admin: RoleClient) -> None:
    t = create(admin)
    r = admin.post(f"/api/v1/tickets/{t['id']}/transitions", {"to": "closed"})
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "illegal_transition"
    assert "'queued'" in err["message"] and "'closed'" in err["message"]
    assert err["details"]["from"] == "queued" and err["details"]["to"] == "closed"
    r = admin.post(f"/api/v1/tickets/{t['id']}/transitions", {"to": "flying"})
    assert r.status_code == 422 and "flying" in r.json()["error"]["message"]
    r = admin.post(f"/api/v1/tickets/{t['id']}/transitions", {"to": "assigned"})
    assert r.status_code == 422 and "assign" in r.json()["error"]["message"]


def test_internal_notes_are_hidden_from_the_customer(api: Api, admin: RoleClient) -> None:
    t = create(admin)
    r = admin.post(f"/api/v1/tickets/{t['id']}/notes", {"body": "疑似羊毛党，注意核实"})
    assert r.status_code == 201 and r.json()["kind"] == "note"
    customer = api.as_(api.token("customer", "c", customer_uid="UID12345678"))
    kinds = [m["kind"] for m in customer.get(f"/api/v1/tickets/{t['id']}").json()["messages"]]
    assert kinds == ["customer"]
    kinds = [m["kind"] for m in customer.get(f"/api/v1/tickets/{t['id']}/messages").json()]
    assert kinds == ["customer"]
    staff = [m["kind"] for m in admin.get(f"/api/v1/tickets/{t['id']}/messages").json()]
    assert staff == ["customer", "note"]
    r = customer.post(f"/api/v1/tickets/{t['id']}/notes", {"body": "x"})
    assert r.status_code == 403


def test_assign_rules(api: Api, admin: RoleClient) -> None:
    t = create(admin, subcategory="account.login")
    other_team = _agent(admin, "live")
    r = admin.post(f"/api/v1/tickets/{t['id']}/assign", {"agent_id": other_team["id"]})
    assert r.status_code == 409 and "account_safety" in r.json()["error"]["message"]
    r = admin.post(f"/api/v1/tickets/{t['id']}/assign", {"agent_id": 999999})
    assert r.status_code == 422
    mine = _agent(admin)
    colleague = _agent(admin)
    agent = api.as_(api.token("agent", "x", agent_id=mine["id"]))
    r = agent.post(f"/api/v1/tickets/{t['id']}/assign", {"agent_id": colleague["id"]})
    assert r.status_code == 403
    r = admin.post(f"/api/v1/tickets/{t['id']}/assign", {"agent_id": colleague["id"]})
    assert r.status_code == 200 and r.json()["assignee_id"] == colleague["id"]


def test_change_subcategory_moves_team_and_keeps_the_correction(admin: RoleClient) -> None:
    t = create(admin, subcategory="usage.howto")
    r = admin.put(f"/api/v1/tickets/{t['id']}/subcategory", {"subcategory": "safety.fraud"})
    assert r.status_code == 200
    body = r.json()
    assert body["subcategory"] == "safety.fraud" and body["team"] == "account_safety"
    assert body["priority"] > t["priority"]
    audit = admin.get(f"/api/v1/tickets/{t['id']}/audit").json()
    change = next(a for a in audit if a["action"] == "subcategory_changed")
    assert change["changes"]["subcategory"] == ["usage.howto", "safety.fraud"]
    r = admin.put(f"/api/v1/tickets/{t['id']}/subcategory", {"subcategory": "bogus"})
    assert r.status_code == 422


def test_merge_keeps_the_survivor_and_links_the_duplicate(admin: RoleClient) -> None:
    first = create(admin, channel="weibo")
    dup = create(admin, channel="wechat")
    r = admin.post(f"/api/v1/tickets/{dup['id']}/merge", {"into": first["id"]})
    assert r.status_code == 200
    survivor = r.json()
    assert survivor["id"] == first["id"]
    assert set(survivor["channels"]) == {"weibo", "wechat"}
    assert {"kind": "related", "ticket_id": dup["id"]} in survivor["links"]
    merged = admin.get(f"/api/v1/tickets/{dup['id']}").json()
    assert merged["status"] == "merged" and merged["merged_into"] == first["id"]
    assert {"kind": "duplicate_of", "ticket_id": first["id"]} in merged["links"]
    r = admin.post(f"/api/v1/tickets/{dup['id']}/messages", {"body": "还在吗"})
    assert r.status_code == 409 and str(first["id"]) in r.json()["error"]["message"]
    other = create(admin, customer={"uid": "UID99990000"})
    r = admin.post(f"/api/v1/tickets/{other['id']}/merge", {"into": first["id"]})
    assert r.status_code == 409
    r = admin.post(f"/api/v1/tickets/{first['id']}/merge", {"into": first["id"]})
    assert r.status_code == 422


def test_tags_and_links(admin: RoleClient) -> None:
    a, b = create(admin), create(admin)
    r = admin.post(f"/api/v1/tickets/{a['id']}/tags", {"add": ["【紧急】", "vip", "vip"]})
    assert r.status_code == 200 and r.json()["tags"] == ["【紧急】", "vip"]
    r = admin.post(f"/api/v1/tickets/{a['id']}/tags", {"remove": ["vip"]})
    assert r.json()["tags"] == ["【紧急】"]
    assert admin.get("/api/v1/tickets", params={"status": "queued"}).json()["items"][-1][
        "tags"
    ] == ["【紧急】"]
    r = admin.post(f"/api/v1/tickets/{a['id']}/links", {"kind": "related", "ticket_id": b["id"]})
    assert r.status_code == 200 and r.json()["links"] == [{"kind": "related", "ticket_id": b["id"]}]
    assert (
        admin.post(
            f"/api/v1/tickets/{a['id']}/links", {"kind": "cousin", "ticket_id": b["id"]}
        ).status_code
        == 422
    )
    assert (
        admin.post(
            f"/api/v1/tickets/{a['id']}/links", {"kind": "related", "ticket_id": 999999}
        ).status_code
        == 404
    )
