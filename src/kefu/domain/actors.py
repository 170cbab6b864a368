"""Who does something: every change in the audit trail names an actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"
    SYSTEM = "system"
    BOT = "bot"


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
"""People who work tickets (and so may write internal notes and change tickets)."""


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    name: str
    user_id: int | None = None
    customer_uid: str | None = None
    """Set for role `customer`: the only customer whose data this actor may see."""
    agent_id: int | None = None
    teams: frozenset[str] = field(default_factory=frozenset)
    """For agents: the teams whose tickets they may see and work."""

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.name}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


SYSTEM = Actor(Role.SYSTEM, "kefu")
