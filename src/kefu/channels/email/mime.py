"""Header and MIME-part helpers for the mail parser: robust against any input.

Headers are read raw (`raw_items`) and decoded here, because the standard library's header
objects refuse or mangle raw 8-bit bytes and mislabelled charsets.
"""

from __future__ import annotations

import hashlib
import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from kefu.channels.email.charsets import decode_text, unescape_8bit

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MSGID = re.compile(r"<[^<>\s]{1,490}>")
MAX_IDS = 50


def raw_header(msg: Message, name: str) -> str | None:
    lower = name.lower()
    try:
        for key, value in msg.raw_items():
            if key.lower() == lower:
                return str(value)
    except Exception:
        return None
    return None


def clean(text: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL in text)."""
    return CONTROL.sub("", text)


def header_text(raw: str | None) -> str:
    """An unstructured header (Subject): RFC 2047 words and raw 8-bit bytes decoded."""
    if not raw:
        return ""
    value = unescape_8bit(raw.replace("\r", "").replace("\n", " "))
    try:
        parts = decode_header(value)
    except Exception:
        return value.strip()
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None or charset == "unknown-8bit":
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            out.append(decode_text(chunk, charset)[0])
    return clean(" ".join("".join(out).split()))


def addresses(raw: str | None) -> list[tuple[str, str]]:
    if not raw:
        return []
    try:
        pairs = getaddresses([unescape_8bit(raw.replace("\r", "").replace("\n", " "))])
    except Exception:
        return []
    return [(header_text(n), a.strip().lower()) for n, a in pairs if "@" in a][:MAX_IDS]


def digest_id(raw: bytes) -> str:
    """A stand-in Message-ID for a mail without one: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()}@digest.kefu.invalid>"


def message_id_of(raw: str | None) -> str | None:
    if not raw:
        return None
    found = MSGID.search(raw)
    if found:
        return found.group(0)
    bare = raw.strip().split()[0] if raw.strip() else ""
    return f"<{bare[:490]}>" if bare and "@" in bare else None


def ids(raw: str | None) -> list[str]:
    return MSGID.findall(raw or "")[:MAX_IDS]


# ---- parts ------------------------------------------------------------------------------


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
