"""The admin pages over HTTP (no browser): only admins get in, every page renders in both
languages, and the forms change what the services own, with errors shown on the page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kefu.bootstrap import Container
from kefu.services import org, sla_admin
from kefu.services.users import create_user
from tests.conftest import Api

PASSWORD = "admin-password-1"
PAGES = (
    "/admin",
    "/admin/taxonomy",
    "/admin/teams",
    "/admin/agents",
    "/admin/calendars",
    "/admin/sla",
    "/admin/quotas",
    "/admin/channels",
)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, container: Container, role: str = "admin", **kw: object) -> str:
    login = f"{role}-login"
    create_user(container.ctx, role, f"{role} 小周", login=login, password=PASSWORD, **kw)  # type: ignore[arg-type]
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(client.get("/admin/agents").text) if role == "admin" else token


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_admin_page_renders_for_an_admin(api: Api, lang: str) -> None:
    sign_in(api.client, api.container)
    for path in PAGES:
        r = api.client.get(f"{path}?lang={lang}")
        assert r.status_code == 200, (path, r.text[:500])
        assert f'<html lang="{lang}">' in r.text
    tax = api.client.get(f"/admin/taxonomy?lang={lang}").text
    assert tax.count("data-sub=") == 38 and tax.count("data-category=") == 12
    assert ("账号" if lang == "zh-CN" else "Account") in tax


@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_other_staff_get_403(api: Api, role: str) -> None:
    kw = {}
    if role == "agent":
        kw["agent_id"] = org.create_agent(api.container.ctx, None, "甲", ["account_safety"]).id
    sign_in(api.client, api.container, role, **kw)
    for path in PAGES:
        assert api.client.get(path).status_code == 403, path


def test_create_and_edit_an_agent_and_give_a_login(api: Api) -> None:
    client = api.client
    csrf = sign_in(client, api.container)
    r = client.post(
        "/admin/agents?lang=zh-CN",
        data={
            "csrf_token": csrf,
            "name": "李客服",
            "teams": ["account_safety", "content"],
            "skills": "vip，legal",
            "languages": ["zh-CN", "en"],
            "capacity_chat": "5",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=agent" in r.headers["location"]
    (agent,) = [a for a in org.agents(api.container.ctx, _admin(api)) if a.name == "李客服"]
    assert agent.skills == ["vip", "legal"] and agent.languages == ["zh-CN", "en"]
    assert agent.capacity["chat"] == 5 and agent.capacity["call"] == 1
    # No team: the error is shown on the page, in Chinese, with what was typed kept.
    r = client.post(
        "/admin/agents?lang=zh-CN",
        data={"csrf_token": csrf, "name": "王客服", "capacity_email": "x"},
    )
    assert r.status_code == 422 and "email 的并发上限必须是 0 到 1000 的整数" in r.text
    assert 'value="王客服"' in r.text
    r = client.post(
        f"/admin/agents/{agent.id}",
        data={"csrf_token": csrf, "teams": ["live"], "skills": "creator", "languages": ["zh-CN"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    changed = org.get_agent(api.container.ctx, _admin(api), agent.id)  # type: ignore[arg-type]
    assert changed.teams == ["live"] and changed.skills == ["creator"]
    # A web login for the agent; the passwords must match.
    url = f"/admin/agents/{agent.id}/login?lang=en"
    data = {"csrf_token": csrf, "login": "li", "password": "long-password", "role": "agent"}
    r = client.post(url, data={**data, "password2": "other-password"})
    assert r.status_code == 422 and "The two passwords differ." in r.text
    r = client.post(url, data={**data, "password2": "long-password"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/admin/agents/{agent.id}").text
    assert "data-login>li<" in page
    r = client.post(url, data={**data, "password2": "long-password"})
    assert r.status_code == 422


def test_override_days_and_sla_rules(api: Api) -> None:
    client = api.client
    csrf = sign_in(client, api.container)
    r = client.post(
        "/admin/calendars/overrides",
        data={
            "csrf_token": csrf,
            "day": "2026-12-01",
            "kind": "holiday",
            "calendar": "*",
            "shown": "office_9_18",
            "note": "周年庆",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'id="d-2026-12-01" class="holiday override"' in page
    r = client.post(
        "/admin/calendars/overrides?lang=zh-CN",
        data={"csrf_token": csrf, "day": "12/01", "kind": "holiday"},
    )
    assert r.status_code == 422 and "日期格式应为 2026-10-01" in r.text
    r = client.post(
        "/admin/calendars/overrides/delete",
        data={"csrf_token": csrf, "day": "2026-12-01", "calendar": "*", "shown": "office_9_18"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert sla_admin.overrides(api.container.ctx, _admin(api)) == []
    # SLA: a bad target is refused with the reason; a good rule is saved, edited, deleted.
    rule = {"csrf_token": csrf, "name": "微博 VIP", "channel": "weibo", "segment": "vip"}
    r = client.post("/admin/sla?lang=zh-CN", data={**rule, "first_response_minutes": "0"})
    assert r.status_code == 422 and "首次响应时限必须在 1 到 525600 分钟" in r.text
    r = client.post("/admin/sla?lang=en", data={**rule, "first_response_minutes": "soon"})
    assert r.status_code == 422 and "First_response_minutes must be a whole number" in r.text
    r = client.post(
        "/admin/sla", data={**rule, "first_response_minutes": "20"}, follow_redirects=False
    )
    assert r.status_code == 303
    (saved,) = [x for x in sla_admin.rules(api.container.ctx, _admin(api)) if x.name == "微博 VIP"]
    assert saved.first_response_minutes == 20 and saved.segment == "vip"
    r = client.post(
        f"/admin/sla/{saved.id}",
        data={**rule, "resolution_minutes": "600", "calendar": "office_9_18"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get(f"/admin/sla/{saved.id}").status_code == 200
    r = client.post(
        f"/admin/sla/{saved.id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get(f"/admin/sla/{saved.id}").status_code == 404


def _admin(api: Api):  # type: ignore[no-untyped-def]
    from kefu.domain.actors import Actor, Role

    return Actor(Role.ADMIN, "test")
