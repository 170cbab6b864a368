"""Every string the page templates show has its Chinese translation, and the language is
chosen the way a visitor expects."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from kefu.web.pages import i18n
from kefu.web.pages.render import TEMPLATES


def _template_ids() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}},
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, filename)
    return found


def test_every_template_string_has_a_chinese_translation() -> None:
    ids = _template_ids()
    assert len(ids) > 10, "the extractor found (almost) no strings: is the template dir right?"
    zh = i18n.translations("zh-CN")
    missing = sorted(
        f"{where}: {msgid!r}" for msgid, where in ids.items() if zh.gettext(msgid) == msgid
    )
    assert not missing, "untranslated in locales/zh_CN:\n" + "\n".join(missing)


def test_english_shows_the_message_ids_and_chinese_the_translation() -> None:
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
    assert i18n.translations("zh-CN").gettext("Sign in") == "登录"


def test_accept_language_picks_the_best_supported_language() -> None:
    assert i18n.from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert i18n.from_accept_language("fr-FR, zh-TW;q=0.5, en;q=0.4") == "zh-CN"
    assert i18n.from_accept_language("de, fr;q=0.9") is None
    assert i18n.from_accept_language("en;q=0, zh") == "zh-CN"
    assert i18n.from_accept_language(None) is None


def test_language_codes_are_normalised() -> None:
    assert [i18n.normalise(v) for v in ("zh", "zh_CN", "ZH-hans", "en-GB", "ja", "")] == [
        "zh-CN",
        "zh-CN",
        "zh-CN",
        "en",
        None,
        None,
    ]
