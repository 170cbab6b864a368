"""Presenters of the customer portal: turn tickets and advice into what the templates show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import UploadFile
from starlette.requests import Request

from kefu.domain.actors import Actor
from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.satisfaction import widget_signature
from kefu.domain.tickets import Message, MessageKind, Status, Ticket
from kefu.services import portal_views as views
from kefu.services.chat_context import ChatContext
from kefu.services.context import ServiceContext
from kefu.services.tickets import AttachmentRef, TicketDetail
from kefu.web.pages.render import pick

CUSTOMER_STEPS = ("resolved", "closed", "reopened")
"""The status changes a customer makes from the portal."""
ADVICE_SHOWN = 3
"""How many channels the advice card lists (the advisor ranks them all)."""
SIDE = {
    MessageKind.CUSTOMER: "customer",
    MessageKind.AGENT: "agent",
    MessageKind.BOT: "bot",
    MessageKind.SYSTEM: "system",
    MessageKind.NOTE: "note",
}


@dataclass(frozen=True)
class Row:
    id: int
    subject: str
    problem: str
    phase: str
    colour: str
    created_at: Any
    updated_at: Any


def problem_name(ctx: ServiceContext, code: str, lang: str) -> str:
    sub = ctx.policies.taxonomy.get(code)
    return pick(lang, sub.zh, sub.en)


def row(t: Ticket, ctx: ServiceContext, lang: str) -> Row:
    phase, colour = views.phase(t)
    assert t.id is not None
    return Row(
        id=t.id,
        subject=t.subject,
        problem=problem_name(ctx, t.subcategory, lang),
        phase=phase,
        colour=colour,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )


def wait_words(seconds: int | None, lang: str) -> str:
    """An estimated wait as a person says it."""
    if seconds is None:
        return pick(lang, "暂无估计", "no estimate")
    if seconds < 60:
        return pick(lang, "1 分钟内", "under a minute")
    if seconds < 3600:
        m = round(seconds / 60)
        return pick(lang, f"约 {m} 分钟", f"about {m} minute{'s' if m != 1 else ''}")
    if seconds < 86400:
        h = round(seconds / 3600)
        return pick(lang, f"约 {h} 小时", f"about {h} hour{'s' if h != 1 else ''}")
    d = round(seconds / 86400)
    return pick(lang, f"约 {d} 天", f"about {d} day{'s' if d != 1 else ''}")


def preview(p: views.Preview, lang: str) -> dict[str, Any]:
    useful = [c for c in p.advice.channels if c.entitled and c.fit != "no"]
    shown = useful[:ADVICE_SHOWN] or p.advice.channels[:1]
    channels = [
        {
            "channel": c.channel,
            "name": c.name,
            "wait": wait_words(c.estimated_wait_seconds, lang),
            "open_now": c.open_now,
            "next_open_at": c.next_open_at,
            "hours": c.hours,
            "prepare": c.prepare,
            "why": c.why,
            "fit": c.fit,
            "here": c.channel == "inapp",
        }
        for c in shown
    ]
    return {
        "code": p.subcategory,
        "category": p.category_name,
        "name": p.subcategory_name,
        "certainty": p.certainty,
        "human_required": p.human_required,
        "entitlements": p.advice.entitlements,
        "channels": channels,
    }


def ticket(detail: TicketDetail, ctx: ServiceContext, lang: str) -> dict[str, Any]:
    t = detail.ticket
    phase, colour = views.phase(t)
    now = ctx.clock.now()
    messages = [m for m in detail.messages if m.kind is not MessageKind.NOTE]
    return {
        "t": t,
        "problem": problem_name(ctx, t.subcategory, lang),
        "phase": phase,
        "colour": colour,
        "promise": views.promise(t, now),
        "messages": [message(m) for m in messages],
        "can_resolve": t.can_move_to(Status.RESOLVED),
        "can_close": t.status is Status.RESOLVED and t.can_move_to(Status.CLOSED),
        "can_reopen": t.can_move_to(Status.REOPENED),
        "can_reply": t.status not in (Status.CLOSED, Status.MERGED),
        "merged_into": t.merged_into_id,
    }


def message(m: Message) -> dict[str, Any]:
    return {
        "side": SIDE.get(m.kind, "system"),
        "kind": m.kind.value,
        "body": m.body,
        "at": m.at,
        "files": m.attachments,
    }


async def store_upload(request: Request, upload: UploadFile | None) -> tuple[AttachmentRef, ...]:
    """Keep an uploaded file in the blob store; nothing when no file was chosen."""
    if upload is None or not upload.filename:
        return ()
    container = request.app.state.container
    limit = container.settings.max_attachment_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"'{upload.filename}' is larger than {limit // (1024 * 1024)} MB")
    if not data:
        raise InvalidInput(f"'{upload.filename}' is empty")
    from starlette.concurrency import run_in_threadpool

    sha = await run_in_threadpool(container.ctx.blobs.put, data)
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
    kind = upload.content_type or "application/octet-stream"
    return (AttachmentRef(sha, name, kind),)


def disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def chat_url(request: Request, actor: Actor, lang: str) -> str:
    """The chat widget for the signed-in customer: same origin, so the session cookie
    already says who they are; with a widget secret configured the identity is also signed
    server-side (`?uid=&ts=&sig=`, HMAC-SHA256 of `uid.ts`), as a host page would."""
    widget_lang = "en" if lang == "en" else "zh"
    container = request.app.state.container
    secret = container.settings.widget_secret
    if not secret or not actor.customer_uid:
        return f"/widget?lang={widget_lang}"
    ts = int(container.ctx.clock.now().timestamp())
    sig = widget_signature(secret.encode(), actor.customer_uid, ts)
    return f"/widget?lang={widget_lang}&uid={quote(actor.customer_uid)}&ts={ts}&sig={sig}"


def chat(request: Request) -> ChatContext:
    """The chat services' context (ratings live there)."""
    found: ChatContext = request.app.state.container.extras["chat"]
    return found


def rating_error(exc: DomainError) -> str:
    """Which message the rating card shows for a refused rating."""
    if exc.code == "already_rated":
        return "rated"
    if exc.details.get("code") == "not_asked":
        return "not_resolved"
    return "comment" if exc.details.get("field") == "comment" else "score"
