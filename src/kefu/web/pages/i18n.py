"""The pages' languages: zh-CN (first) and en, with gettext catalogues read by Babel.

Templates are written with English message ids (`{{ _("Sign in") }}`); the Chinese text
lives in `locales/zh_CN/LC_MESSAGES/*.po`, one catalogue per area of the site (base, desk,
portal, board, admin, disputes, …) so areas are translated independently. The `.po` files
are the source of truth and are compiled in memory at start-up with Babel, so there is no
build step and no generated `.mo` file in the repository. `pybabel extract -F babel.cfg`
lists the message ids in the templates (see docs/subsystems/web.md).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("zh-CN", "en")
LABELS = {"zh-CN": "中文", "en": "English"}
DEFAULT = "zh-CN"
COOKIE = "kefu_lang"


def normalise(value: str | None) -> str | None:
    """'zh', 'zh-cn', 'zh_CN', 'zh-Hans' → 'zh-CN'; 'en-US' → 'en'; else None."""
    if not value:
        return None
    v = value.strip().lower().replace("_", "-")
    if v.startswith("zh"):
        return "zh-CN"
    if v.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, by quality."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = normalise(tag)
        if lang and q > 0:
            ranked.append((-q, n, lang))
    return min(ranked)[2] if ranked else None


@cache
def translations(lang: str) -> NullTranslations:
    """All catalogues of a language merged into one gettext object (cached per process)."""
    if lang == "en":
        return NullTranslations()  # the message ids are English
    folder = LOCALES / lang.replace("-", "_") / "LC_MESSAGES"
    merged: Translations | None = None
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale="zh_Hans_CN")
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        part = Translations(buf)
        merged = part if merged is None else merged.merge(part)
    return merged or NullTranslations()
