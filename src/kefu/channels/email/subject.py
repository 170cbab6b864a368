"""The seed's subject grammar: `UID12345678_账号解封`, as people really type it.

Tolerated: full-width letters, digits and punctuation (`ＵＩＤ１２３４５６７８＿账号解封`),
lower case, blanks and other separators between the parts (`uid 12345678 - 账号解封`),
reply and forward prefixes in English and Chinese (`Re:`, `回复：`, `答复:`, `Fwd:`,
`转发：`, repeated), the urgent tag 【紧急】 (or [紧急]) anywhere, and our ticket number
`[#123456]` anywhere. The problem type is what follows the UID (or, when nothing does,
what precedes it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

URGENT = re.compile(r"[【\[]\s*紧急\s*[】\]]")
TICKET = re.compile(r"\[\s*#\s*(\d{1,12})\s*\]")
PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|wg|回复|答复|转发|回覆)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
UID = re.compile(r"(?<![a-z0-9])uid\s*[:#=]?\s*(\d{4,20})(?!\d)", re.IGNORECASE)
EDGE = "_-–—~:;/\\|,.，。、·*+=#()[]{}<>【】「」『』《》\"'“”‘’!?！？"
_EDGE_CLASS = f"[\\s{re.escape(EDGE)}]+"
TRIM = re.compile(f"^{_EDGE_CLASS}|{_EDGE_CLASS}$")
MAX_TYPE = 100


@dataclass(frozen=True, slots=True)
class SubjectInfo:
    uid: str | None
    problem_type: str | None
    urgent: bool
    ticket_ref: int | None
    core: str
    """The subject without prefixes, the urgent tag and the ticket number."""


def _clean(text: str) -> str:
    return " ".join(TRIM.sub("", text).split())


def parse_subject(subject: str) -> SubjectInfo:
    text = unicodedata.normalize("NFKC", subject or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    urgent = bool(URGENT.search(text))
    refs = TICKET.findall(text)
    text = TICKET.sub(" ", URGENT.sub(" ", text))
    while True:  # prefixes may follow each other and hide behind removed tags
        stripped = PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    core = " ".join(text.split())
    uid = problem = None
    found = UID.search(core)
    if found:
        uid = "UID" + found.group(1)
        after = _clean(core[found.end() :])
        before = _clean(PREFIX.sub("", core[: found.start()]))
        problem = (after or before)[:MAX_TYPE] or None
    return SubjectInfo(
        uid=uid,
        problem_type=problem,
        urgent=urgent,
        ticket_ref=int(refs[-1]) if refs else None,
        core=core,
    )
