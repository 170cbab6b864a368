"""The classifier a process uses: loaded once, lazily, behind `services.ports.Classifier`.

`SklearnClassifier` reads the model file (default `KEFU_DATA_DIR/models/classifier.pkl`) on
first use. When there is none, it uses a model trained from the shipped corpus (a few
seconds, nothing is fetched) and saves it there. That model is trained once per machine:
it is kept per process and in a cache file named after the shipped data's fingerprint and
the scikit-learn version (`~/.cache/kefu`), so fresh data directories — tests, demos,
benchmarks — load it instead of training. Every few seconds the classifier notices a new
file written by `kefu triage train` and loads it; a file it cannot use is reported once
and the shipped-corpus model serves meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from kefu.domain.taxonomy import Taxonomy
from kefu.services.ports import Classification
from kefu.triage.corpus import load_corpus, shipped_fingerprint
from kefu.triage.handoff import should_hand_off
from kefu.triage.policy import TriagePolicy

if TYPE_CHECKING:
    from kefu.triage.classifier import Model, Prediction

log = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 2.0
_shipped: dict[str, Model] = {}
_shipped_lock = threading.Lock()


def model_key() -> str:
    """Changes with the model file's schema and the shipped model configuration."""
    from kefu.triage.classifier import DEFAULT_CONFIG, SCHEMA

    text = f"{SCHEMA}:{sorted(asdict(DEFAULT_CONFIG).items())}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def default_cache_dir() -> Path:
    """Where models trained from the shipped corpus are kept for every data directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kefu"


def shipped_model(cache_dir: Path | None = None) -> Model:
    """A model trained from the shipped corpus: trained once per machine and version.

    Kept in memory per process and, when `cache_dir` is given, in a file named after the
    shipped data's fingerprint and the scikit-learn version, so a fresh KEFU_DATA_DIR (a
    test, a demo, a benchmark) loads it instead of training again.
    """
    import sklearn

    from kefu.triage.classifier import Model, ModelFileError, train

    key = shipped_fingerprint()
    with _shipped_lock:
        model = _shipped.get(key)
        if model is not None:
            return model
        name = f"shipped-{key}-{model_key()}-sklearn{sklearn.__version__}.pkl"
        cached = cache_dir / name if cache_dir else None
        if cached is not None and cached.is_file():
            try:
                model = Model.load(cached)
            except ModelFileError as exc:
                log.warning("ignoring the cached model: %s", exc)
        if model is None:
            corpus = load_corpus()
            started = time.perf_counter()
            model = train(corpus, shipped_hash=key, corrections=0)
            log.info(
                "trained the classifier on %d shipped examples in %.1f s",
                len(corpus),
                time.perf_counter() - started,
            )
            if cached is not None:
                try:
                    model.save(cached)
                except OSError as exc:
                    log.info("cannot cache the model in %s: %s", cached.parent, exc)
        _shipped.clear()
        _shipped[key] = model
        return model


class SklearnClassifier:
    """Implements `ports.Classifier`; thread-safe; one per process (see bootstrap.py)."""

    def __init__(
        self,
        path: Path,
        policy: TriagePolicy,
        taxonomy: Taxonomy,
        *,
        autosave: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self.path, self.policy, self.taxonomy, self.autosave = path, policy, taxonomy, autosave
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._key: tuple[int, int] | None = None
        self._next_check = 0.0

    # ---- the model -------------------------------------------------------------------

    def model(self) -> Model:
        now = time.monotonic()
        model = self._model
        if model is not None and now < self._next_check:
            return model
        with self._lock:
            if self._model is None or time.monotonic() >= self._next_check:
                self._refresh()
                self._next_check = time.monotonic() + RELOAD_CHECK_SECONDS
            assert self._model is not None
            return self._model

    def warm(self) -> None:
        """Load (or train) the model now rather than on the first request."""
        self.model()

    def _file_key(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _refresh(self) -> None:
        from kefu.triage.classifier import Model, ModelFileError

        key = self._file_key()
        if self._model is not None and key == self._key:
            return
        if key is None:
            log.info("no classifier model at %s: training one from the shipped corpus", self.path)
            self._model = shipped_model(self.cache_dir)
            self._key = None
            if self.autosave:
                try:
                    self._model.save(self.path)
                    self._key = self._file_key()
                except OSError as exc:
                    log.warning("cannot save the classifier to %s: %s", self.path, exc)
            return
        try:
            self._model = Model.load(self.path)
            shipped = self._model.meta.get("shipped_hash")
            if shipped and shipped != shipped_fingerprint():
                log.warning(
                    "%s was trained on another version of the shipped corpus: run "
                    "`kefu triage train` to retrain it",
                    self.path,
                )
        except ModelFileError as exc:
            log.warning("%s; meanwhile the model trained from the shipped corpus serves", exc)
            if self._model is None:
                self._model = shipped_model(self.cache_dir)
        self._key = key

    # ---- the port --------------------------------------------------------------------

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        cut = [t[: self.policy.max_chars] for t in texts]
        return self.model().predict_many(cut)

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        out = []
        for text, p in zip(texts, self.predict(texts), strict=True):
            confident = p.confidence >= self.policy.threshold and p.label in self.taxonomy
            decision = should_hand_off(
                text,
                predicted_subcategory=p.label if confident else None,
                failed_bot_answers=0,
                taxonomy=self.taxonomy,
                policy=self.policy.handoff,
            )
            out.append(
                Classification(
                    label=p.label,
                    confidence=p.confidence,
                    top3=tuple(p.top3),
                    confident=confident,
                    handoff=decision.handoff,
                    handoff_reasons=decision.reasons,
                )
            )
        return out
