"""What staff are told about: SLA warnings and breaches of the teams they look after.

The feed reads committed `sla.warning` / `sla.breached` events from the event log (the
outbox), so nothing extra is written when a clock breaks; real-time pushes ride the same
events on the bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput
from kefu.services.access import require_role
from kefu.services.context import ServiceContext

KINDS = ("sla.breached", "sla.warning")
TEXT = {
    "sla.breached": (
        "工单 #{id} 的{metric}已超时（{team}）",
        "Ticket #{id} breached its {metric} target ({team})",
    ),
    "sla.warning": (
        "工单 #{id} 的{metric}即将超时（{team}）",
        "Ticket #{id} is about to breach its {metric} target ({team})",
    ),
}
METRIC = {
    "first_response": ("首次响应", "first response"),
    "next_response": ("后续响应", "next response"),
    "resolution": ("解决时限", "resolution"),
}


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    ticket_id: int
    team: str
    metric: str
    at: datetime
    zh: str
    en: str


def feed(
    ctx: ServiceContext,
    actor: Actor,
    *,
    after_id: int = 0,
    limit: int = 50,
    team: str | None = None,
) -> list[Notification]:
    """Newest first. Supervisors and admins see every team; agents their own teams."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    with ctx.uow(readonly=True) as uow:
        events = uow.events.recent(KINDS, after_id=after_id, limit=limit * 4)
    out = []
    for e in events:
        ev_team = str(e.data.get("team", ""))
        if team is not None and ev_team != team:
            continue
        if actor.role is Role.AGENT and ev_team not in actor.teams:
            continue
        metric = str(e.data.get("metric", ""))
        m_zh, m_en = METRIC.get(metric, (metric, metric))
        zh, en = TEXT[e.name]
        team_label = ctx.policies.teams.get(ev_team)
        out.append(
            Notification(
                id=e.id,
                kind=e.name,
                ticket_id=int(e.aggregate_id),
                team=ev_team,
                metric=metric,
                at=e.at,
                zh=zh.format(
                    id=e.aggregate_id, metric=m_zh, team=team_label.zh if team_label else ev_team
                ),
                en=en.format(
                    id=e.aggregate_id, metric=m_en, team=team_label.en if team_label else ev_team
                ),
            )
        )
        if len(out) >= limit:
            break
    return out
