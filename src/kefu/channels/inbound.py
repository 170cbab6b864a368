"""What every channel hands in: an InboundMessage, keyed by a natural key.

A natural key is the identifier the sender's protocol gives a message (Message-ID,
WeChat MsgId, CallSid, a client message id), prefixed with the channel, so receiving the
same message twice — a retry, a redelivery, the same mail over SMTP and IMAP — is
recognised and changes nothing. A message without one is keyed by a digest of its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_KEY = 500


def natural_key(channel: str, raw_id: str) -> str:
    """`email:<id@host>`: the channel's own id, prefixed, bounded in length (long ids
    keep a digest of the rest so that two long ids never collide)."""
    key = f"{channel}:{raw_id.strip()}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: MAX_KEY - 65]}#{digest}"


def content_key(channel: str, data: bytes) -> str:
    """The key of a message that carries no id of its own: a digest of its bytes."""
    return f"{channel}:sha256:{hashlib.sha256(data).hexdigest()}"


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    evidence: str | None = None
    """`screenshot`, `recording` or None: what the file proves (completeness grade)."""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A customer's message as a channel received it, protocol details left behind."""

    channel: str
    natural_key: str
    sender: str | None
    """The channel identity: an email address, an OpenID, a phone number."""
    sender_name: str = ""
    subject: str = ""
    body: str = ""
    customer_uid: str | None = None
    problem_type: str | None = None
    urgent: bool = False
    ticket_ref: int | None = None
    thread_keys: tuple[str, ...] = ()
    """Natural ids of the earlier messages this one answers."""
    attachments: tuple[InboundAttachment, ...] = ()
    automated: str | None = None
    """Why the message is machine-sent (never answer it automatically), or None."""
    problems: tuple[str, ...] = ()
    """What the parser had to work around (malformed parts, unknown charsets, …)."""
    meta: Mapping[str, Any] = field(default_factory=dict)
