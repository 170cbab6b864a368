"""Every message id of the dispute templates has its Chinese in disputes.po."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

PAGES = Path(__file__).resolve().parents[2] / "src" / "kefu" / "web" / "pages"
OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def test_every_dispute_message_is_translated() -> None:
    ids: set[str] = set()
    for path in sorted((PAGES / "templates" / "disputes").glob("*.html")):
        for _, msg, _, _ in extract_from_file(babel_extract, str(path), options=OPTIONS):
            ids.add(msg if isinstance(msg, str) else msg[0])
    assert len(ids) > 100
    with (PAGES / "locales" / "zh_CN" / "LC_MESSAGES" / "disputes.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string}
    assert sorted(ids - translated) == []
