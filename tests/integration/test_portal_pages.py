"""The customer portal and the public help center over HTTP (no browser): who may open
what, the live advice fragment, creating, replying and closing a request, and the help
center for visitors who are not signed in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kefu.bootstrap import Container
from kefu.services.knowledge import load_starter
from kefu.services.users import create_user
from tests.conftest import Api

PASSWORD = "portal-password-1"
ME = "UID20000001"
OTHER = "UID20000002"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, container: Container, login: str, uid: str = ME) -> str:
    create_user(container.ctx, "customer", login, login=login, password=PASSWORD, customer_uid=uid)
    token = _csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(client.get("/portal/new").text)


def test_new_request_is_created_in_app_channel_and_listed_newest_first(api: Api) -> None:
    client, container = api.client, api.container
    csrf = sign_in(client, container, "wang")
    r = client.get("/portal")
    assert r.status_code == 200 and 'data-empty="requests"' in r.text
    ids = []
    for text in ("我的账号被盗了，手机号也被改绑了", "My parcel never arrived, order 123"):
        r = client.post(
            "/portal/new",
            data={"description": text, "csrf_token": csrf},
            files={"attachment": ("shot.png", b"\x89PNG fake", "image/png")},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        ids.append(int(r.headers["location"].split("/")[-1].split("?")[0]))
    detail = client.get(f"/portal/tickets/{ids[0]}")
    assert detail.status_code == 200
    assert "账号被盗" in detail.text and "shot.png" in detail.text
    page = client.get("/portal?lang=zh-CN").text
    assert page.index(f'data-ticket="{ids[1]}"') < page.index(f'data-ticket="{ids[0]}"')
    me = api.as_(api.token("admin", "boss"))
    t = me.get(f"/api/v1/tickets/{ids[0]}").json()
    assert t["channel"] == "inapp" and t["customer"]["uid"] == ME
    assert t["subcategory"] == "account.hijacked"
    sha = re.search(r"/files/([0-9a-f]{64})", detail.text)
    assert sha is not None
    f = client.get(f"/portal/tickets/{ids[0]}/files/{sha.group(1)}")
    assert f.status_code == 200 and f.content == b"\x89PNG fake"


def test_empty_description_is_refused_on_the_form(api: Api) -> None:
    csrf = sign_in(api.client, api.container, "wang")
    r = api.client.post("/portal/new?lang=en", data={"description": "  ", "csrf_token": csrf})
    assert r.status_code == 422
    assert "Describe the problem first." in r.text


def test_preview_shows_problem_type_and_advice_in_words(api: Api) -> None:
    sign_in(api.client, api.container, "wang")
    r = api.client.get("/portal/preview", params={"text": "我的账号被盗了，手机号也被改绑了"})
    assert r.status_code == 200
    assert 'data-problem="account.hijacked"' in r.text
    assert "账号被盗" in r.text and 'data-channel="hotline"' in r.text
    badge = re.search(r'data-certainty="(\w+)">([^<]+)<', r.text)
    assert badge is not None and not re.search(r"\d", badge.group(2))  # words, not numbers
    r = api.client.get("/portal/preview", params={"text": "hi", "lang": "en"})
    assert r.status_code == 200 and 'data-advice=""' in r.text
    r = api.client.get(
        "/portal/preview", params={"text": "I was charged twice for coins", "lang": "en"}
    )
    assert "Expected wait:" in r.text


def test_reply_resolve_and_reopen(api: Api) -> None:
    csrf = sign_in(api.client, api.container, "wang")
    r = api.client.post(
        "/portal/new",
        data={"description": "直播总是断流", "csrf_token": csrf},
        follow_redirects=False,
    )
    url = r.headers["location"].split("?")[0]
    r = api.client.post(f"{url}/reply", data={"body": "补充：用的是 OBS", "csrf_token": csrf})
    assert r.status_code == 200 and "补充：用的是 OBS" in r.text
    r = api.client.post(f"{url}/reply", data={"body": " ", "csrf_token": csrf})
    assert r.status_code == 422
    r = api.client.post(f"{url}/status", data={"to": "resolved", "csrf_token": csrf})
    assert r.status_code == 200 and 'data-phase="resolved"' in r.text
    r = api.client.post(f"{url}/status", data={"to": "reopened", "csrf_token": csrf})
    assert r.status_code == 200 and 'data-phase="in_progress"' in r.text
    r = api.client.post(f"{url}/status", data={"to": "merged", "csrf_token": csrf})
    assert r.status_code == 422


def test_customer_cannot_open_staff_pages_or_anothers_request(api: Api) -> None:
    admin = api.as_(api.token("admin", "boss"))
    theirs = admin.post(
        "/api/v1/tickets", {"customer": {"uid": OTHER}, "channel": "inapp", "body": "别人的问题"}
    ).json()
    sign_in(api.client, api.container, "wang")
    for path in ("/desk", "/board", "/admin"):
        assert api.client.get(path).status_code == 403, path
    r = api.client.get(f"/portal/tickets/{theirs['id']}")
    assert r.status_code == 404 and "别人的问题" not in r.text
    assert api.client.get(f"/api/v1/tickets/{theirs['id']}").status_code == 404
    assert api.client.get(f"/portal/tickets/{theirs['id']}/files/{'0' * 64}").status_code == 404


def test_portal_needs_a_customer_sign_in(api: Api) -> None:
    r = api.client.get("/portal/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_help_center_is_public_and_bilingual(api: Api) -> None:
    r = api.client.get("/help?lang=zh-CN")
    assert r.status_code == 200 and "暂无已发布的文章" in r.text  # nothing loaded yet
    load_starter(api.container.ctx)
    r = api.client.get("/help?lang=zh-CN")
    assert r.status_code == 200 and "账号" in r.text
    r = api.client.get("/help/search", params={"q": "账号被盗", "lang": "zh-CN"})
    assert r.status_code == 200 and 'data-slug="account-hijacked"' in r.text
    zh = api.client.get("/help/articles/account-hijacked?lang=zh-CN")
    assert zh.status_code == 200 and "账号被盗" in zh.text and 'data-translation="en"' in zh.text
    en = api.client.get("/help/articles/account-hijacked?lang=en")
    assert en.status_code == 200 and 'lang="en" data-slug="account-hijacked"' in en.text
    assert api.client.get("/help/articles/no-such-article").status_code == 404
    assert api.client.get("/help/search", params={"q": ""}).status_code == 200
