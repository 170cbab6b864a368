"""Fixtures for the pure-domain unit tests: a fixed clock, actors and a ticket factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kefu.domain.actors import Actor, Role
from kefu.domain.calendars import BusinessCalendar
from kefu.domain.clock import FixedClock
from kefu.domain.organisation import Channel, Lane
from kefu.domain.priority import Priority, PriorityTerm
from kefu.domain.sla import SlaState
from kefu.domain.tickets import CustomerRef, Status, Ticket
from kefu.policies import Policies, load_policies

START = datetime(2024, 3, 6, 9, 30, tzinfo=UTC)
CUSTOMER_UID = "UID12345678"
OTHER_UID = "UID87654321"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def supervisor() -> Actor:
    return Actor(Role.SUPERVISOR, "lin", user_id=1)


@pytest.fixture
def agent() -> Actor:
    return Actor(Role.AGENT, "wang", user_id=2, agent_id=7, teams=frozenset({"account_safety"}))


@pytest.fixture
def customer_actor() -> Actor:
    return Actor(Role.CUSTOMER, "zhang", user_id=3, customer_uid=CUSTOMER_UID)


@pytest.fixture
def make_ticket() -> Callable[..., Ticket]:
    """Build a ticket directly in any state (no commands run, so no audit or events)."""

    def build(
        status: Status = Status.NEW,
        *,
        id: int = 1,
        customer_id: int = 100,
        uid: str = CUSTOMER_UID,
        segment: str = "ordinary",
        sla: SlaState | None = None,
        calendar: BusinessCalendar | None = None,
        **kwargs: Any,
    ) -> Ticket:
        ticket = Ticket(
            id=id,
            customer=CustomerRef(id=customer_id, uid=uid, segment=segment),
            channel=kwargs.pop("channel", Channel.INAPP),
            subject="账号被封",
            subcategory=kwargs.pop("subcategory", "account.ban_appeal"),
            team=kwargs.pop("team", "account_safety"),
            lane=kwargs.pop("lane", Lane.NORMAL),
            priority=Priority(70, (PriorityTerm("subcategory:account.ban_appeal", 70),)),
            sla=sla if sla is not None else SlaState(),
            created_at=START,
            status=status,
            **kwargs,
        )
        ticket.calendar = calendar
        return ticket

    return build


@pytest.fixture(scope="session")
def policies() -> Policies:
    return load_policies()
