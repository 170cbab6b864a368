"""Who may open a page. A route declares the actor it needs; the rest is handled here.

Not signed in → redirect to /login (and back afterwards). Signed in with the wrong role →
a 403 page. Objects an actor may not see are still loaded only through
`kefu.services.access`, which answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from kefu.domain.actors import Actor, Role
from kefu.web.pages.session import session_actor

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
LEADS = (Role.SUPERVISOR, Role.ADMIN)


class LoginRequired(Exception):
    pass


class PageForbidden(Exception):
    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.role = role


def page_actor(request: Request) -> Actor:
    actor = session_actor(request)
    if actor is None:
        raise LoginRequired()
    return actor


def _needs(*roles: Role):  # type: ignore[no-untyped-def]
    def dependency(request: Request) -> Actor:
        actor = page_actor(request)
        if actor.role not in roles:
            raise PageForbidden(actor.role)
        return actor

    return dependency


PageActor = Annotated[Actor, Depends(page_actor)]
StaffActor = Annotated[Actor, Depends(_needs(*STAFF))]
LeadActor = Annotated[Actor, Depends(_needs(*LEADS))]
AdminActor = Annotated[Actor, Depends(_needs(Role.ADMIN))]
CustomerActor = Annotated[Actor, Depends(_needs(Role.CUSTOMER))]
