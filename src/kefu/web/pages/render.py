"""Rendering a page: one Jinja2 environment per language, with its gettext installed.

`render(request, "desk/ticket.html", {...})` adds what every template uses: the actor,
the language and its switch links, the CSRF token, `_()` and a few formatters.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

import kefu
from kefu.domain.actors import Actor, Role
from kefu.web.pages import i18n
from kefu.web.pages.session import csrf_token, session_actor

TEMPLATES = Path(__file__).parent / "templates"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# What each role finds in the top bar: (path, message id).
NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.AGENT: (("/desk", "Desk"), ("/disputes", "Disputes"), ("/help", "Help center")),
    Role.SUPERVISOR: (
        ("/desk", "Desk"),
        ("/board", "Board"),
        ("/disputes", "Disputes"),
        ("/admin", "Admin"),
    ),
    Role.ADMIN: (
        ("/desk", "Desk"),
        ("/board", "Board"),
        ("/disputes", "Disputes"),
        ("/admin", "Admin"),
    ),
    Role.CUSTOMER: (
        ("/portal", "My requests"),
        ("/disputes", "Disputes"),
        ("/help", "Help center"),
    ),
}


def language(request: Request) -> str:
    """?lang= (remembered in a cookie by the middleware), the cookie, Accept-Language,
    then the configured default."""
    return (
        i18n.normalise(request.query_params.get("lang"))
        or i18n.normalise(request.cookies.get(i18n.COOKIE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or i18n.normalise(request.app.state.container.settings.default_language)
        or i18n.DEFAULT
    )


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        languages=i18n.LANGUAGES, language_labels=i18n.LABELS, version=kefu.__version__
    )
    env.filters["when"] = when
    env.filters["duration"] = duration
    return env


def when(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in Beijing time, as people in the service read it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(abs(seconds))
    sign = "-" if seconds < 0 else ""
    if s >= 86400:
        return f"{sign}{s // 86400}d {s % 86400 // 3600}h"
    if s >= 3600:
        return f"{sign}{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{sign}{s // 60}m {s % 60:02d}s"


def switch_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    actor: Actor | None = None,
) -> HTMLResponse:
    lang = language(request)
    actor = actor or session_actor(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "zh": lang == "zh-CN",
        "actor": actor,
        "nav": NAV.get(actor.role, ()) if actor else (),
        "csrf_token": csrf_token(request),
        "switch": {code: switch_url(request, code) for code in i18n.LANGUAGES},
        "path": request.url.path,
    }
    values.update(context or {})
    html = environment(lang).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Any) -> None:
    chosen = i18n.normalise(request.query_params.get("lang"))
    if chosen and chosen != request.cookies.get(i18n.COOKIE):
        response.set_cookie(i18n.COOKIE, chosen, max_age=365 * 86400, samesite="lax")


def pick(lang: str, zh: str, en: str) -> str:
    """The zh or en variant of a label pair, for presenters."""
    return zh if lang == "zh-CN" else en
