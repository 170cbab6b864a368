"""The channel advisor (SPEC §12): every channel ranked for one customer and problem, now.

The catalogue (hours, entitlements, fit per problem, what to prepare, texts in zh-CN and
en) is policy data (`policies/channels.toml`). The live part — the estimated wait of each
channel — comes from the queue figures; this module only combines them:

    score = (base + effort + estimated wait) × fit factor

(the estimated wait of a closed channel counts from now, so includes its opening time);

lower is better; channels the customer is entitled to come first, channels that are no
way to solve this problem (fit `no`) last, ties in catalogue order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from string import Formatter
from typing import Any

from kefu.domain.calendars import BusinessCalendar

LANGS = ("zh-CN", "en")
FITS = ("best", "good", "ok", "poor", "no")


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def fill(self, lang: str, values: Mapping[str, str]) -> str:
        """The text with `{name}` placeholders filled (unknown ones left as they are)."""
        template = self.get(lang)
        names = {n for _, n, _, _ in Formatter().parse(template) if n}
        out = template
        for name in names:
            if name in values:
                out = out.replace("{" + name + "}", values[name])
        return out


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    calendar: str
    label: Text
    hours: Text
    entitlement: Text
    strength: Text
    fit: Mapping[str, str]
    prepare: tuple[Text, ...] = ()
    prepare_for: Mapping[str, tuple[Text, ...]] = field(default_factory=dict)
    entitled: frozenset[str] = frozenset()
    """Segments that may use the channel; empty means everyone."""
    response_seconds: int | None = None
    """The published response time: the estimate when there is no live figure."""
    lead_days: Mapping[str, int] = field(default_factory=dict)
    cities: Mapping[str, Text] = field(default_factory=dict)
    effort_seconds: int = 0
    """What using the channel costs beyond waiting (a trip to a center), for ranking."""

    def fit_for(self, subcategory: str) -> str:
        category = subcategory.split(".")[0]
        return self.fit.get(subcategory) or self.fit.get(category) or self.fit.get("*", "ok")

    def is_entitled(self, segments: Sequence[str]) -> bool:
        return not self.entitled or bool(self.entitled & set(segments))

    def prepare_list(self, subcategory: str, lang: str, values: Mapping[str, str]) -> list[str]:
        category = subcategory.split(".")[0]
        extra = self.prepare_for.get(category, ()) + self.prepare_for.get(subcategory, ())
        return [t.fill(lang, values) for t in (*self.prepare, *extra)]


@dataclass(frozen=True)
class ChannelCatalogue:
    channels: tuple[ChannelSpec, ...] = ()
    base_seconds: int = 300
    unknown_wait_seconds: int = 172_800
    fit_factor: Mapping[str, float] = field(
        default_factory=lambda: {"best": 0.4, "good": 0.7, "ok": 1.0, "poor": 2.0, "no": 10.0}
    )
    entitlements: Mapping[str, tuple[Text, ...]] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    """Opening hours defined by the catalogue itself (beside calendars.toml)."""

    def get(self, name: str) -> ChannelSpec:
        for spec in self.channels:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def guess_subcategory(self, text: str, fallback: str) -> str:
        """The subcategory whose keywords occur most often in `text` (first on ties)."""
        lowered = text.lower()
        best, hits = fallback, 0
        for code, words in self.keywords.items():
            n = sum(1 for w in words if w.lower() in lowered)
            if n > hits:
                best, hits = code, n
        return best


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """What the advisor knows about one channel for this customer and problem."""

    spec: ChannelSpec
    entitled: bool
    open_now: bool
    until_open_seconds: float
    """0 when open; else the seconds until it next opens."""
    estimated_wait_seconds: float | None
    """Until a person handles it, opening time included; None when unknown or unusable."""
    queue_length: int | None = None
    live: bool = False
    """The estimate is from live queue figures (else a forecast or a published time)."""
    next_open_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    facts: ChannelFacts
    fit: str
    score: float


def rank(
    facts: Sequence[ChannelFacts], subcategory: str, catalogue: ChannelCatalogue
) -> list[Ranked]:
    """Best first (see the module docstring)."""
    order = {spec.name: i for i, spec in enumerate(catalogue.channels)}
    ranked = []
    for f in facts:
        fit = f.spec.fit_for(subcategory)
        wait = (
            f.estimated_wait_seconds
            if f.estimated_wait_seconds is not None
            else catalogue.unknown_wait_seconds
        )
        factor = catalogue.fit_factor.get(fit, 1.0)
        cost = catalogue.base_seconds + f.spec.effort_seconds + wait
        ranked.append(Ranked(f, fit, cost * factor))
    ranked.sort(
        key=lambda r: (not r.facts.entitled, r.fit == "no", r.score, order[r.facts.spec.name])
    )
    return ranked


def duration_text(seconds: float, lang: str) -> str:
    """A short human duration: 45 秒 / 12 分钟 / 3 小时 / 2 天 (or in English)."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} 秒" if lang != "en" else f"{s} s"
    if s < 3600:
        m = round(s / 60)
        return f"{m} 分钟" if lang != "en" else f"{m} min"
    if s < 86400 * 2:
        h = round(s / 3600, 1)
        h_text = f"{h:g}"
        return f"{h_text} 小时" if lang != "en" else f"{h_text} h"
    d = round(s / 86400, 1)
    return f"{d:g} 天" if lang != "en" else f"{d:g} days"


def why(r: Ranked, lang: str) -> str:
    """One sentence per reason, in the language asked for."""
    f, en = r.facts, lang == "en"
    parts = [f.spec.strength.get(lang)]
    if not f.entitled:
        parts.append(
            ("Not available to you: " if en else "你暂不可用：") + f.spec.entitlement.get(lang)
        )
    elif r.fit == "no":
        parts.append("Not a channel for this problem" if en else "不处理这类问题")
    if f.entitled and not f.open_now and f.next_open_at is not None:
        when = f.next_open_at.strftime("%m-%d %H:%M")
        parts.append(f"Closed now; opens {when}" if en else f"现在未开放，{when} 开放")
    if f.entitled and f.estimated_wait_seconds is not None:
        d = duration_text(f.estimated_wait_seconds, lang)
        if f.estimated_wait_seconds < 60:
            parts.append("An agent is free now" if en else "现在就有空闲客服")
        elif f.live and f.queue_length is not None:
            parts.append(
                f"{f.queue_length} waiting now, about {d} until an agent"
                if en
                else f"当前排队 {f.queue_length} 人，预计约 {d} 后有人处理"
            )
        else:
            parts.append(f"Expected in about {d}" if en else f"预计约 {d} 后处理")
    return ("; " if en else "；").join(p for p in parts if p)


def lead_text(spec: ChannelSpec, lang: str) -> str:
    """`北京 提前 7 天、上海 提前 3 天、成都 当日可约` (or in English)."""
    out = []
    for city, days in spec.lead_days.items():
        name = spec.cities.get(city, Text(city, city)).get(lang)
        if lang == "en":
            out.append(f"{name} {days} days ahead" if days else f"{name} same day")
        else:
            out.append(f"{name} 提前 {days} 天" if days else f"{name} 当日可约")
    return (", " if lang == "en" else "、").join(out)


def text_from(data: Any) -> Text:
    if isinstance(data, Text):
        return data
    return Text(str(data["zh"]), str(data["en"]))
