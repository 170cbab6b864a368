"""Presenters of the supervisor board: labels in the page's language, KPIs, table rows
and chart series. Pure functions of what `services.board_views` returns."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kefu.domain.customers import Segment
from kefu.domain.figures import QueueFigures
from kefu.policies import Policies
from kefu.services.board_views import AgentLoad, AtRisk, Board, Reports
from kefu.services.report_ports import TicketGroup
from kefu.web.pages.labels import CHANNELS, LANES, MEDIA, PRESENCE
from kefu.web.pages.render import pick

METRICS: dict[str, tuple[str, str]] = {
    "first_response": ("首次响应", "First response"),
    "next_response": ("再次响应", "Next response"),
    "resolution": ("解决", "Resolution"),
}
DISPUTE_TYPES: dict[str, tuple[str, str]] = {
    "not_received": ("未收到货", "Not received"),
    "not_as_described": ("货不对板", "Not as described"),
    "quality": ("质量问题", "Quality problem"),
    "all": ("合计", "All types"),
}
# Priority scores (0..100) in four bands, as the badges show them.
BANDS: tuple[tuple[str, int, str, str], ...] = (
    ("p0", 80, "紧急", "Urgent"),
    ("p1", 60, "高", "High"),
    ("p2", 40, "中", "Normal"),
    ("p3", 0, "低", "Low"),
)
# Chart colours: the channel palette is fixed so a channel keeps its colour everywhere.
PALETTE = (
    "#2563eb",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#06b6d4",
    "#ec4899",
    "#84cc16",
    "#64748b",
    "#a16207",
)
BAND_COLOURS = {"p0": "#d92d20", "p1": "#f79009", "p2": "#2e90fa", "p3": "#12b76a"}


class Labels:
    """Codes → names in one language."""

    def __init__(self, policies: Policies, lang: str) -> None:
        self.p, self.lang = policies, lang

    def _pair(self, table: dict[str, tuple[str, str]], code: str) -> str:
        zh, en = table.get(code, (code, code))
        return pick(self.lang, zh, en)

    def team(self, code: str) -> str:
        t = self.p.teams.get(code)
        return pick(self.lang, t.zh, t.en) if t else code

    def lane(self, code: str) -> str:
        return self._pair(LANES, code)

    def medium(self, code: str) -> str:
        return self._pair(MEDIA, code)

    def channel(self, code: str) -> str:
        return self._pair(CHANNELS, code)

    def presence(self, code: str) -> str:
        return self._pair(PRESENCE, code)

    def metric(self, code: str) -> str:
        return self._pair(METRICS, code)

    def dispute_type(self, code: str) -> str:
        return self._pair(DISPUTE_TYPES, code)

    def segment(self, code: str) -> str:
        try:
            names = self.p.segments.labels.get(Segment(code), {})
        except ValueError:
            names = {}
        return names.get("zh" if self.lang == "zh-CN" else "en", code)

    def subcategory(self, code: str) -> str:
        try:
            s = self.p.taxonomy.get(code)
        except Exception:  # a retired code in old tickets
            return code
        return pick(self.lang, s.zh, s.en)

    def category(self, code: str) -> str:
        for c in self.p.taxonomy.categories:
            if c.code == code:
                return pick(self.lang, c.zh, c.en)
        return code

    def js(self) -> dict[str, dict[str, str]]:
        """What board.js needs to name queues like the server does."""
        return {
            "team": {c: self.team(c) for c in self.p.teams},
            "lane": {c: self.lane(c) for c in LANES},
            "medium": {c: self.medium(c) for c in MEDIA},
        }


def band(priority: int) -> tuple[str, str]:
    for code, floor, _, _ in BANDS:
        if priority >= floor:
            return code, code.upper()
    return "p3", "P3"


# ---- the live board -------------------------------------------------------------------


def kpis(queues: list[dict[str, Any]], agents: list[AgentLoad]) -> dict[str, Any]:
    """The strip at the top; board.js computes the same from each WebSocket message."""
    waiting = sum(int(q["length"]) for q in queues)
    oldest = max((q["oldest_wait_seconds"] or 0 for q in queues if q["length"]), default=None)
    weights = [(q["estimated_wait_seconds"], q["length"]) for q in queues if q["length"]]
    known = [(w, n) for w, n in weights if w is not None]
    est = sum(w * n for w, n in known) / sum(n for _, n in known) if known else None
    answered = [(q["service_level"], q["answered"]) for q in queues if q["answered"]]
    total = sum(n for _, n in answered)
    sl = sum((s or 0) * n for s, n in answered) / total if total else None
    return {
        "waiting": waiting,
        "oldest": oldest,
        "estimated": est,
        "service_level": sl,
        "online": sum(1 for a in agents if a.presence.value != "offline"),
        "agents": len(agents),
    }


def queue_rows(queues: list[QueueFigures]) -> list[dict[str, Any]]:
    rows = [q.as_dict() for q in queues]
    rows.sort(key=lambda r: (str(r["team"]), str(r["lane"]), str(r["medium"])))
    return rows


def risk_rows(items: list[AtRisk], labels: Labels, now: datetime) -> list[dict[str, Any]]:
    out = []
    for r in items:
        t = r.ticket
        code, name = band(t.priority.value)
        out.append(
            {
                "id": t.id,
                "subject": t.subject,
                "team": labels.team(t.team),
                "lane": labels.lane(str(t.lane)),
                "band": code,
                "band_name": name,
                "priority": t.priority.value,
                "metric": labels.metric(r.metric.value) if r.metric else "",
                "due_at": r.due_at.isoformat() if r.due_at else None,
                "overdue": bool(r.due_at and r.due_at <= now),
            }
        )
    return out


def agent_rows(agents: list[AgentLoad], labels: Labels) -> list[dict[str, Any]]:
    out = []
    for a in agents:
        media = [
            {
                "name": labels.medium(m.value),
                "load": a.load.get(m, 0),
                "capacity": cap,
                "pct": min(100, round(100 * a.load.get(m, 0) / cap)) if cap else 0,
            }
            for m, cap in a.capacity.items()
            if cap
        ]
        out.append(
            {
                "id": a.id,
                "name": a.name,
                "presence": a.presence.value,
                "presence_name": labels.presence(a.presence.value),
                "on_duty": a.on_duty,
                "teams": ", ".join(labels.team(t) for t in a.teams),
                "media": media,
                "used": a.used,
                "slots": a.slots,
                "pct": round(100 * a.used / a.slots) if a.slots else 0,
            }
        )
    return out


def board_context(b: Board, policies: Policies, lang: str) -> dict[str, Any]:
    labels = Labels(policies, lang)
    rows = queue_rows(b.queues)
    return {
        "at": b.at,
        "queues": rows,
        "kpi": kpis(rows, b.agents),
        "risks": risk_rows(b.at_risk, labels, b.at),
        "agents": agent_rows(b.agents, labels),
        "labels": labels,
        "js_labels": labels.js(),
    }


# ---- the reports ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    name: str
    tickets: int
    share: float
    first_response: float | None
    response_rate: float | None
    resolution_rate: float | None
    resolution: float | None
    attainment: float | None
    breached: int


def _rows(groups: list[TicketGroup], name: Any) -> list[Row]:
    total = sum(g.tickets for g in groups) or 1
    return [
        Row(
            key=g.key,
            name=name(g.key),
            tickets=g.tickets,
            share=g.tickets / total,
            first_response=g.first_response_seconds,
            response_rate=g.responded / g.tickets if g.tickets else None,
            resolution_rate=g.resolved / g.tickets if g.tickets else None,
            resolution=g.resolution_seconds,
            attainment=1 - g.breached / g.with_sla if g.with_sla else None,
            breached=g.breached,
        )
        for g in groups
    ]


def _merge(key: str, groups: list[TicketGroup]) -> TicketGroup:
    """Groups added together (means weighted by how many they are means of)."""

    def mean(pairs: list[tuple[float | None, int]]) -> float | None:
        known = [(v, n) for v, n in pairs if v is not None and n]
        weight = sum(n for _, n in known)
        return sum(v * n for v, n in known) / weight if weight else None

    return TicketGroup(
        key=key,
        tickets=sum(g.tickets for g in groups),
        responded=sum(g.responded for g in groups),
        first_response_seconds=mean([(g.first_response_seconds, g.responded) for g in groups]),
        resolved=sum(g.resolved for g in groups),
        resolution_seconds=mean([(g.resolution_seconds, g.resolved) for g in groups]),
        with_sla=sum(g.with_sla for g in groups),
        breached=sum(g.breached for g in groups),
    )


def reports_context(r: Reports, policies: Policies, lang: str) -> dict[str, Any]:
    labels = Labels(policies, lang)
    by_cat: dict[str, list[TicketGroup]] = defaultdict(list)
    for g in r.by_subcategory:
        by_cat[g.key.split(".", 1)[0]].append(g)
    categories = sorted(
        (_merge(k, v) for k, v in by_cat.items()), key=lambda g: (-g.tickets, g.key)
    )
    total = _rows([_merge("all", r.by_channel)], lambda _: "")[0] if r.by_channel else None
    channels = [g.key for g in r.by_channel]
    colour = {c: PALETTE[n % len(PALETTE)] for n, c in enumerate(channels)}
    days: dict[str, dict[str, int]] = defaultdict(dict)
    for d in r.daily:
        days[d.day][d.channel] = d.tickets
    backlog: dict[str, dict[str, int]] = defaultdict(lambda: {b[0]: 0 for b in BANDS})
    overdue: dict[str, int] = defaultdict(int)
    for cell in r.backlog:
        backlog[cell.team][band(cell.priority)[0]] += cell.open
        overdue[cell.team] += cell.overdue
    by_channel = _rows(r.by_channel, labels.channel)
    by_category = _rows(categories, labels.category)
    by_segment = _rows(r.by_segment, labels.segment)
    by_team = _rows(r.by_team, labels.team)
    ratings = [{**x, "name": labels.channel(str(x["channel"]))} for x in r.ratings_by_channel]

    def volume(rows: list[Row]) -> list[tuple[str, float, str]]:
        return [(x.name, x.tickets, f"{x.tickets} · {x.share * 100:.0f}%") for x in rows]

    charts = {
        "channel": volume(by_channel),
        "category": volume(by_category),
        "segment": volume(by_segment),
        "sla": [
            (x.name, x.attainment, f"{x.attainment * 100:.1f}%")
            for x in by_team
            if x.attainment is not None
        ],
        "ratings": [(x["name"], x["average"], f"{x['average']:.2f}") for x in ratings],
    }
    return {
        "labels": labels,
        "charts": charts,
        "total": total,
        "by_channel": by_channel,
        "by_category": by_category,
        "by_subcategory": _rows(r.by_subcategory, labels.subcategory),
        "by_segment": by_segment,
        "by_team": by_team,
        "daily": [
            {
                "label": day[5:],
                "values": [(c, vals.get(c, 0)) for c in channels],
                "total": sum(vals.values()),
            }
            for day, vals in sorted(days.items())
        ],
        "series": [(c, labels.channel(c), colour[c]) for c in channels],
        "backlog": [
            {
                "label": labels.team(team),
                "values": [(b, counts[b]) for b, *_ in BANDS],
                "overdue": overdue[team],
                "total": sum(counts.values()),
            }
            for team, counts in sorted(backlog.items(), key=lambda kv: -sum(kv[1].values()))
        ],
        "bands": [(code, pick(lang, zh, en), BAND_COLOURS[code]) for code, _, zh, en in BANDS],
        "disputes": [*r.disputes.types, r.disputes.total],
        "ratings_by_channel": ratings,
        "ratings_by_team": [{**x, "name": labels.team(str(x["team"]))} for x in r.ratings_by_team],
    }
