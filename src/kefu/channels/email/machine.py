"""Machine mail: automatic replies, bulk mail and delivery status notifications.

Such mail never gets an automatic reply (RFC 3834), and a delivery report about mail we
sent marks the addresses that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

from kefu.channels.email.mime import content_type, message_id_of, payload, raw_header

BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
MACHINE_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"})


@dataclass(frozen=True, slots=True)
class Bounce:
    recipients: tuple[str, ...]
    permanent: bool
    reason: str
    original_message_id: str | None


def automated(msg: Message, from_addr: str | None, ctype: str) -> str | None:
    auto = (raw_header(msg, "Auto-Submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto[:40]}"
    precedence = (raw_header(msg, "Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    suppress = (raw_header(msg, "X-Auto-Response-Suppress") or "").strip()
    if suppress and suppress.lower() != "none":
        return f"X-Auto-Response-Suppress: {suppress[:40]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if raw_header(msg, name) is not None:
            return name
    if raw_header(msg, "List-Id") is not None or raw_header(msg, "List-Unsubscribe") is not None:
        return "mailing list"
    if ctype == "multipart/report":
        return "delivery report"
    if from_addr and from_addr.split("@")[0] in MACHINE_LOCALPARTS:
        return f"machine sender {from_addr.split('@')[0]}"
    return None


def bounce(msg: Message) -> Bounce | None:
    """The delivery status notification this mail is, or None. Never raises."""
    try:
        return _bounce(msg)
    except Exception:
        return None


def _bounce(msg: Message) -> Bounce | None:
    try:
        if content_type(msg) != "multipart/report":
            return None
        if str(msg.get_param("report-type", "")).lower() != "delivery-status":
            return None
    except Exception:
        return None
    recipients: list[str] = []
    permanent, reasons, original = False, [], None
    for part in msg.walk():
        ctype = content_type(part)
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                action = (raw_header(block, "Action") or "").strip().lower()
                status = (raw_header(block, "Status") or "").strip()
                rcpt = raw_header(block, "Final-Recipient") or raw_header(
                    block, "Original-Recipient"
                )
                if not rcpt or action not in ("failed", "delayed"):
                    continue
                addr = rcpt.split(";", 1)[-1].strip().strip("<>").lower()
                if "@" in addr:
                    recipients.append(addr)
                permanent = permanent or (action == "failed" and status.startswith("5"))
                diag = " ".join((raw_header(block, "Diagnostic-Code") or "").split())
                reasons.append(f"{status} {diag}".strip()[:200])
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_id(part)
    if not recipients:
        return None
    return Bounce(tuple(recipients), permanent, "; ".join(r for r in reasons if r) or "?", original)


def _original_id(part: Message) -> str | None:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return message_id_of(raw_header(inner[0], "Message-ID"))
    data = payload(part)
    return message_id_of(
        raw_header(BytesHeaderParser(policy=policy.default).parsebytes(data), "Message-ID")
    )
