"""Text normalisation shared by the classifier and the hand-off policy (pure, stdlib only).

NFKC folds full-width letters, digits and punctuation to half-width (`ＵＩＤ１２３` →
`UID123`, `！` → `!`); then lower case; then identifiers that say nothing about the
problem — URLs, e-mail addresses, UIDs, phone numbers, order and tracking numbers — become
placeholders, so `UID38291047` and `UID12009876` look the same to the model.
"""

from __future__ import annotations

import re
import unicodedata

PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(https?://|www\.)\S+"), " _url_ "),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), " _email_ "),
    (re.compile(r"uid[\s:：_#-]*\d{5,}"), " _uid_ "),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), " _phone_ "),
    (re.compile(r"[a-z]{0,4}\d{8,}[a-z]{0,2}"), " _number_ "),
)
SPACES = re.compile(r"\s+")
CLAUSE_BREAK = re.compile(r"[,.;:!?。、\n]+")
"""Where one clause ends (after NFKC, full-width ，！？ are already ASCII)."""


def normalize(text: str) -> str:
    """The form every triage rule and the model see."""
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, placeholder in PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return SPACES.sub(" ", text).strip()


def clause_start(text: str, position: int) -> int:
    """Index where the clause containing `position` begins."""
    start = 0
    for m in CLAUSE_BREAK.finditer(text, 0, position):
        start = m.end()
    return start
