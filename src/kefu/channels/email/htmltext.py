"""HTML mail bodies → plain text, with nothing executable or hidden left over.

The result is plain text, never HTML: every tag is dropped, the content of elements that
are code or invisible (script, style, head, template, …) is dropped with them, entities
are decoded, and block elements become line breaks. Nothing that a browser could run can
survive, since no markup survives; pages that show the text escape it as any other text.
The standard library's `html.parser` is a tolerant tokenizer (it never raises on bad
markup), so no sanitiser dependency is needed for this (ADR 0011).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

DROP = frozenset(
    {
        "script",
        "style",
        "head",
        "title",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "applet",
        "frameset",
        "frame",
        "audio",
        "video",
        "select",
    }
)
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})
BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "table",
        "tr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "form",
        "fieldset",
        "address",
        "center",
        "main",
        "nav",
        "aside",
        "figure",
        "figcaption",
    }
)
SAFE_SCHEMES = ("http://", "https://", "mailto:")
MAX_OUTPUT = 200_000


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.links: list[str | None] = []
        self.size = 0

    def _emit(self, text: str) -> None:
        if self.hidden or self.size > MAX_OUTPUT:
            return
        self.out.append(text)
        self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP:
            self.hidden += 1
            return
        attr = dict(attrs)
        if tag == "br":
            self._emit("\n")
        elif tag in BLOCK or tag == "hr":
            self._emit("\n\n" if tag in ("p", "h1", "h2", "h3", "table", "blockquote") else "\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag in ("td", "th"):
            self._emit("\t")
        elif tag == "img":
            alt = (attr.get("alt") or "").strip()
            self._emit(f"[图片 image{': ' + alt if alt else ''}]")
        elif tag == "a":
            href = (attr.get("href") or "").strip()
            self.links.append(href if href.lower().startswith(SAFE_SCHEMES) else None)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP:
            return  # <script/> opens nothing
        self.handle_starttag(tag, attrs)
        if tag not in VOID and tag not in DROP:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCK:
            self._emit("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not self._last_text_is(href):
                self._emit(f" ({href})")

    def _last_text_is(self, href: str) -> bool:
        tail = "".join(self.out[-3:]).strip()
        return tail.endswith(href) or tail.endswith(href.removeprefix("mailto:"))

    def handle_data(self, data: str) -> None:
        self._emit(re.sub(r"[ \t\r\n\f\v]+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is tolerant; this is belt and braces
        pass
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
