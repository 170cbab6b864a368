"""No training line is a near-duplicate of a held-out line.

`tests/fixtures/triage/unseen.jsonl` measures the classifier on phrasings it never saw;
a corpus line that restates one of them (same scenario, same words) inflates that figure.
Texts are compared after NFKC, lower-casing and dropping everything but letters and
digits, as sets of character 3-grams: a pair is a near-duplicate when the Jaccard overlap
is at least 0.35, or at least 0.25 with a difflib similarity ratio of at least 0.7. The
thresholds were set on the corpus as it stood: the pairs above them were restatements
(and were rephrased); the pairs below share only a stock phrase ("is my account
shadowbanned", 一直显示审核中). An inverted 3-gram index keeps the run well under a second.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from kefu.triage.corpus import load_corpus

UNSEEN = Path(__file__).resolve().parents[1] / "fixtures" / "triage" / "unseen.jsonl"
JACCARD = 0.35
JACCARD_WITH_RATIO = 0.25
RATIO = 0.7


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def _grams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def _held_out() -> list[str]:
    lines = UNSEEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def near_duplicates(texts: list[str], held_out: list[str]) -> list[tuple[str, str, float]]:
    """(text, held-out text, Jaccard) for every pair above the thresholds."""
    norm = [_norm(h) for h in held_out]
    grams = [_grams(n) for n in norm]
    index: dict[str, list[int]] = {}
    for k, g in enumerate(grams):
        for gram in g:
            index.setdefault(gram, []).append(k)
    found = []
    for text in texts:
        n = _norm(text)
        g = _grams(n)
        shared = Counter(k for gram in g for k in index.get(gram, ()))
        for k, common in shared.items():
            jaccard = common / (len(g) + len(grams[k]) - common)
            if jaccard >= JACCARD or (
                jaccard >= JACCARD_WITH_RATIO
                and SequenceMatcher(None, n, norm[k], autojunk=False).ratio() >= RATIO
            ):
                found.append((text, held_out[k], round(jaccard, 2)))
    return found


def test_the_check_catches_a_restated_held_out_line() -> None:
    held_out = _held_out()
    original = next(h for h in held_out if h.isascii() and len(h) > 40)
    restated = original.replace(".", "!").replace("my", "our").upper()
    assert near_duplicates([restated, "完全无关的一句话"], held_out)
    assert not near_duplicates(["完全无关的一句话"], held_out)


def test_no_corpus_line_is_a_near_duplicate_of_a_held_out_line() -> None:
    found = near_duplicates([e.text for e in load_corpus()], _held_out())
    assert not found, "\n".join(f"{j}  corpus: {t!r}\n      held-out: {h!r}" for t, h, j in found)


def test_no_corpus_line_appears_twice() -> None:
    counts = Counter(_norm(e.text) for e in load_corpus())
    assert not [t for t, c in counts.items() if c > 1]
