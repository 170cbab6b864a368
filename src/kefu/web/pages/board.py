"""Pages: board (routes only parse, call one service and render)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.web.pages.guards import LeadActor
from kefu.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/board")
def index(request: Request, actor: LeadActor) -> Response:
    return render(request, "placeholder.html", {"title": "Board"}, actor=actor)
