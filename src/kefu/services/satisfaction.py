"""Satisfaction ratings (issue 5 §7): asked when a ticket is resolved — in the chat for
in-app tickets, through a signed one-time link for the others — and stored per ticket,
agent and team for the reports."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.chat import Author, ChatMessage, MessageKind
from kefu.domain.errors import Conflict, InvalidInput
from kefu.domain.satisfaction import (
    AlreadyRated,
    LinkInvalid,
    Rating,
    RatingRequest,
    check_rating,
    read_link,
    sign_link,
)
from kefu.domain.tickets import FINAL, Status, Ticket
from kefu.domain.tickets import MessageKind as TicketMessageKind
from kefu.services import chat as chat_service
from kefu.services.access import require_role, ticket_for
from kefu.services.chat_context import ChatContext
from kefu.services.chat_ports import RatingFilter
from kefu.services.ports import UnitOfWork

log = logging.getLogger(__name__)

RESOLVED = (Status.RESOLVED, Status.CLOSED)
READERS = (Role.SUPERVISOR, Role.ADMIN)
MAX_PAGE = 200
GROUPS = ("agent_id", "team", "channel")


def link_url(chat: ChatContext, token: str) -> str:
    return f"{chat.public_url.rstrip('/')}/rate/{token}"


def _token(chat: ChatContext, req: RatingRequest) -> str:
    return sign_link(chat.secret_key, req.ticket_id, req.expires_at, req.nonce)


def _new_request(chat: ChatContext, ticket: Ticket) -> RatingRequest:
    assert ticket.id is not None
    now = chat.ctx.clock.now()
    return RatingRequest(
        ticket_id=ticket.id,
        nonce=secrets.token_urlsafe(18),
        channel=ticket.channel.value,
        created_at=now,
        expires_at=now + timedelta(days=chat.policy.rating_link_days),
    )


def ask_rating(chat: ChatContext, ticket_id: int) -> bool:
    """Ask once per resolved ticket: in its chat, or with a link on the ticket. Idempotent
    (every process hearing the resolution may call it); True when this call asked."""
    ctx, policy = chat.ctx, chat.policy
    message: ChatMessage | None = None
    with ctx.uow() as uow:
        ticket = uow.tickets.get(ticket_id, for_update=True)
        if ticket is None or ticket.status not in RESOLVED or ticket.id is None:
            return False
        if uow.chat.request_for_ticket(ticket_id) is not None:
            return False
        now = ctx.clock.now()
        req = _new_request(chat, ticket)
        if not uow.chat.add_request(req):
            return False
        c = uow.chat.for_ticket(ticket_id, for_update=True)
        if c is not None:
            message = c.append(
                Author.SYSTEM,
                policy.text("rating_request", c.lang, ticket_id=ticket_id),
                now,
                kind=MessageKind.RATING_REQUEST,
                meta={"ticket_id": ticket_id, "min": 1, "max": 5},
            )
            uow.chat.save(c)
        elif ticket.status not in FINAL:
            url = link_url(chat, _token(chat, req))
            ticket.add_message(
                TicketMessageKind.SYSTEM,
                "\n".join(
                    policy.text("rating_link", lang, url=url, days=policy.rating_link_days)
                    for lang in ("zh", "en")
                ),
                SYSTEM,
                now,
            )
            uow.tickets.save(ticket)
        uow.commit()
    if message is not None:
        chat_service.publish_messages(chat, [message])
    return True


def rating_link(chat: ChatContext, actor: Actor, ticket_id: int) -> tuple[str, RatingRequest]:
    """The ticket's one-time link, for staff and integrations to send on its channel."""
    require_role(actor, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
    with chat.ctx.uow(readonly=True) as uow:
        ticket_for(uow, actor, ticket_id)
        req = uow.chat.request_for_ticket(ticket_id)
    if req is None:
        raise Conflict(
            f"ticket #{ticket_id} has not been resolved yet: no rating is asked",
            details={"ticket_id": ticket_id},
        )
    return link_url(chat, _token(chat, req)), req


def _store(
    uow: UnitOfWork, chat: ChatContext, ticket: Ticket, req: RatingRequest | None, **kw: Any
) -> Rating:
    if req is None:
        raise Conflict(
            "工单尚未解决，暂不能评价。\nThis ticket is not resolved yet; nothing to rate.",
            details={"ticket_id": ticket.id, "code": "not_asked"},
        )
    if req.used_at is not None or uow.chat.rating_for_ticket(req.ticket_id) is not None:
        raise AlreadyRated(
            "您已评价过此工单。\nThis ticket has already been rated.",
            details={"ticket_id": req.ticket_id},
        )
    assert req.id is not None and ticket.id is not None
    now = chat.ctx.clock.now()
    rating = Rating(
        ticket_id=ticket.id,
        agent_id=ticket.assignee_id,
        team=ticket.team,
        channel=ticket.channel.value,
        subcategory=ticket.subcategory,
        created_at=now,
        **kw,
    )
    if not uow.chat.use_request(req.id, now) or not uow.chat.add_rating(rating):
        raise AlreadyRated(
            "您已评价过此工单。\nThis ticket has already been rated.",
            details={"ticket_id": req.ticket_id},
        )
    return rating


def rate_by_link(chat: ChatContext, token: str, score: object, comment: object) -> Rating:
    """A rating through a one-time link: forged → 404, expired → 410, used → 409."""
    score_value, text = check_rating(score, comment, chat.policy.rating_comment_chars)
    ctx = chat.ctx
    ticket_id, nonce = read_link(chat.secret_key, token, ctx.clock.now())
    with ctx.uow() as uow:
        ticket = uow.tickets.get(ticket_id, for_update=True)
        req = uow.chat.request_for_ticket(ticket_id, for_update=True)
        if ticket is None or req is None or req.nonce != nonce:
            raise LinkInvalid("评价链接无效。\nThis rating link is not valid.")
        rating = _store(uow, chat, ticket, req, score=score_value, comment=text, source="link")
        uow.commit()
    return rating


@dataclass(frozen=True)
class LinkInfo:
    ticket_id: int
    subject: str
    used: bool


def link_info(chat: ChatContext, token: str) -> LinkInfo:
    ticket_id, nonce = read_link(chat.secret_key, token, chat.ctx.clock.now())
    with chat.ctx.uow(readonly=True) as uow:
        ticket = uow.tickets.get(ticket_id)
        req = uow.chat.request_for_ticket(ticket_id)
        if ticket is None or req is None or req.nonce != nonce:
            raise LinkInvalid("评价链接无效。\nThis rating link is not valid.")
        return LinkInfo(ticket_id, ticket.subject, req.used_at is not None)


@dataclass(frozen=True)
class TicketRating:
    """What the portal shows on a resolved request: the form, or the rating given."""

    ticket_id: int
    score: int | None
    comment: str
    comment_limit: int


def ticket_rating(chat: ChatContext, actor: Actor, ticket_id: int) -> TicketRating | None:
    """The customer's rating of their own request: None while it is not resolved."""
    with chat.ctx.uow(readonly=True) as uow:
        ticket = ticket_for(uow, actor, ticket_id)
        if actor.role is not Role.CUSTOMER or ticket.status not in RESOLVED:
            return None
        given = uow.chat.rating_for_ticket(ticket_id)
    limit = chat.policy.rating_comment_chars
    if given is None:
        return TicketRating(ticket_id, None, "", limit)
    return TicketRating(ticket_id, given.score, given.comment, limit)


def rate_ticket(
    chat: ChatContext, actor: Actor, ticket_id: int, score: object, comment: object
) -> Rating:
    """The customer rates their own resolved request (the portal): someone else's → 404,
    a bad score → 422, not resolved or already rated → 409. The same store as the chat
    and link ratings: one rating per ticket, whichever way it comes."""
    require_role(actor, Role.CUSTOMER)
    with chat.ctx.uow() as uow:
        ticket = ticket_for(uow, actor, ticket_id, for_update=True)
        score_value, text = check_rating(score, comment, chat.policy.rating_comment_chars)
        req = None
        if ticket.status in RESOLVED:
            req = uow.chat.request_for_ticket(ticket_id, for_update=True)
            if req is None:
                # Resolved a moment ago, before the worker asked: ask now (it skips later).
                uow.chat.add_request(_new_request(chat, ticket))
                req = uow.chat.request_for_ticket(ticket_id, for_update=True)
        rating = _store(uow, chat, ticket, req, score=score_value, comment=text, source="portal")
        uow.commit()
    return rating


def rate_in_chat(
    chat: ChatContext, actor: Actor, conversation_id: int, score: object, comment: object
) -> Rating:
    """The customer rates from the chat, after the rating request appeared there."""
    score_value, text = check_rating(score, comment, chat.policy.rating_comment_chars)
    ctx = chat.ctx
    with ctx.uow() as uow:
        c = chat_service.conversation_for(uow, actor, conversation_id)
        if actor.role is not Role.CUSTOMER:
            raise Conflict("only the customer rates the service")
        if c.ticket_id is None:
            raise Conflict(
                "此会话没有工单可评价。\nThis chat has no ticket to rate.",
                details={"code": "not_asked"},
            )
        ticket = uow.tickets.get(c.ticket_id, for_update=True)
        assert ticket is not None
        req = uow.chat.request_for_ticket(c.ticket_id, for_update=True)
        rating = _store(uow, chat, ticket, req, score=score_value, comment=text, source="chat")
        c = chat_service.conversation_for(uow, actor, conversation_id, for_update=True)
        message = c.append(
            Author.SYSTEM,
            chat.policy.text("rated", c.lang),
            ctx.clock.now(),
            kind=MessageKind.RATED,
            meta={"ticket_id": c.ticket_id, "score": score_value},
        )
        uow.chat.save(c)
        uow.commit()
    chat_service.publish_messages(chat, [message])
    return rating


def list_ratings(
    chat: ChatContext,
    actor: Actor,
    flt: RatingFilter,
    *,
    limit: int = 50,
    before_id: int | None = None,
    group_by: str = "agent_id",
) -> tuple[list[Rating], int | None, list[dict[str, Any]]]:
    """Ratings newest first, the next page's cursor, and count/average per group."""
    require_role(actor, *READERS)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", details={"limit": limit})
    if group_by not in GROUPS:
        raise InvalidInput(
            f"group_by must be one of {', '.join(GROUPS)}", details={"group_by": group_by}
        )
    with chat.ctx.uow(readonly=True) as uow:
        items = uow.chat.ratings(flt, limit=limit + 1, before_id=before_id)
        summary = uow.chat.rating_summary(flt, group_by)
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].id if more and items else None), summary


def sweep(chat: ChatContext, batch: int = 200) -> int:
    """Catch up on what a missed event left: rating requests and chats behind their
    tickets. Safe in every process at once."""
    ctx = chat.ctx
    since = ctx.clock.now() - timedelta(days=chat.policy.rating_sweep_days)
    with ctx.uow(readonly=True) as uow:
        unasked = uow.chat.resolved_without_request(since, batch)
        behind = uow.chat.active_with_tickets(batch)
    done = 0
    for ticket_id in unasked:
        try:
            done += ask_rating(chat, ticket_id)
        except Exception:
            log.exception("asking for a rating of ticket %s failed", ticket_id)
    for _, ticket_id in behind:
        try:
            done += chat_service.sync_ticket(chat, ticket_id)
        except Exception:
            log.exception("bringing the chat of ticket %s up to date failed", ticket_id)
    return done
