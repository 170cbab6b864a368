"""Agent corrections as training data (the rows live in `store/models_triage.py`).

`kefu triage train` learns from the shipped corpus plus every correction: a correction
counts `correction_weight` times a corpus example, and when the same text (after
normalisation) was corrected several times, the latest correction wins — also over a
corpus example with that text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from kefu.services.ports import TriageCorrection
from kefu.triage.corpus import Example
from kefu.triage.normalize import normalize

STYLE = "correction"


def training_examples(
    corpus: Sequence[Example],
    corrections: Sequence[TriageCorrection],
    *,
    weight: float,
    labels: Collection[str] | None = None,
) -> list[Example]:
    """The corpus with the corrections applied; `labels` drops codes no longer known."""
    latest: dict[str, TriageCorrection] = {}
    for c in sorted(corrections, key=lambda c: c.at):
        if labels is None or c.to_label in labels:
            latest[normalize(c.text)] = c
    kept = [e for e in corpus if normalize(e.text) not in latest]
    return kept + [Example(c.text, c.to_label, STYLE, weight) for c in latest.values()]
