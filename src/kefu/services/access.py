"""The one permission-checked way to load an object for an actor.

Routes never check permissions themselves. An object the actor may not see is reported
as not found (404), so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import replace

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import Forbidden, NotFound
from kefu.domain.tickets import Ticket
from kefu.services.ports import TicketFilter, UnitOfWork

ALL_TICKETS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION, Role.SYSTEM, Role.BOT})


def can_see_ticket(actor: Actor, ticket: Ticket) -> bool:
    if actor.role in ALL_TICKETS:
        return True
    if actor.role is Role.CUSTOMER:
        return actor.customer_uid == ticket.customer.uid
    if actor.role is Role.AGENT:
        return ticket.team in actor.teams or ticket.assignee_id == actor.agent_id
    return False


def ticket_for(
    uow: UnitOfWork, actor: Actor, ticket_id: int, *, for_update: bool = False
) -> Ticket:
    ticket = uow.tickets.get(ticket_id, for_update=for_update)
    if ticket is None or not can_see_ticket(actor, ticket):
        raise NotFound(f"ticket #{ticket_id} not found", details={"ticket_id": ticket_id})
    return ticket


def visible_filter(actor: Actor, flt: TicketFilter) -> TicketFilter:
    """Narrow a list filter to what the actor may see."""
    if actor.role in ALL_TICKETS:
        return flt
    if actor.role is Role.CUSTOMER:
        if flt.customer_uid not in (None, actor.customer_uid):
            # Asking for another customer's tickets lists nothing, as if they had none.
            return TicketFilter(customer_uid="__nobody__")
        return replace(flt, customer_uid=actor.customer_uid)
    if actor.role is Role.AGENT:
        return replace(flt, teams=frozenset(actor.teams))
    raise Forbidden("this role may not list tickets")


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise Forbidden(
            f"this needs the role {' or '.join(r.value for r in roles)}; "
            f"you are '{actor.role.value}'",
            details={"role": actor.role.value},
        )
