"""The embeddable chat widget (`/widget`), the standalone agent chat (`/widget/agent`),
the host-page snippet (`/widget/embed.js`) and the one-time rating page (`/rate/{token}`).

Everything is served from this package (no CDN): small templates filled with
`string.Template` (values HTML-escaped) and self-written JavaScript and CSS under
`/widget/static`. zh-CN by default, English with `?lang=en`.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from string import Template
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from kefu.domain.errors import DomainError
from kefu.domain.satisfaction import AlreadyRated, LinkExpired
from kefu.services import satisfaction
from kefu.services.chat_context import ChatContext

router = APIRouter(include_in_schema=False)
PACKAGE = "kefu.web.widget"

TEXTS: dict[str, dict[str, str]] = {
    "title": {"zh": "在线客服", "en": "Customer service"},
    "agent_title": {"zh": "会话 · 工单 #$ticket", "en": "Chat · ticket #$ticket"},
    "rate_title": {"zh": "服务评价", "en": "Rate our service"},
    "rate_intro": {
        "zh": "工单 #$ticket「$subject」已处理完毕，请为本次服务评分。",
        "en": "Ticket #$ticket “$subject” has been resolved. Please rate our service.",
    },
    "comment": {"zh": "评语（可选）", "en": "Comment (optional)"},
    "submit": {"zh": "提交评价", "en": "Submit"},
    "thanks": {"zh": "感谢您的评价！", "en": "Thank you for your rating!"},
    "used": {
        "zh": "此链接已使用过，感谢您的评价。",
        "en": "This link has already been used. Thank you!",
    },
    "expired": {"zh": "此评价链接已过期。", "en": "This rating link has expired."},
    "invalid": {"zh": "此评价链接无效。", "en": "This rating link is not valid."},
}


def _lang(request: Request) -> str:
    raw = request.query_params.get("lang", "zh").lower()
    return "en" if raw.startswith("en") else "zh"


def _t(key: str, lang: str, **values: Any) -> str:
    return Template(TEXTS[key][lang]).safe_substitute(
        {k: html.escape(str(v)) for k, v in values.items()}
    )


def _template(name: str) -> Template:
    text = resources.files(PACKAGE).joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text)


def _page(name: str, **values: str) -> HTMLResponse:
    return HTMLResponse(
        _template(name).substitute(values),
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


def _config(request: Request, **extra: Any) -> str:
    """The page's settings for its script, as an HTML-escaped JSON attribute value."""
    q = request.query_params
    config = {
        "lang": _lang(request),
        "token": q.get("token", ""),
        "uid": q.get("uid", ""),
        "ts": q.get("ts", ""),
        "sig": q.get("sig", ""),
        **extra,
    }
    return html.escape(json.dumps(config, ensure_ascii=False), quote=True)


@router.get("/widget")
def widget(request: Request) -> HTMLResponse:
    """The customer's chat, to embed in an iframe: `?token=` or `?uid=&ts=&sig=`."""
    lang = _lang(request)
    return _page(
        "widget.html",
        lang="zh-CN" if lang == "zh" else "en",
        title=_t("title", lang),
        config=_config(request),
    )


@router.get("/widget/agent")
def agent(request: Request) -> HTMLResponse:
    """A standalone agent view of one ticket's chat (`?ticket_id=`, `&token=` or session)."""
    lang = _lang(request)
    raw = request.query_params.get("ticket_id", "")
    ticket = int(raw) if raw.isdigit() else 0
    return _page(
        "agent.html",
        lang="zh-CN" if lang == "zh" else "en",
        title=_t("agent_title", lang, ticket=ticket),
        config=_config(request, ticketId=ticket),
    )


@router.get("/widget/embed.js")
def embed() -> Response:
    text = resources.files(PACKAGE).joinpath("static", "embed.js").read_text(encoding="utf-8")
    return Response(text, media_type="text/javascript; charset=utf-8")


def _chat(request: Request) -> ChatContext:
    chat: ChatContext = request.app.state.container.extras["chat"]
    return chat


def _rate_page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    page = _page(
        "rate.html",
        lang="zh-CN" if lang == "zh" else "en",
        title=_t("rate_title", lang),
        body=body,
    )
    page.status_code = status
    return page


def _notice(text: str) -> str:
    return f'<p class="notice">{text}</p>'


@router.get("/rate/{token}")
def rate_page(token: str, request: Request) -> HTMLResponse:
    lang = _lang(request)
    try:
        info = satisfaction.link_info(_chat(request), token)
    except LinkExpired:
        return _rate_page(lang, _notice(_t("expired", lang)), 410)
    except DomainError:
        return _rate_page(lang, _notice(_t("invalid", lang)), 404)
    if info.used:
        return _rate_page(lang, _notice(_t("used", lang)), 409)
    stars = "".join(
        f'<label class="star"><input type="radio" name="score" value="{n}" required>'
        f"<span>{'★' * n}</span></label>"
        for n in range(5, 0, -1)
    )
    form = (
        f"<p>{_t('rate_intro', lang, ticket=info.ticket_id, subject=info.subject)}</p>"
        f'<form method="post" action="/rate/{html.escape(token)}?lang={lang}">'
        f'<div class="stars">{stars}</div>'
        f'<label>{_t("comment", lang)}<textarea name="comment" maxlength="500"></textarea>'
        f'</label><button type="submit">{_t("submit", lang)}</button></form>'
    )
    return _rate_page(lang, form)


@router.post("/rate/{token}")
def rate_submit(
    token: str, request: Request, score: int = Form(...), comment: str = Form("")
) -> HTMLResponse:
    """The rating page's form (the JSON API is POST /api/v1/ratings/{token})."""
    lang = _lang(request)
    try:
        satisfaction.rate_by_link(_chat(request), token, score, comment)
    except LinkExpired:
        return _rate_page(lang, _notice(_t("expired", lang)), 410)
    except AlreadyRated:
        return _rate_page(lang, _notice(_t("used", lang)), 409)
    except DomainError as exc:
        status = 404 if exc.code == "invalid_link" else 422
        text = _t("invalid", lang) if status == 404 else html.escape(exc.message)
        return _rate_page(lang, _notice(text), status)
    return _rate_page(lang, _notice(_t("thanks", lang)), 201)


def install(app: FastAPI) -> None:
    static = resources.files(PACKAGE).joinpath("static")
    app.mount("/widget/static", StaticFiles(directory=str(static)), name="widget-static")
    app.include_router(router)
