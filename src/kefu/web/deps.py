"""Request dependencies: the container, the services' context, and the calling actor."""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from kefu.bootstrap import Container
from kefu.domain.actors import Actor
from kefu.services.context import ServiceContext
from kefu.services.users import authenticate, hash_token
from kefu.web.errors import ApiError
from kefu.web.pages.session import CSRF_HEADER, UNSAFE, CsrfFailed, check_csrf, session_actor

TOKEN_CACHE_SECONDS = 30.0


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def context(request: Request) -> ServiceContext:
    return container(request).ctx


class TokenCache:
    """Remembers resolved tokens briefly so a request costs no extra query."""

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Actor]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Actor | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: str, actor: Actor) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl, actor)


def current_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": "Bearer"}
    if not header:
        # A page's script calls the API with the page's session cookie (and, for changes,
        # the session's CSRF token in X-CSRF-Token).
        signed_in = session_actor(request)
        if signed_in is not None:
            if request.method in UNSAFE:
                try:
                    check_csrf(request, request.headers.get(CSRF_HEADER))
                except CsrfFailed:
                    raise ApiError(
                        403,
                        "csrf_failed",
                        "a change made with the session cookie needs the session's CSRF "
                        "token in the X-CSRF-Token header",
                    ) from None
            return signed_in
        raise ApiError(
            401,
            "unauthenticated",
            "send an API token: Authorization: Bearer <token>",
            headers=challenge,
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "the Authorization header must be 'Bearer <token>'",
            headers=challenge,
        )
    token = token.strip()
    cache: TokenCache = request.app.state.token_cache
    key = hash_token(token)
    actor = cache.get(key)
    if actor is None:
        actor = authenticate(context(request), token)
        if actor is None:
            raise ApiError(
                401, "invalid_token", "this API token is unknown or disabled", headers=challenge
            )
        cache.put(key, actor)
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
CtxDep = Annotated[ServiceContext, Depends(context)]
