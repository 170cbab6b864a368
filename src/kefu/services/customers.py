"""Customer use cases: upsert by UID with profile facts, link identities, read."""

from __future__ import annotations

from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.domain.customers import (
    Customer,
    IdentityKind,
    ProfileFacts,
    Verification,
    normalise_identity,
    normalise_uid,
)
from kefu.domain.errors import Conflict, InvalidInput, NotFound
from kefu.services.access import require_role
from kefu.services.context import ServiceContext
from kefu.services.ports import UnitOfWork

PROFILE_FIELDS = frozenset(ProfileFacts.__dataclass_fields__)
WRITERS = (Role.ADMIN, Role.INTEGRATION, Role.SUPERVISOR)


def _facts_changes(raw: dict[str, Any]) -> dict[str, Any]:
    unknown = set(raw) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(f"unknown profile fields: {', '.join(sorted(unknown))}")
    changes = dict(raw)
    if "verification" in changes:
        try:
            changes["verification"] = Verification(changes["verification"])
        except ValueError:
            raise InvalidInput(
                f"verification must be one of {', '.join(v.value for v in Verification)}",
                details={"verification": changes["verification"]},
            ) from None
    for name in ("followers", "daily_plays", "annual_ad_spend"):
        if name in changes and changes[name] < 0:
            raise InvalidInput(f"{name} cannot be negative", details={"field": name})
    return changes


def get_or_register(
    uow: UnitOfWork, ctx: ServiceContext, uid: str, *, lock: bool = False
) -> Customer:
    """The customer with this UID, registered with default facts if new; `lock` holds the
    customer's row for the rest of the transaction (per-customer quotas)."""
    uid = normalise_uid(uid)
    customer = uow.customers.get(uid, for_update=lock, identities=False)
    if customer is None:
        customer = Customer.register(uid, ProfileFacts(), ctx.policies.segments)
        customer.created_at = ctx.clock.now()
        customer = uow.customers.add_if_absent(customer)
    return customer


def upsert_customer(
    ctx: ServiceContext, actor: Actor, uid: str, facts: dict[str, Any], name: str | None = None
) -> Customer:
    require_role(actor, *WRITERS)
    changes = _facts_changes(facts)
    uid = normalise_uid(uid)
    with ctx.uow() as uow:
        customer = uow.customers.get(uid)
        now = ctx.clock.now()
        if customer is None:
            customer = Customer.register(
                uid, ProfileFacts(**changes), ctx.policies.segments, name or ""
            )
            customer.created_at = now
            uow.customers.add(customer)
        else:
            customer.update_profile(ctx.policies.segments, name=name, **changes)
            uow.customers.save(customer)
        uow.commit()
        return customer


def get_customer(ctx: ServiceContext, actor: Actor, uid: str) -> Customer:
    uid = normalise_uid(uid)
    if actor.role is Role.CUSTOMER and actor.customer_uid != uid:
        raise NotFound(f"customer {uid} not found")
    with ctx.uow(readonly=True) as uow:
        customer = uow.customers.get(uid)
        if customer is None:
            raise NotFound(f"customer {uid} not found", details={"uid": uid})
        return customer


def link_identity(ctx: ServiceContext, actor: Actor, uid: str, kind: str, value: str) -> Customer:
    require_role(actor, *WRITERS, Role.AGENT)
    try:
        identity_kind = IdentityKind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown identity kind '{kind}': expected one of "
            f"{', '.join(k.value for k in IdentityKind)}",
            details={"kind": kind},
        ) from None
    value = normalise_identity(identity_kind, value)
    with ctx.uow() as uow:
        customer = uow.customers.get(normalise_uid(uid))
        if customer is None:
            raise NotFound(f"customer {uid} not found", details={"uid": uid})
        owner = uow.customers.find_by_identity(identity_kind, value)
        if owner is not None and owner.uid != customer.uid:
            raise Conflict(
                f"this {identity_kind.value} is already linked to another customer",
                details={"kind": identity_kind.value},
            )
        customer.link(identity_kind, value)
        uow.customers.save(customer)
        uow.commit()
        return customer


def find_by_identity(ctx: ServiceContext, actor: Actor, kind: str, value: str) -> Customer:
    require_role(actor, *WRITERS, Role.AGENT)
    try:
        identity_kind = IdentityKind(kind)
    except ValueError:
        raise InvalidInput(f"unknown identity kind '{kind}'") from None
    with ctx.uow(readonly=True) as uow:
        customer = uow.customers.find_by_identity(
            identity_kind, normalise_identity(identity_kind, value)
        )
        if customer is None:
            raise NotFound(f"no customer has this {identity_kind.value}")
        return customer
