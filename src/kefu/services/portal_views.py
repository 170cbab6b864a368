"""Read models of the customer portal: what a customer sees of their requests, and the
live preview of the new-request form (the detected problem type and the channel advice).

The classifier's raw confidence is turned into words here (a customer reads "very likely",
not 0.83); the advice is the channel advisor's (services/advisor.py), for the signed-in
customer only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput
from kefu.domain.sla import Metric
from kefu.domain.tickets import Status, Ticket
from kefu.services import advisor, triage
from kefu.services.access import require_role
from kefu.services.advisor import Advice
from kefu.services.context import ServiceContext

PREVIEW_MIN_CHARS = 4
"""Below this the form shows nothing yet (a word or two says nothing about the problem)."""
PREVIEW_MAX_CHARS = 2000
"""The advisor reads at most this much of the description."""

CERTAINTY: tuple[tuple[float, str], ...] = ((0.8, "very_likely"), (0.6, "likely"), (0.0, "maybe"))
"""Confidence → the word a customer reads (the lowest bound first matched, from the top)."""

# A ticket's status in the customer's words: (phase, badge colour).
PHASES: dict[Status, tuple[str, str]] = {
    Status.NEW: ("received", "info"),
    Status.TRIAGED: ("received", "info"),
    Status.BOT: ("received", "info"),
    Status.QUEUED: ("received", "info"),
    Status.ASSIGNED: ("in_progress", "warn"),
    Status.OPEN: ("in_progress", "warn"),
    Status.REOPENED: ("in_progress", "warn"),
    Status.WAITING_CUSTOMER: ("your_turn", "bad"),
    Status.RESOLVED: ("resolved", "ok"),
    Status.CLOSED: ("closed", ""),
    Status.MERGED: ("merged", ""),
}


@dataclass(frozen=True)
class Preview:
    subcategory: str
    category_name: str
    subcategory_name: str
    certainty: str
    """very_likely | likely | maybe | unsure (below the classifier's threshold)."""
    human_required: bool
    advice: Advice


@dataclass(frozen=True)
class Promise:
    """The SLA in plain words: what we promised and by when."""

    first_reply_due: datetime | None
    replied_at: datetime | None
    resolution_due: datetime | None
    breached: bool
    paused: bool


def certainty(confidence: float, confident: bool) -> str:
    if not confident:
        return "unsure"
    return next(word for bound, word in CERTAINTY if confidence >= bound)


def preview(ctx: ServiceContext, actor: Actor, text: str, lang: str) -> Preview | None:
    """What the form shows while the customer types; None while there is too little text."""
    require_role(actor, Role.CUSTOMER)
    text = text.strip()
    if len(text) < PREVIEW_MIN_CHARS:
        return None
    if len(text) > PREVIEW_MAX_CHARS:
        text = text[:PREVIEW_MAX_CHARS]
    if actor.customer_uid is None:
        raise InvalidInput("this sign-in is not linked to a customer UID")
    guess = triage.classify_for_intake(ctx, "", text)
    if guess is not None and guess.confident:
        code: str | None = guess.label
        words = certainty(guess.confidence, True)
    else:
        code, words = None, "unsure"
    advice = advisor.advise(
        ctx, actor, actor.customer_uid, text=None if code else text, subcategory=code, lang=lang
    )
    sub = ctx.policies.taxonomy.get(advice.subcategory)
    category = next(c for c in ctx.policies.taxonomy.categories if c.code == sub.category)
    zh = lang == "zh-CN"
    return Preview(
        subcategory=advice.subcategory,
        category_name=category.zh if zh else category.en,
        subcategory_name=sub.zh if zh else sub.en,
        certainty=words,
        human_required=sub.human_required,
        advice=advice,
    )


def phase(ticket: Ticket) -> tuple[str, str]:
    return PHASES.get(ticket.status, ("received", "info"))


def promise(ticket: Ticket, now: datetime) -> Promise:
    first = ticket.sla.clock(Metric.FIRST_RESPONSE)
    resolution = ticket.sla.clock(Metric.RESOLUTION)
    return Promise(
        first_reply_due=first.due_at if ticket.first_response_at is None else None,
        replied_at=ticket.first_response_at,
        resolution_due=resolution.due_at,
        breached=ticket.sla_breached(now),
        paused=ticket.status is Status.WAITING_CUSTOMER,
    )
