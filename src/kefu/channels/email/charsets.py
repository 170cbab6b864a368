"""Bytes → text for Chinese mail: UTF-8, GB2312/GBK/GB18030, Big5, and the usual lies.

The common mislabel: mail clients declare `gb2312` for text that uses GBK characters
(traditional forms, rare names, the euro sign…), which a strict GB2312 decoder refuses.
GB18030 is a superset of GBK, which is a superset of GB2312, so every label of that family
is decoded as GB18030: correct for true GB2312 and for the mislabel alike. Big5 labels try
Big5, then Microsoft's CP950 and HKSCS, which add characters Big5 lacks. A label that is
unknown, missing or wrong (declared UTF-8, really GBK) falls back to a guess: UTF-8, then
GB18030, then Big5, and Latin-1 last, which never fails — no byte is ever dropped.
"""

from __future__ import annotations

import codecs

GB_FAMILY = frozenset(
    {
        "gb2312",
        "gbk",
        "gb18030",
        "x-gbk",
        "cp936",
        "ms936",
        "euc-cn",
        "euccn",
        "gb_2312-80",
        "csgb2312",
        "x-euc-cn",
        "chinese",
        "iso-ir-58",
        "windows-936",
    }
)
BIG5_FAMILY = frozenset({"big5", "big5-hkscs", "big5hkscs", "x-big5", "cp950", "ms950", "csbig5"})
GUESSES = ("utf-8", "gb18030", "big5")


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def candidates(declared: str | None) -> list[str]:
    """The codecs to try, in order, for text declared with this charset label."""
    label = (declared or "").strip().strip("\"'").lower()
    if label in GB_FAMILY:
        return ["gb18030", *[g for g in GUESSES if g != "gb18030"]]
    if label in BIG5_FAMILY:
        return ["big5", "cp950", "big5hkscs", "utf-8", "gb18030"]
    if label in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"):
        return list(GUESSES)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return list(GUESSES)
    return [name, *[g for g in GUESSES if g != name]]


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """The text, and a note when the declared charset was not what the bytes are."""
    order = candidates(declared)
    for i, codec in enumerate(order):
        text = _strict(data, codec)
        if text is not None:
            if i == 0 or not declared:
                return text, None
            return text, f"declared {declared!r}, decoded as {codec}"
    return data.decode("latin-1"), f"declared {declared!r}, no charset fits: read as latin-1"


def unescape_8bit(value: str) -> str:
    """A header or parameter read with surrogate escapes (raw 8-bit bytes) → real text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"))[0]
