"""Who is signed in to the pages, and the CSRF token that guards their posts.

The session is Starlette's signed cookie (`kefu_session`, itsdangerous): it holds the
user id, the sign-in time and a random CSRF token. Nothing secret is in it, and the
signature stops forgery. Every unsafe request authenticated by this cookie must echo the
CSRF token: page forms as the `csrf_token` field, scripts as the `X-CSRF-Token` header
(the synchroniser-token pattern). Requests with `Authorization: Bearer` don't use the
cookie and need no token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import HTTPConnection, Request

from kefu.domain.actors import Actor
from kefu.services.users import actor_for_user

COOKIE = "kefu_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(Exception):
    """An unsafe request without the session's CSRF token (403)."""


def _session(conn: HTTPConnection) -> dict[str, Any]:
    if "session" not in conn.scope:
        return {}
    s: dict[str, Any] = conn.session
    return s


def csrf_token(conn: HTTPConnection) -> str:
    """The session's CSRF token, created on first use."""
    session = _session(conn)
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        if "session" in conn.scope:
            session["csrf"] = token
    return token


def sign_in(request: Request, actor: Actor) -> None:
    """Start a session for the actor: a fresh session (and CSRF token) on every sign-in."""
    request.session.clear()
    request.session["uid"] = actor.user_id
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def session_actor(conn: HTTPConnection) -> Actor | None:
    """The signed-in actor, or None. Resolved users are cached briefly per process."""
    uid = _session(conn).get("uid")
    if not isinstance(uid, int):
        return None
    app = conn.scope["app"]
    cache = app.state.token_cache
    key = f"session:{uid}"
    actor: Actor | None = cache.get(key)
    if actor is None:
        actor = actor_for_user(app.state.container.ctx, uid)
        if actor is None:
            return None
        cache.put(key, actor)
    return actor


def actor_from_websocket(websocket: HTTPConnection) -> Actor | None:
    """The signed-in actor of a WebSocket opened by a page (the cookie travels with it).

    Cross-site WebSockets carry cookies too, so the Origin must be this server's."""
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    if origin and host and origin.split("://", 1)[-1] != host:
        return None
    return session_actor(websocket)


def check_csrf(conn: HTTPConnection, sent: str | None) -> None:
    expected = _session(conn).get("csrf")
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfFailed()


async def verify_csrf(request: Request) -> None:
    """Router dependency for every page: unsafe methods must carry the CSRF token."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    check_csrf(request, sent)
