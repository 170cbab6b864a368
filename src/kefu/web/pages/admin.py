"""Pages: admin (routes only parse, call one service and render)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kefu.web.pages.guards import AdminActor
from kefu.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def index(request: Request, actor: AdminActor) -> Response:
    return render(request, "placeholder.html", {"title": "Admin"}, actor=actor)
