"""The web workspace: server-rendered pages for agents, supervisors, admins and customers.

`install(app)` adds the signed session cookie, the static files (all local, no CDN), the
page routers (each guarded by the CSRF check for unsafe methods) and the HTML error pages.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from kefu.web.pages import (
    admin,
    admin_agents,
    admin_kb,
    admin_sla,
    auth,
    board,
    desk,
    disputes,
    help_center,
    portal,
)
from kefu.web.pages.guards import LoginRequired, PageForbidden
from kefu.web.pages.render import render
from kefu.web.pages.session import COOKIE, CsrfFailed, verify_csrf

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    auth,
    desk,
    portal,
    board,
    admin,
    admin_agents,
    admin_sla,
    admin_kb,
    disputes,
    help_center,
)


def page_error(request: Request, status: int, code: str, message: str) -> Response:
    return render(
        request, "error.html", {"status": status, "code": code, "message": message}, status=status
    )


def install(app: FastAPI) -> None:
    settings = app.state.container.settings
    for module in ROUTERS:
        app.include_router(module.router, dependencies=[Depends(verify_csrf)])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.page_error = page_error

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return page_error(request, 403, "forbidden", exc.role.value)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _: CsrfFailed) -> Response:
        from kefu.web.errors import error_response

        message = "the form's security token is missing or wrong: reload the page and try again"
        if request.url.path.startswith("/api/"):
            return error_response(403, "csrf_failed", message)
        return page_error(request, 403, "csrf_failed", message)

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key,
        session_cookie=COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.session_https_only,
    )
