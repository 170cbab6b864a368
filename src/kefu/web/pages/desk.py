"""Pages: desk (routes only parse, call one service and render)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.web.pages.guards import StaffActor
from kefu.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/desk")
def index(request: Request, actor: StaffActor) -> Response:
    return render(request, "placeholder.html", {"title": "Desk"}, actor=actor)
