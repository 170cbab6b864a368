"""The labelled training corpus shipped in `kefu/triage/corpus/<category>.jsonl`.

One JSON object per line: `{"text": "...", "label": "<category>.<sub>", "style": "chat"}`.
Styles: chat, hotline, email, social, en. A malformed line is skipped with a warning (it
names the file and line) rather than stopping a server from classifying.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    style: str = ""
    weight: float = 1.0
    """How much the example counts in training (agent corrections count more)."""

    @property
    def category(self) -> str:
        return self.label.split(".", 1)[0]


def corpus_files(directory: Path | None = None) -> list[Traversable]:
    """The corpus files, sorted by name (the shipped ones unless `directory` is given)."""
    root: Traversable = (
        directory if directory is not None else resources.files("kefu.triage") / "corpus"
    )
    if not root.is_dir():
        return []
    return sorted((f for f in root.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)


def parse_lines(lines: Iterable[str], source: str = "<corpus>") -> list[Example]:
    out: list[Example] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label = str(row["text"]).strip(), str(row["label"]).strip()
            style = str(row.get("style", ""))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s:%d: skipped, not a corpus line (%s)", source, number, exc)
            continue
        if not text or "." not in label:
            log.warning("%s:%d: skipped, empty text or label %r", source, number, label)
            continue
        out.append(Example(text, label, style))
    return out


def load_corpus(directory: Path | None = None) -> list[Example]:
    """Every example of every corpus file."""
    examples: list[Example] = []
    for f in corpus_files(directory):
        examples += parse_lines(f.read_text(encoding="utf-8").splitlines(), f.name)
    return examples


def corpus_hash(examples: Iterable[Example]) -> str:
    """A fingerprint of the training data: the same examples give the same hash."""
    digest = hashlib.sha256()
    for e in sorted(examples, key=lambda e: (e.label, e.text, e.weight)):
        digest.update(f"{e.label}\t{e.weight:g}\t{e.text}\n".encode())
    return digest.hexdigest()[:16]


def out_of_scope() -> list[Example]:
    """Messages that name no problem (`out_of_scope.txt`), labelled with the reject class."""
    text = (resources.files("kefu.triage") / "out_of_scope.txt").read_text(encoding="utf-8")
    lines = [x.strip() for x in text.splitlines()]
    return [Example(x, "_none", "out_of_scope") for x in lines if x and not x.startswith("#")]


def shipped_fingerprint() -> str:
    """Changes whenever the shipped training data does (corpus, out-of-scope, glossary)."""
    digest = hashlib.sha256()
    root = resources.files("kefu.triage")
    for f in [*corpus_files(), root / "out_of_scope.txt", root / "glossary.toml"]:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]
