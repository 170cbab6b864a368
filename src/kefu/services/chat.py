"""In-app chat use cases (SPEC §4.1): the customer's conversation with the bot, the
hand-off to a person with the transcript, agent replies, read marks and materials.

Every change runs in one unit of work and is published on the conversation's real-time
topic after commit (`chat_context.topic`). Publishing is best effort: a client that
missed something asks for every message after the last sequence number it saw.

Lock order: the ticket first, then its conversation — every path that touches both.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.domain.chat import (
    Author,
    ChatAttachment,
    ChatMessage,
    Conversation,
    ConversationState,
    MessageKind,
    Side,
    check_body,
    check_client_id,
    read_upload_token,
    transcript,
    upload_token,
)
from kefu.domain.dispute_rules import content_matches
from kefu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kefu.domain.organisation import Channel
from kefu.domain.tickets import FINAL, Attachment, Status, Ticket
from kefu.domain.tickets import MessageKind as TicketMessageKind
from kefu.services import queue_figures, sla, triage
from kefu.services.access import require_role, ticket_for
from kefu.services.chat_context import BotTurnLike, ChatContext, topic
from kefu.services.customers import get_or_register
from kefu.services.ports import UnitOfWork
from kefu.services.tickets import OpenTicket, _finish, _load, open_ticket

log = logging.getLogger(__name__)

INAPP = "inapp"
LANGS = ("zh", "en")
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
INTERNAL = Actor(Role.INTEGRATION, "chat")
"""Reads queue figures for the customer (who may not read them directly)."""
HANDOFF_TAG = "chat_handoff"


class TooLarge(InvalidInput):
    code = "too_large"


class UnsupportedType(InvalidInput):
    code = "unsupported_type"


@dataclass(frozen=True)
class Posted:
    message: ChatMessage
    duplicate: bool = False
    extra: tuple[ChatMessage, ...] = ()
    """Messages the same step added (a material's notice)."""


def lang_of(raw: str | None) -> str:
    value = (raw or "zh").strip().lower()
    return "en" if value.startswith("en") else "zh"


def conversation_dict(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "customer_uid": c.customer_uid,
        "lang": c.lang,
        "state": c.state.value,
        "ticket_id": c.ticket_id,
        "last_seq": c.last_seq,
        "read": {side.value: seq for side, seq in c.read.items()},
        "handoff": dict(c.handoff),
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def upload_token_for(chat: ChatContext, c: Conversation) -> str:
    assert c.id is not None
    expires = int(chat.ctx.clock.now().timestamp()) + chat.policy.upload_token_seconds
    return upload_token(chat.secret_key, c.id, c.customer_uid, expires)


def upload_actor(chat: ChatContext, token: str, conversation_id: int) -> Actor | None:
    """The customer an upload token stands for, for this conversation only."""
    found = read_upload_token(chat.secret_key, token, chat.ctx.clock.now())
    if found is None or found[0] != conversation_id:
        return None
    return Actor(Role.CUSTOMER, f"widget:{found[1]}", customer_uid=found[1])


# ---- publishing (after commit) -------------------------------------------------------------


def _publish(chat: ChatContext, conversation_id: int, frame: dict[str, Any]) -> None:
    try:
        chat.publisher.publish(topic(conversation_id), frame)
    except Exception:  # clients resume from the store; a lost push loses nothing
        log.exception("publishing on chat %s failed", conversation_id)


def publish_messages(chat: ChatContext, messages: Sequence[ChatMessage]) -> None:
    for m in messages:
        if m.conversation_id is not None:
            _publish(chat, m.conversation_id, {"type": "message", "message": m.as_dict()})


def publish_state(chat: ChatContext, c: Conversation) -> None:
    if c.id is not None:
        _publish(chat, c.id, {"type": "state", "conversation": conversation_dict(c)})


def typing(chat: ChatContext, conversation_id: int, side: Side, name: str, on: bool) -> None:
    """Typing indicators are only fanned out, never stored."""
    _publish(
        chat,
        conversation_id,
        {"type": "typing", "side": side.value, "name": name, "on": bool(on)},
    )


# ---- loading for an actor ------------------------------------------------------------------


def _own(c: Conversation | None, actor: Actor, conversation_id: int) -> Conversation:
    if c is None or actor.role is not Role.CUSTOMER or c.customer_uid != actor.customer_uid:
        raise NotFound(
            f"conversation #{conversation_id} not found",
            details={"conversation_id": conversation_id},
        )
    return c


def conversation_for(
    uow: UnitOfWork, actor: Actor, conversation_id: int, *, for_update: bool = False
) -> Conversation:
    """The conversation if the actor may see it: its customer, or staff who see its ticket."""
    c = uow.chat.get(conversation_id, for_update=for_update)
    if c is not None and actor.is_staff:
        if c.ticket_id is None:
            raise NotFound(f"conversation #{conversation_id} not found")
        ticket_for(uow, actor, c.ticket_id)
        return c
    return _own(c, actor, conversation_id)


def history(
    chat: ChatContext, actor: Actor, conversation_id: int, after: int = 0, limit: int | None = None
) -> tuple[Conversation, list[ChatMessage]]:
    limit = limit or chat.policy.history_page
    if not 1 <= limit <= chat.policy.history_page or after < 0:
        raise InvalidInput(
            f"limit must be 1–{chat.policy.history_page} and after ≥ 0",
            details={"limit": limit, "after": after},
        )
    with chat.ctx.uow(readonly=True) as uow:
        c = conversation_for(uow, actor, conversation_id)
        assert c.id is not None
        return c, uow.chat.messages(c.id, after=after, limit=limit)


def ticket_conversation(
    chat: ChatContext, actor: Actor, ticket_id: int, after: int = 0
) -> tuple[Conversation, list[ChatMessage]]:
    """The agent's side: the chat of a ticket the actor may see."""
    require_role(actor, *STAFF, Role.INTEGRATION)
    with chat.ctx.uow(readonly=True) as uow:
        ticket_for(uow, actor, ticket_id)
        c = uow.chat.for_ticket(ticket_id)
        if c is None or c.id is None:
            raise NotFound(
                f"ticket #{ticket_id} has no chat conversation", details={"ticket_id": ticket_id}
            )
        return c, uow.chat.messages(c.id, after=after, limit=chat.policy.history_page)


# ---- starting and resuming -----------------------------------------------------------------


def start_or_resume(
    chat: ChatContext, actor: Actor, conversation_id: int | None, lang: str | None
) -> Conversation:
    """The customer's conversation: the one named, else their open one, else a new one
    (with the bot's greeting). Finishes what a crash left half done (a hand-off without
    its ticket, a message without the bot's answer)."""
    if actor.role is not Role.CUSTOMER or not actor.customer_uid:
        raise Forbidden("only customers start chats")
    ctx, now = chat.ctx, chat.ctx.clock.now()
    with ctx.uow() as uow:
        if conversation_id is not None:
            c = _own(uow.chat.get(conversation_id), actor, conversation_id)
        else:
            found = uow.chat.latest_open(actor.customer_uid)
            if found is None:
                customer = get_or_register(uow, ctx, actor.customer_uid)
                c = Conversation(customer_uid=customer.uid, lang=lang_of(lang), created_at=now)
                greeting = chat.policy.greeting.get(c.lang, "")
                if greeting:
                    c.append(Author.BOT, greeting, now, kind=MessageKind.GREETING)
                uow.chat.add(c)
                uow.commit()
            else:
                c = found
        if lang is not None and c.id is not None and lang_of(lang) != c.lang:
            # The customer switched the widget's language: the bot and the queue messages
            # follow from now on (what was said stays as it was). Locked, so a hand-off
            # running elsewhere at this moment is not overwritten.
            locked = uow.chat.get(c.id, for_update=True)
            if locked is not None:
                locked.lang = lang_of(lang)
                uow.chat.save(locked)
                uow.commit()
                c = locked
    if c.needs_ticket(now, chat.policy.handoff_retry_seconds):
        assert c.id is not None
        hand_off(chat, c.id)
    elif c.needs_bot_answer():
        _answer_pending(chat, c)
    return c


# ---- customer messages and the bot ---------------------------------------------------------


def _customer_step(
    chat: ChatContext,
    actor: Actor,
    conversation_id: int,
    client_id: str | None,
    body: str,
    meta: Mapping[str, Any] | None = None,
) -> tuple[Posted, Conversation]:
    """Store a customer message once (by client id); after a hand-off it joins the ticket."""
    ctx = chat.ctx
    client_id = check_client_id(client_id, chat.policy)
    with ctx.uow() as uow:
        c = _own(uow.chat.get(conversation_id), actor, conversation_id)
        if client_id is not None and (dup := uow.chat.by_client_id(conversation_id, client_id)):
            return Posted(dup, duplicate=True), c
        ticket = _load(uow, ctx, actor, c.ticket_id) if c.ticket_id is not None else None
        c = _own(uow.chat.get(conversation_id, for_update=True), actor, conversation_id)
        if client_id is not None and (dup := uow.chat.by_client_id(conversation_id, client_id)):
            return Posted(dup, duplicate=True), c
        now = ctx.clock.now()
        message = c.append(
            Author.CUSTOMER, body, now, author_name=actor.name, client_id=client_id, meta=meta
        )
        if ticket is not None and ticket.status not in FINAL:
            ticket.add_message(TicketMessageKind.CUSTOMER, body, actor, now, channel=Channel.INAPP)
            _finish(uow, ctx, ticket, now)
        uow.chat.save(c)
        uow.commit()
    publish_messages(chat, [message])
    return Posted(message), c


def post_message(
    chat: ChatContext, actor: Actor, conversation_id: int, client_id: str | None, body: str
) -> Posted:
    """A customer's message: stored once per client id; the bot answers while it has the
    chat, the ticket gets it after the hand-off."""
    body = check_body(body, chat.policy)
    posted, c = _customer_step(
        chat, actor, conversation_id, client_id, body, {"bot_input": {"text": body}}
    )
    if not posted.duplicate and c.state is ConversationState.BOT:
        _bot_turn(
            chat,
            conversation_id,
            posted.message.seq,
            lambda s: chat.bot.reply(chat.ctx, s, body, c.lang),
        )
    return posted


def feedback(
    chat: ChatContext, actor: Actor, conversation_id: int, client_id: str | None, helpful: bool
) -> Posted:
    """有帮助 / 没帮助 on the bot's last answer (a second unhelpful answer hands off)."""
    if not isinstance(helpful, bool):
        raise InvalidInput("helpful must be true or false", details={"field": "helpful"})
    with chat.ctx.uow(readonly=True) as uow:
        c = _own(uow.chat.get(conversation_id), actor, conversation_id)
    if c.state is not ConversationState.BOT:
        raise Conflict("the bot no longer has this chat", details={"state": c.state.value})
    labels = {("zh", True): "有帮助", ("zh", False): "没帮助"}
    body = labels.get((c.lang, helpful), "Helpful" if helpful else "Not helpful")
    posted, c = _customer_step(
        chat, actor, conversation_id, client_id, body, {"bot_input": {"helpful": helpful}}
    )
    if not posted.duplicate:
        _bot_turn(
            chat,
            conversation_id,
            posted.message.seq,
            lambda s: chat.bot.feedback(chat.ctx, s, helpful, c.lang),
        )
    return posted


def choose(
    chat: ChatContext, actor: Actor, conversation_id: int, client_id: str | None, code: str
) -> Posted:
    """The customer picks one of the options of the bot's clarifying question."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("code must name one of the offered options", details={"field": "code"})
    with chat.ctx.uow(readonly=True) as uow:
        c = _own(uow.chat.get(conversation_id), actor, conversation_id)
        assert c.id is not None
        recent = uow.chat.messages(c.id, after=max(0, c.last_seq - 20), limit=50)
    offered: list[dict[str, Any]] = next(
        (list(m.meta.get("options") or []) for m in reversed(recent) if m.author is Author.BOT), []
    )
    option = next((o for o in offered or [] if o.get("code") == code), None)
    if option is None:
        raise InvalidInput(
            f"'{code}' is not one of the options offered",
            details={"field": "code", "offered": [o.get("code") for o in offered or []]},
        )
    posted, c = _customer_step(
        chat,
        actor,
        conversation_id,
        client_id,
        str(option.get("label") or code),
        {"bot_input": {"text": code, "choice": True}},
    )
    if not posted.duplicate and c.state is ConversationState.BOT:
        _bot_turn(
            chat,
            conversation_id,
            posted.message.seq,
            lambda s: chat.bot.reply(chat.ctx, s, code, c.lang),
        )
    return posted


def _answer_pending(chat: ChatContext, c: Conversation) -> None:
    """Answer the customer message a crash left unanswered."""
    assert c.id is not None
    with chat.ctx.uow(readonly=True) as uow:
        pending = [
            m
            for m in uow.chat.messages(c.id, after=c.bot_seq, limit=chat.policy.history_page)
            if m.author is Author.CUSTOMER
        ]
    if not pending:
        return
    last = pending[-1]
    given = dict(last.meta.get("bot_input") or {})
    if "helpful" in given:
        helpful = bool(given["helpful"])
        _bot_turn(chat, c.id, last.seq, lambda s: chat.bot.feedback(chat.ctx, s, helpful, c.lang))
    else:
        text = str(given.get("text") or last.body)
        _bot_turn(chat, c.id, last.seq, lambda s: chat.bot.reply(chat.ctx, s, text, c.lang))


def _citation(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    keys = ("article_id", "slug", "title", "lang", "url")
    return {k: getattr(raw, k, None) for k in keys}


def _reasons(decision: Any) -> list[str]:
    if decision is None:
        return []
    if isinstance(decision, Mapping):
        return [str(r) for r in decision.get("reasons", ())]
    return [str(r) for r in getattr(decision, "reasons", ())]


def _state_dict(state: Any) -> dict[str, Any]:
    if state is None:
        return {}
    if isinstance(state, Mapping):
        return dict(state)
    out = state.to_dict()
    return dict(out) if isinstance(out, Mapping) else {}


KINDS = {
    "answer": MessageKind.ANSWER,
    "clarify": MessageKind.CLARIFY,
    "handoff": MessageKind.HANDOFF,
    "fallback": MessageKind.FALLBACK,
}


def _bot_turn(
    chat: ChatContext,
    conversation_id: int,
    seq: int,
    call: Callable[[Mapping[str, Any]], BotTurnLike],
) -> None:
    """Ask the bot (outside any transaction), then store its answer once for `seq`."""
    ctx = chat.ctx
    with ctx.uow(readonly=True) as uow:
        c = uow.chat.get(conversation_id)
    if c is None or c.state is not ConversationState.BOT or c.bot_seq >= seq:
        return
    try:
        turn: BotTurnLike | None = call(dict(c.bot_state))
    except Exception:  # the bot failing must not strand the customer: a person takes over
        log.exception("the bot failed on conversation %s; handing off", conversation_id)
        turn = None
    with ctx.uow() as uow:
        c2 = uow.chat.get(conversation_id, for_update=True)
        if c2 is None or c2.state is not ConversationState.BOT or c2.bot_seq >= seq:
            return
        now = ctx.clock.now()
        if turn is None:
            kind, text, reasons, classification = "handoff", "", ["bot_unavailable"], None
            message = c2.append(
                Author.SYSTEM,
                chat.policy.text("queue_unknown", c2.lang, ticket_id="…"),
                now,
                kind=MessageKind.HANDOFF,
                meta={"reasons": reasons},
            )
        else:
            kind, text = turn.kind, turn.text
            reasons, classification = _reasons(turn.handoff), turn.classification
            message = c2.append(
                Author.BOT,
                text,
                now,
                kind=KINDS.get(kind, MessageKind.ANSWER),
                citations=[_citation(x) for x in turn.citations or ()],
                meta={
                    "ask_helpful": bool(turn.ask_helpful),
                    "options": [dict(o) for o in turn.options or ()],
                    "reasons": reasons,
                    "reply_to": seq,
                },
            )
            c2.bot_state = _state_dict(turn.state)
        c2.bot_seq = seq
        if kind == "handoff":
            c2.claim_handoff(now, classification, reasons)
        uow.chat.save(c2)
        uow.commit()
    publish_messages(chat, [message])
    if kind == "handoff":
        publish_state(chat, c2)
        hand_off(chat, conversation_id)


# ---- the hand-off --------------------------------------------------------------------------


def _labels(chat: ChatContext, lang: str) -> dict[str, str]:
    raw = chat.policy.text("transcript_labels", lang)
    return dict(p.split("=", 1) for p in raw.split(";") if "=" in p)


def _subcategory(chat: ChatContext, classification: Mapping[str, Any]) -> str | None:
    label = classification.get("label") or classification.get("subcategory")
    confident = classification.get("confident", True)
    if isinstance(label, str) and confident and label in chat.ctx.policies.taxonomy:
        return label
    return None


def hand_off(chat: ChatContext, conversation_id: int) -> int | None:
    """Open the ticket of a handed-off chat (channel in-app) with the transcript as its
    first message and the bot's classification; tell the customer their place in the
    queue and the estimated wait. Returns the ticket id (None when nothing to do)."""
    ctx = chat.ctx
    with ctx.uow(readonly=True) as uow:
        c = uow.chat.get(conversation_id)
        if c is None or c.id is None or c.ticket_id is not None:
            return None if c is None else c.ticket_id
        if c.state is not ConversationState.WAITING:
            return None
        messages = uow.chat.messages(c.id, limit=10_000)
    customer_texts = [m.body for m in messages if m.author is Author.CUSTOMER and m.body]
    body = transcript(messages, _labels(chat, c.lang), chat.policy.transcript_chars)
    subject = (customer_texts[0] if customer_texts else "in-app chat")[:80]
    classification = dict(c.handoff.get("classification") or {})
    subcategory = _subcategory(chat, classification)
    if subcategory is None and customer_texts:
        # The customer's own words, not the bot's answers, say what the problem is.
        guess = triage.classify_for_intake(ctx, "", "\n".join(customer_texts))
        subcategory = guess.label if guess is not None and guess.confident else None
    tags = [HANDOFF_TAG, *[f"handoff:{r}"[:40] for r in c.handoff.get("reasons", [])][:5]]
    customer = Actor(Role.CUSTOMER, "chat", customer_uid=c.customer_uid)
    ticket = open_ticket(
        ctx,
        customer,
        OpenTicket(
            customer_uid=c.customer_uid,
            channel=INAPP,
            subject=subject,
            body=body or subject,
            subcategory=subcategory,
            tags=tags,
        ),
    )
    assert ticket.id is not None
    with ctx.uow() as uow:
        c2 = uow.chat.get(conversation_id, for_update=True)
        if c2 is None:
            return None
        if c2.ticket_id is not None:  # a concurrent retry won; ours is left unattached
            log.warning("chat %s: a second ticket #%s was opened", conversation_id, ticket.id)
            return c2.ticket_id
        cursor = max(
            (m.id or 0 for m in uow.tickets.messages(ticket.id, include_notes=True)), default=0
        )
        now = ctx.clock.now()
        c2.attach_ticket(ticket.id, cursor, now)
        uow.chat.save(c2)
        uow.commit()
    try:
        position, seconds = queue_figures.ticket_wait(ctx, INTERNAL, ticket.id)
    except Exception:  # the figures are a courtesy; the hand-off stands without them
        log.exception("queue figures for ticket %s failed", ticket.id)
        position, seconds = None, None
    if position == 0:
        text = chat.policy.text("queue_offered", c2.lang, ticket_id=ticket.id)
    elif position is not None and seconds is None:
        text = chat.policy.text(
            "queue_position", c2.lang, ticket_id=ticket.id, ahead=max(0, position - 1)
        )
    elif position is None or seconds is None:
        text = chat.policy.text("queue_unknown", c2.lang, ticket_id=ticket.id)
    else:
        text = chat.policy.text(
            "queue",
            c2.lang,
            ticket_id=ticket.id,
            ahead=max(0, position - 1),
            minutes=max(1, math.ceil(seconds / 60)),
        )
    meta = {
        "ticket_id": ticket.id,
        "position": position,
        "wait_seconds": None if seconds is None else round(seconds),
        "priority": ticket.priority.value,
        "subcategory": ticket.subcategory,
    }
    with ctx.uow() as uow:
        c3 = uow.chat.get(conversation_id, for_update=True)
        assert c3 is not None
        message = c3.append(Author.SYSTEM, text, ctx.clock.now(), kind=MessageKind.QUEUE, meta=meta)
        uow.chat.save(c3)
        uow.commit()
    publish_state(chat, c3)
    publish_messages(chat, [message])
    return ticket.id


# ---- the agent's side ----------------------------------------------------------------------


def _agent_name(author: str) -> str:
    return author.split(":", 1)[1] if ":" in author else author


def _mirror(uow: UnitOfWork, c: Conversation, ticket: Ticket) -> list[ChatMessage]:
    """Copy agent replies written on the ticket (any client) into the chat, once each."""
    assert ticket.id is not None
    rows = uow.tickets.messages(ticket.id, include_notes=True)
    added = []
    for m in rows:
        if (m.id or 0) <= c.ticket_cursor:
            continue
        if m.kind is TicketMessageKind.AGENT:
            added.append(
                c.append(
                    Author.AGENT,
                    m.body,
                    m.at,
                    author_name=_agent_name(m.author),
                    attachments=[
                        ChatAttachment(a.sha256, a.filename, a.content_type, a.size)
                        for a in m.attachments
                    ],
                )
            )
            c.agent_replied(m.at)
    c.ticket_cursor = max([c.ticket_cursor, *(m.id or 0 for m in rows)])
    return added


def agent_reply(
    chat: ChatContext, actor: Actor, ticket_id: int, client_id: str | None, body: str
) -> Posted:
    """An agent answers in the chat: the reply goes on the ticket and in the conversation,
    in one transaction, once per client id."""
    require_role(actor, *STAFF)
    body = check_body(body, chat.policy)
    client_id = check_client_id(client_id, chat.policy)
    ctx = chat.ctx
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, ticket_id)
        c = uow.chat.for_ticket(ticket_id, for_update=True)
        if c is None or c.id is None:
            raise NotFound(f"ticket #{ticket_id} has no chat conversation")
        if client_id is not None and (dup := uow.chat.by_client_id(c.id, client_id)):
            return Posted(dup, duplicate=True)
        if c.state is ConversationState.CLOSED:
            raise Conflict(
                "此会话已结束。\nThis chat has ended; reply on the ticket instead.",
                details={"conversation_id": c.id},
            )
        earlier = _mirror(uow, c, ticket)
        now = ctx.clock.now()
        ticket.add_message(TicketMessageKind.AGENT, body, actor, now, channel=Channel.INAPP)
        _finish(uow, ctx, ticket, now)
        message = c.append(Author.AGENT, body, now, author_name=actor.name, client_id=client_id)
        c.agent_replied(now)
        c.ticket_cursor = max(
            [
                c.ticket_cursor,
                *(m.id or 0 for m in uow.tickets.messages(ticket_id, include_notes=True)),
            ]
        )
        uow.chat.save(c)
        uow.commit()
    publish_messages(chat, [*earlier, message])
    publish_state(chat, c)
    return Posted(message)


def sync_ticket(chat: ChatContext, ticket_id: int) -> int:
    """Bring a ticket's chat up to date with the ticket: agent replies written elsewhere,
    back in the queue, closed. Idempotent; returns the messages added."""
    ctx = chat.ctx
    with ctx.uow() as uow:
        # Most tickets have no chat: find that out without locking the ticket, or routing
        # (which skips locked rows) would pass over it while this runs.
        if uow.chat.for_ticket(ticket_id) is None:
            return 0
        ticket = uow.tickets.get(ticket_id, for_update=True)
        c = uow.chat.for_ticket(ticket_id, for_update=True) if ticket is not None else None
        if ticket is None or c is None:
            return 0
        before = c.state
        added = _mirror(uow, c, ticket)
        now = ctx.clock.now()
        if ticket.status in (Status.CLOSED, Status.MERGED):
            c.close(now)
        elif ticket.status is Status.QUEUED:
            c.requeued(now)
        uow.chat.save(c)
        uow.commit()
    publish_messages(chat, added)
    if c.state is not before:
        publish_state(chat, c)
    return len(added)


def mark_read(chat: ChatContext, actor: Actor, conversation_id: int, seq: int) -> int:
    """Move the reader's side's read mark; publish it when it moved. Returns the mark."""
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InvalidInput("seq must be an integer", details={"field": "seq"})
    side = Side.AGENT if actor.is_staff else Side.CUSTOMER
    with chat.ctx.uow() as uow:
        c = conversation_for(uow, actor, conversation_id, for_update=True)
        moved = c.mark_read(side, seq)
        if moved:
            uow.chat.save(c)
            uow.commit()
        mark = c.read[side]
    if moved:
        _publish(chat, conversation_id, {"type": "read", "side": side.value, "seq": mark})
    return mark


# ---- supplementary material ----------------------------------------------------------------


def attach_material(
    chat: ChatContext,
    actor: Actor,
    conversation_id: int,
    client_id: str | None,
    filename: str,
    content_type: str,
    data: bytes,
    caption: str = "",
) -> tuple[Posted, bool]:
    """A file from the chat to the open ticket, as the customer's supplementary material.
    For urgent account cases it raises priority at most once per hour (the quota rule of
    `sla.accept_material`). Returns the message and whether priority was raised."""
    policy = chat.policy
    limit = min(policy.attachment_max_bytes, chat.max_attachment_bytes)
    filename = (filename or "").strip()[:255]
    if not filename:
        raise InvalidInput("the file needs a name", details={"field": "filename"})
    content_type = (content_type or "").split(";")[0].strip().lower()
    if len(data) > limit:
        raise TooLarge(
            f"文件 {filename} 超过 {limit} 字节的上限。\n"
            f"'{filename}' is {len(data)} bytes; the limit is {limit}.",
            details={"filename": filename, "size": len(data), "limit": limit},
        )
    if not data:
        raise InvalidInput(f"'{filename}' is empty", details={"filename": filename})
    if content_type not in policy.attachment_types:
        raise UnsupportedType(
            f"不支持的文件类型 {content_type or '未知'}。\n"
            f"Files of type '{content_type or 'unknown'}' are not accepted; accepted: "
            f"{', '.join(policy.attachment_types)}.",
            details={"content_type": content_type, "accepted": list(policy.attachment_types)},
        )
    if not content_matches(content_type, data):
        raise InvalidInput(
            f"'{filename}' does not look like {content_type}",
            details={"filename": filename, "content_type": content_type},
        )
    caption = check_body(caption, policy, required=False)
    client_id = check_client_id(client_id, policy)
    ctx = chat.ctx
    with ctx.uow(readonly=True) as uow:
        c = _own(uow.chat.get(conversation_id), actor, conversation_id)
        if client_id is not None and (dup := uow.chat.by_client_id(conversation_id, client_id)):
            return Posted(dup, duplicate=True), False
        if c.ticket_id is None:
            raise Conflict(
                "转人工后才能提交补充材料。\n"
                "Materials go to your ticket: there is none yet (ask for a human agent first).",
                details={"conversation_id": conversation_id, "code": "no_open_ticket"},
            )
    sha = ctx.blobs.put(data)
    with ctx.uow() as uow:
        ticket = _load(uow, ctx, actor, c.ticket_id)
        c = _own(uow.chat.get(conversation_id, for_update=True), actor, conversation_id)
        if client_id is not None and (dup := uow.chat.by_client_id(conversation_id, client_id)):
            return Posted(dup, duplicate=True), False
        if ticket.status in FINAL:
            raise Conflict(
                f"工单 #{ticket.id} 已关闭。\nTicket #{ticket.id} is {ticket.status.value}.",
                details={"ticket_id": ticket.id, "status": ticket.status.value},
            )
        now = ctx.clock.now()
        file = Attachment(sha, filename, content_type, len(data))
        ticket.add_message(
            TicketMessageKind.CUSTOMER,
            caption,
            actor,
            now,
            channel=Channel.INAPP,
            attachments=(file,),
        )
        raised = sla.accept_material(ctx, ticket, now)
        _finish(uow, ctx, ticket, now)
        message = c.append(
            Author.CUSTOMER,
            caption,
            now,
            author_name=actor.name,
            kind=MessageKind.MATERIAL,
            client_id=client_id,
            attachments=[ChatAttachment(sha, filename, content_type, len(data))],
        )
        notice = c.append(
            Author.SYSTEM,
            policy.text(
                "material_raised" if raised else "material",
                c.lang,
                filename=filename,
                ticket_id=ticket.id,
            ),
            now,
            kind=MessageKind.NOTICE,
            meta={"ticket_id": ticket.id, "priority": ticket.priority.value, "raised": raised},
        )
        uow.chat.save(c)
        uow.commit()
    publish_messages(chat, [message, notice])
    return Posted(message, extra=(notice,)), raised
