"""Service-level endpoints: calendars and overrides, SLA rules, tickets about to breach,
the compensation ledger, and the ticket's SLA and priority explanation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.clock import FixedClock
from tests.conftest import Api, RoleClient

SH = ZoneInfo("Asia/Shanghai")


def test_calendars_are_listed_with_hours(admin: RoleClient) -> None:
    cals = {c["name"]: c for c in admin.get("/api/v1/calendars").json()}
    assert set(cals) == {"24x7", "7x12", "workdays_10_19", "office_9_18"}
    assert cals["7x12"]["hours"] == [["09:00", "21:00"]] and cals["7x12"]["days"] == "all"
    assert cals["office_9_18"]["days"] == "workdays"
    assert cals["24x7"]["hours"] == [["00:00", "24:00"]]


def test_holiday_overrides_change_due_times(fixed_api: Api, clock: FixedClock) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    admin.put("/api/v1/customers/UID70000001", {"verification": "enterprise_basic"})
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=SH))  # a Monday
    r = admin.put("/api/v1/calendars/overrides/2026-12-07", {"kind": "holiday", "note": "公司年会"})
    assert r.status_code == 200
    assert admin.get("/api/v1/calendars/overrides").json() == [
        {"calendar": "*", "day": "2026-12-07", "kind": "holiday", "note": "公司年会"}
    ]
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000001"},
            "channel": "email",
            "body": "发票问题",
            "subcategory": "ads.invoice",
        },
    ).json()
    # 4 working hours on office hours, Monday a holiday: Tuesday 09:00 + 4 h.
    due = datetime.fromisoformat(t["sla"]["first_response_due_at"])
    assert due == datetime(2026, 12, 8, 13, 0, tzinfo=SH)
    assert t["sla"]["calendar"] == "office_9_18"
    assert (
        admin.c.delete("/api/v1/calendars/overrides/2026-12-07", headers=admin.h).status_code == 204
    )
    assert (
        admin.c.delete("/api/v1/calendars/overrides/2026-12-07", headers=admin.h).status_code == 404
    )
    assert admin.put("/api/v1/calendars/overrides/2026-12-07", {"kind": "party"}).status_code == 422
    assert (
        admin.put(
            "/api/v1/calendars/overrides/2026-12-07", {"kind": "holiday", "calendar": "moon"}
        ).status_code
        == 422
    )
    assert (
        admin.put("/api/v1/calendars/overrides/not-a-date", {"kind": "holiday"}).status_code == 422
    )
    sup = fixed_api.as_(fixed_api.token("supervisor"))
    assert sup.put("/api/v1/calendars/overrides/2026-12-09", {"kind": "holiday"}).status_code == 403


def test_sla_rules_crud_and_validation(admin: RoleClient) -> None:
    rules = admin.get("/api/v1/sla/rules").json()
    names = {r["name"] for r in rules}
    assert {"default", "enterprise-brand", "weibo", "email-text", "inapp-ban-appeal"} <= names
    r = admin.post(
        "/api/v1/sla/rules", {"name": "vip-fast", "segment": "vip", "first_response_minutes": 5}
    )
    assert r.status_code == 201
    rule = r.json()
    assert rule["specificity"] == 4
    admin.put("/api/v1/customers/UID70000002", {"vip": True})
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000002"},
            "channel": "wecom",
            "body": "x",
            "subcategory": "usage.bug",
        },
    ).json()
    assert t["sla"]["clocks"]["first_response"]["target_minutes"] == 5
    assert "vip-fast" in t["sla"]["policy"]
    r = admin.put(
        f"/api/v1/sla/rules/{rule['id']}",
        {"name": "vip-fast", "segment": "vip", "first_response_minutes": 3},
    )
    assert r.status_code == 200 and r.json()["first_response_minutes"] == 3
    assert (
        admin.post(
            "/api/v1/sla/rules", {"name": "vip-fast", "first_response_minutes": 1}
        ).status_code
        == 409
    )
    for bad in (
        {"name": "x", "calendar": "moon", "first_response_minutes": 5},
        {"name": "x", "subcategory": "no.such", "first_response_minutes": 5},
        {"name": "x", "channel": "fax", "first_response_minutes": 5},
        {"name": "x", "first_response_minutes": 0},
        {"name": "x", "segment": "vip"},
        {"name": "x", "colour": "red"},
    ):
        assert admin.post("/api/v1/sla/rules", bad).status_code == 422, bad
    assert admin.c.delete(f"/api/v1/sla/rules/{rule['id']}", headers=admin.h).status_code == 204
    assert admin.c.delete(f"/api/v1/sla/rules/{rule['id']}", headers=admin.h).status_code == 404


def test_breaching_lists_tickets_due_soon_soonest_first(fixed_api: Api, clock: FixedClock) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    weibo = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000003"},
            "channel": "weibo",
            "body": "被骂了",
            "subcategory": "usage.bug",
        },
    ).json()
    ban = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000003"},
            "channel": "inapp",
            "body": "封号",
            "subcategory": "account.ban_appeal",
        },
    ).json()
    slow = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000003"},
            "channel": "email",
            "body": "发票",
            "subcategory": "usage.howto",
        },
    ).json()
    sup = fixed_api.as_(fixed_api.token("supervisor"))
    ids = [t["id"] for t in sup.get("/api/v1/sla/breaching", params={"within": 20}).json()]
    assert ids == [ban["id"]]  # 15 min in-app ban appeal
    ids = [t["id"] for t in sup.get("/api/v1/sla/breaching", params={"within": 45}).json()]
    assert ids == [ban["id"], weibo["id"]]  # 15 min, then Weibo's 30 min
    clock.advance(timedelta(hours=1))
    overdue = sup.get("/api/v1/sla/breaching", params={"within": 0}).json()
    assert [t["id"] for t in overdue] == [ban["id"], weibo["id"]]
    assert all(t["sla"]["breached"] for t in overdue)
    assert slow["id"] not in [t["id"] for t in overdue]
    assert sup.get("/api/v1/sla/breaching", params={"within": -1}).status_code == 422
    customer = fixed_api.as_(fixed_api.token("customer", "c", customer_uid="UID70000003"))
    assert customer.get("/api/v1/sla/breaching").status_code == 403


def test_ticket_explains_its_sla_and_priority(fixed_api: Api, clock: FixedClock) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000004"},
            "channel": "hotline",
            "body": "号被盗了",
            "subcategory": "account.hijacked",
            "signals": {"press3": True},
        },
    ).json()
    terms = {x["term"]: x for x in t["priority_explanation"]}
    assert terms["press3"]["weight"] == 25
    assert terms["press3"]["label"]["zh"] == "热线按 3 紧急安全通道"
    assert terms["subcategory:account.hijacked"]["label"]["en"].endswith("Hijacked account")
    assert t["priority"] == min(100, sum(x["weight"] for x in t["priority_explanation"]))
    fr = t["sla"]["clocks"]["first_response"]
    assert fr["state"] == "running" and fr["target_minutes"] == 15 and fr["minutes_left"] == 15
    clock.advance(timedelta(minutes=12))
    got = admin.get(f"/api/v1/tickets/{t['id']}").json()
    assert got["sla"]["clocks"]["first_response"]["minutes_left"] == 3
    customer = fixed_api.as_(fixed_api.token("customer", "c", customer_uid="UID70000004"))
    r = customer.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000004"},
            "channel": "inapp",
            "body": "x",
            "signals": {"green_channel": True},
        },
    )
    assert r.status_code == 403
    r = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000004"},
            "channel": "inapp",
            "body": "x",
            "signals": {"vip_please": True},
        },
    )
    assert r.status_code == 422


def test_compensation_ledger_after_an_enterprise_breach(fixed_api: Api, clock: FixedClock) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    admin.put("/api/v1/customers/UID70000005", {"verification": "enterprise_brand"})
    t = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID70000005"},
            "channel": "enterprise_line",
            "body": "活动页打不开",
            "subcategory": "usage.bug",
        },
    ).json()
    clock.advance(timedelta(minutes=50))  # the brand tier is owed a first response in 30
    assert (
        admin.post(f"/api/v1/tickets/{t['id']}/messages", {"body": "正在处理"}).status_code == 201
    )
    ledger = admin.get("/api/v1/customers/UID70000005/compensation").json()
    assert ledger["total_minutes"] == 20
    assert ledger["credits"][0]["metric"] == "first_response"
    assert ledger["credits"][0]["ticket_id"] == t["id"]
    me = fixed_api.as_(fixed_api.token("customer", "ent", customer_uid="UID70000005"))
    assert me.get("/api/v1/customers/UID70000005/compensation").json()["total_minutes"] == 20
    other = fixed_api.as_(fixed_api.token("customer", "o", customer_uid="UID70000006"))
    assert other.get("/api/v1/customers/UID70000005/compensation").status_code == 404
