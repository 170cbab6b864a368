"""Pages: the agent desk (routes only parse, call one service and render).

- `/desk`: offers, my open tickets (most urgent first), my queues, the presence switch;
  `/desk/live` is the same panels as an HTML fragment the page polls, so new work
  appears without reloading.
- `/desk/tickets/{id}`: conversation with reply and notes | facts, priority, SLA clocks,
  transitions, subcategory, merge | customer profile; `/desk/tickets/{id}/thread` is the
  conversation fragment the page polls.
- `/desk/tickets?status=&q=&mine=`: the list and search.

Changes go through the JSON API (`/api/v1`) from static/desk.js, with the session cookie
and the CSRF header.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kefu.services import desk_views as svc
from kefu.web.deps import CtxDep
from kefu.web.pages import desk_views as view
from kefu.web.pages.guards import StaffActor
from kefu.web.pages.render import language, render

router = APIRouter(include_in_schema=False)

AGENT_CHAT_JS = Path(__file__).resolve().parents[1] / "widget" / "static" / "agent-chat.js"
STATUS_FILTERS = (
    "open_any",
    "queued",
    "assigned",
    "open",
    "waiting_customer",
    "resolved",
    "closed",
)


def _home(request: Request, actor: StaffActor, ctx: CtxDep, fragment: bool) -> Response:
    lang = language(request)
    home = svc.desk_home(ctx, actor)
    data = view.home_view(home, ctx.policies, lang, ctx.clock.now())
    template = "desk/_live.html" if fragment else "desk/home.html"
    return render(request, template, data, actor=actor)


@router.get("/desk")
def index(request: Request, actor: StaffActor, ctx: CtxDep) -> Response:
    return _home(request, actor, ctx, fragment=False)


@router.get("/desk/live")
def live(request: Request, actor: StaffActor, ctx: CtxDep) -> Response:
    return _home(request, actor, ctx, fragment=True)


@router.get("/desk/tickets")
def tickets(
    request: Request,
    actor: StaffActor,
    ctx: CtxDep,
    status: str = "",
    q: str = Query(default="", max_length=200),
    mine: bool = False,
) -> Response:
    lang = language(request)
    status = status if status in STATUS_FILTERS else ""
    found = svc.find_tickets(ctx, actor, status=status or None, q=q, mine=mine)
    now = ctx.clock.now()
    filters = [(s, view.label(view.STATUS, s, lang)) for s in STATUS_FILTERS[1:]]
    return render(
        request,
        "desk/tickets.html",
        {
            "rows": [view.ticket_row(t, ctx.policies, lang, now) for t in found],
            "status": status,
            "q": q,
            "mine": mine,
            "filters": filters,
            "limit": svc.SEARCH_LIMIT,
        },
        actor=actor,
    )


@router.get("/desk/tickets/{ticket_id}")
def ticket(request: Request, ticket_id: int, actor: StaffActor, ctx: CtxDep) -> Response:
    lang = language(request)
    data = view.ticket_view(
        svc.ticket_view(ctx, actor, ticket_id), ctx.policies, lang, ctx.clock.now()
    )
    data["replies"] = view.replies_view(svc.saved_replies(), lang)
    data["agent_chat"] = data["has_chat"] and AGENT_CHAT_JS.exists()
    return render(request, "desk/ticket.html", data, actor=actor)


@router.get("/desk/tickets/{ticket_id}/thread")
def thread(request: Request, ticket_id: int, actor: StaffActor, ctx: CtxDep) -> Response:
    lang = language(request)
    data = view.ticket_view(
        svc.ticket_view(ctx, actor, ticket_id), ctx.policies, lang, ctx.clock.now()
    )
    return render(request, "desk/_thread.html", data, actor=actor)
