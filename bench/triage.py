"""Triage benchmark: classifier quality, hand-off policy quality, classification throughput.

    python bench/triage.py                 # the shipped configuration, ~1–2 minutes
    python bench/triage.py --compare       # also the candidate configurations (the decision)
    python bench/triage.py --folds 10 --seed 3

Prints, for the shipped corpus (src/kefu/triage/corpus/*.jsonl):
- stratified k-fold cross-validated accuracy and macro-F1 over the 38 subcategories and
  over the 12 categories, accuracy per style (chat, hotline, email, social, en), and the
  share of predictions at or above candidate thresholds with their accuracy;
- the same figures for a baseline measured in the same run (the shipped configuration
  without glossary expansion), and with --compare for every candidate configuration;
- accuracy on tests/fixtures/triage/unseen.jsonl, hand-written phrasings never trained on;
- hand-off precision and recall on tests/fixtures/triage/handoff.jsonl (the classifier
  decides the `human_required_subcategory` lines, as `kefu classify` does);
- throughput in messages per second, one message per call and in batches of 100.
No test asserts on these figures; they depend on the machine for the timings only.
"""

from __future__ import annotations

# `bench/email.py` would shadow the standard library's `email` for every script run from
# this folder (sys.path[0]); take the folder off the path before anything imports it.
import sys as _sys
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _here]

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from kefu.policies import load_policies
from kefu.triage.classifier import DEFAULT_CONFIG, Model, ModelConfig, train
from kefu.triage.corpus import Example, load_corpus
from kefu.triage.evaluate import CvReport, cross_validate
from kefu.triage.policy import default_policy
from kefu.triage.runtime import SklearnClassifier

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "triage"
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
CANDIDATES = (
    ModelConfig("char_wb", "lr", 10.0, glossary=False),
    ModelConfig("char_wb", "svm", 1.0, glossary=False),
    ModelConfig("char", "svm", 1.0, glossary=False),
    ModelConfig("char_wb+jieba", "svm", 1.0, glossary=False),
    ModelConfig("char_wb+word", "svm", 1.0),
    ModelConfig("char_wb", "svm", 0.5),
    ModelConfig("char_wb", "svm", 1.0),
    ModelConfig("char_wb", "svm", 2.0),
    ModelConfig("char_wb", "svm", 1.0, ngram_max=4),
    ModelConfig("char_wb+jieba", "svm", 1.0),
    ModelConfig("char_wb+jieba", "lr", 20.0),
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def describe(config: ModelConfig) -> str:
    glossary = "+glossary" if config.glossary else ""
    ngrams = f" 1-{config.ngram_max}" if config.ngram_max != 3 else ""
    return f"{config.features}{ngrams}{glossary} {config.estimator} C={config.c:g}"


def cv_row(name: str, report: CvReport, seconds: float) -> str:
    return (
        f"  {name:<44} {report.sub_accuracy:>6.3f} {report.sub_macro_f1:>6.3f} "
        f"{report.cat_accuracy:>6.3f} {report.cat_macro_f1:>6.3f} {seconds:>7.1f}s"
    )


def cv_header() -> str:
    return (
        f"  {'configuration':<44} {'acc38':>6} {'F1-38':>6} {'acc12':>6} {'F1-12':>6} {'time':>8}"
    )


def section(title: str) -> None:
    print(f"\n== {title}")


def corpus_summary(corpus: list[Example]) -> None:
    per_label: dict[str, int] = defaultdict(int)
    per_style: dict[str, int] = defaultdict(int)
    for e in corpus:
        per_label[e.label] += 1
        per_style[e.style] += 1
    cats = {label.split(".")[0] for label in per_label}
    print(
        f"corpus: {len(corpus)} examples, {len(per_label)} subcategories in {len(cats)} "
        f"categories, {min(per_label.values())}–{max(per_label.values())} per subcategory"
    )
    print("styles: " + ", ".join(f"{s} {n}" for s, n in sorted(per_style.items())))


def cross_validation(corpus: list[Example], args: argparse.Namespace) -> CvReport:
    section(f"{args.folds}-fold stratified cross-validation on the corpus (seed {args.seed})")
    print(cv_header())
    baseline = replace(DEFAULT_CONFIG, glossary=False)
    configs = list(CANDIDATES) if args.compare else [baseline]
    if DEFAULT_CONFIG not in configs:
        configs.append(DEFAULT_CONFIG)
    shipped: CvReport | None = None
    for config in configs:
        started = time.perf_counter()
        report = cross_validate(corpus, config, folds=args.folds, seed=args.seed)
        mark = "  ← shipped" if config == DEFAULT_CONFIG else ""
        mark = "  ← baseline (no glossary)" if config == baseline else mark
        print(cv_row(describe(config), report, time.perf_counter() - started) + mark)
        if config == DEFAULT_CONFIG:
            shipped = report
    assert shipped is not None
    print("\nshipped configuration, accuracy per style (subcategory):")
    for style, (n, acc) in shipped.per_style().items():
        print(f"  {style:<8} {n:>5} examples  {acc:.3f}")
    print("\nconfidence threshold: share of tickets placed automatically, accuracy of those")
    policy = default_policy()
    for t in THRESHOLDS:
        covered, right = shipped.at_threshold(t)
        mark = "  ← policy" if abs(t - policy.threshold) < 1e-9 else ""
        print(f"  ≥ {t:<5} {covered:>6.1%} placed  {right:>6.1%} right{mark}")
    print("\nmost frequent confusions (truth → predicted):")
    for truth, pred, n in shipped.confusions(8):
        print(f"  {n:>3}  {truth} → {pred}")
    print("\nmost confused pairs (both directions), and the weakest subcategories:")
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for truth, pred, n in shipped.confusions(10_000):
        pairs[(min(truth, pred), max(truth, pred))] += n
    for (a, b), n in sorted(pairs.items(), key=lambda x: -x[1])[:12]:
        print(f"  {n:>3}  {a} ↔ {b}")
    hits: dict[str, list[bool]] = defaultdict(list)
    for t, p in zip(shipped.truth, shipped.predicted, strict=True):
        hits[t].append(t == p)
    weakest = sorted(hits.items(), key=lambda x: sum(x[1]) / len(x[1]))[:8]
    print("  " + ", ".join(f"{label} {sum(h) / len(h):.2f}" for label, h in weakest))
    return shipped


def unseen(model: Model) -> None:
    rows = read_jsonl(FIXTURES / "unseen.jsonl")
    section(f"held-out hand-written set ({len(rows)} lines, never trained on)")
    preds = model.predict_many([r["text"] for r in rows])
    truth = [r["label"] for r in rows]
    labels = [p.label for p in preds]
    acc = sum(t == p for t, p in zip(truth, labels, strict=True)) / len(rows)
    cat_t = [t.split(".")[0] for t in truth]
    cat_p = [p.split(".")[0] for p in labels]
    cat_acc = sum(t == p for t, p in zip(cat_t, cat_p, strict=True)) / len(rows)
    f1 = f1_score(truth, labels, average="macro", zero_division=0)
    cat_f1 = f1_score(cat_t, cat_p, average="macro", zero_division=0)
    print(f"  subcategory accuracy {acc:.3f}, macro-F1 {f1:.3f}")
    print(f"  category accuracy    {cat_acc:.3f}, macro-F1 {cat_f1:.3f}")
    threshold = default_policy().threshold
    kept = [(t == p.label) for t, p in zip(truth, preds, strict=True) if p.confidence >= threshold]
    print(
        f"  at threshold {threshold:g}: {len(kept) / len(rows):.1%} placed, "
        f"{sum(kept) / max(1, len(kept)):.1%} of them right"
    )
    per_style: dict[str, list[bool]] = defaultdict(list)
    for r, p in zip(rows, labels, strict=True):
        per_style[r["style"]].append(r["label"] == p)
    print(
        "  per style: "
        + ", ".join(f"{s} {sum(h) / len(h):.3f} ({len(h)})" for s, h in sorted(per_style.items()))
    )
    misses = [(r, p) for r, p in zip(rows, preds, strict=True) if r["label"] != p.label]
    for r, p in misses[:10]:
        print(f"  miss: {r['label']} → {p.label} ({p.confidence:.2f}) {r['text'][:50]!r}")


def handoff(clf: SklearnClassifier) -> None:
    rows = read_jsonl(FIXTURES / "handoff.jsonl")
    section(f"hand-off policy ({len(rows)} labelled lines)")
    from kefu.triage.handoff import should_hand_off

    tp = fp = fn = tn = 0
    per_kind: dict[str, list[bool]] = defaultdict(list)
    classified = clf.classify([r["text"] for r in rows])
    wrong = []
    for r, c in zip(rows, classified, strict=True):
        decision = should_hand_off(
            r["text"],
            predicted_subcategory=c.label if c.confident else None,
            failed_bot_answers=r["failed_bot_answers"],
            taxonomy=clf.taxonomy,
            policy=clf.policy.handoff,
        )
        got, want = decision.handoff, r["handoff"]
        tp += got and want
        fp += got and not want
        fn += want and not got
        tn += not got and not want
        per_kind[r["kind"]].append(got == want)
        if got != want:
            wrong.append((r, decision.reasons, c.label))
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    print(f"  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"  (hand-off {tp + fn}, stay with the bot {tn + fp}; TP {tp} FP {fp} FN {fn} TN {tn})")
    print(
        "  correct per kind: "
        + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(per_kind.items()))
    )
    for r, reasons, label in wrong:
        print(f"  wrong: {r['kind']} want={r['handoff']} got {reasons} ({label}) {r['text']!r}")


def throughput(clf: SklearnClassifier, model: Model) -> None:
    texts = [r["text"] for r in read_jsonl(FIXTURES / "unseen.jsonl")]
    texts = (texts * (2000 // len(texts) + 1))[:2000]
    section(f"throughput ({len(texts)} messages, one process, one thread)")
    started = time.perf_counter()
    for t in texts:
        clf.classify([t])
    single = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, len(texts), 100):
        clf.classify(texts[i : i + 100])
    batch = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    model.predict_many(texts)
    raw = len(texts) / (time.perf_counter() - started)
    print(f"  classify + hand-off, one message per call  {single:>8.0f} messages/s")
    print(f"  classify + hand-off, batches of 100        {batch:>8.0f} messages/s")
    print(f"  model only, one batch of {len(texts)}            {raw:>8.0f} messages/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="evaluate every candidate")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    corpus = load_corpus()
    if not corpus:
        print("no corpus found in src/kefu/triage/corpus", file=sys.stderr)
        return 1
    corpus_summary(corpus)
    cross_validation(corpus, args)
    started = time.perf_counter()
    model = train(corpus)
    trained = time.perf_counter() - started
    section(f"shipped model: {describe(DEFAULT_CONFIG)}, trained in {trained:.1f} s")
    unseen(model)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "classifier.pkl"
        model.save(path)
        print(f"\nmodel file: {path.stat().st_size / 1e6:.1f} MB")
        clf = SklearnClassifier(path, default_policy(), load_policies().taxonomy)
        clf.warm()
        handoff(clf)
        throughput(clf, model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
