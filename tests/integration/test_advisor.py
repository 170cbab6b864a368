"""The channel advisor for each segment at three times of day (10:00, 20:30, 23:30 in
Shanghai, on a Wednesday): the ranking and every wait follow from the queue state below.

Queue state, set up at 10:00 and left waiting (nobody dispatches in these tests):
- agents, default capacity (1 call, 3 chats, 10 emails): ecommerce E1 E2 early shift
  (08–16) and E3 late (16–24); content C1 C2 early, C3 late; merchant M1 early, M2 late
  (product knowledge); ads & enterprise A1 early, A2 late;
- waiting: ecommerce/normal 9 chats and 3 calls of ordinary customers (priority 55);
  content/creator 4 chats and 2 calls of T1 creators (58); merchant/merchant 2 calls of
  merchants (60); ads_enterprise/enterprise 1 call of a basic enterprise (53).
No history yet, so handle times are the policy defaults: call 432 s, chat 480 s, email
1800 s. A wait is (ahead − free + 1) × handle / servers, 0 when a slot is free for the
newcomer; a written channel adds the handle time; a closed channel waits until it opens
(the forecast for then is 0: nothing arrived in the last hour). Who is ahead follows the
ACD order: priority plus aging (calls 1 point a minute waited, chats 0.2), so work that has
waited since 10:00 is ahead of a newcomer by the evening. Ranking: (600 + wait) ×
fit factor (best 0.4, good 0.7, ok 1, poor 3), entitled channels first, unfitting last.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kefu.bootstrap import Container
from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.services import org, routing_ops
from kefu.services.advisor import Advice, advise
from kefu.services.customers import upsert_customer
from kefu.services.tickets import OpenTicket, open_ticket
from tests.conftest import Api

ADMIN = Actor(Role.ADMIN, "admin")
TIMES = {
    "10:00": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    "20:30": datetime(2026, 11, 25, 12, 30, tzinfo=UTC),
    "23:30": datetime(2026, 11, 25, 15, 30, tzinfo=UTC),
}
HOURS = 3600
UNTIL_9 = 9.5 * HOURS  # 23:30 → 09:00 the next morning

CUSTOMERS: dict[str, tuple[str, dict[str, Any], str]] = {
    "ordinary": ("UID91000001", {}, "order.not_received"),
    "creator_t2": (
        "UID91000002",
        {"followers": 200_000, "daily_plays": 50_000},
        "content.misjudged",
    ),
    "merchant": ("UID91000003", {"has_shop": True}, "merchant.settlement"),
    "enterprise_brand": (
        "UID91000004",
        {"verification": "enterprise_brand", "annual_ad_spend": 5_000_000},
        "ads.campaign",
    ),
}

# (entitled channels best first, {channel: estimated wait in seconds})
EXPECTED: dict[tuple[str, str], tuple[str, dict[str, float]]] = {
    ("ordinary", "10:00"): (
        "inapp dispute hotline email weibo wechat offline station_letter",
        {"inapp": 4 * 480 / 6, "hotline": 2 * 432 / 2, "dispute": 1800, "email": 1800},
    ),
    ("ordinary", "20:30"): (
        "dispute inapp email hotline weibo wechat offline station_letter",
        {"inapp": 7 * 480 / 3, "hotline": 3 * 432, "dispute": 1800},
    ),
    ("ordinary", "23:30"): (
        "dispute inapp email weibo wechat hotline offline station_letter",
        {"inapp": 7 * 480 / 3, "hotline": UNTIL_9},
    ),
    ("creator_t2", "10:00"): (
        "wecom inapp wechat hotline weibo email offline station_letter dispute",
        {"wecom": 0, "inapp": 0, "hotline": 0, "email": 1800},
    ),
    # By the evening the T1 creators have waited 10 hours: aging (calls 1 point a minute,
    # chats 0.2) puts them ahead of the newcomer's higher priority.
    ("creator_t2", "20:30"): (
        "inapp wechat weibo hotline email wecom offline station_letter dispute",
        {"inapp": 2 * 480 / 3, "hotline": 2 * 432, "wecom": 13.5 * HOURS},
    ),
    ("creator_t2", "23:30"): (
        "inapp wechat weibo email wecom hotline offline station_letter dispute",
        {"inapp": 2 * 480 / 3, "wecom": 10.5 * HOURS, "hotline": UNTIL_9},
    ),
    ("merchant", "10:00"): (
        "inapp hotline email weibo wechat dispute offline station_letter",
        {"hotline": 2 * 432, "inapp": 0, "email": 1800},
    ),
    ("merchant", "20:30"): (
        "inapp hotline email weibo wechat dispute offline station_letter",
        {"hotline": 2 * 432, "inapp": 0},
    ),
    ("merchant", "23:30"): (
        "inapp email weibo wechat dispute hotline offline station_letter",
        {"hotline": UNTIL_9, "inapp": 0},
    ),
    ("enterprise_brand", "10:00"): (
        "enterprise_line inapp hotline weibo wechat email offline station_letter dispute",
        {"enterprise_line": 0, "hotline": 0, "email": 1800},
    ),
    ("enterprise_brand", "20:30"): (  # the basic enterprise's call has aged ahead
        "enterprise_line inapp hotline weibo wechat email offline station_letter dispute",
        {"enterprise_line": 432, "hotline": 432},
    ),
    ("enterprise_brand", "23:30"): (
        "inapp weibo wechat email enterprise_line hotline offline station_letter dispute",
        {"enterprise_line": UNTIL_9, "hotline": UNTIL_9, "inapp": 0},
    ),
}


def _agent(c: Container, name: str, team: str, shift: str, skills: tuple[str, ...] = ()) -> None:
    agent = org.create_agent(c.ctx, None, name, [team], skills)
    assert agent.id is not None
    routing_ops.set_schedule(c.ctx, ADMIN, agent.id, shift)
    org.update_agent(c.ctx, ADMIN, agent.id, presence="available")


def _waiting(c: Container, uid: str, facts: dict[str, Any], channel: str, sub: str, n: int) -> None:
    upsert_customer(c.ctx, ADMIN, uid, facts)
    for _ in range(n):
        open_ticket(c.ctx, ADMIN, OpenTicket(uid, channel, "等待中", subcategory=sub))


@pytest.fixture
def queues(fixed_container: Container, clock: FixedClock) -> Container:
    c = fixed_container
    clock.set(TIMES["10:00"])
    for team, prefix, skills in (
        ("ecommerce", "E", ()),
        ("content", "C", ()),
        ("merchant", "M", ("product_knowledge",)),
        ("ads_enterprise", "A", ()),
    ):
        _agent(c, f"{prefix}1", team, "early", skills)
        if team in ("ecommerce", "content"):
            _agent(c, f"{prefix}2", team, "early", skills)
        _agent(c, f"{prefix}3", team, "late", skills)
    _waiting(c, "UID92000001", {}, "inapp", "order.not_received", 9)
    _waiting(c, "UID92000002", {}, "hotline", "order.not_received", 3)
    creator_t1 = {"followers": 20_000}
    _waiting(c, "UID92000003", creator_t1, "inapp", "content.misjudged", 4)
    _waiting(c, "UID92000004", creator_t1, "hotline", "content.misjudged", 2)
    _waiting(c, "UID92000005", {"has_shop": True}, "hotline", "merchant.settlement", 2)
    _waiting(c, "UID92000006", {"verification": "enterprise_basic"}, "hotline", "ads.campaign", 1)
    for segment, (uid, facts, _) in CUSTOMERS.items():
        assert upsert_customer(c.ctx, ADMIN, uid, facts).segmentation.primary.value == segment
    return c


@pytest.mark.parametrize("segment", list(CUSTOMERS))
def test_advisor_ranking_and_waits_follow_the_queues_at_three_times_of_day(
    queues: Container, clock: FixedClock, segment: str
) -> None:
    uid, _, sub = CUSTOMERS[segment]
    for time, at in TIMES.items():
        clock.set(at)
        advice: Advice = advise(queues.ctx, ADMIN, uid, subcategory=sub)
        order, waits = EXPECTED[(segment, time)]
        entitled = [c.channel for c in advice.channels if c.entitled]
        assert entitled == order.split(), time
        assert all(not c.entitled for c in advice.channels[len(entitled) :])
        got = {c.channel: c.estimated_wait_seconds for c in advice.channels}
        assert {ch: got[ch] for ch in waits} == {ch: round(w) for ch, w in waits.items()}, time
        assert len(advice.channels) == 10
        assert all(c.live for c in advice.channels if c.open_now and c.queue_length)


def test_every_segment_sees_its_entitlements(queues: Container) -> None:
    creator = advise(queues.ctx, ADMIN, "UID91000002", subcategory="content.misjudged")
    assert creator.segment == "creator_t2"
    assert any("企业微信" in e for e in creator.entitlements)
    assert any("40%" in e for e in creator.entitlements)  # the hotline boost
    brand = advise(queues.ctx, ADMIN, "UID91000004", subcategory="ads.campaign", lang="en")
    assert any("account manager" in e for e in brand.entitlements)  # key account
    assert {c.channel: c.entitled for c in brand.channels}["wecom"] is False


def test_the_creator_hotline_boost_puts_a_boosted_creator_ahead(queues: Container) -> None:
    # Same creator tier and problem; only the daily plays differ (> 10k boosts).
    upsert_customer(queues.ctx, ADMIN, "UID91000009", {"followers": 20_000, "daily_plays": 50_000})
    boosted = advise(queues.ctx, ADMIN, "UID91000009", subcategory="content.misjudged")
    plain = advise(queues.ctx, ADMIN, "UID92000003", subcategory="content.misjudged")

    def hotline(a: Advice) -> Any:
        return next(c for c in a.channels if c.channel == "hotline")

    assert (hotline(boosted).queue_length, hotline(plain).queue_length) == (0, 2)
    assert hotline(boosted).estimated_wait_seconds == 0
    assert hotline(plain).estimated_wait_seconds == 216  # 2 ahead of 2 servers: 1 completion


def test_what_to_prepare_names_the_email_subject_and_the_dispute_evidence(
    queues: Container,
) -> None:
    advice = advise(queues.ctx, ADMIN, "UID91000001", subcategory="order.quality")
    by = {c.channel: c for c in advice.channels}
    assert "邮件主题：UID91000001_质量问题" in by["email"].prepare
    assert {"订单号", "物流信息（运单号、签收记录）"} <= set(by["dispute"].prepare)
    assert any("第三方检测报告" in p for p in by["dispute"].prepare)
    assert any("北京 提前 7 天" in p for p in by["offline"].prepare)
    chengdu = advise(queues.ctx, ADMIN, "UID91000001", subcategory="live.equipment", city="chengdu")
    offline = next(c for c in chengdu.channels if c.channel == "offline")
    assert offline.fit == "best" and offline.estimated_wait_seconds == 0  # same day, open now


def test_the_advisor_answers_in_the_stable_shape_in_english(fixed_api: Api) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    r = admin.get("/api/v1/advisor?uid=UID91000001&text=my order never arrived&lang=en")
    assert r.status_code == 200
    body = r.json()
    assert body["subcategory"] == "order.not_received"
    first = body["channels"][0]
    assert set(first) >= {
        "channel",
        "estimated_wait_seconds",
        "open_now",
        "hours",
        "prepare",
        "entitled",
        "why",
    }
    email = next(c for c in body["channels"] if c["channel"] == "email")
    assert "Subject line: UID91000001_未收到货" in email["prepare"]
    assert email["hours"].startswith("Send any time")
    assert {c["channel"] for c in body["channels"]} == {
        "inapp",
        "hotline",
        "email",
        "wechat",
        "weibo",
        "station_letter",
        "wecom",
        "enterprise_line",
        "dispute",
        "offline",
    }


def test_a_customer_may_ask_only_about_themselves_and_bad_input_is_422(fixed_api: Api) -> None:
    me = fixed_api.as_(fixed_api.token("customer", customer_uid="UID91000001"))
    assert me.get("/api/v1/advisor?uid=UID91000001&subcategory=usage.howto").status_code == 200
    assert me.get("/api/v1/advisor?uid=UID91000002&subcategory=usage.howto").status_code == 404
    for query in (
        "uid=nope&subcategory=usage.howto",
        "uid=UID91000001&subcategory=usage.nothing",
        "uid=UID91000001",
        "uid=UID91000001&subcategory=usage.howto&lang=fr",
        "uid=UID91000001&subcategory=usage.howto&city=atlantis",
        "uid=UID91000001&subcategory=usage.howto&at=2026-11-25T10:00:00",
    ):
        r = me.get(f"/api/v1/advisor?{query}")
        assert r.status_code == 422, query
        assert r.json()["error"]["code"] in ("invalid", "validation_error")


def test_an_unknown_customer_is_advised_as_an_ordinary_user(fixed_api: Api) -> None:
    admin = fixed_api.as_(fixed_api.token("admin"))
    body = admin.get("/api/v1/advisor?uid=UID99999999&subcategory=usage.howto").json()
    assert (body["segment"], body["known_customer"]) == ("ordinary", False)
