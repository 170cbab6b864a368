"""The subcategory classifier: character n-grams and a linear model (scikit-learn).

`train(examples)` fits a model; `Model.save(path)` / `Model.load(path)` keep it in one
file; `Model.predict(text)` gives the label, its probability and the top 3. Everything
runs offline: the features are computed from the text itself, nothing is downloaded.

The file is a small pickled envelope of plain values (format, schema, scikit-learn
version, label set, corpus hash) with the fitted pipeline as an inner pickle. `load` reads
the envelope with an unpickler that only accepts builtins, checks it, and unpickles the
pipeline only when it was written by the same scikit-learn major.minor version (the
boundary at which scikit-learn pickles break); otherwise it refuses with a message that
says how to retrain. Model files are trusted data (they live in KEFU_DATA_DIR).
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from kefu.triage.corpus import Example, corpus_hash, out_of_scope
from kefu.triage.glossary import expand, glossary_hash
from kefu.triage.normalize import normalize

FORMAT = "kefu.triage.classifier"
SCHEMA = 1
CALIBRATION_FOLDS = 3
NONE = "_none"
"""The reject class learnt from `out_of_scope.txt`; never returned as a label."""


class ModelFileError(ValueError):
    """A model file that cannot be used; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float
    top3: list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class ModelConfig:
    features: str = "char_wb"
    """`char_wb` (character 1–3-grams), `char` (across word boundaries too) or
    `char_wb+jieba` (character n-grams plus jieba word tokens)."""
    estimator: str = "svm"
    """`lr` (multinomial logistic regression) or `svm` (LinearSVC, sigmoid-calibrated)."""
    c: float = 1.0
    """Inverse regularisation strength (scikit-learn's `C`)."""
    ngram_max: int = 3
    glossary: bool = True
    """Append glossary keywords (glossary.toml) to the text before computing features."""
    reject: bool = True
    """Learn `out_of_scope.txt` as the class `_none` (greetings, fillers: no subcategory)."""
    min_df: int = 2
    """Drop n-grams seen in fewer training texts (a smaller file, no loss of accuracy)."""


DEFAULT_CONFIG = ModelConfig()


def jieba_tokens(text: str) -> list[str]:
    """Word tokens from jieba (imported lazily: loading its dictionary takes a second)."""
    import jieba

    jieba.setLogLevel(60)
    return [t for t in jieba.lcut(text) if t.strip()]


def prepare(text: str, config: ModelConfig) -> str:
    """The text the features are computed from: normalised, glossary-expanded."""
    norm = normalize(text)
    return expand(norm) if config.glossary else norm


def _features(config: ModelConfig) -> Any:
    chars_kind, _, words_kind = config.features.partition("+")
    if chars_kind not in ("char_wb", "char"):
        raise ValueError(f"unknown feature set {config.features!r}")
    chars = TfidfVectorizer(
        analyzer=chars_kind,
        ngram_range=(1, config.ngram_max),
        sublinear_tf=True,
        min_df=config.min_df,
        dtype=np.float32,
    )
    if not words_kind:
        return chars
    if words_kind == "jieba":
        words = TfidfVectorizer(
            tokenizer=jieba_tokens,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
        )
    elif words_kind == "word":
        words = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), sublinear_tf=True)
    else:
        raise ValueError(f"unknown feature set {config.features!r}")
    return FeatureUnion([("chars", chars), ("words", words)])


def _estimator(config: ModelConfig) -> Any:
    if config.estimator == "lr":
        return LogisticRegression(C=config.c, max_iter=3000)
    if config.estimator == "svm":
        return CalibratedClassifierCV(
            LinearSVC(C=config.c), method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False
        )
    raise ValueError(f"unknown estimator {config.estimator!r}")


@dataclass
class LinearHead:
    """A calibrated linear SVM as plain arrays: `scores = X·Wᵀ + b`, then per-class sigmoids
    (Platt scaling) normalised to sum to one — scikit-learn's arithmetic without its
    per-call validation, ten times faster for one message."""

    classes_: np.ndarray
    weights: np.ndarray
    intercept: np.ndarray
    slope: np.ndarray
    offset: np.ndarray

    @classmethod
    def from_calibrated(cls, model: CalibratedClassifierCV) -> LinearHead:
        (calibrated,) = model.calibrated_classifiers_  # ensemble=False: one estimator
        svm = calibrated.estimator
        return cls(
            classes_=np.asarray(model.classes_),
            weights=svm.coef_.astype(np.float32),
            intercept=svm.intercept_.astype(np.float32),
            slope=np.asarray([c.a_ for c in calibrated.calibrators], dtype=np.float64),
            offset=np.asarray([c.b_ for c in calibrated.calibrators], dtype=np.float64),
        )

    def predict_proba(self, x: Any) -> np.ndarray:
        return self.probabilities(np.asarray(x @ self.weights.T))

    def probabilities(self, raw_scores: np.ndarray) -> np.ndarray:
        scores = raw_scores.astype(np.float64) + self.intercept
        proba = 1.0 / (1.0 + np.exp(np.clip(self.slope * scores + self.offset, -500, 500)))
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        result: np.ndarray = np.where(total > 0, proba / np.where(total > 0, total, 1.0), uniform)
        return result


@dataclass
class Model:
    features: Any
    """The fitted vectorizer (text → sparse features)."""
    head: Any
    """`LinearHead`, or a fitted scikit-learn classifier with `predict_proba`."""
    labels: list[str]
    config: ModelConfig = DEFAULT_CONFIG
    meta: dict[str, Any] = field(default_factory=dict)
    """corpus_hash, glossary_hash, examples, sklearn version, trained_at, and extras."""

    @property
    def corpus_hash(self) -> str:
        return str(self.meta.get("corpus_hash", ""))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        if len(texts) == 1 and self._fast is not None:
            probs = self._fast(prepare(texts[0], self.config))
        else:
            probs = self.head.predict_proba(
                self.features.transform([prepare(t, self.config) for t in texts])
            )
        classes = self.head.classes_
        real = np.flatnonzero(classes != NONE)
        out = []
        for row in probs:
            order = real[np.argsort(row[real])[::-1][:3]]
            top3 = [(str(classes[i]), round(float(row[i]), 4)) for i in order]
            out.append(Prediction(top3[0][0], top3[0][1], top3))
        return out

    @functools.cached_property
    def _fast(self) -> Callable[[str], np.ndarray] | None:
        """One text without scikit-learn's per-call overhead (the same arithmetic as
        `TfidfVectorizer.transform` + `LinearHead`), or None for other model shapes."""
        v = self.features
        if not isinstance(v, TfidfVectorizer) or not isinstance(self.head, LinearHead):
            return None
        if v.norm != "l2" or v.binary or not v.use_idf:
            return None
        head: LinearHead = self.head
        analyze, vocabulary, idf = v.build_analyzer(), v.vocabulary_, v.idf_
        sublinear, weights = v.sublinear_tf, head.weights

        def probs(text: str) -> np.ndarray:
            counts = Counter(g for g in analyze(text) if g in vocabulary)
            if not counts:
                return head.predict_proba(np.zeros((1, weights.shape[1]), dtype=np.float32))
            idx = np.fromiter((vocabulary[g] for g in counts), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            values = (np.log(tf) + 1.0 if sublinear else tf) * idf[idx]
            values /= np.sqrt(values @ values)
            scores = (weights[:, idx] @ values.astype(np.float32))[np.newaxis, :]
            return head.probabilities(scores)

        return probs

    # ---- persistence -----------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over the target)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        envelope = {
            "format": FORMAT,
            "schema": SCHEMA,
            "sklearn": sklearn.__version__,
            "labels": list(self.labels),
            "config": asdict(self.config),
            "meta": self.meta,
            "payload": pickle.dumps((self.features, self.head), protocol=pickle.HIGHEST_PROTOCOL),
        }
        fd, tmp = tempfile.mkstemp(prefix=".classifier-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(envelope, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Model:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ModelFileError(f"cannot read the model file {path}: {exc.strerror}") from exc
        envelope = _read_envelope(raw, path)
        if envelope.get("schema") != SCHEMA:
            raise ModelFileError(
                f"{path} has model schema {envelope.get('schema')!r}, this kefu reads "
                f"{SCHEMA}: retrain it with `kefu triage train`"
            )
        written = str(envelope.get("sklearn", "?"))
        if _major_minor(written) != _major_minor(sklearn.__version__):
            raise ModelFileError(
                f"{path} was trained with scikit-learn {written}, this is "
                f"{sklearn.__version__}; models do not carry across scikit-learn versions: "
                "retrain with `kefu triage train` (or delete the file to retrain from the "
                "shipped corpus on first use)"
            )
        try:
            features, head = pickle.loads(envelope["payload"])
        except Exception as exc:
            raise ModelFileError(f"{path}: the model inside is damaged ({exc})") from exc
        labels = [str(x) for x in envelope.get("labels", [])]
        if [str(c) for c in head.classes_ if c != NONE] != labels:
            raise ModelFileError(f"{path}: the label set does not match the model inside")
        try:
            config = ModelConfig(**envelope.get("config", {}))
        except TypeError as exc:
            raise ModelFileError(f"{path}: unknown model configuration ({exc})") from exc
        return cls(features, head, labels, config, dict(envelope.get("meta", {})))


class _EnvelopeUnpickler(pickle.Unpickler):
    """Plain values only: a foreign or hostile file cannot run code when it is checked."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected object {module}.{name}")


def _read_envelope(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        envelope = _EnvelopeUnpickler(io.BytesIO(raw)).load()
    except Exception as exc:
        raise ModelFileError(
            f"{path} is not a kefu classifier file ({type(exc).__name__}); retrain with "
            "`kefu triage train`"
        ) from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise ModelFileError(
            f"{path} is not a kefu classifier file; retrain with `kefu triage train`"
        )
    if not isinstance(envelope.get("payload"), bytes):
        raise ModelFileError(f"{path} holds no model; retrain with `kefu triage train`")
    return envelope


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def train(
    examples: Sequence[Example],
    config: ModelConfig = DEFAULT_CONFIG,
    **meta: Any,
) -> Model:
    """Fit a model on `examples` (weights honoured); `meta` is kept in the model file."""
    labels = {e.label for e in examples}
    if len(labels) < 2:
        raise ValueError(f"training needs at least two labels, got {sorted(labels)}")
    if config.reject:
        examples = [*examples, *out_of_scope()]
    examples = _with_rare_labels_repeated(examples)
    pipeline = Pipeline([("features", _features(config)), ("model", _estimator(config))])
    weights = np.asarray([e.weight for e in examples], dtype=float)
    pipeline.fit(
        [prepare(e.text, config) for e in examples],
        [e.label for e in examples],
        model__sample_weight=weights,
    )
    info = {
        "corpus_hash": corpus_hash(examples),
        "glossary_hash": glossary_hash() if config.glossary else "",
        "examples": len(examples),
        "sklearn": sklearn.__version__,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    features, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    _drop_stop_words(features)
    head = LinearHead.from_calibrated(model) if config.estimator == "svm" else model
    real = [str(c) for c in head.classes_ if c != NONE]
    return Model(features, head, real, config, {**info, **meta})


def _with_rare_labels_repeated(examples: Sequence[Example]) -> list[Example]:
    """Calibration splits each label in CALIBRATION_FOLDS: a label with fewer examples (a
    correction into a new subcategory) has them repeated rather than failing training."""
    counts = Counter(e.label for e in examples)
    extra = [
        e
        for e in examples
        if counts[e.label] < CALIBRATION_FOLDS
        for _ in range(-(-CALIBRATION_FOLDS // counts[e.label]) - 1)
    ]
    return [*examples, *extra]


def _drop_stop_words(features: Any) -> None:
    """The n-grams dropped by `min_df` are kept for inspection only: not in the file."""
    parts = (
        [v for _, v in features.transformer_list]
        if isinstance(features, FeatureUnion)
        else [features]
    )
    for vectorizer in parts:
        if hasattr(vectorizer, "stop_words_"):
            vectorizer.stop_words_ = None
