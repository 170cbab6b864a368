"""The knowledge base through HTTP: CRUD, versions, who may do what, Chinese search, the
starter set, and the migration against the models. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import kefu.store.models_knowledge  # noqa: F401 - registers the knowledge tables
from kefu.config import Settings
from kefu.services.bot import BotState, bot_feedback, bot_reply
from kefu.services.knowledge import load_starter, starter_articles
from kefu.services.setup import prepare
from kefu.store.models import Base
from tests.conftest import Api, RoleClient

ARTICLE: dict[str, Any] = {
    "slug": "invoice-howto",
    "lang": "zh-CN",
    "title": "如何开具广告发票",
    "body": "在广告后台的财务中心申请发票。\n\n发票会在 7 个工作日内寄出。",
    "tags": ["发票", "对账"],
    "subcategories": ["ads.invoice"],
}


@pytest.fixture(autouse=True)
def _starter(api: Api) -> int:
    """The suite's databases start without the starter set (see prepare); load it here."""
    return load_starter(api.container.ctx)


@pytest.fixture
def customer(api: Api) -> RoleClient:
    return api.as_(api.token("customer", "buyer", customer_uid="UID12345678"))


def error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_migration_0007_creates_exactly_what_the_models_describe(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            diff = compare_metadata(ctx, Base.metadata)
        assert [d for d in diff if "kb_" in repr(d)] == []
    finally:
        engine.dispose()


def test_the_starter_set_is_loaded_once_and_published_in_both_languages(
    api: Api, admin: RoleClient, _starter: int
) -> None:
    expected = len(starter_articles())
    assert expected >= 48
    assert _starter == expected
    assert load_starter(api.container.ctx) == 0  # already there: nothing added twice
    prepare(api.container.ctx)
    r = admin.get("/api/v1/kb/articles?limit=200")
    items = r.json()["items"]
    assert len(items) == expected
    assert {a["status"] for a in items} == {"published"}
    assert {a["origin"] for a in items} == {"starter"}


def test_an_admin_creates_edits_and_publishes_with_every_version_kept(
    admin: RoleClient, customer: RoleClient
) -> None:
    r = admin.post("/api/v1/kb/articles", ARTICLE)
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["status"], a["version"], a["url"]) == (
        "draft",
        1,
        "/help/articles/invoice-howto?lang=zh-CN",
    )
    error(customer.get(f"/api/v1/kb/articles/{a['id']}"), 404, "not_found")  # a draft is hidden

    edit = {**ARTICLE, "title": "广告发票怎么开", "note": "clearer title", "expected_version": 1}
    edit.pop("slug"), edit.pop("lang")
    r = admin.put(f"/api/v1/kb/articles/{a['id']}", edit)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["title"]) == (2, "广告发票怎么开")
    error(admin.put(f"/api/v1/kb/articles/{a['id']}", edit), 409, "conflict")  # stale version

    r = admin.post(f"/api/v1/kb/articles/{a['id']}/publish")
    assert r.json()["status"] == "published" and r.json()["published_at"]
    assert customer.get(f"/api/v1/kb/articles/{a['id']}").json()["title"] == "广告发票怎么开"

    versions = admin.get(f"/api/v1/kb/articles/{a['id']}/versions").json()["items"]
    assert [(v["version"], v["title"], v["note"]) for v in versions] == [
        (1, "如何开具广告发票", ""),
        (2, "广告发票怎么开", "clearer title"),
    ]
    r = admin.post(f"/api/v1/kb/articles/{a['id']}/archive")
    assert r.json()["status"] == "archived"
    error(customer.get(f"/api/v1/kb/articles/{a['id']}"), 404, "not_found")


def test_a_supervisor_may_edit_an_agent_reads_but_may_not_write(
    api: Api, admin: RoleClient
) -> None:
    supervisor = api.as_(api.token("supervisor"))
    desk = admin.post("/api/v1/agents", {"name": "坐席", "teams": ["general"]}).json()
    agent = api.as_(api.token("agent", "坐席", agent_id=desk["id"]))
    assert supervisor.post("/api/v1/kb/articles", ARTICLE).status_code == 201
    drafts = agent.get("/api/v1/kb/articles?status=draft").json()["items"]
    assert [a["slug"] for a in drafts] == ["invoice-howto"]
    error(agent.post("/api/v1/kb/articles", {**ARTICLE, "slug": "x"}), 403, "forbidden")


def test_a_customer_cannot_write_and_sees_published_articles_only(
    admin: RoleClient, customer: RoleClient
) -> None:
    error(customer.post("/api/v1/kb/articles", ARTICLE), 403, "forbidden")
    admin.post("/api/v1/kb/articles", ARTICLE)
    listed = customer.get("/api/v1/kb/articles?limit=200").json()["items"]
    assert listed and {a["status"] for a in listed} == {"published"}
    assert "invoice-howto" not in {a["slug"] for a in listed}
    assert customer.get("/api/v1/kb/articles?status=draft").json()["items"] == []
    one = listed[0]["id"]
    error(customer.get(f"/api/v1/kb/articles/{one}/versions"), 403, "forbidden")
    error(customer.post(f"/api/v1/kb/articles/{one}/archive"), 403, "forbidden")


def test_bad_input_gets_a_json_error_never_a_500(admin: RoleClient) -> None:
    body = error(admin.post("/api/v1/kb/articles", {**ARTICLE, "slug": "Bad Slug"}), 422, "invalid")
    assert body["details"]["field"] == "slug"
    error(admin.post("/api/v1/kb/articles", {**ARTICLE, "lang": "fr"}), 422, "invalid")
    bad_sub = {**ARTICLE, "subcategories": ["ads.nope"]}
    assert (
        "ads.nope" in error(admin.post("/api/v1/kb/articles", bad_sub), 422, "invalid")["message"]
    )
    admin.post("/api/v1/kb/articles", ARTICLE)
    error(admin.post("/api/v1/kb/articles", ARTICLE), 409, "conflict")  # same slug and language
    error(admin.get("/api/v1/kb/articles/999999"), 404, "not_found")
    error(admin.post("/api/v1/kb/articles/999999/publish"), 404, "not_found")
    published = admin.get("/api/v1/kb/articles?status=published&limit=1").json()["items"][0]
    error(admin.post(f"/api/v1/kb/articles/{published['id']}/publish"), 409, "illegal_transition")
    error(admin.get("/api/v1/kb/articles?status=lost"), 422, "invalid")
    assert admin.get("/api/v1/kb/search?q=").status_code == 422


@pytest.mark.parametrize(
    ("q", "lang", "slug"),
    [
        ("密码忘了怎么办", "zh-CN", "password-recovery"),
        ("how do I send an email complaint", "en", "email-feedback-rules"),
        ("95152 几点上班", None, "hotline-95152-hours"),
    ],
)
def test_search_finds_chinese_and_english_questions(
    customer: RoleClient, q: str, lang: str | None, slug: str
) -> None:
    params = {"q": q, **({"lang": lang} if lang else {})}
    r = customer.get("/api/v1/kb/search", params=params)
    assert r.status_code == 200, r.text
    top = r.json()["items"][0]
    assert top["slug"] == slug
    assert 0 < top["score"] <= 1 and top["snippet"] and top["url"].startswith("/help/articles/")


def test_an_edit_is_searchable_at_once_and_an_archived_article_disappears(
    admin: RoleClient, customer: RoleClient
) -> None:
    def slugs() -> list[str]:
        r = customer.get("/api/v1/kb/search", params={"q": "广告发票", "lang": "zh-CN"})
        return [h["slug"] for h in r.json()["items"]]

    assert "invoice-howto" not in slugs()
    a = admin.post("/api/v1/kb/articles", {**ARTICLE, "publish": True}).json()
    assert slugs()[0] == "invoice-howto"
    admin.post(f"/api/v1/kb/articles/{a['id']}/archive")
    assert "invoice-howto" not in slugs()


def test_the_bot_answers_from_the_stored_articles_and_hands_off(api: Api) -> None:
    ctx = api.container.ctx
    turn = bot_reply(ctx, BotState(), "密码忘了怎么办", "zh-CN")
    assert turn.kind == "answer" and turn.citations[0].slug == "password-recovery"
    assert bot_reply(ctx, BotState(), "人工智能是什么", "zh-CN").kind != "handoff"
    assert bot_reply(ctx, BotState(), "转人工", "zh-CN").kind == "handoff"
    first = bot_feedback(ctx, turn.state, False, "zh-CN")
    assert first.kind == "fallback"
    again = bot_reply(ctx, first.state, "收不到验证码", "zh-CN")
    assert bot_feedback(ctx, again.state, False, "zh-CN").kind == "handoff"
