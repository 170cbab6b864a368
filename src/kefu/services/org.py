"""Teams, queues and agents: read by staff, changed by admins."""

from __future__ import annotations

from collections.abc import Sequence

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import Conflict, InvalidInput, NotFound
from kefu.domain.organisation import (
    DEFAULT_CAPACITY,
    Agent,
    Lane,
    Presence,
    Queue,
    Team,
    WorkMedium,
)
from kefu.services import routing_ops
from kefu.services.access import require_role
from kefu.services.context import ServiceContext

READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


def teams(ctx: ServiceContext, actor: Actor) -> list[Team]:
    require_role(actor, *READERS)
    return list(ctx.policies.teams.values())


def sync_org(ctx: ServiceContext) -> None:
    """Make the teams and one queue per (team, lane) of the policy exist. Idempotent."""
    with ctx.uow() as uow:
        existing = {q.key for q in uow.org.queues()}
        for team in ctx.policies.teams.values():
            uow.org.ensure_team(team.code, team.zh, team.en)
            for lane in team.lanes:
                queue = Queue(team.code, lane, f"{team.zh}/{lane.value}")
                if queue.key not in existing:
                    uow.org.add_queue(queue)
        uow.commit()


def queues(ctx: ServiceContext, actor: Actor) -> list[Queue]:
    require_role(actor, *READERS)
    with ctx.uow(readonly=True) as uow:
        return uow.org.queues()


def create_queue(
    ctx: ServiceContext,
    actor: Actor,
    team: str,
    lane: str,
    name: str = "",
    backup_queue_id: int | None = None,
) -> Queue:
    require_role(actor, Role.ADMIN)
    if team not in ctx.policies.teams:
        raise InvalidInput(f"unknown team '{team}'", details={"team": team})
    try:
        lane_value = Lane(lane)
    except ValueError:
        raise InvalidInput(
            f"unknown lane '{lane}': expected one of {', '.join(x.value for x in Lane)}"
        ) from None
    with ctx.uow() as uow:
        if uow.org.queue(team, lane_value.value) is not None:
            raise Conflict(f"queue {team}/{lane_value.value} already exists")
        if backup_queue_id is not None and not any(
            q.id == backup_queue_id for q in uow.org.queues()
        ):
            raise InvalidInput(f"backup queue {backup_queue_id} does not exist")
        queue = Queue(team, lane_value, name or f"{team}/{lane_value.value}", None, backup_queue_id)
        uow.org.add_queue(queue)
        uow.commit()
        return queue


def _capacity(raw: dict[str, int] | None) -> dict[WorkMedium, int]:
    capacity = dict(DEFAULT_CAPACITY)
    for key, value in (raw or {}).items():
        try:
            medium = WorkMedium(key)
        except ValueError:
            raise InvalidInput(
                f"unknown capacity medium '{key}': expected call, chat or email"
            ) from None
        if not isinstance(value, int) or value < 0 or value > 1000:
            raise InvalidInput(f"capacity for {key} must be an integer from 0 to 1000")
        capacity[medium] = value
    return capacity


def agents(ctx: ServiceContext, actor: Actor, team: str | None = None) -> list[Agent]:
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    with ctx.uow(readonly=True) as uow:
        return uow.org.agents(team)


def get_agent(ctx: ServiceContext, actor: Actor, agent_id: int) -> Agent:
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.AGENT)
    with ctx.uow(readonly=True) as uow:
        agent = uow.org.agent(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        return agent


def create_agent(
    ctx: ServiceContext,
    actor: Actor | None,
    name: str,
    teams: Sequence[str],
    skills: Sequence[str] = (),
    languages: Sequence[str] = ("zh-CN",),
    capacity: dict[str, int] | None = None,
) -> Agent:
    """Admins create agents; `actor=None` is the CLI acting as the operator."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    agent = Agent(
        name=name.strip(),
        teams=list(dict.fromkeys(teams)),
        skills=list(skills),
        languages=list(languages),
        capacity=_capacity(capacity),
    )
    agent.validate(set(ctx.policies.teams))
    if not agent.teams:
        raise InvalidInput("an agent belongs to at least one team")
    with ctx.uow() as uow:
        uow.org.add_agent(agent)
        uow.commit()
        return agent


def update_agent(
    ctx: ServiceContext,
    actor: Actor,
    agent_id: int,
    *,
    teams: Sequence[str] | None = None,
    skills: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    capacity: dict[str, int] | None = None,
    presence: str | None = None,
) -> Agent:
    admin_fields = (teams, skills, languages, capacity)
    if any(f is not None for f in admin_fields):
        require_role(actor, Role.ADMIN)
    elif actor.role is Role.AGENT and actor.agent_id != agent_id:
        from kefu.domain.errors import Forbidden

        raise Forbidden("an agent may only change their own presence")
    else:
        require_role(actor, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    with ctx.uow() as uow:
        agent = uow.org.agent(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        if teams is not None:
            agent.teams = list(dict.fromkeys(teams))
        if skills is not None:
            agent.skills = list(skills)
        if languages is not None:
            agent.languages = list(languages)
        if capacity is not None:
            agent.capacity = _capacity(
                {**{k.value: v for k, v in agent.capacity.items()}, **capacity}
            )
        if presence is not None:
            try:
                agent.set_presence(Presence(presence))
            except ValueError:
                raise InvalidInput(
                    f"unknown presence '{presence}': expected one of "
                    f"{', '.join(p.value for p in Presence)}"
                ) from None
        agent.validate(set(ctx.policies.teams))
        uow.org.save_agent(agent)
        uow.commit()
    routing_ops.agent_changed(ctx, agent, presence=presence is not None)
    return agent
