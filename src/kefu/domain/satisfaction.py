"""Customer satisfaction (issue 5 §7): a 1–5 rating with an optional comment per ticket.

The customer is asked when a ticket is resolved: in the chat for in-app tickets, and
through a signed one-time link for tickets from other channels. A link is
`<ticket>.<expires unix>.<nonce>.<signature>`; the signature is HMAC-SHA256 over the first
three parts with the operator's secret key, so a link cannot be made up or altered; the
nonce names the stored request, which a rating uses up (one rating per ticket).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from kefu.domain.errors import Conflict, InvalidInput, NotFound

MIN_SCORE, MAX_SCORE = 1, 5
SIGNATURE_HEX = 32


class LinkInvalid(NotFound):
    """A rating link that was not made by us (or was altered): HTTP 404."""

    code = "invalid_link"


class LinkExpired(InvalidInput):
    """A genuine rating link past its expiry (the web layer answers 410 Gone)."""

    code = "link_expired"


class AlreadyRated(Conflict):
    code = "already_rated"


@dataclass(frozen=True, slots=True)
class RatingRequest:
    ticket_id: int
    nonce: str
    channel: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    ticket_id: int
    agent_id: int | None
    team: str
    channel: str
    subcategory: str
    score: int
    comment: str
    source: str
    """`chat`, `link` or `portal`."""
    created_at: datetime
    id: int | None = None


def check_rating(score: object, comment: object, comment_limit: int) -> tuple[int, str]:
    if isinstance(score, bool) or not isinstance(score, int):
        raise InvalidInput(
            f"评分须为 {MIN_SCORE}–{MAX_SCORE} 的整数。\n"
            f"The score must be a whole number from {MIN_SCORE} to {MAX_SCORE}.",
            details={"field": "score"},
        )
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidInput(
            f"评分须在 {MIN_SCORE}–{MAX_SCORE} 之间，收到 {score}。\n"
            f"The score must be from {MIN_SCORE} to {MAX_SCORE}; got {score}.",
            details={"field": "score", "min": MIN_SCORE, "max": MAX_SCORE},
        )
    text = "" if comment is None else comment
    if not isinstance(text, str):
        raise InvalidInput("the comment must be text", details={"field": "comment"})
    text = text.strip()
    if len(text) > comment_limit:
        raise InvalidInput(
            f"评语过长（{len(text)} 字），上限 {comment_limit} 字。\n"
            f"The comment is {len(text)} characters long; the limit is {comment_limit}.",
            details={"field": "comment", "limit": comment_limit},
        )
    return score, text


def _signature(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]


def sign_link(key: bytes, ticket_id: int, expires_at: datetime, nonce: str) -> str:
    payload = f"{ticket_id}.{int(expires_at.timestamp())}.{nonce}"
    return f"{payload}.{_signature(key, payload)}"


def read_link(key: bytes, token: str, now: datetime) -> tuple[int, str]:
    """(ticket id, nonce) of a genuine, unexpired link; LinkInvalid / LinkExpired else."""
    invalid = LinkInvalid(
        "评价链接无效。\nThis rating link is not valid.", details={"token": token[:80]}
    )
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 200:
        raise invalid
    ticket, expires, nonce, signature = parts
    if not hmac.compare_digest(_signature(key, f"{ticket}.{expires}.{nonce}"), signature):
        raise invalid
    try:
        ticket_id, expires_ts = int(ticket), int(expires)
    except ValueError:
        raise invalid from None
    if now >= datetime.fromtimestamp(expires_ts, UTC):
        raise LinkExpired(
            "评价链接已过期。\nThis rating link has expired.", details={"ticket_id": ticket_id}
        )
    return ticket_id, nonce


def widget_signature(key: bytes, uid: str, ts: int | str) -> str:
    """The embedding page's proof of who its user is: hex HMAC-SHA256 of `uid.ts`."""
    return hmac.new(key, f"{uid}.{ts}".encode(), hashlib.sha256).hexdigest()


def check_widget_signature(
    key: bytes, uid: str, ts: str, signature: str, now: datetime, max_age: int
) -> bool:
    """A genuine widget identity signed at most `max_age` seconds from `now`."""
    if not uid or not ts or not signature or len(signature) > 128:
        return False
    try:
        stamp = int(ts)
    except ValueError:
        return False
    if abs(now.timestamp() - stamp) > max_age:
        return False
    return hmac.compare_digest(widget_signature(key, uid, ts), signature.lower())
