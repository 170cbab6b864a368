"""/api/v1/taxonomy, /teams, /queues, /agents"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kefu.services import org as svc
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import (
    AgentIn,
    AgentOut,
    AgentPatch,
    QueueIn,
    QueueOut,
    TeamOut,
    agent_out,
    queue_out,
    team_out,
)

router = APIRouter(tags=["organisation"])


@router.get("/taxonomy")
def taxonomy(_: ActorDep, ctx: CtxDep) -> dict[str, Any]:
    """The 12 categories and 38 subcategories with their policy rows (SPEC §2)."""
    return {
        "categories": [
            {
                "code": c.code,
                "name": {"zh": c.zh, "en": c.en},
                "subcategories": [
                    {
                        "code": s.code,
                        "name": {"zh": s.zh, "en": s.en},
                        "team": s.team,
                        "human_required": s.human_required,
                        "bot_resolvable": s.bot_resolvable,
                        "base_priority": s.base_priority,
                        "sla_class": s.sla_class,
                    }
                    for s in c.subcategories
                ],
            }
            for c in ctx.policies.taxonomy.categories
        ]
    }


@router.get("/teams", response_model=list[TeamOut])
def teams(actor: ActorDep, ctx: CtxDep) -> list[TeamOut]:
    return [team_out(t) for t in svc.teams(ctx, actor)]


@router.get("/queues", response_model=list[QueueOut])
def queues(actor: ActorDep, ctx: CtxDep) -> list[QueueOut]:
    return [queue_out(q) for q in svc.queues(ctx, actor)]


@router.post("/queues", status_code=201, response_model=QueueOut)
def create_queue(body: QueueIn, actor: ActorDep, ctx: CtxDep) -> QueueOut:
    return queue_out(
        svc.create_queue(ctx, actor, body.team, body.lane, body.name, body.backup_queue_id)
    )


@router.get("/agents", response_model=list[AgentOut])
def agents(actor: ActorDep, ctx: CtxDep, team: str | None = None) -> list[AgentOut]:
    return [agent_out(a) for a in svc.agents(ctx, actor, team)]


@router.post("/agents", status_code=201, response_model=AgentOut)
def create_agent(body: AgentIn, actor: ActorDep, ctx: CtxDep) -> AgentOut:
    agent = svc.create_agent(
        ctx, actor, body.name, body.teams, body.skills, body.languages, body.capacity
    )
    return agent_out(agent)


@router.get("/agents/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: int, actor: ActorDep, ctx: CtxDep) -> AgentOut:
    return agent_out(svc.get_agent(ctx, actor, agent_id))


@router.patch("/agents/{agent_id}", response_model=AgentOut)
def update_agent(agent_id: int, body: AgentPatch, actor: ActorDep, ctx: CtxDep) -> AgentOut:
    agent = svc.update_agent(
        ctx,
        actor,
        agent_id,
        teams=body.teams,
        skills=body.skills,
        languages=body.languages,
        capacity=body.capacity,
        presence=body.presence,
    )
    return agent_out(agent)
