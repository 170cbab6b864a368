"""When the in-app chat goes to a human (SPEC §4.1) — a pure policy with reasons.

Five reasons, each from policy data in `policies/triage.toml`:

- `explicit_request`: the customer asks for a human (转人工, 人工客服, "human agent");
- `escalation_phrase`: 多次尝试未解决, 系统误判, complaints against the platform,
  regulators (12315, 消协, 工信部), lawyers and the police;
- `negative_sentiment`: a lexicon score at or above the policy threshold;
- `repeated_failure`: the bot has already given `max_failed_bot_answers` unhelpful answers;
- `human_required_subcategory`: the (confidently) predicted subcategory always needs a
  human (account.ban_appeal, account.hijacked, safety.fraud by default).

Look-alikes do not trigger: the trigger patterns are specific (人工客服 matches, 人工智能
does not), and a trigger preceded in its clause by a negation (不用转人工, "no need for a
human agent", 我不生气) does not count. Overlapping matches of several patterns are one
match, negated or not as a whole ("don't want to talk to a real person").

Sentiment is a small lexicon rather than a model: there is no labelled sentiment data for
this domain, the reasons must be explainable to the agent who receives the chat, operators
tune the words in TOML, and it costs microseconds. A false positive only brings a human in
early, which is the cheap side of the error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kefu.domain.taxonomy import Taxonomy
from kefu.triage.normalize import clause_start, normalize

EXPLICIT = "explicit_request"
ESCALATION = "escalation_phrase"
NEGATIVE = "negative_sentiment"
REPEATED = "repeated_failure"
HUMAN_REQUIRED = "human_required_subcategory"
REASONS = (EXPLICIT, ESCALATION, NEGATIVE, REPEATED, HUMAN_REQUIRED)

SHOUT = re.compile(r"[!?]{3,}")
CLAUSE_LOOKBACK = 60


@dataclass(frozen=True, slots=True)
class HandoffDecision:
    handoff: bool
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    """The phrases that decided it (for the agent who receives the chat)."""
    sentiment: float = 0.0


@dataclass(frozen=True)
class HandoffPolicy:
    explicit: tuple[re.Pattern[str], ...]
    escalation: tuple[re.Pattern[str], ...]
    negation_zh: re.Pattern[str]
    negation_en: re.Pattern[str]
    negation_window: int
    lexicon: tuple[tuple[re.Pattern[str], float], ...]
    """Sentiment phrases, longest first, with their weights."""
    exceptions: tuple[str, ...]
    negative_threshold: float
    shout_weight: float
    negated_factor: float
    max_failed_bot_answers: int
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandoffPolicy:
        """Build from the `[handoff]` table of triage.toml; a bad pattern names itself."""

        def patterns(table: Mapping[str, Sequence[str]]) -> tuple[re.Pattern[str], ...]:
            return tuple(_compile(p) for lang in ("zh", "en") for p in table.get(lang, ()))

        sentiment = data.get("sentiment", {})
        words: dict[str, float] = {}
        for lang in ("zh", "en"):
            words.update({normalize(k): float(v) for k, v in sentiment.get(lang, {}).items()})
        lexicon = tuple(
            (_phrase(w), weight) for w, weight in sorted(words.items(), key=lambda x: -len(x[0]))
        )
        excepted = sentiment.get("except", {})
        negation = data["negation"]
        policy = cls(
            explicit=patterns(data["explicit"]),
            escalation=patterns(data["escalation"]),
            negation_zh=_compile(negation["zh"]),
            negation_en=_compile(negation["en"]),
            negation_window=int(data.get("negation_window", 6)),
            lexicon=lexicon,
            exceptions=tuple(normalize(x) for lang in ("zh", "en") for x in excepted.get(lang, ())),
            negative_threshold=float(data.get("negative_threshold", 2.0)),
            shout_weight=float(sentiment.get("shout_weight", 1.0)),
            negated_factor=float(sentiment.get("negated_factor", 0.0)),
            max_failed_bot_answers=int(data.get("max_failed_bot_answers", 2)),
        )
        if policy.max_failed_bot_answers < 1 or policy.negative_threshold <= 0:
            raise ValueError("handoff: max_failed_bot_answers ≥ 1 and negative_threshold > 0")
        return policy


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"triage.toml: bad pattern {pattern!r}: {exc}") from None


def _phrase(word: str) -> re.Pattern[str]:
    """ASCII words match whole words (`sb` not inside `usb`); CJK phrases anywhere."""
    escaped = re.escape(word)
    if word.isascii():
        return re.compile(rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile(escaped)


def negated(text: str, start: int, policy: HandoffPolicy) -> bool:
    """Is the phrase at `start` negated by what precedes it in its clause?"""
    before = text[max(clause_start(text, start), start - CLAUSE_LOOKBACK) : start]
    if policy.negation_zh.search(before[-policy.negation_window :]):
        return True
    return policy.negation_en.search(before) is not None


def triggers(text: str, patterns: Sequence[re.Pattern[str]], policy: HandoffPolicy) -> list[str]:
    """The un-negated matches of `patterns` in normalised `text` (overlaps merged)."""
    spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(text) if m.group())
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [text[s:e] for s, e in merged if not negated(text, s, policy)]


def sentiment(text: str, policy: HandoffPolicy) -> tuple[float, list[str]]:
    """Negative-sentiment score of normalised `text` and the words that made it."""
    masked = text
    for phrase in policy.exceptions:
        masked = masked.replace(phrase, " " * len(phrase))
    taken = [False] * len(masked)
    score, words = 0.0, []
    for pattern, weight in policy.lexicon:
        for m in pattern.finditer(masked):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            factor = policy.negated_factor if negated(masked, m.start(), policy) else 1.0
            if factor:
                score += weight * factor
                words.append(m.group())
    if score and SHOUT.search(text):
        score += policy.shout_weight
    return score, words


def should_hand_off(
    text: str,
    *,
    predicted_subcategory: str | None,
    failed_bot_answers: int,
    taxonomy: Taxonomy,
    policy: HandoffPolicy | None = None,
) -> HandoffDecision:
    """Does this customer message (with the chat's state) go to a human, and why?

    `predicted_subcategory` is the classifier's label when it is confident, else None.
    """
    if policy is None:
        from kefu.triage.policy import default_policy

        policy = default_policy().handoff
    norm = normalize(text)
    reasons: list[str] = []
    evidence: list[str] = []
    if found := triggers(norm, policy.explicit, policy):
        reasons.append(EXPLICIT)
        evidence += found
    if found := triggers(norm, policy.escalation, policy):
        reasons.append(ESCALATION)
        evidence += found
    score, words = sentiment(norm, policy)
    if score >= policy.negative_threshold:
        reasons.append(NEGATIVE)
        evidence += words
    if failed_bot_answers >= policy.max_failed_bot_answers:
        reasons.append(REPEATED)
        evidence.append(f"{failed_bot_answers} unhelpful bot answers")
    code = predicted_subcategory
    if code is not None and code in taxonomy and taxonomy.get(code).human_required:
        reasons.append(HUMAN_REQUIRED)
        evidence.append(code)
    return HandoffDecision(bool(reasons), tuple(reasons), tuple(evidence), score)
