"""/api/v1/queues/figures and /api/v1/routing — live queue figures, offers, work items,
agents' desks and schedules, moving work by hand."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kefu.domain.work import Assignment, Desk, Offer, Work
from kefu.services import queue_figures
from kefu.services import routing_ops as svc
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Strict, Timestamp

router = APIRouter(tags=["routing"])


class FiguresOut(BaseModel):
    at: Timestamp
    queues: list[dict[str, Any]] = Field(
        description="Per queue and medium: length, oldest_wait_seconds, "
        "estimated_wait_seconds (M/M/c given the queue now), agents, servers, busy, "
        "handle_seconds, arrival_rate_per_hour, erlang_wait_seconds, erlang_service_level, "
        "service_level (answered within target / answered + abandoned, last hour), "
        "service_level_target_seconds, abandonment, answered, abandoned."
    )


class OfferOut(BaseModel):
    id: int | None
    ticket_id: int
    agent_id: int
    medium: str
    offered_at: Timestamp
    expires_at: Timestamp
    outcome: str
    decided_at: Timestamp | None
    reason: str


class AssignmentOut(BaseModel):
    agent_id: int
    medium: str
    queue: str
    how: str
    assigned_at: Timestamp
    released_at: Timestamp | None
    load_after: int
    capacity: int


class WorkOut(BaseModel):
    ticket_id: int
    state: str | None
    queue: str | None
    home_queue: str | None
    medium: str | None
    skills: list[str]
    language: str | None
    enqueued_at: Timestamp | None
    answered_at: Timestamp | None
    wait_seconds: float | None
    position: int | None = Field(description="Place in the queue while waiting (1 = next).")
    estimated_wait_seconds: float | None = Field(description="While waiting: expected wait.")
    declined_by: list[int]
    offers: list[OfferOut]
    assignments: list[AssignmentOut]


class DeskOut(BaseModel):
    agent_id: int
    load: dict[str, int]
    idle_since: Timestamp
    schedule: str | None
    pending_offers: list[OfferOut]


class ScheduleIn(Strict):
    schedule: str | None = Field(
        description="A shift of routing.toml (early, late, night, office) or a calendar "
        "(24x7, 7x12, workdays_10_19, office_9_18); null: on duty whenever available."
    )


class DeclineIn(Strict):
    reason: str = Field(default="", max_length=200)


class MoveIn(Strict):
    queue: str = Field(examples=["ecommerce/legal"], description="team/lane")


def offer_out(o: Offer) -> OfferOut:
    return OfferOut(
        id=o.id,
        ticket_id=o.ticket_id,
        agent_id=o.agent_id,
        medium=o.medium.value,
        offered_at=o.offered_at,
        expires_at=o.expires_at,
        outcome=o.outcome.value,
        decided_at=o.decided_at,
        reason=o.reason,
    )


def work_out(
    ticket_id: int,
    w: Work | None,
    offers: list[Offer],
    assignments: list[Assignment],
    place: tuple[int | None, float | None] = (None, None),
) -> WorkOut:
    return WorkOut(
        ticket_id=ticket_id,
        state=w.state.value if w else None,
        queue=w.queue if w else None,
        home_queue=w.home_queue if w else None,
        medium=w.medium.value if w else None,
        skills=sorted(w.skills) if w else [],
        language=w.language if w else None,
        enqueued_at=w.enqueued_at if w else None,
        answered_at=w.answered_at if w else None,
        wait_seconds=w.wait_seconds if w else None,
        position=place[0],
        estimated_wait_seconds=None if place[1] is None else round(place[1], 1),
        declined_by=list(w.declined) if w else [],
        offers=[offer_out(o) for o in offers],
        assignments=[
            AssignmentOut(
                agent_id=a.agent_id,
                medium=a.medium.value,
                queue=a.queue,
                how=a.how,
                assigned_at=a.assigned_at,
                released_at=a.released_at,
                load_after=a.load_after,
                capacity=a.capacity,
            )
            for a in assignments
        ],
    )


def desk_out(d: Desk, offers: list[Offer]) -> DeskOut:
    return DeskOut(
        agent_id=d.agent_id,
        load={m.value: n for m, n in d.load.items()},
        idle_since=d.idle_since,
        schedule=d.schedule,
        pending_offers=[offer_out(o) for o in offers],
    )


@router.get("/queues/figures", response_model=FiguresOut)
def figures(actor: ActorDep, ctx: CtxDep) -> FiguresOut:
    """Live figures of every queue (also pushed on WebSocket /api/v1/ws/supervisor)."""
    items = queue_figures.queue_figures(ctx, actor)
    return FiguresOut(at=ctx.clock.now(), queues=[f.as_dict() for f in items])


@router.get("/routing/tickets/{ticket_id}", response_model=WorkOut)
def work(ticket_id: int, actor: ActorDep, ctx: CtxDep) -> WorkOut:
    """A ticket's work item: its queue, its place and expected wait while it waits (what
    the hotline announces), its offers and assignments."""
    place = queue_figures.ticket_wait(ctx, actor, ticket_id)
    return work_out(ticket_id, *svc.work_of(ctx, actor, ticket_id), place)


@router.post("/routing/tickets/{ticket_id}/move", response_model=WorkOut)
def move(ticket_id: int, body: MoveIn, actor: ActorDep, ctx: CtxDep) -> WorkOut:
    """Supervisors: move waiting work to another queue (it keeps its wait)."""
    svc.move_work(ctx, actor, ticket_id, body.queue)
    return work_out(ticket_id, *svc.work_of(ctx, actor, ticket_id))


@router.post("/routing/offers/{offer_id}/accept", response_model=OfferOut)
def accept(offer_id: int, actor: ActorDep, ctx: CtxDep) -> OfferOut:
    """The agent offered the work takes it: the ticket is assigned to them."""
    return offer_out(svc.accept_offer(ctx, actor, offer_id))


@router.post("/routing/offers/{offer_id}/decline", response_model=OfferOut)
def decline(offer_id: int, body: DeclineIn, actor: ActorDep, ctx: CtxDep) -> OfferOut:
    """The agent declines: recorded, and the work is offered to someone else."""
    return offer_out(svc.decline_offer(ctx, actor, offer_id, body.reason))


@router.get("/routing/agents/{agent_id}", response_model=DeskOut)
def desk(agent_id: int, actor: ActorDep, ctx: CtxDep) -> DeskOut:
    """An agent's load per medium, idle time, schedule and pending offers."""
    return desk_out(*svc.desk_of(ctx, actor, agent_id))


@router.put("/routing/agents/{agent_id}/schedule", response_model=DeskOut)
def schedule(agent_id: int, body: ScheduleIn, actor: ActorDep, ctx: CtxDep) -> DeskOut:
    svc.set_schedule(ctx, actor, agent_id, body.schedule)
    return desk_out(*svc.desk_of(ctx, actor, agent_id))


@router.post("/routing/dispatch")
def dispatch(actor: ActorDep, ctx: CtxDep) -> dict[str, int]:
    """Supervisors: run the dispatcher now (workers run it continuously)."""
    return {"placed": svc.dispatch_now(ctx, actor)}
