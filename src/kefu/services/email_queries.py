"""What staff may read about mail: received mails (with their raw bytes, the evidence as
it arrived), queued and sent mails, and counts by status."""

from __future__ import annotations

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput, NotFound
from kefu.services.access import require_role, ticket_for
from kefu.services.context import ServiceContext
from kefu.services.email_ports import InboundRecord, OutboundRecord

READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
ADMINS = (Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
INBOUND_STATUSES = frozenset({"received", "processed", "failed"})
MAX_PAGE = 200


def _limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", details={"limit": limit})


def list_inbound(
    ctx: ServiceContext, actor: Actor, status: str | None, limit: int, before_id: int | None
) -> list[InboundRecord]:
    require_role(actor, *ADMINS)
    _limit(limit)
    if status is not None and status not in INBOUND_STATUSES:
        raise InvalidInput(
            f"unknown status '{status}': expected one of {', '.join(sorted(INBOUND_STATUSES))}"
        )
    with ctx.uow(readonly=True) as uow:
        return uow.email.list_inbound(status, limit, before_id)


def inbound_raw(ctx: ServiceContext, actor: Actor, inbound_id: int) -> tuple[InboundRecord, bytes]:
    require_role(actor, *ADMINS)
    with ctx.uow(readonly=True) as uow:
        rec = uow.email.inbound(inbound_id)
    if rec is None:
        raise NotFound(f"no received mail {inbound_id}", details={"id": inbound_id})
    return rec, ctx.blobs.get(rec.raw_sha256)


def list_outbound(
    ctx: ServiceContext, actor: Actor, ticket_id: int | None, limit: int, before_id: int | None
) -> list[OutboundRecord]:
    require_role(actor, *READERS)
    _limit(limit)
    if actor.role is Role.AGENT and ticket_id is None:
        raise InvalidInput("agents list the mail of one ticket: pass ticket_id")
    with ctx.uow(readonly=True) as uow:
        if ticket_id is not None:
            ticket_for(uow, actor, ticket_id)  # 404 for a ticket the actor may not see
        return uow.email.list_outbound(ticket_id, limit, before_id)


def email_stats(ctx: ServiceContext, actor: Actor) -> dict[str, dict[str, int]]:
    require_role(actor, *ADMINS)
    with ctx.uow(readonly=True) as uow:
        return uow.email.counts()
