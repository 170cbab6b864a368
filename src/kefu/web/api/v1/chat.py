"""/api/v1/chat, the agent's view of a ticket's chat, and satisfaction ratings.

The live chat itself is the WebSocket `/api/v1/ws/chat` (`web/chat_ws.py`); these routes
give the history, take supplementary material (multipart), and take and list ratings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kefu.domain.satisfaction import LinkExpired, Rating
from kefu.services import chat as chat_service
from kefu.services import satisfaction
from kefu.services.chat_context import ChatContext
from kefu.services.chat_ports import RatingFilter
from kefu.web.deps import ActorDep, container, current_actor
from kefu.web.errors import ApiError

router = APIRouter(tags=["chat"])
MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart framing and the small fields beside the file."""


def chat_context(request: Request) -> ChatContext:
    chat: ChatContext = container(request).extras["chat"]
    return chat


class ConversationOut(BaseModel):
    conversation: dict[str, Any]
    messages: list[dict[str, Any]]


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="1 (bad) to 5 (excellent)")
    comment: str = Field(default="", max_length=2000)


class RatingOut(BaseModel):
    id: int | None
    ticket_id: int
    agent_id: int | None
    team: str
    channel: str
    subcategory: str
    score: int
    comment: str
    source: str
    created_at: datetime

    @classmethod
    def of(cls, r: Rating) -> RatingOut:
        return cls(
            id=r.id,
            ticket_id=r.ticket_id,
            agent_id=r.agent_id,
            team=r.team,
            channel=r.channel,
            subcategory=r.subcategory,
            score=r.score,
            comment=r.comment,
            source=r.source,
            created_at=r.created_at,
        )


class RatingPage(BaseModel):
    items: list[RatingOut]
    next_cursor: int | None
    summary: list[dict[str, Any]]
    """Count and average score per group (`group_by`: agent_id, team or channel)."""


class RatingLinkOut(BaseModel):
    url: str
    expires_at: datetime
    used: bool


@router.get("/chat/conversations/{conversation_id}/messages", response_model=ConversationOut)
def conversation_messages(
    conversation_id: int,
    request: Request,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0, description="Messages after this seq")] = 0,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> ConversationOut:
    """The chat's messages after `after` (its customer, or staff who see its ticket)."""
    c, messages = chat_service.history(chat_context(request), actor, conversation_id, after, limit)
    return ConversationOut(
        conversation=chat_service.conversation_dict(c), messages=[m.as_dict() for m in messages]
    )


@router.get("/tickets/{ticket_id}/conversation", response_model=ConversationOut)
def ticket_conversation(
    ticket_id: int,
    request: Request,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> ConversationOut:
    """The agent's side: the chat a ticket came from (transcript and live part)."""
    c, messages = chat_service.ticket_conversation(chat_context(request), actor, ticket_id, after)
    return ConversationOut(
        conversation=chat_service.conversation_dict(c), messages=[m.as_dict() for m in messages]
    )


@router.post(
    "/chat/conversations/{conversation_id}/attachments",
    status_code=201,
    response_model=dict[str, Any],
)
async def attach(conversation_id: int, request: Request) -> dict[str, Any]:
    """Supplementary material from the chat to its open ticket: multipart with `file`,
    optional `client_id` (a resend is stored once) and `caption`. Too large → 413, a type
    not accepted → 415, content not matching its type or no open ticket → 422 / 409.
    Authenticate with `Authorization: Bearer`, or `X-Chat-Upload: <upload_token>` from
    the WebSocket `welcome` (widgets signed in with an HMAC identity)."""
    chat = chat_context(request)
    upload = request.headers.get("x-chat-upload", "")
    if upload and not request.headers.get("authorization"):
        found = chat_service.upload_actor(chat, upload, conversation_id)
        if found is None:
            raise ApiError(401, "invalid_token", "the upload token is invalid or expired")
        actor = found
    else:
        actor = await run_in_threadpool(current_actor, request)
    limit = min(chat.policy.attachment_max_bytes, chat.max_attachment_bytes)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise ApiError(
            413,
            "too_large",
            f"文件超过 {limit} 字节的上限。\nThe upload is larger than the limit of {limit} bytes.",
            {"limit": limit},
        )
    form = await request.form(max_files=1, max_fields=5)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ApiError(422, "validation_error", "send the file as the multipart field 'file'")
    data = await file.read(limit + 1)
    client_id = form.get("client_id")
    caption = form.get("caption")
    try:
        posted, raised = await run_in_threadpool(
            chat_service.attach_material,
            chat,
            actor,
            conversation_id,
            client_id if isinstance(client_id, str) else None,
            file.filename or "",
            file.content_type or "",
            data,
            caption if isinstance(caption, str) else "",
        )
    except chat_service.TooLarge as exc:
        raise ApiError(413, exc.code, exc.message, exc.details) from None
    except chat_service.UnsupportedType as exc:
        raise ApiError(415, exc.code, exc.message, exc.details) from None
    return {
        "message": posted.message.as_dict(),
        "duplicate": posted.duplicate,
        "priority_raised": raised,
        "notices": [m.as_dict() for m in posted.extra],
    }


@router.post("/ratings/{token}", status_code=201, response_model=RatingOut)
def rate_by_link(token: str, body: RatingIn, request: Request) -> RatingOut:
    """Rate a resolved ticket with its one-time link (no sign-in: the link is the key).
    Forged → 404, expired → 410, already used → 409."""
    try:
        rating = satisfaction.rate_by_link(chat_context(request), token, body.score, body.comment)
    except LinkExpired as exc:
        raise ApiError(410, exc.code, exc.message, exc.details) from None
    return RatingOut.of(rating)


@router.get("/tickets/{ticket_id}/rating-link", response_model=RatingLinkOut)
def ticket_rating_link(ticket_id: int, request: Request, actor: ActorDep) -> RatingLinkOut:
    """The resolved ticket's one-time rating link, to send on the ticket's own channel."""
    url, req = satisfaction.rating_link(chat_context(request), actor, ticket_id)
    return RatingLinkOut(url=url, expires_at=req.expires_at, used=req.used_at is not None)


@router.get("/ratings", response_model=RatingPage)
def list_ratings(
    request: Request,
    actor: ActorDep,
    agent_id: int | None = None,
    team: str | None = None,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: str = "agent_id",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: int | None = None,
) -> RatingPage:
    """Ratings for the reports (supervisors and admins), newest first, with count and
    average per agent, team or channel."""
    items, nxt, summary = satisfaction.list_ratings(
        chat_context(request),
        actor,
        RatingFilter(agent_id=agent_id, team=team, channel=channel, since=since, until=until),
        limit=limit,
        before_id=cursor,
        group_by=group_by,
    )
    return RatingPage(items=[RatingOut.of(r) for r in items], next_cursor=nxt, summary=summary)
