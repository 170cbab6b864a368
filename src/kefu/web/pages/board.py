"""Pages: the supervisor board and its reports (routes only parse, call one service and
render). Live figures come over WebSocket /api/v1/ws/supervisor (session cookie);
/board/panels re-renders the about-to-breach list and the agents for board.js."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from kefu.services import board_views
from kefu.web.deps import CtxDep
from kefu.web.pages import board_present as present
from kefu.web.pages.guards import LeadActor
from kefu.web.pages.render import LOCAL_TZ, environment, language, render

router = APIRouter(include_in_schema=False)
PRESETS = (7, 30, 90)


@router.get("/board")
def index(request: Request, actor: LeadActor, ctx: CtxDep) -> Response:
    lang = language(request)
    view = present.board_context(board_views.board(ctx, actor), ctx.policies, lang)
    view["boot"] = json.dumps(
        {"queues": view["queues"], "labels": view["js_labels"], "at": view["at"].isoformat()},
        ensure_ascii=False,
    ).replace("</", "<\\/")
    return render(request, "board/index.html", view, actor=actor)


@router.get("/board/panels")
def panels(request: Request, actor: LeadActor, ctx: CtxDep) -> Response:
    """The about-to-breach list and the agents, as HTML for board.js to swap in."""
    lang = language(request)
    view = present.board_context(board_views.board(ctx, actor), ctx.policies, lang)
    env = environment(lang)
    return JSONResponse(
        {
            "risks": env.get_template("board/_risks.html").render(view),
            "agents": env.get_template("board/_agents.html").render(view),
            "online": view["kpi"]["online"],
            "count": len(view["risks"]),
        }
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/board/reports")
def reports(request: Request, actor: LeadActor, ctx: CtxDep) -> Response:
    """Tickets opened between `from` and `to` (days in Beijing time, both included)."""
    today = ctx.clock.now().astimezone(LOCAL_TZ).date()
    params = request.query_params
    days = params.get("days", "")
    last = _day(params.get("to")) or today
    first = _day(params.get("from")) or last - timedelta(days=29)
    if days.isdigit() and int(days) in PRESETS:
        last, first = today, today - timedelta(days=int(days) - 1)
    error = None
    if first > last:
        error, first = "from_after_to", last - timedelta(days=29)
    if (last - first).days > 365:
        error, first = "too_long", last - timedelta(days=365)
    since = datetime.combine(first, time(), LOCAL_TZ)
    until = datetime.combine(last + timedelta(days=1), time(), LOCAL_TZ)
    data = board_views.reports(ctx, actor, since, until)
    view = present.reports_context(data, ctx.policies, language(request))
    view.update(
        first=first.isoformat(),
        last=last.isoformat(),
        presets=PRESETS,
        active=(last - first).days + 1 if last == today else None,
        error=error,
    )
    return render(request, "board/reports.html", view, actor=actor, status=400 if error else 200)
