"""Feature expansion from `glossary.toml`: domain words → the Chinese terms of the concept.

`expand(normalised_text)` appends the keywords of every glossary pattern found, so an
English or slang message shares features with the Chinese examples of its subcategory.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from importlib import resources

SEPARATOR = " | "


@functools.cache
def _source() -> str:
    return resources.files("kefu.triage").joinpath("glossary.toml").read_text("utf-8")


LATIN = re.compile(r"[a-z]")
CJK = re.compile(r"[\u3400-\u9fff]")


@functools.cache
def entries(table: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    data = tomllib.loads(_source()).get(table, {})
    return tuple((re.compile(pattern), keywords) for pattern, keywords in data.items())


def glossary_hash() -> str:
    return hashlib.sha256(_source().encode()).hexdigest()[:16]


def expand(text: str) -> str:
    """`text` plus the keywords of the glossary entries it contains."""
    tables = ["zh"]
    if len(LATIN.findall(text)) > 2 * len(CJK.findall(text)):
        tables.append("en")
    found = [kw for t in tables for pattern, kw in entries(t) if pattern.search(text)]
    return text + SEPARATOR + " ".join(found) if found else text
