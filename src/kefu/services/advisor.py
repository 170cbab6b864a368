"""The channel advisor (SPEC §12, response shape §14): which channel to use, for this
customer and problem, now — ranked, with waits from the live queue figures.

For each channel: its hours (a business calendar) say whether it is open at `at` and when
it opens next; the routing rules say which queue the customer's ticket would land in over
that channel, and the dynamic priority it would have there (creators' hotline boost
included); the queue figures turn that into an estimated wait (see queue_figures.py). A
closed channel's wait counts from its next opening. Offline centers wait for the booking
lead time of the city. `domain/advisor.py` ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kefu.domain import advisor as rules
from kefu.domain.actors import Actor, Role
from kefu.domain.calendars import BusinessCalendar
from kefu.domain.customers import ProfileFacts, Segmentation, normalise_uid, segment
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.organisation import MEDIUM_OF_CHANNEL, Channel, WorkMedium
from kefu.domain.priority import PriorityInputs, compute_priority
from kefu.domain.routing import choose_lane
from kefu.services import sla, triage
from kefu.services.access import require_role
from kefu.services.context import ServiceContext
from kefu.services.queue_figures import Snapshot


@dataclass(frozen=True)
class ChannelAdvice:
    channel: str
    name: str
    estimated_wait_seconds: int | None
    open_now: bool
    next_open_at: datetime | None
    hours: str
    prepare: list[str]
    entitled: bool
    why: str
    fit: str
    queue: str | None
    queue_length: int | None
    live: bool
    score: float


@dataclass(frozen=True)
class Advice:
    uid: str
    known_customer: bool
    segment: str
    segments: list[str]
    subcategory: str
    subcategory_name: str
    lang: str
    at: datetime
    entitlements: list[str]
    channels: list[ChannelAdvice]


def _subcategory(ctx: ServiceContext, text: str | None, code: str | None) -> str:
    if code:
        return ctx.policies.taxonomy.get(code).code
    if not text or not text.strip():
        raise InvalidInput("give the problem as `text` or as a `subcategory` code")
    guess = triage.classify_for_intake(ctx, "", text)
    if guess is not None and guess.confident:
        return guess.label
    return ctx.policies.channels.guess_subcategory(text, ctx.policies.taxonomy.FALLBACK)


def advise(
    ctx: ServiceContext,
    actor: Actor,
    uid: str,
    *,
    text: str | None = None,
    subcategory: str | None = None,
    at: datetime | None = None,
    lang: str = "zh-CN",
    city: str | None = None,
) -> Advice:
    require_role(actor, Role.CUSTOMER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
    uid = normalise_uid(uid)
    if actor.role is Role.CUSTOMER and actor.customer_uid != uid:
        raise NotFound(f"customer {uid} not found")
    if lang not in rules.LANGS:
        raise InvalidInput(f"lang must be one of {', '.join(rules.LANGS)}", details={"lang": lang})
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise InvalidInput("`at` needs a time zone offset, e.g. 2026-11-25T20:30:00+08:00")
    catalogue = ctx.policies.channels
    offline = catalogue.get(Channel.OFFLINE.value)
    if city is not None and city not in offline.lead_days:
        raise InvalidInput(
            f"unknown city '{city}': expected one of {', '.join(offline.lead_days)}",
            details={"city": city},
        )
    code = _subcategory(ctx, text, subcategory)
    sub = ctx.policies.taxonomy.get(code)
    now = ctx.clock.now()
    when = at or now
    with ctx.uow(readonly=True) as uow:
        customer = uow.customers.get(uid, identities=False)
        seg = customer.segmentation if customer else segment(ProfileFacts(), ctx.policies.segments)
        snap = Snapshot(uow, ctx, now)
        cals: dict[str, BusinessCalendar] = {**sla.calendars(uow, ctx), **catalogue.calendars}
        facts = [
            _facts(ctx, snap, spec, cals[spec.calendar], seg, code, when, city)
            for spec in catalogue.channels
        ]
    values = {
        "uid": uid,
        "problem_zh": sub.zh,
        "problem_en": sub.en,
        "lead_zh": rules.lead_text(offline, "zh-CN"),
        "lead_en": rules.lead_text(offline, "en"),
    }
    queues = {id(f): q for f, q in facts}
    out = []
    for r in rules.rank([f for f, _ in facts], code, catalogue):
        f, queue = r.facts, queues[id(r.facts)]
        wait = f.estimated_wait_seconds
        out.append(
            ChannelAdvice(
                channel=f.spec.name,
                name=f.spec.label.get(lang),
                estimated_wait_seconds=None if wait is None else round(wait),
                open_now=f.open_now,
                next_open_at=f.next_open_at,
                hours=f.spec.hours.fill(lang, values),
                prepare=f.spec.prepare_list(code, lang, values),
                entitled=f.entitled,
                why=rules.why(r, lang),
                fit=r.fit,
                queue=queue,
                queue_length=f.queue_length,
                live=f.live,
                score=round(r.score, 1),
            )
        )
    return Advice(
        uid=uid,
        known_customer=customer is not None,
        segment=seg.primary.value,
        segments=[s.value for s in seg.segments],
        subcategory=code,
        subcategory_name=sub.en if lang == "en" else sub.zh,
        lang=lang,
        at=when,
        entitlements=_entitlements(ctx, seg, lang),
        channels=out,
    )


def _entitlements(ctx: ServiceContext, seg: Segmentation, lang: str) -> list[str]:
    table = ctx.policies.channels.entitlements
    keys = [s.value for s in seg.segments]
    keys += [
        k
        for k, on in (("key_account", seg.key_account), ("hotline_boost", seg.hotline_boost))
        if on
    ]
    return [t.get(lang) for k in keys for t in table.get(k, ())]


def _facts(
    ctx: ServiceContext,
    snap: Snapshot,
    spec: rules.ChannelSpec,
    cal: BusinessCalendar,
    seg: Segmentation,
    code: str,
    at: datetime,
    city: str | None,
) -> tuple[rules.ChannelFacts, str | None]:
    entitled = spec.is_entitled([s.value for s in seg.segments])
    open_now = cal.is_open(at)
    opens = at if open_now else cal.next_opening(at)
    until_open = (opens - at).total_seconds()
    next_open = None if open_now else opens
    if spec.lead_days:  # offline centers: the first bookable opening after the lead time
        # of the customer's city; not knowing it, of the city that books furthest ahead.
        days = spec.lead_days[city] if city else max(spec.lead_days.values())
        wait = _booking_wait(cal, at, days) if entitled else None
        facts = rules.ChannelFacts(
            spec, entitled, open_now, until_open, wait, next_open_at=next_open
        )
        return facts, None
    channel = Channel(spec.name)
    sub = ctx.policies.taxonomy.get(code)
    team = ctx.policies.teams[sub.team]
    lane = choose_lane(team, code, seg.segments, channel=channel.value, policy=ctx.policies.routing)
    medium = MEDIUM_OF_CHANNEL[channel]
    priority = compute_priority(
        PriorityInputs(
            subcategory=code,
            base=sub.base_priority,
            segment=seg.primary.value,
            channel=channel.value,
            hotline_boost=seg.hotline_boost,
        ),
        ctx.policies.priority,
    ).value
    skills = ctx.policies.routing.skills_for(lane, code)
    est = snap.estimate(team.code, lane.value, medium, priority, opens, skills)
    seconds = est.seconds if est.seconds is not None else spec.response_seconds
    if est.seconds is not None and medium is WorkMedium.EMAIL:
        seconds = est.seconds + est.handle_seconds  # written work is answered once handled
    live = est.live and est.seconds is not None
    wait = None if seconds is None or not entitled else until_open + seconds
    queue = f"{team.code}/{lane.value}"
    return rules.ChannelFacts(
        spec, entitled, open_now, until_open, wait, est.ahead if live else None, live, next_open
    ), queue


def _booking_wait(cal: BusinessCalendar, at: datetime, days: int) -> float:
    if days <= 0:
        return (cal.next_opening(at) - at).total_seconds()
    local = at.astimezone(cal.zone)
    first_day = datetime.combine(local.date() + timedelta(days=days), time(0), cal.zone)
    return (cal.next_opening(first_day) - at).total_seconds()
