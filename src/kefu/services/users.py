"""API tokens: who holds one, with which role, and turning a token back into an actor."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kefu.domain.actors import Actor, Role
from kefu.domain.customers import normalise_uid
from kefu.domain.errors import InvalidInput
from kefu.services.context import ServiceContext
from kefu.services.customers import get_or_register
from kefu.services.ports import UnitOfWork, UserRecord

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
    login: str | None = None,
    password: str | None = None,
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
    login, password_hash = _login_fields(login, password)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        if login and uow.users.by_login(login) is not None:
            raise InvalidInput(f"the login '{login}' is taken", details={"login": login})
        if customer_uid:
            customer_uid = get_or_register(uow, ctx, normalise_uid(customer_uid)).uid
        if agent_id is not None and uow.org.agent(agent_id) is None:
            raise InvalidInput(f"agent {agent_id} does not exist")
        record = uow.users.add(
            UserRecord(
                None,
                name.strip(),
                role_value.value,
                hash_token(token),
                customer_uid,
                agent_id,
                login=login,
                password_hash=password_hash,
            )
        )
        uow.commit()
    return record, token


def authenticate(ctx: ServiceContext, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None for an unknown or disabled token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with ctx.uow(readonly=True) as uow:
        return _actor(uow, uow.users.by_token_hash(hash_token(token)))


# ---- web login: a login name and a password ------------------------------------------------
# scrypt from the standard library: a memory-hard password hash, no extra dependency.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(got.hex(), digest)


def _login_fields(login: str | None, password: str | None) -> tuple[str | None, str | None]:
    if login is None and password is None:
        return None, None
    login = (login or "").strip().lower()
    if not login or len(login) > 100 or any(c.isspace() for c in login):
        raise InvalidInput("a login is 1–100 characters without spaces")
    if password is None or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters")
    return login, hash_password(password)


def set_login(ctx: ServiceContext, user_id: int, login: str, password: str) -> None:
    """Give an existing user (or change) a web login and password."""
    name, password_hash = _login_fields(login, password)
    assert name is not None and password_hash is not None
    with ctx.uow() as uow:
        if uow.users.get(user_id) is None:
            raise InvalidInput(f"user {user_id} does not exist")
        other = uow.users.by_login(name)
        if other is not None and other.id != user_id:
            raise InvalidInput(f"the login '{name}' is taken", details={"login": name})
        uow.users.set_login(user_id, name, password_hash)
        uow.commit()


def sign_in(ctx: ServiceContext, login: str, password: str) -> Actor | None:
    """The actor for a login and password, or None (unknown login, wrong password,
    disabled); the same answer for each, so a login page does not reveal which."""
    with ctx.uow(readonly=True) as uow:
        record = uow.users.by_login(login.strip().lower())
        if record is None:
            hash_password(password)  # spend the same time as a real check
            return None
        if not check_password(password, record.password_hash):
            return None
        return _actor(uow, record)


def actor_for_user(ctx: ServiceContext, user_id: int) -> Actor | None:
    """The actor of a signed-in user (web session), or None when disabled or gone."""
    with ctx.uow(readonly=True) as uow:
        return _actor(uow, uow.users.get(user_id))


def _actor(uow: UnitOfWork, record: UserRecord | None) -> Actor | None:
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
