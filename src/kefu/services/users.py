"""API tokens: who holds one, with which role, and turning a token back into an actor."""

from __future__ import annotations

import hashlib
import secrets

from kefu.domain.actors import Actor, Role
from kefu.domain.customers import normalise_uid
from kefu.domain.errors import InvalidInput
from kefu.services.context import ServiceContext
from kefu.services.customers import get_or_register
from kefu.services.ports import UserRecord

TOKEN_PREFIX = "kefu_"
TOKEN_ROLES = (Role.CUSTOMER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    ctx: ServiceContext,
    role: str,
    name: str,
    *,
    customer_uid: str | None = None,
    agent_id: int | None = None,
) -> tuple[UserRecord, str]:
    """Create a token holder; return the record and the token (shown once, stored hashed)."""
    try:
        role_value = Role(role)
    except ValueError:
        role_value = None
    if role_value not in TOKEN_ROLES:
        raise InvalidInput(
            f"unknown role '{role}': expected one of {', '.join(r.value for r in TOKEN_ROLES)}"
        )
    if not name.strip():
        raise InvalidInput("a user needs a name")
    if role_value is Role.CUSTOMER and not customer_uid:
        raise InvalidInput("a customer token needs the customer's UID (--uid)")
    if role_value is Role.AGENT and agent_id is None:
        raise InvalidInput("an agent token needs the agent it belongs to")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        if customer_uid:
            customer_uid = get_or_register(uow, ctx, normalise_uid(customer_uid)).uid
        if agent_id is not None and uow.org.agent(agent_id) is None:
            raise InvalidInput(f"agent {agent_id} does not exist")
        record = uow.users.add(
            UserRecord(
                None, name.strip(), role_value.value, hash_token(token), customer_uid, agent_id
            )
        )
        uow.commit()
    return record, token


def authenticate(ctx: ServiceContext, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None for an unknown or disabled token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with ctx.uow(readonly=True) as uow:
        record = uow.users.by_token_hash(hash_token(token))
        if record is None or record.disabled:
            return None
        teams: frozenset[str] = frozenset()
        if record.agent_id is not None:
            agent = uow.org.agent(record.agent_id)
            teams = frozenset(agent.teams) if agent else frozenset()
    return Actor(
        Role(record.role),
        record.name,
        user_id=record.id,
        customer_uid=record.customer_uid,
        agent_id=record.agent_id,
        teams=teams,
    )
