"""The help-center bot's dialogue policy (SPEC §4.1): pure, one customer message at a time.

Each message goes through, in order:

1. a reply to a clarifying question: text equal to an offered option (its code or its
   zh/en label, or its number 1..n) answers for that subcategory;
2. hand-off (`handoff.should_hand_off`: explicit request, escalation phrase, negative
   sentiment, repeated failure, a subcategory that always needs a human);
3. knowledge-base search in the chat's language, then in the other one when nothing is
   found; a hit scoring at least `answer_score` is the answer (summary + citation);
4. otherwise, a confident classifier (≥ `classifier_confident`, no runner-up within
   `close_margin`) with an article for its subcategory is the answer;
5. otherwise a clarifying question offering 2–3 subcategories (classifier guesses, then
   the subcategories of the best hits) — never twice in a row;
6. otherwise a fallback; a fallback counts as a failed answer, and the failure that
   reaches the hand-off policy's limit hands off instead.

"Was this helpful?" feeds `feedback`: unhelpful counts as a failed answer too.
The state (`BotState`) travels with the conversation as JSON between turns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kefu.domain.knowledge import Lang, summarize
from kefu.domain.taxonomy import Taxonomy
from kefu.services.ports import Classification
from kefu.triage.handoff import HandoffDecision, HandoffPolicy, should_hand_off
from kefu.triage.kb_search import Document, KbIndex, SearchHit, fold

KINDS = ("answer", "clarify", "handoff", "fallback")
PHRASES: tuple[str, ...] = (
    *("answer", "ask_helpful", "clarify", "clarify_choose", "fallback", "thanks", "sorry"),
    *("handoff", "empty"),
)


@dataclass(frozen=True)
class BotPolicy:
    answer_score: float = 0.35
    classifier_confident: float = 0.5
    classifier_min_score: float = 0.25
    close_margin: float = 0.12
    clarify_options: int = 3
    clarify_min_confidence: float = 0.05
    summary_chars: int = 220
    article_url: str = "/help/articles/{slug}?lang={lang}"
    phrases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Language ('zh-CN', 'en') → phrase name → text."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BotPolicy:
        phrases: dict[str, dict[str, str]] = {
            lang.value: {
                str(k): str(v) for k, v in data.get("phrases", {}).get(lang.value, {}).items()
            }
            for lang in Lang
        }
        for lang, table in phrases.items():
            missing = [p for p in PHRASES if p not in table]
            if missing:
                raise ValueError(f"knowledge.toml [bot.phrases.{lang}]: missing {missing}")
        policy = cls(
            answer_score=float(data.get("answer_score", 0.35)),
            classifier_confident=float(data.get("classifier_confident", 0.5)),
            classifier_min_score=float(data.get("classifier_min_score", 0.25)),
            close_margin=float(data.get("close_margin", 0.12)),
            clarify_options=int(data.get("clarify_options", 3)),
            clarify_min_confidence=float(data.get("clarify_min_confidence", 0.05)),
            summary_chars=int(data.get("summary_chars", 220)),
            article_url=str(data.get("article_url", cls.article_url)),
            phrases=phrases,
        )
        if not 2 <= policy.clarify_options <= 5 or policy.summary_chars < 40:
            raise ValueError("knowledge.toml [bot]: clarify_options 2..5, summary_chars ≥ 40")
        if not (0 < policy.answer_score <= 1 and 0 < policy.classifier_confident <= 1.01):
            raise ValueError("knowledge.toml [bot]: answer_score and classifier_confident in 0..1")
        return policy

    def say(self, lang: Lang, phrase: str, **values: str) -> str:
        return self.phrases[lang.value][phrase].format(**values)


@dataclass(frozen=True)
class BotState:
    """Carried by the conversation between turns (JSON via to_dict/from_dict)."""

    failed_answers: int = 0
    last_article_ids: tuple[int, ...] = ()
    pending_clarify: tuple[str, ...] = ()
    """Subcategory codes offered in the last clarifying question."""
    turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "failed_answers": self.failed_answers,
            "last_article_ids": list(self.last_article_ids),
            "pending_clarify": list(self.pending_clarify),
            "turns": self.turns,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> BotState:
        """Tolerant: a missing or malformed state starts afresh rather than failing a chat."""
        if not data:
            return cls()
        try:
            return cls(
                failed_answers=max(0, int(data.get("failed_answers", 0))),
                last_article_ids=tuple(int(x) for x in data.get("last_article_ids", ())),
                pending_clarify=tuple(str(x) for x in data.get("pending_clarify", ())),
                turns=max(0, int(data.get("turns", 0))),
            )
        except (TypeError, ValueError):
            return cls()


@dataclass(frozen=True)
class Citation:
    article_id: int
    slug: str
    title: str
    lang: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "slug": self.slug,
            "title": self.title,
            "lang": self.lang,
            "url": self.url,
        }


@dataclass(frozen=True)
class BotTurn:
    kind: str
    """answer | clarify | handoff | fallback"""
    text: str
    citations: tuple[Citation, ...]
    ask_helpful: bool
    options: tuple[dict[str, str], ...]
    handoff: HandoffDecision | None
    classification: dict[str, Any] | None
    state: BotState

    def to_dict(self) -> dict[str, Any]:
        h = self.handoff
        return {
            "kind": self.kind,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "ask_helpful": self.ask_helpful,
            "options": [dict(o) for o in self.options],
            "handoff": None
            if h is None
            else {
                "reasons": list(h.reasons),
                "evidence": list(h.evidence),
                "sentiment": h.sentiment,
            },
            "classification": self.classification,
            "state": self.state.to_dict(),
        }


@dataclass(frozen=True)
class Context:
    """What one decision needs besides the message: the index, rules and taxonomy."""

    index: KbIndex
    taxonomy: Taxonomy
    policy: BotPolicy
    handoff: HandoffPolicy


def classification_dict(guess: Classification | None) -> dict[str, Any] | None:
    if guess is None:
        return None
    return {
        "label": guess.label,
        "confidence": round(guess.confidence, 4),
        "confident": guess.confident,
        "top": [{"label": lbl, "confidence": round(c, 4)} for lbl, c in guess.top3],
    }


def respond(
    text: str, lang: Lang, state: BotState, guess: Classification | None, cx: Context
) -> BotTurn:
    """The bot's turn for one customer message (`guess`: the classifier's, or None)."""
    state = replace(state, turns=state.turns + 1)
    info = classification_dict(guess)
    text = text.strip()
    if not text:
        return _turn("fallback", cx.policy.say(lang, "empty"), state, info)

    chosen = match_option(text, state.pending_clarify, cx.taxonomy)
    was_clarifying = bool(state.pending_clarify)
    state = replace(state, pending_clarify=())
    if chosen is not None:
        decision = should_hand_off(
            text,
            predicted_subcategory=chosen,
            failed_bot_answers=state.failed_answers,
            taxonomy=cx.taxonomy,
            policy=cx.handoff,
        )
        if decision.handoff:
            return _handoff(decision, lang, state, info, cx)
        doc = best_for_subcategory(text, chosen, lang, cx.index)
        if doc is not None:
            return _answer(doc, lang, state, info, cx)
        return _fallback(lang, state, info, cx)

    confident = guess is not None and guess.confident
    decision = should_hand_off(
        text,
        predicted_subcategory=guess.label if guess is not None and confident else None,
        failed_bot_answers=state.failed_answers,
        taxonomy=cx.taxonomy,
        policy=cx.handoff,
    )
    if decision.handoff:
        return _handoff(decision, lang, state, info, cx)

    hits = cx.index.search(text, lang.value) or cx.index.search(text, lang.other.value)
    if hits and hits[0].score >= cx.policy.answer_score:
        doc = cx.index.document(hits[0].article_id)
        if doc is not None:
            return _answer(doc, lang, state, info, cx)

    if guess is not None and _sure(guess, cx):
        doc = best_for_subcategory(
            text, guess.label, lang, cx.index, min_score=cx.policy.classifier_min_score
        )
        if doc is not None:
            return _answer(doc, lang, state, info, cx)

    options = clarify_options(guess, hits, cx)
    if len(options) >= 2 and not was_clarifying:
        labels = tuple(_option(code, lang, cx.taxonomy) for code in options)
        body = "\n".join(
            [cx.policy.say(lang, "clarify")]
            + [f"{i}. {o['label']}" for i, o in enumerate(labels, 1)]
            + [cx.policy.say(lang, "clarify_choose")]
        )
        new = replace(state, pending_clarify=tuple(options))
        return BotTurn("clarify", body, (), False, labels, None, info, new)
    return _fallback(lang, state, info, cx)


def feedback(state: BotState, helpful: bool, lang: Lang, cx: Context) -> BotTurn:
    """The customer's answer to "was this helpful?"."""
    state = replace(state, pending_clarify=())
    if helpful:
        return _turn("answer", cx.policy.say(lang, "thanks"), state, None)
    state = replace(state, failed_answers=state.failed_answers + 1)
    decision = _repeated(state, cx)
    if decision.handoff:
        return _handoff(decision, lang, state, None, cx)
    return _turn("fallback", cx.policy.say(lang, "sorry"), state, None)


def match_option(text: str, offered: Sequence[str], taxonomy: Taxonomy) -> str | None:
    """The offered subcategory the text names: its code, its zh/en label or its number."""
    if not offered:
        return None
    said = fold(text).strip(" .。!！")
    for i, code in enumerate(offered, 1):
        if said in (str(i), code.lower()):
            return code
        if code in taxonomy:
            sub = taxonomy.get(code)
            if said in (fold(sub.zh), fold(sub.en)):
                return code
    return None


def best_for_subcategory(
    text: str, code: str, lang: Lang, index: KbIndex, *, min_score: float = 0.0
) -> Document | None:
    """The article for `code` that best matches the text (chat language first).

    A broad subcategory (how-to questions) has articles on unrelated topics, so the text
    must still match the article a little (`min_score`); the one article of a narrow
    subcategory answers even without a textual match."""
    for lg in (lang, lang.other):
        hits = index.search(text, lg.value, subcategory=code, min_score=min_score, limit=1)
        if hits:
            return index.document(hits[0].article_id)
        docs = index.for_subcategory(code, lg.value)
        if len(docs) == 1:
            return docs[0]
    return None


def clarify_options(
    guess: Classification | None, hits: Sequence[SearchHit], cx: Context
) -> list[str]:
    """Up to `clarify_options` subcategories: classifier guesses, then the hits' ones."""
    out: list[str] = []
    if guess is not None:
        out += [
            lbl
            for lbl, conf in guess.top3
            if conf >= cx.policy.clarify_min_confidence and lbl in cx.taxonomy
        ]
    for hit in hits:
        out += [c for c in hit.subcategories if c in cx.taxonomy]
    return list(dict.fromkeys(out))[: cx.policy.clarify_options]


def _sure(guess: Classification, cx: Context) -> bool:
    if guess.label not in cx.taxonomy or guess.confidence < cx.policy.classifier_confident:
        return False
    runner_up = guess.top3[1][1] if len(guess.top3) > 1 else 0.0
    return guess.confidence - runner_up >= cx.policy.close_margin


def _option(code: str, lang: Lang, taxonomy: Taxonomy) -> dict[str, str]:
    sub = taxonomy.get(code)
    return {"code": code, "label": sub.zh if lang is Lang.ZH else sub.en}


def citation(doc: Document, policy: BotPolicy) -> Citation:
    url = policy.article_url.format(slug=doc.slug, lang=doc.lang)
    return Citation(doc.article_id, doc.slug, doc.title, doc.lang, url)


def _answer(
    doc: Document, lang: Lang, state: BotState, info: dict[str, Any] | None, cx: Context
) -> BotTurn:
    summary = summarize(doc.body, cx.policy.summary_chars)
    text = cx.policy.say(lang, "answer", title=doc.title, summary=summary)
    text += "\n\n" + cx.policy.say(lang, "ask_helpful")
    new = replace(state, last_article_ids=(doc.article_id,))
    return BotTurn("answer", text, (citation(doc, cx.policy),), True, (), None, info, new)


def _fallback(lang: Lang, state: BotState, info: dict[str, Any] | None, cx: Context) -> BotTurn:
    state = replace(state, failed_answers=state.failed_answers + 1, last_article_ids=())
    decision = _repeated(state, cx)
    if decision.handoff:
        return _handoff(decision, lang, state, info, cx)
    return _turn("fallback", cx.policy.say(lang, "fallback"), state, info)


def _repeated(state: BotState, cx: Context) -> HandoffDecision:
    return should_hand_off(
        "",
        predicted_subcategory=None,
        failed_bot_answers=state.failed_answers,
        taxonomy=cx.taxonomy,
        policy=cx.handoff,
    )


def _handoff(
    decision: HandoffDecision,
    lang: Lang,
    state: BotState,
    info: dict[str, Any] | None,
    cx: Context,
) -> BotTurn:
    text = cx.policy.say(lang, "handoff")
    return BotTurn("handoff", text, (), False, (), decision, info, state)


def _turn(kind: str, text: str, state: BotState, info: dict[str, Any] | None) -> BotTurn:
    return BotTurn(kind, text, (), False, (), None, info, state)
