"""/api/v1/customers"""

from __future__ import annotations

from fastapi import APIRouter

from kefu.services import customers as svc
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import CustomerOut, IdentityIn, ProfileIn, customer_out

router = APIRouter(prefix="/customers", tags=["customers"])


@router.put("/{uid}", response_model=CustomerOut)
def upsert(uid: str, body: ProfileIn, actor: ActorDep, ctx: CtxDep) -> CustomerOut:
    facts = body.model_dump(exclude_none=True, exclude={"name"})
    customer = svc.upsert_customer(ctx, actor, uid, facts, body.name)
    return customer_out(customer, ctx.policies)


@router.get("/{uid}", response_model=CustomerOut)
def get(uid: str, actor: ActorDep, ctx: CtxDep) -> CustomerOut:
    return customer_out(svc.get_customer(ctx, actor, uid), ctx.policies)


@router.post("/{uid}/identities", response_model=CustomerOut)
def link_identity(uid: str, body: IdentityIn, actor: ActorDep, ctx: CtxDep) -> CustomerOut:
    customer = svc.link_identity(ctx, actor, uid, body.kind, body.value)
    return customer_out(customer, ctx.policies)


@router.get("", response_model=CustomerOut)
def find(kind: str, value: str, actor: ActorDep, ctx: CtxDep) -> CustomerOut:
    """Find the customer a linked identity belongs to (`?kind=phone&value=…`)."""
    return customer_out(svc.find_by_identity(ctx, actor, kind, value), ctx.policies)
