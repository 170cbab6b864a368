"""Cross-validated figures of a model configuration on a set of examples."""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from kefu.triage.classifier import DEFAULT_CONFIG, ModelConfig, train
from kefu.triage.corpus import Example


@dataclass
class CvReport:
    folds: int
    examples: Sequence[Example]
    predicted: list[str] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)

    @property
    def truth(self) -> list[str]:
        return [e.label for e in self.examples]

    @staticmethod
    def _cat(labels: Sequence[str]) -> list[str]:
        return [x.split(".", 1)[0] for x in labels]

    @property
    def sub_accuracy(self) -> float:
        return float(accuracy_score(self.truth, self.predicted))

    @property
    def sub_macro_f1(self) -> float:
        return float(f1_score(self.truth, self.predicted, average="macro", zero_division=0))

    @property
    def cat_accuracy(self) -> float:
        return float(accuracy_score(self._cat(self.truth), self._cat(self.predicted)))

    @property
    def cat_macro_f1(self) -> float:
        truth, pred = self._cat(self.truth), self._cat(self.predicted)
        return float(f1_score(truth, pred, average="macro", zero_division=0))

    def per_style(self) -> dict[str, tuple[int, float]]:
        """style → (examples, subcategory accuracy)."""
        hits: dict[str, list[bool]] = defaultdict(list)
        for e, p in zip(self.examples, self.predicted, strict=True):
            hits[e.style or "?"].append(e.label == p)
        return {s: (len(h), sum(h) / len(h)) for s, h in sorted(hits.items())}

    def at_threshold(self, threshold: float) -> tuple[float, float]:
        """(share of predictions at or above `threshold`, accuracy of those)."""
        kept = [
            (t == p)
            for t, p, c in zip(self.truth, self.predicted, self.confidence, strict=True)
            if c >= threshold
        ]
        if not kept:
            return 0.0, 0.0
        return len(kept) / len(self.predicted), sum(kept) / len(kept)

    def confusions(self, top: int = 10) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for t, p in zip(self.truth, self.predicted, strict=True):
            if t != p:
                counts[(t, p)] += 1
        ranked = sorted(counts.items(), key=lambda x: -x[1])[:top]
        return [(t, p, n) for (t, p), n in ranked]


def cross_validate(
    examples: Sequence[Example],
    config: ModelConfig = DEFAULT_CONFIG,
    folds: int = 5,
    seed: int = 0,
) -> CvReport:
    """Stratified k-fold: every example is predicted by a model that never saw it."""
    labels = [e.label for e in examples]
    report = CvReport(folds, examples, [""] * len(examples), [0.0] * len(examples))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class rarer than `folds`
        splits = list(splitter.split(labels, labels))
    for train_idx, test_idx in splits:
        model = train([examples[i] for i in train_idx], config)
        preds = model.predict_many([examples[i].text for i in test_idx])
        for i, p in zip(test_idx, preds, strict=True):
            report.predicted[i], report.confidence[i] = p.label, p.confidence
    return report
