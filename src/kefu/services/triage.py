"""Triage use cases: classify texts, classify a new ticket, keep agent corrections.

The classifier itself is an adapter (kefu.triage) behind `ports.Classifier`, wired in
bootstrap.py; these functions decide what its answers change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.errors import Conflict, InvalidInput
from kefu.domain.tickets import MessageKind, Ticket
from kefu.services.access import require_role
from kefu.services.context import ServiceContext
from kefu.services.ports import Classification, TriageCorrection, UnitOfWork

log = logging.getLogger(__name__)

MAX_TEXTS = 100
"""Texts per classification request (API)."""
MAX_CHARS = 5000
"""Characters per text in a classification request (API)."""
CLASSIFIERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


def intake_text(subject: str, body: str) -> str:
    """What the classifier reads for a ticket: the subject (when it adds something) and body."""
    subject, body = subject.strip(), body.strip()
    if not subject or body.startswith(subject):
        return body
    return f"{subject}\n{body}"


def classify_texts(ctx: ServiceContext, actor: Actor, texts: Sequence[str]) -> list[Classification]:
    """Classify up to MAX_TEXTS texts for staff and integrations (`POST /triage/classify`)."""
    require_role(actor, *CLASSIFIERS)
    if not 1 <= len(texts) <= MAX_TEXTS:
        raise InvalidInput(
            f"send between 1 and {MAX_TEXTS} texts, not {len(texts)}",
            details={"texts": len(texts), "limit": MAX_TEXTS},
        )
    for i, text in enumerate(texts):
        if not text.strip():
            raise InvalidInput(f"text {i} is empty", details={"index": i})
        if len(text) > MAX_CHARS:
            raise InvalidInput(
                f"text {i} is {len(text)} characters long; the limit is {MAX_CHARS}",
                details={"index": i, "limit": MAX_CHARS},
            )
    if ctx.classifier is None:
        raise Conflict("no classifier is configured in this process")
    return ctx.classifier.classify(list(texts))


def classify_for_intake(ctx: ServiceContext, subject: str, body: str) -> Classification | None:
    """The classifier's guess for a new ticket, or None (no classifier, no text, failure).

    Intake never fails because of the classifier: an error is logged and the ticket goes
    to the triage queue as if nothing was predicted.
    """
    text = intake_text(subject, body)
    if ctx.classifier is None or not text:
        return None
    try:
        guess = ctx.classifier.classify([text])[0]
    except Exception:
        log.exception("the classifier failed; the ticket goes to the triage queue")
        return None
    if guess.label not in ctx.policies.taxonomy:
        return Classification(guess.label, guess.confidence, guess.top3, confident=False)
    return guess


def note_prediction(ticket: Ticket, guess: Classification, applied: bool, now: datetime) -> None:
    """Keep the prediction on the ticket: in its signals and in its audit trail."""
    record = {"label": guess.label, "confidence": round(guess.confidence, 4), "applied": applied}
    ticket.signals["classifier"] = record
    ticket.audit(SYSTEM, now, "classified", **record)


def record_correction(
    uow: UnitOfWork, ticket: Ticket, before: str, actor: Actor, now: datetime
) -> None:
    """An agent changed the subcategory: store the ticket's opening text with both labels.

    Called inside the change's unit of work, so the correction is committed with it or
    not at all (no event delivery to rely on, nothing to deduplicate).
    """
    if not actor.is_staff or before == ticket.subcategory or ticket.id is None:
        return
    messages = uow.tickets.messages(ticket.id, include_notes=False)
    first = next((m for m in messages if m.kind is MessageKind.CUSTOMER), None)
    if first is None:
        return
    uow.triage.add_correction(
        TriageCorrection(
            text=intake_text(ticket.subject, first.body),
            from_label=before,
            to_label=ticket.subcategory,
            agent=actor.label,
            at=now,
            ticket_id=ticket.id,
        )
    )


def corrections(ctx: ServiceContext) -> list[TriageCorrection]:
    """Every stored correction, oldest first (for `kefu triage train`)."""
    with ctx.uow(readonly=True) as uow:
        return uow.triage.corrections()
