"""What `kefu classify` and `kefu triage train` do (cli.py parses the options)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kefu.domain.taxonomy import Taxonomy
from kefu.services.ports import Classification, Classifier, TriageCorrection
from kefu.triage.policy import TriagePolicy


def classification_json(c: Classification) -> dict[str, Any]:
    """The stable shape of one answer (SPEC §14): label, confidence, handoff and more."""
    return {
        "label": c.label,
        "confidence": round(c.confidence, 4),
        "confident": c.confident,
        "top3": [{"label": label, "confidence": round(p, 4)} for label, p in c.top3],
        "handoff": c.handoff,
        "handoff_reasons": list(c.handoff_reasons),
    }


def _error(line: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, "line": line}


def classify_stream(
    classifier: Classifier, lines: Iterable[str], write: Callable[[str], None]
) -> int:
    """One JSON object per input line, written as soon as it is known; returns the count.

    An empty line or a failure gives an error object for that line; the stream goes on.
    """
    count = 0
    for count, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            out = _error(count, "empty_line", f"line {count} is empty: nothing to classify")
        else:
            try:
                out = classification_json(classifier.classify([text])[0])
            except Exception as exc:
                out = _error(count, "classify_failed", f"{type(exc).__name__}: {exc}")
        write(json.dumps(out, ensure_ascii=False) + "\n")
    return count


def train_and_report(
    policy: TriagePolicy,
    taxonomy: Taxonomy,
    corrections: Sequence[TriageCorrection],
    out: Path,
    folds: int,
    echo: Callable[[str], None],
) -> None:
    """Train on the shipped corpus plus corrections, print CV figures, write the model."""
    from kefu.triage.classifier import train
    from kefu.triage.corpus import load_corpus, shipped_fingerprint
    from kefu.triage.corrections import training_examples
    from kefu.triage.evaluate import cross_validate

    started = time.perf_counter()
    shipped = load_corpus()
    known = set(taxonomy.codes)
    unknown = sorted({e.label for e in shipped} - known)
    if unknown:
        echo(f"warning: corpus labels not in the taxonomy are left out: {', '.join(unknown)}")
    corpus = [e for e in shipped if e.label in known]
    examples = training_examples(corpus, corrections, weight=policy.correction_weight, labels=known)
    applied = len(examples) - len([e for e in examples if e.style != "correction"])
    missing = sorted(known - {e.label for e in examples})
    echo(
        f"training set: {len(examples)} examples ({len(corpus)} from the corpus, {applied} "
        f"agent corrections of {len(corrections)} stored, weight {policy.correction_weight:g}), "
        f"{len(known) - len(missing)} of {len(known)} subcategories"
    )
    if missing:
        echo(f"warning: no examples for {', '.join(missing)}")
    if folds >= 2:
        cv = cross_validate(examples, folds=folds)
        covered, right = cv.at_threshold(policy.threshold)
        echo(
            f"{folds}-fold cross-validation: subcategory accuracy {cv.sub_accuracy:.3f}, "
            f"macro-F1 {cv.sub_macro_f1:.3f}; category accuracy {cv.cat_accuracy:.3f}, "
            f"macro-F1 {cv.cat_macro_f1:.3f}"
        )
        echo(
            f"at the confidence threshold {policy.threshold:g}: {covered:.0%} of tickets "
            f"placed automatically, {right:.1%} of them correctly"
        )
    model = train(
        examples,
        shipped_hash=shipped_fingerprint(),
        corrections=applied,
        source="kefu triage train",
    )
    model.save(out)
    echo(
        f"model written to {out} ({out.stat().st_size / 1e6:.1f} MB, {len(model.labels)} "
        f"labels, data hash {model.corpus_hash}) in {time.perf_counter() - started:.1f} s"
    )
