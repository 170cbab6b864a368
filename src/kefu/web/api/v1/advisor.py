"""GET /api/v1/advisor — the channel advisor (SPEC §12; response shape fixed by §14)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kefu.services import advisor as svc
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Timestamp

router = APIRouter(tags=["advisor"])


class ChannelOut(BaseModel):
    channel: str = Field(description="A channel name of SPEC §14, e.g. inapp, hotline, email.")
    name: str
    estimated_wait_seconds: int | None = Field(
        description="Until a person handles it, from the live queue figures; a closed "
        "channel counts from its next opening; null when not available to this customer."
    )
    open_now: bool
    next_open_at: Timestamp | None
    hours: str
    prepare: list[str]
    entitled: bool
    why: str
    fit: str = Field(description="best | good | ok | poor | no — for this problem.")
    queue: str | None
    queue_length: int | None = Field(description="Waiting ahead of you now (live figures).")
    live: bool
    score: float


class AdviceOut(BaseModel):
    uid: str
    known_customer: bool
    segment: str
    segments: list[str]
    subcategory: str
    subcategory_name: str
    lang: str
    at: Timestamp
    entitlements: list[str]
    channels: list[ChannelOut] = Field(description="Every channel, best first.")


@router.get("/advisor", response_model=AdviceOut)
def advisor(
    actor: ActorDep,
    ctx: CtxDep,
    uid: str = Query(examples=["UID12345678"]),
    text: str | None = Query(default=None, max_length=2000),
    subcategory: str | None = Query(default=None, examples=["order.quality"]),
    at: datetime | None = Query(default=None, description="ISO time with offset; default now"),
    lang: str = Query(default="zh-CN", description="zh-CN | en"),
    city: str | None = Query(default=None, description="Offline center city, e.g. chengdu"),
) -> AdviceOut:
    """Every channel ranked for this customer and problem now: estimated wait, hours,
    whether it is open, entitlement, what to prepare, and why."""
    advice = svc.advise(
        ctx, actor, uid, text=text, subcategory=subcategory, at=at, lang=lang, city=city
    )
    return AdviceOut(
        uid=advice.uid,
        known_customer=advice.known_customer,
        segment=advice.segment,
        segments=advice.segments,
        subcategory=advice.subcategory,
        subcategory_name=advice.subcategory_name,
        lang=advice.lang,
        at=advice.at,
        entitlements=advice.entitlements,
        channels=[ChannelOut(**c.__dict__) for c in advice.channels],
    )
