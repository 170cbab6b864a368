"""Knowledge-base search that works for Chinese: jieba words + character bigrams, BM25.

Chinese has no spaces, so splitting on whitespace finds nothing. Each text becomes
features of two kinds:

- **words** from jieba's search mode (`密码忘了怎么办` → 密码 / 忘 / 了 / 怎么办), English
  words folded to a crude stem (`complaints` → `complaint`), stop words dropped;
- **character bigrams** of every CJK run (`#密码`, `#码忘`, …) at a lower weight, so a word
  jieba segments differently in the query and in the article (忘了 / 忘记) still meets.

Ranking is BM25 written out here (about forty lines) rather than scikit-learn's
TfidfVectorizer: BM25's length normalisation and term saturation suit one-line questions
against articles of very different lengths, an index of a few hundred articles needs no
sparse matrices, rebuilding it after an edit costs milliseconds, and the code stays typed.

`score` is BM25 divided by the best score the query could reach (every term at full
saturation), so 0..1 and comparable between queries: the bot's thresholds use it. Query
words no article contains count at `unknown_weight` in that bound, so chatty filler lowers
confidence a little but does not wipe it out. Title and tags are repeated
(`title_weight`, `tag_weight`) so the article *about* something outranks one mentioning it.
Every number is `[search]` in `policies/knowledge.toml`.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]+")
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
BIGRAM = "#"


@dataclass(frozen=True)
class SearchPolicy:
    k1: float = 1.5
    b: float = 0.75
    title_weight: int = 3
    tag_weight: int = 2
    bigram_weight: float = 0.4
    unknown_weight: float = 0.5
    min_score: float = 0.05
    """Hits below this normalised score are not returned."""
    snippet_chars: int = 140
    max_results: int = 10
    stopwords: frozenset[str] = frozenset()
    user_words: tuple[str, ...] = ()
    """Added to jieba's dictionary (terms of the trade: 转人工, 抖币, 95152 …)."""
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Query word → extra words searched too (忘了 → 忘记; hotline → 95152)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchPolicy:
        stop = data.get("stopwords", {})
        policy = cls(
            k1=float(data.get("k1", 1.5)),
            b=float(data.get("b", 0.75)),
            title_weight=int(data.get("title_weight", 3)),
            tag_weight=int(data.get("tag_weight", 2)),
            bigram_weight=float(data.get("bigram_weight", 0.4)),
            unknown_weight=float(data.get("unknown_weight", 0.5)),
            min_score=float(data.get("min_score", 0.05)),
            snippet_chars=int(data.get("snippet_chars", 140)),
            max_results=int(data.get("max_results", 10)),
            stopwords=frozenset(
                fold(w) for lang in ("zh", "en") for w in stop.get(lang, ()) if w.strip()
            ),
            user_words=tuple(data.get("user_words", ())),
            synonyms={
                fold(k): tuple(fold(x) for x in v) for k, v in data.get("synonyms", {}).items()
            },
        )
        if policy.k1 <= 0 or not 0 <= policy.b <= 1 or policy.title_weight < 1:
            raise ValueError("knowledge.toml [search]: k1 > 0, 0 ≤ b ≤ 1, title_weight ≥ 1")
        if policy.tag_weight < 0 or policy.snippet_chars < 20 or policy.max_results < 1:
            raise ValueError("knowledge.toml [search]: tag_weight ≥ 0, snippet_chars ≥ 20")
        return policy


@dataclass(frozen=True, slots=True)
class Document:
    """What the index needs of a published article."""

    article_id: int
    slug: str
    lang: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: int
    slug: str
    lang: str
    title: str
    score: float
    """0..1: the share of the query's best possible BM25 score this article reaches."""
    snippet: str
    subcategories: tuple[str, ...]
    matched: tuple[str, ...]
    """The query words found in the article (for highlighting and explanations)."""


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


# ---- tokenising ----------------------------------------------------------------------

_jieba_lock = threading.Lock()
_tokenizers: dict[tuple[str, ...], Any] = {}


def _tokenizer(user_words: tuple[str, ...]) -> Any:
    """A private jieba tokenizer per word list (jieba's global one stays untouched)."""
    with _jieba_lock:
        tok = _tokenizers.get(user_words)
        if tok is None:
            import jieba  # type: ignore[import-untyped]

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            for w in user_words:
                tok.add_word(fold(w), freq=50_000)
            _tokenizers[user_words] = tok
        return tok


def stem(word: str) -> str:
    """A deliberately crude English fold: plurals and -ing/-ed (same on both sides)."""
    if not word.isascii() or not word.isalpha() or len(word) <= 4:
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str, policy: SearchPolicy) -> list[str]:
    """Word features of `text` (jieba search mode for Chinese, stems for English)."""
    text = fold(text)
    out: list[str] = []
    for token in _tokenizer(policy.user_words).cut_for_search(text):
        for piece in WORD.findall(token.lower()):
            if CJK.fullmatch(piece) and len(piece) == 1:
                continue  # single characters are covered by the bigrams
            w = stem(piece)
            if w and w not in policy.stopwords and piece not in policy.stopwords:
                out.append(w)
    return out


def bigrams(text: str, policy: SearchPolicy) -> list[str]:
    out: list[str] = []
    for run in CJK.findall(fold(text)):
        out += [BIGRAM + run[i : i + 2] for i in range(len(run) - 1)]
    return [g for g in out if g[1:] not in policy.stopwords]


def features(text: str, policy: SearchPolicy) -> Counter[str]:
    return Counter(words(text, policy)) + Counter(bigrams(text, policy))


def query_features(text: str, policy: SearchPolicy) -> tuple[Counter[str], set[str]]:
    """The query's own features, and the extra ones its synonyms bring (those add to the
    score when found but not to its upper bound: a synonym is an alternative, not more
    to match)."""
    found = features(text, policy)
    extra: set[str] = set()
    for w in list(found):
        for synonym in policy.synonyms.get(w, ()):
            extra.update(f for f in features(synonym, policy) if f not in found)
    return found, extra


# ---- the index -----------------------------------------------------------------------


@dataclass
class _Bm25:
    docs: list[Document]
    tf: list[Counter[str]]
    lengths: list[float]
    df: Counter[str]
    avg: float

    @classmethod
    def build(cls, docs: Sequence[Document], policy: SearchPolicy) -> _Bm25:
        tfs: list[Counter[str]] = []
        for d in docs:
            tf = Counter[str]()
            for _ in range(policy.title_weight):
                tf.update(features(d.title, policy))
            for _ in range(policy.tag_weight):
                for tag in d.tags:
                    tf.update(features(tag, policy))
            tf.update(features(d.body, policy))
            tfs.append(tf)
        df = Counter[str]()
        for tf in tfs:
            df.update(tf.keys())
        lengths = [float(sum(tf.values())) for tf in tfs]
        avg = sum(lengths) / len(lengths) if lengths else 1.0
        return cls(list(docs), tfs, lengths, df, avg or 1.0)

    def idf(self, term: str) -> float:
        n, df = len(self.docs), self.df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def weight(self, term: str, policy: SearchPolicy) -> float:
        return policy.bigram_weight if term.startswith(BIGRAM) else 1.0

    def rank(
        self, own: Counter[str], extra: set[str], policy: SearchPolicy
    ) -> list[tuple[float, int, list[str]]]:
        if not self.docs or not own:
            return []
        k1, b = policy.k1, policy.b
        query = [*own, *sorted(extra)]
        ceiling = 0.0
        for term in own:
            w = self.weight(term, policy)
            if term in self.df:
                ceiling += w * self.idf(term) * (k1 + 1)
            else:
                ceiling += policy.unknown_weight * w * self.idf(term) * (k1 + 1)
        ranked = []
        for i, tf in enumerate(self.tf):
            norm = k1 * (1 - b + b * self.lengths[i] / self.avg)
            score, matched = 0.0, []
            for term in query:
                f = tf.get(term, 0)
                if f:
                    score += self.weight(term, policy) * self.idf(term) * f * (k1 + 1) / (f + norm)
                    if not term.startswith(BIGRAM):
                        matched.append(term)
            if score > 0:
                ranked.append((score / ceiling if ceiling else 0.0, i, matched))
        ranked.sort(key=lambda r: (-r[0], self.docs[r[1]].article_id))
        return ranked


class KbIndex:
    """The published articles of each language, ready to search. Immutable once built."""

    def __init__(self, docs: Iterable[Document], policy: SearchPolicy) -> None:
        self.policy = policy
        by_lang: dict[str, list[Document]] = {}
        for d in docs:
            by_lang.setdefault(d.lang, []).append(d)
        self._indexes = {lang: _Bm25.build(ds, policy) for lang, ds in by_lang.items()}
        self._by_id = {d.article_id: d for ds in by_lang.values() for d in ds}

    def __len__(self) -> int:
        return sum(len(i.docs) for i in self._indexes.values())

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def search(
        self,
        text: str,
        lang: str,
        *,
        limit: int | None = None,
        subcategory: str | None = None,
        min_score: float | None = None,
    ) -> list[SearchHit]:
        """Best first; `subcategory` keeps only articles that answer it."""
        index = self._indexes.get(lang)
        if index is None:
            return []
        floor = self.policy.min_score if min_score is None else min_score
        own, extra = query_features(text, self.policy)
        hits: list[SearchHit] = []
        for score, i, matched in index.rank(own, extra, self.policy):
            doc = index.docs[i]
            if subcategory is not None and subcategory not in doc.subcategories:
                continue
            if score < floor:
                break
            hits.append(
                SearchHit(
                    article_id=doc.article_id,
                    slug=doc.slug,
                    lang=doc.lang,
                    title=doc.title,
                    score=round(min(score, 1.0), 4),
                    snippet=snippet(doc.body, matched, self.policy.snippet_chars),
                    subcategories=doc.subcategories,
                    matched=tuple(dict.fromkeys(matched)),
                )
            )
            if len(hits) >= (limit or self.policy.max_results):
                break
        return hits

    def document(self, article_id: int) -> Document | None:
        return self._by_id.get(article_id)

    def for_subcategory(self, code: str, lang: str) -> list[Document]:
        """Articles that declare they answer `code`, in index order."""
        index = self._indexes.get(lang)
        return [d for d in index.docs if code in d.subcategories] if index else []


def snippet(body: str, matched: Sequence[str], chars: int) -> str:
    """The first sentence with a matched word (or the opening), about `chars` long."""
    flat = " ".join(body.split())
    low = fold(flat)
    start = 0
    for m in SENTENCE.finditer(low):
        if any(w in m.group() for w in matched):
            start = m.start()
            break
    text = flat[start : start + chars]
    if start + chars < len(flat):
        text = text.rstrip() + "…"
    return ("…" if start else "") + text.strip()
