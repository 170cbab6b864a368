"""Pages: portal (routes only parse, call one service and render)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.web.pages.guards import CustomerActor
from kefu.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/portal")
def index(request: Request, actor: CustomerActor) -> Response:
    return render(request, "placeholder.html", {"title": "My requests"}, actor=actor)
