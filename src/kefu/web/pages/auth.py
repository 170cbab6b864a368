"""Signing in and out, the landing redirect and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kefu.domain.actors import Role
from kefu.services.users import sign_in as check_sign_in
from kefu.web.pages import i18n
from kefu.web.pages.render import language, render
from kefu.web.pages.session import session_actor, sign_in, sign_out

router = APIRouter(include_in_schema=False)

HOME = {
    Role.AGENT: "/desk",
    Role.SUPERVISOR: "/board",
    Role.ADMIN: "/admin",
    Role.CUSTOMER: "/portal",
}


def _safe_next(value: str | None) -> str | None:
    """Only paths on this site: no scheme, no host, no protocol-relative //."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


@router.get("/")
def home(request: Request) -> Response:
    actor = session_actor(request)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(actor.role, "/login"), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next) or ""})


@router.post("/login")
async def login(
    request: Request,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    ctx = request.app.state.container.ctx
    actor = await run_in_threadpool(check_sign_in, ctx, login, password) if login else None
    if actor is None or actor.role not in HOME:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next) or "", "login": login, "failed": True},
            status=401,
        )
    sign_in(request, actor)
    return RedirectResponse(_safe_next(next) or HOME[actor.role], status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    lang = i18n.normalise(code) or language(request)
    response = RedirectResponse(_safe_next(next) or "/", status_code=303)
    response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
