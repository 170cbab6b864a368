"""Raw mail bytes → ParsedMail. Pure: no I/O, no clock, and it never raises.

The standard library's modern email API (`policy.default`) finds the MIME structure and
decodes transfer encodings; headers and text are decoded here (`charsets.py`), so that
mislabelled Chinese charsets, raw 8-bit headers and broken encoded words come out right.
Whatever cannot be understood is kept as it is and noted in `problems`: a mail that is
garbage from the first byte still yields a message whose body says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from pathlib import PurePosixPath, PureWindowsPath

from kefu.channels.email.charsets import decode_text, unescape_8bit
from kefu.channels.email.htmltext import html_to_text
from kefu.channels.email.machine import Bounce, automated, bounce
from kefu.channels.email.mime import (
    addresses,
    clean,
    content_type,
    digest_id,
    header_text,
    ids,
    message_id_of,
    payload,
    raw_header,
)
from kefu.channels.email.subject import SubjectInfo, parse_subject
from kefu.channels.inbound import InboundAttachment, InboundMessage, content_key, natural_key

MAX_PARTS = 500
MAX_BOUNDARY_LINES = 1000
MAX_DEPTH = 20


@dataclass(frozen=True, slots=True)
class ParseOptions:
    screenshot_min_bytes: int = 10240
    recording_extensions: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
    screenshot_extensions: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message: InboundMessage
    message_id: str
    """The Message-ID with its angle brackets, or a digest key when the mail has none."""
    subject_info: SubjectInfo
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    return_path: str | None = None
    """The Return-Path header (IMAP); "" for `<>`, None when absent."""
    bounce: Bounce | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)


# ---- headers ----------------------------------------------------------------------------


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


_PARAM = re.compile(r"""(?:^|;)\s*(filename|name)\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)


def _raw_filename(part: Message) -> str | None:
    """A name written as raw 8-bit bytes (GBK, UTF-8) that the parser turned into U+FFFD."""
    for header in ("Content-Disposition", "Content-Type"):
        for m in _PARAM.finditer(raw_header(part, header) or ""):
            value = m.group(2) if m.group(2) is not None else m.group(3)
            if value:
                return unescape_8bit(value)
    return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is not None and "\ufffd" in name:
        name = _raw_filename(part) or name
    if name is None:
        try:
            name = part.get_param("name")  # type: ignore[assignment]
        except Exception:
            name = None
        if isinstance(name, tuple):
            name = name[2]
    if not name:
        return None
    name = str(name)
    name = header_text(name) if "=?" in name else unescape_8bit(name)
    name = PureWindowsPath(PurePosixPath(name).name).name  # no directories, either kind
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip()
    name = name.lstrip(".")
    return name[:200] or None


def _text(part: Message, problems: list[str]) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text, note = decode_text(payload(part), charset)
    if note:
        problems.append(note)
    return html_to_text(text) if content_type(part) == "text/html" else text.replace("\r\n", "\n")


_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "video/mp4": ".mp4",
        "message/rfc822": ".eml", "text/plain": ".txt", "text/html": ".html",
        "application/pdf": ".pdf"}  # fmt: skip


class _Walker:
    def __init__(self, options: ParseOptions) -> None:
        self.options = options
        self.files: list[InboundAttachment] = []
        self.problems: list[str] = []
        self.parts = 0

    def body(self, part: Message, depth: int = 0) -> str:
        """The readable text of a part; everything else becomes an attachment."""
        self.parts += 1
        if depth > MAX_DEPTH or self.parts > MAX_PARTS:
            self.problems.append("MIME structure too deep or too large: rest not read")
            return ""
        ctype = content_type(part)
        disposition = _disposition(part)
        name = _filename(part)
        if part.is_multipart() and not ctype.startswith("message/"):
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if ctype == "multipart/alternative" and children:
                chosen = self._preferred(children)
                for c in children:
                    if c is not chosen and not content_type(c).startswith("text/"):
                        self.body(c, depth + 1)  # e.g. a calendar part: keep it
                return self.body(chosen, depth + 1)
            texts = [self.body(c, depth + 1) for c in children]
            return "\n\n".join(t for t in texts if t.strip())
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
            return _text(part, self.problems)
        self._attach(part, ctype, disposition, name)
        return ""

    @staticmethod
    def _preferred(children: list[Message]) -> Message:
        for wanted in ("text/plain", "text/html"):
            for c in children:
                usable = wanted == "text/html" or bool(payload(c).strip())
                if content_type(c) == wanted and _disposition(c) != "attachment" and usable:
                    return c
        return children[-1]

    def _attach(self, part: Message, ctype: str, disposition: str, name: str | None) -> None:
        if ctype.startswith("message/"):
            try:
                data = part.as_bytes(policy=policy.SMTP)
            except Exception:
                data = str(part).encode("utf-8", "surrogateescape")
        else:
            data = payload(part)
        if not data and ctype.startswith("multipart/"):
            return
        n = len(self.files) + 1
        filename = name or f"attachment-{n}{_EXT.get(ctype, '.bin')}"
        inline = disposition == "inline" or (
            disposition == "" and raw_header(part, "Content-ID") is not None
        )
        self.files.append(
            InboundAttachment(
                filename, ctype, data, inline, self._evidence(ctype, filename, len(data), inline)
            )
        )

    def _evidence(self, ctype: str, filename: str, size: int, inline: bool) -> str | None:
        ext = PurePosixPath(filename.lower()).suffix
        o = self.options
        if ctype.startswith("video/") or ext in o.recording_extensions:
            return "recording"
        if ctype.startswith("image/") or ext in o.screenshot_extensions:
            return None if inline and size < o.screenshot_min_bytes else "screenshot"
        return None


# ---- the whole mail ---------------------------------------------------------------------


def peek(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID or digest key, Subject, From address) from the headers only."""
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        mid = message_id_of(raw_header(msg, "Message-ID"))
        frm = addresses(raw_header(msg, "From"))
        return (
            mid or digest_id(raw),
            header_text(raw_header(msg, "Subject")),
            (frm[0][1] if frm else ""),
        )
    except Exception:
        return digest_id(raw), "", ""


def _structure(raw: bytes, problems: list[str]) -> Message:
    """The parsed message; for a mail of thousands of parts (the standard parser spends
    about a millisecond on each) only its headers, the whole mail becoming one file."""
    if raw.count(b"\n--") > MAX_BOUNDARY_LINES:
        problems.append("too many MIME parts: kept whole as original.eml")
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        msg.set_payload("")
        return msg
    try:
        return BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # not even headers: keep the bytes as the evidence
        problems.append(f"unparseable: {type(exc).__name__}")
        return EmailMessage()


def parse_mail(raw: bytes, options: ParseOptions | None = None) -> ParsedMail:
    options = options or ParseOptions()
    problems: list[str] = []
    msg = _structure(raw, problems)
    for defect in getattr(msg, "defects", [])[:10]:
        problems.append(f"defect: {type(defect).__name__}")
    message_id = message_id_of(raw_header(msg, "Message-ID"))
    key = natural_key("email", message_id) if message_id else content_key("email", raw)
    if message_id is None:
        problems.append("no Message-ID: keyed by content")
        message_id = digest_id(raw)
    subject = header_text(raw_header(msg, "Subject"))
    info = parse_subject(subject)
    sender = addresses(raw_header(msg, "From"))
    from_name, from_addr = sender[0] if sender else ("", None)
    walker = _Walker(options)
    try:
        body = walker.body(msg)
    except Exception as exc:
        problems.append(f"body unreadable: {type(exc).__name__}")
        body = ""
    if problems and problems[0].startswith("too many MIME parts"):
        walker.files.append(InboundAttachment("original.eml", "message/rfc822", raw))
        body = (
            "（邮件分段过多，原文作为附件保存）\n(Too many MIME parts: the mail is attached whole)"
        )
    elif not body.strip() and not walker.files and raw:
        text, _ = decode_text(raw[:100_000])
        body = "（无法解析的邮件，原文如下）\n(Unparseable mail, its raw text follows)\n\n" + text
    problems.extend(walker.problems)
    ctype = content_type(msg)
    thread = [i for i in ids(raw_header(msg, "References")) if i != message_id]
    for i in ids(raw_header(msg, "In-Reply-To")):
        if i not in thread and i != message_id:
            thread.append(i)
    return_path = raw_header(msg, "Return-Path")
    rp = None
    if return_path is not None:
        found = addresses(return_path)
        rp = found[0][1] if found else ""
    reply_to = addresses(raw_header(msg, "Reply-To"))
    inbound = InboundMessage(
        channel="email",
        natural_key=key,
        sender=from_addr,
        sender_name=from_name,
        subject=subject,
        body=clean(body).strip(),
        customer_uid=info.uid,
        problem_type=info.problem_type,
        urgent=info.urgent,
        ticket_ref=info.ticket_ref,
        thread_keys=tuple(thread),
        attachments=tuple(walker.files),
        automated=automated(msg, from_addr, ctype),
        problems=tuple(problems),
    )
    return ParsedMail(
        message=inbound,
        message_id=message_id,
        subject_info=info,
        to=tuple(a for _, a in addresses(raw_header(msg, "To"))),
        cc=tuple(a for _, a in addresses(raw_header(msg, "Cc"))),
        reply_to=reply_to[0][1] if reply_to else None,
        return_path=rp,
        bounce=bounce(msg),
        problems=tuple(problems),
    )
