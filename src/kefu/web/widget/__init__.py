"""The embeddable chat widget (`/widget`), the standalone agent chat (`/widget/agent`),
the host-page snippet (`/widget/embed.js`) and the one-time rating page (`/rate/{token}`).

The pages are rendered like every other page (`kefu.web.pages.render`): Jinja templates
in `pages/templates/widget/`, strings translated by the `widget.po` catalogue, the language
from `?lang=` (zh, zh-CN, en), the `kefu_lang` cookie or Accept-Language. The chat itself
is drawn by self-written JavaScript under `/widget/static` (no CDN), which takes the
page's language from its config.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from kefu.domain.errors import DomainError
from kefu.domain.satisfaction import AlreadyRated, LinkExpired
from kefu.services import satisfaction
from kefu.services.chat_context import ChatContext
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)
PACKAGE = "kefu.web.widget"
IDENTITY = ("token", "uid", "ts", "sig")
"""The query parameters that say who is chatting (kept by the language switch)."""
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _config(request: Request, **extra: Any) -> str:
    """The page's settings for its script, as JSON (escaped by the template)."""
    q = request.query_params
    config = {"lang": language(request), **{k: q.get(k, "") for k in IDENTITY}, **extra}
    return json.dumps(config, ensure_ascii=False)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render(request, template, context, status=status)
    response.headers.update(NO_STORE)
    return response


@router.get("/widget")
def widget(request: Request) -> Response:
    """The customer's chat, to embed in an iframe: `?token=` or `?uid=&ts=&sig=`."""
    return _page(request, "widget/widget.html", {"config": _config(request)})


@router.get("/widget/agent")
def agent(request: Request) -> Response:
    """A standalone agent view of one ticket's chat (`?ticket_id=`, `&token=` or session)."""
    raw = request.query_params.get("ticket_id", "")
    ticket = int(raw) if raw.isdigit() else 0
    config = _config(request, ticketId=ticket)
    return _page(request, "widget/agent.html", {"config": config, "ticket_id": ticket})


@router.get("/widget/embed.js")
def embed() -> Response:
    text = resources.files(PACKAGE).joinpath("static", "embed.js").read_text(encoding="utf-8")
    return Response(text, media_type="text/javascript; charset=utf-8")


def _chat(request: Request) -> ChatContext:
    chat: ChatContext = request.app.state.container.extras["chat"]
    return chat


def _rate(request: Request, state: str, status: int, **context: Any) -> Response:
    """The rating page in one of its states: form, thanks, used, expired, invalid."""
    query = f"?{request.url.query}" if request.url.query else ""
    limit = _chat(request).policy.rating_comment_chars
    values = {"state": state, "action": request.url.path + query, "limit": limit, **context}
    return _page(request, "widget/rate.html", values, status)


@router.get("/rate/{token}")
def rate_page(token: str, request: Request) -> Response:
    try:
        info = satisfaction.link_info(_chat(request), token)
    except LinkExpired:
        return _rate(request, "expired", 410)
    except DomainError:
        return _rate(request, "invalid", 404)
    if info.used:
        return _rate(request, "used", 409)
    return _rate(request, "form", 200, info=info)


@router.post("/rate/{token}")
def rate_submit(
    token: str, request: Request, score: str = Form(""), comment: str = Form("")
) -> Response:
    """The rating page's form (the JSON API is POST /api/v1/ratings/{token}). The link
    itself is the customer's proof, so no session (and no CSRF token) is needed."""
    value: object = int(score) if score.strip().isdigit() else score
    try:
        satisfaction.rate_by_link(_chat(request), token, value, comment)
    except LinkExpired:
        return _rate(request, "expired", 410)
    except AlreadyRated:
        return _rate(request, "used", 409)
    except DomainError as exc:
        if exc.code == "invalid_link":
            return _rate(request, "invalid", 404)
        info = _info_or_none(request, token)
        field = exc.details.get("field", "score")
        return _rate(request, "form", 422, info=info, error=field, comment=comment)
    return _rate(request, "thanks", 201)


def _info_or_none(request: Request, token: str) -> satisfaction.LinkInfo | None:
    try:
        return satisfaction.link_info(_chat(request), token)
    except DomainError:
        return None


def install(app: FastAPI) -> None:
    static = resources.files(PACKAGE).joinpath("static")
    app.mount("/widget/static", StaticFiles(directory=str(static)), name="widget-static")
    app.include_router(router)
