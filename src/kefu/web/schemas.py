"""The JSON shapes of the API (SPEC §14 fixes some of them) and how objects become them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from kefu.domain.customers import Customer, Segment
from kefu.domain.organisation import Agent, Queue, Team
from kefu.domain.priority import PriorityTerm
from kefu.domain.sla import Metric, pick_calendar
from kefu.domain.tickets import Attachment, AuditEntry, Message, Ticket
from kefu.policies import Policies

DISPLAY_TZ: list[tzinfo] = [ZoneInfo("Asia/Shanghai")]
"""Times leave the API as ISO 8601 with this zone's offset (set from Settings)."""


def _iso(value: datetime) -> str:
    return value.astimezone(DISPLAY_TZ[0]).isoformat()


Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- input -------------------------------------------------------------------------------


class CustomerRefIn(Strict):
    uid: str = Field(examples=["UID12345678"])


class AttachmentRefIn(Strict):
    sha256: str = Field(min_length=64, max_length=64)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=120)


class TicketIn(Strict):
    customer: CustomerRefIn
    channel: str = Field(examples=["inapp"])
    subject: str = Field(default="", max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    subcategory: str | None = Field(default=None, examples=["account.ban_appeal"])
    tags: list[str] = Field(default_factory=list, max_length=30)
    attachments: list[AttachmentRefIn] = Field(default_factory=list, max_length=20)
    signals: dict[str, Any] = Field(
        default_factory=dict,
        description="From channels and staff: press3, green_channel, grade "
        "(text | screenshots | recording), legal_cc.",
    )


class ProfileIn(Strict):
    name: str | None = Field(default=None, max_length=200)
    followers: int | None = Field(default=None, ge=0)
    daily_plays: int | None = Field(default=None, ge=0)
    has_shop: bool | None = None
    verification: str | None = None
    annual_ad_spend: int | None = Field(default=None, ge=0)
    vip: bool | None = None


class IdentityIn(Strict):
    kind: str = Field(examples=["phone"])
    value: str = Field(min_length=1, max_length=200)


class TransitionIn(Strict):
    to: str = Field(examples=["resolved"])
    reason: str = Field(default="", max_length=500)


class MessageIn(Strict):
    body: str = Field(default="", max_length=50_000)
    channel: str | None = None
    attachments: list[AttachmentRefIn] = Field(default_factory=list, max_length=20)


class NoteIn(Strict):
    body: str = Field(min_length=1, max_length=50_000)


class AssignIn(Strict):
    agent_id: int


class SubcategoryIn(Strict):
    subcategory: str


class MergeIn(Strict):
    into: int = Field(description="The surviving ticket's id; this ticket becomes `merged`.")


class TagsIn(Strict):
    add: list[str] = Field(default_factory=list, max_length=30)
    remove: list[str] = Field(default_factory=list, max_length=30)


class LinkIn(Strict):
    kind: str = Field(examples=["related"])
    ticket_id: int


class QueueIn(Strict):
    team: str
    lane: str
    name: str = Field(default="", max_length=100)
    backup_queue_id: int | None = None


class AgentIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    teams: list[str] = Field(min_length=1)
    skills: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["zh-CN"])
    capacity: dict[str, int] | None = None


class AgentPatch(Strict):
    teams: list[str] | None = None
    skills: list[str] | None = None
    languages: list[str] | None = None
    capacity: dict[str, int] | None = None
    presence: str | None = None


# ---- output ------------------------------------------------------------------------------


class Label(BaseModel):
    zh: str
    en: str


class CustomerBrief(BaseModel):
    uid: str
    segment: str


class ClockOut(BaseModel):
    target_minutes: int | None
    """Target in business minutes of `calendar`."""
    calendar: str
    state: str
    """none | pending | running | paused | met | breached"""
    due_at: Timestamp | None
    minutes_left: float | None
    """Business minutes left (negative: overdue); null when not counting."""


class SlaOut(BaseModel):
    policy: str
    """The SLA rules that set the targets, most specific first."""
    calendar: str
    """The first-response clock's calendar; each clock names its own."""
    first_response_due_at: Timestamp | None
    next_response_due_at: Timestamp | None
    resolution_due_at: Timestamp | None
    first_response_at: Timestamp | None
    breached: bool
    clocks: dict[str, ClockOut]


class PriorityTermOut(BaseModel):
    term: str
    weight: int
    label: Label
    """What the term means, for a supervisor."""


class LinkOut(BaseModel):
    kind: str
    ticket_id: int


class TicketOut(BaseModel):
    id: int
    status: str
    channel: str
    channels: list[str]
    subject: str
    subcategory: str
    subcategory_label: Label
    priority: int
    priority_explanation: list[PriorityTermOut]
    team: str
    lane: str
    queue: str
    assignee_id: int | None
    customer: CustomerBrief
    tags: list[str]
    sla: SlaOut
    links: list[LinkOut]
    merged_into: int | None
    reopen_count: int
    created_at: Timestamp
    updated_at: Timestamp
    resolved_at: Timestamp | None
    closed_at: Timestamp | None


class AttachmentOut(BaseModel):
    sha256: str
    filename: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: int | None
    kind: str
    body: str
    author: str
    channel: str | None
    at: Timestamp
    attachments: list[AttachmentOut]


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None


class AuditOut(BaseModel):
    at: Timestamp
    actor: str
    action: str
    changes: dict[str, Any]


class IdentityOut(BaseModel):
    kind: str
    value: str


class CustomerOut(BaseModel):
    uid: str
    name: str
    segment: str
    segment_label: Label
    segments: list[str]
    key_account: bool
    hotline_boost: bool
    followers: int
    daily_plays: int
    has_shop: bool
    verification: str
    annual_ad_spend: int
    vip: bool
    identities: list[IdentityOut]


class TeamOut(BaseModel):
    code: str
    name: Label
    lanes: list[str]


class QueueOut(BaseModel):
    id: int | None
    team: str
    lane: str
    name: str
    backup_queue_id: int | None


class AgentOut(BaseModel):
    id: int | None
    name: str
    teams: list[str]
    skills: list[str]
    languages: list[str]
    capacity: dict[str, int]
    presence: str


# ---- presenters --------------------------------------------------------------------------


def ticket_out(t: Ticket, policies: Policies, now: datetime) -> TicketOut:
    assert t.id is not None
    sub = policies.taxonomy.get(t.subcategory)
    return TicketOut(
        id=t.id,
        status=t.status.value,
        channel=t.channel.value,
        channels=[c.value for c in t.channels],
        subject=t.subject,
        subcategory=t.subcategory,
        subcategory_label=Label(zh=sub.zh, en=sub.en),
        priority=t.priority.value,
        priority_explanation=[term_out(x, policies) for x in t.priority.terms],
        team=t.team,
        lane=t.lane.value,
        queue=f"{t.team}/{t.lane.value}",
        assignee_id=t.assignee_id,
        customer=CustomerBrief(uid=t.customer.uid, segment=t.customer.segment),
        tags=t.tags,
        sla=sla_out(t, now),
        links=[LinkOut(kind=x.kind.value, ticket_id=x.target_id) for x in t.links],
        merged_into=t.merged_into_id,
        reopen_count=t.reopen_count,
        created_at=t.created_at,
        updated_at=t.updated_at,
        resolved_at=t.resolved_at,
        closed_at=t.closed_at,
    )


PRIORITY_LABELS: dict[str, tuple[str, str]] = {
    "subcategory": ("问题类型基础分：{zh}", "Base priority of the problem type: {en}"),
    "segment": ("客户分层加分：{zh}", "Customer segment: {en}"),
    "hotline_boost": ("创作者热线加速（日播放量超阈值）", "Creator hotline boost (daily plays)"),
    "sla_half_left": ("SLA 剩余时间不足一半", "Less than half of the SLA time left"),
    "sla_warning": ("SLA 即将超时（预警）", "SLA about to be missed (warning)"),
    "sla_breached": ("SLA 已超时", "SLA breached"),
    "press3": ("热线按 3 紧急安全通道", "Hotline press-3 urgent security lane"),
    "urgent_tag": ("【紧急】标签（本月额度内）", "Urgent tag (within the monthly quota)"),
    "green_channel": ("企业绿色通道（重大活动）", "Enterprise green channel (big event)"),
    "materials": (
        "补充材料 {detail} 份（每小时最多计一次）",
        "{detail} supplementary material(s) (at most one an hour counts)",
    ),
    "waiting": ("等待时长", "Time waiting"),
    "abuse": ("滥用标记（如重复轰炸多个渠道）", "Abuse flag (e.g. flooding channels)"),
}


def term_out(term: PriorityTerm, policies: Policies) -> PriorityTermOut:
    kind, _, detail = term.term.partition(":")
    zh_name = en_name = detail
    if kind == "subcategory" and detail in policies.taxonomy:
        sub = policies.taxonomy.get(detail)
        zh_name, en_name = sub.zh, sub.en
    elif kind == "segment":
        label = (
            policies.segments.labels.get(Segment(detail))
            if detail in Segment.__members__.values()
            else None
        )
        if label:
            zh_name, en_name = label["zh"], label["en"]
    zh, en = PRIORITY_LABELS.get(kind, (term.term, term.term))
    return PriorityTermOut(
        term=term.term,
        weight=term.weight,
        label=Label(
            zh=zh.format(zh=zh_name, detail=detail), en=en.format(en=en_name, detail=detail)
        ),
    )


def sla_out(t: Ticket, now: datetime) -> SlaOut:
    clocks = {}
    for metric, clock in t.sla.clocks.items():
        left = (
            clock.minutes_left(now, pick_calendar(t.calendar, clock.calendar))
            if (t.calendar)
            else None
        )
        clocks[metric.value] = ClockOut(
            target_minutes=clock.target,
            calendar=clock.calendar,
            state=clock.state(now).value,
            due_at=clock.due_at,
            minutes_left=round(left, 1) if left is not None else None,
        )
    return SlaOut(
        policy=t.sla.policy,
        calendar=t.sla.calendar,
        first_response_due_at=t.sla.due(Metric.FIRST_RESPONSE),
        next_response_due_at=t.sla.due(Metric.NEXT_RESPONSE),
        resolution_due_at=t.sla.due(Metric.RESOLUTION),
        first_response_at=t.first_response_at,
        breached=t.sla_breached(now),
        clocks=clocks,
    )


def attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        sha256=a.sha256, filename=a.filename, content_type=a.content_type, size=a.size
    )


def message_out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.id,
        kind=m.kind.value,
        body=m.body,
        author=m.author,
        channel=m.channel.value if m.channel else None,
        at=m.at,
        attachments=[attachment_out(a) for a in m.attachments],
    )


def audit_out(a: AuditEntry) -> AuditOut:
    return AuditOut(at=a.at, actor=a.actor, action=a.action, changes=a.changes)


def customer_out(c: Customer, policies: Policies) -> CustomerOut:
    seg = c.segmentation.primary
    label = policies.segments.labels.get(seg, {"zh": seg.value, "en": seg.value})
    f = c.facts
    return CustomerOut(
        uid=c.uid,
        name=c.name,
        segment=seg.value,
        segment_label=Label(zh=label["zh"], en=label["en"]),
        segments=[s.value for s in c.segmentation.segments],
        key_account=c.segmentation.key_account,
        hotline_boost=c.segmentation.hotline_boost,
        followers=f.followers,
        daily_plays=f.daily_plays,
        has_shop=f.has_shop,
        verification=f.verification.value,
        annual_ad_spend=f.annual_ad_spend,
        vip=f.vip,
        identities=[IdentityOut(kind=i.kind.value, value=i.value) for i in c.identities],
    )


def team_out(t: Team) -> TeamOut:
    return TeamOut(code=t.code, name=Label(zh=t.zh, en=t.en), lanes=[x.value for x in t.lanes])


def queue_out(q: Queue) -> QueueOut:
    return QueueOut(
        id=q.id, team=q.team, lane=q.lane.value, name=q.name, backup_queue_id=q.backup_queue_id
    )


def agent_out(a: Agent) -> AgentOut:
    return AgentOut(
        id=a.id,
        name=a.name,
        teams=a.teams,
        skills=a.skills,
        languages=a.languages,
        capacity={k.value: v for k, v in a.capacity.items()},
        presence=a.presence.value,
    )
