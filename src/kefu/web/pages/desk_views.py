"""Presenters of the agent desk: domain objects → plain dicts the templates show, with the
zh/en labels picked by the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kefu.domain.customers import Customer
from kefu.domain.sla import Metric
from kefu.domain.tickets import Message, Ticket
from kefu.policies import Policies
from kefu.services.desk_views import DeskHome, OfferLine, SavedReply, TicketView
from kefu.web.pages.labels import CHANNELS, LANES, MEDIA, PRESENCE
from kefu.web.pages.render import pick
from kefu.web.schemas import term_out

STATUS: dict[str, tuple[str, str, str]] = {
    # status: (zh, en, badge class)
    "new": ("新建", "New", "info"),
    "triaged": ("已分类", "Triaged", "info"),
    "bot": ("机器人处理中", "With the bot", "info"),
    "queued": ("排队中", "Queued", "warn"),
    "assigned": ("已分配", "Assigned", "info"),
    "open": ("处理中", "Open", "info"),
    "waiting_customer": ("等待客户", "Waiting on customer", ""),
    "resolved": ("已解决", "Resolved", "ok"),
    "closed": ("已关闭", "Closed", ""),
    "reopened": ("已重开", "Reopened", "bad"),
    "merged": ("已合并", "Merged", ""),
}

# What the button that moves a ticket to a status says: (zh, en, style).
ACTIONS: dict[str, tuple[str, str, str]] = {
    "resolved": ("解决", "Resolve", "primary"),
    "waiting_customer": ("等待客户回复", "Wait for customer", ""),
    "open": ("继续处理", "Back to open", ""),
    "queued": ("退回队列", "Return to queue", ""),
    "closed": ("关闭", "Close", ""),
    "reopened": ("重开", "Reopen", "danger"),
}


CLOCKS: dict[str, tuple[str, str]] = {
    Metric.FIRST_RESPONSE.value: ("首次响应", "First response"),
    Metric.NEXT_RESPONSE.value: ("下次响应", "Next response"),
    Metric.RESOLUTION.value: ("解决时限", "Resolution"),
}

AUTHORS: dict[str, tuple[str, str]] = {
    "customer": ("客户", "Customer"),
    "agent": ("客服", "Agent"),
    "bot": ("机器人", "Bot"),
    "note": ("内部备注", "Internal note"),
    "system": ("系统", "System"),
}


VERIFICATION: dict[str, tuple[str, str]] = {
    "none": ("未认证", "none"),
    "personal": ("个人认证", "personal"),
    "enterprise_basic": ("基础蓝V", "enterprise (basic)"),
    "enterprise_industry": ("行业认证蓝V", "enterprise (industry)"),
    "enterprise_brand": ("品牌蓝V", "enterprise (brand)"),
}


def short_duration(seconds: float, lang: str) -> str:
    """3m 12s / 3分12秒, 1h 05m / 1时05分, 2d 3h / 2天3时."""
    s = int(abs(seconds))
    d, h, m, x = s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60
    if d:
        return pick(lang, f"{d}天{h}时", f"{d}d {h}h")
    if h:
        return pick(lang, f"{h}时{m:02d}分", f"{h}h {m:02d}m")
    if m:
        return pick(lang, f"{m}分{x:02d}秒", f"{m}m {x:02d}s")
    return pick(lang, f"{x}秒", f"{x}s")


def queue_meta(oldest: float | None, estimate: float | None, agents: int, lang: str) -> list[str]:
    parts = []
    if oldest:
        parts.append(pick(lang, "最久等待 ", "oldest ") + short_duration(oldest, lang))
    if estimate:
        parts.append(pick(lang, "预计等待 ", "est. wait ") + short_duration(estimate, lang))
    parts.append(pick(lang, f"{agents} 人在岗", f"{agents} on duty"))
    return parts


def label(table: Mapping[str, tuple[str, ...]], key: str, lang: str) -> str:
    row = table.get(key)
    return pick(lang, row[0], row[1]) if row else key


def priority_class(value: int) -> str:
    """Badge colour of a priority number: p0 (most urgent) … p3."""
    if value >= 80:
        return "p0"
    if value >= 60:
        return "p1"
    if value >= 40:
        return "p2"
    return "p3"


def segment_label(policies: Policies, code: str, lang: str) -> str:
    names = policies.segments.labels.get(code)  # type: ignore[call-overload]
    return pick(lang, names["zh"], names["en"]) if names else code


def queue_name(policies: Policies, queue: str, lang: str) -> str:
    team, _, lane = queue.partition("/")
    t = policies.teams.get(team)
    team_label = pick(lang, t.zh, t.en) if t else team
    return f"{team_label} · {label(LANES, lane, lang)}"


def _nearest_clock(t: Ticket, now: datetime) -> dict[str, Any] | None:
    """The running SLA clock due soonest, for lists."""
    best: dict[str, Any] | None = None
    for metric, clock in t.sla.clocks.items():
        state = clock.state(now).value
        if clock.due_at is None or state not in ("running", "breached", "pending"):
            continue
        if best is None or clock.due_at < best["due"]:
            best = {"metric": metric.value, "due": clock.due_at, "state": state}
    return best


def ticket_row(t: Ticket, policies: Policies, lang: str, now: datetime) -> dict[str, Any]:
    sub = policies.taxonomy.get(t.subcategory)
    clock = _nearest_clock(t, now)
    if clock:
        clock["label"] = label(CLOCKS, clock["metric"], lang)
        clock["due_iso"] = clock["due"].isoformat()
    return {
        "id": t.id,
        "subject": t.subject or pick(lang, sub.zh, sub.en),
        "subcategory": pick(lang, sub.zh, sub.en),
        "status": t.status.value,
        "status_label": label(STATUS, t.status.value, lang),
        "status_class": STATUS.get(t.status.value, ("", "", ""))[2],
        "priority": t.priority.value,
        "priority_class": priority_class(t.priority.value),
        "channel": label(CHANNELS, t.channel.value, lang),
        "customer_uid": t.customer.uid,
        "segment": segment_label(policies, t.customer.segment, lang),
        "queue": queue_name(policies, f"{t.team}/{t.lane.value}", lang),
        "clock": clock,
        "updated_at": t.updated_at,
    }


def offer_row(line: OfferLine, policies: Policies, lang: str, now: datetime) -> dict[str, Any]:
    o = line.offer
    return {
        "id": o.id,
        "ticket_id": o.ticket_id,
        "medium": label(MEDIA, o.medium.value, lang),
        "expires_iso": o.expires_at.isoformat(),
        "ticket": ticket_row(line.ticket, policies, lang, now) if line.ticket else None,
    }


def home_view(home: DeskHome, policies: Policies, lang: str, now: datetime) -> dict[str, Any]:
    agent = home.agent
    return {
        "agent": agent,
        "presence": agent.presence.value if agent else None,
        "presences": [(k, pick(lang, *v)) for k, v in PRESENCE.items()],
        "load": [
            (label(MEDIA, m, lang), n, agent.capacity.get(m, 0) if agent else 0)  # type: ignore[call-overload]
            for m, n in sorted(home.load.items())
        ],
        "queues": [
            {
                "queue": q.queue,
                "name": queue_name(policies, q.queue, lang),
                "waiting": q.waiting,
                "oldest": q.oldest_wait_seconds,
                "estimate": q.estimated_wait_seconds,
                "agents": q.agents,
                "meta": queue_meta(q.oldest_wait_seconds, q.estimated_wait_seconds, q.agents, lang),
            }
            for q in home.queues
        ],
        "offers": [offer_row(x, policies, lang, now) for x in home.offers],
        "mine": [ticket_row(t, policies, lang, now) for t in home.mine],
    }


def message_row(m: Message, lang: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind.value,
        "who": label(AUTHORS, m.kind.value, lang),
        "author": m.author.split(":", 1)[-1],
        "body": m.body,
        "channel": label(CHANNELS, m.channel.value, lang) if m.channel else "",
        "at": m.at,
        "attachments": [{"sha256": a.sha256, "filename": a.filename} for a in m.attachments],
    }


def customer_view(c: Customer | None, policies: Policies, lang: str) -> dict[str, Any] | None:
    if c is None:
        return None
    seg = c.segmentation.primary
    ent = policies.channels.entitlements
    entitlements: list[str] = []
    for s in c.segmentation.segments:
        for text in ent.get(s.value, ()):
            if text.get(lang) not in entitlements:
                entitlements.append(text.get(lang))
    f = c.facts
    return {
        "uid": c.uid,
        "name": c.name,
        "segment": seg.value,
        "segment_label": segment_label(policies, seg.value, lang),
        "segments": [
            segment_label(policies, s.value, lang) for s in c.segmentation.segments if s != seg
        ],
        "key_account": c.segmentation.key_account,
        "hotline_boost": c.segmentation.hotline_boost,
        "followers": f.followers,
        "daily_plays": f.daily_plays,
        "has_shop": f.has_shop,
        "verification": label(VERIFICATION, f.verification.value, lang),
        "annual_ad_spend": f.annual_ad_spend,
        "vip": f.vip,
        "identities": [(i.kind.value, i.value) for i in c.identities],
        "entitlements": entitlements,
    }


def ticket_view(v: TicketView, policies: Policies, lang: str, now: datetime) -> dict[str, Any]:
    t = v.ticket
    row = ticket_row(t, policies, lang, now)
    clocks = []
    for metric, clock in t.sla.clocks.items():
        state = clock.state(now).value
        clocks.append(
            {
                "label": label(CLOCKS, metric.value, lang),
                "state": state,
                "due_iso": clock.due_at.isoformat() if clock.due_at else None,
                "due": clock.due_at,
                "target": clock.target,
            }
        )
    terms = [term_out(x, policies) for x in t.priority.terms]
    categories = [
        {
            "label": pick(lang, c.zh, c.en),
            "subs": [(s.code, pick(lang, s.zh, s.en)) for s in c.subcategories],
        }
        for c in policies.taxonomy.categories
    ]
    return {
        "t": row,
        "ticket": t,
        "code": t.subcategory,
        "channels": [label(CHANNELS, c.value, lang) for c in t.channels],
        "channel_code": t.channel.value,
        "terms": [{"weight": x.weight, "label": pick(lang, x.label.zh, x.label.en)} for x in terms],
        "clocks": clocks,
        "messages": [message_row(m, lang) for m in v.messages],
        "customer": customer_view(v.customer, policies, lang),
        "others": [ticket_row(o, policies, lang, now) for o in v.others],
        "assignee": v.assignee.name if v.assignee else None,
        "targets": [
            {"to": s, "label": pick(lang, *ACTIONS[s][:2]), "style": ACTIONS[s][2]}
            for s in v.targets
            if s in ACTIONS
        ],
        "categories": categories,
        "tags": t.tags,
        "links": [(x.kind.value, x.target_id) for x in t.links],
        "merged_into": t.merged_into_id,
        "work_state": v.work.state.value if v.work else None,
        "has_chat": v.has_chat,
    }


def replies_view(replies: tuple[SavedReply, ...], lang: str) -> list[dict[str, str]]:
    key = "zh" if lang == "zh-CN" else "en"
    return [{"code": r.code, "title": r.title[key], "body": r.body[key]} for r in replies]
