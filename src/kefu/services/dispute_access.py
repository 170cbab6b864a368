"""Who a caller is in a dispute, and the one permission-checked way to load a dispute.

Buyer and seller are customers: a customer token whose UID is the order's buyer or
seller. The arbitrator is staff: a supervisor, an admin, or an agent of an arbitrating
team (`routing.arbitrator_teams`, default e-commerce). Anyone else does not see the
dispute at all (404), so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kefu.domain.actors import Actor, Role
from kefu.domain.dispute_rules import DisputePolicy, EvidenceFile, content_matches
from kefu.domain.disputes import Dispute, Party
from kefu.domain.errors import Forbidden, InvalidInput, NotFound
from kefu.services.context import ServiceContext
from kefu.services.ports import OrderDirectory, UnitOfWork


@dataclass(frozen=True)
class DisputeContext:
    """What every dispute use case gets: the services' context, the order system, the
    dispute rules. Built once in `bootstrap.py` (`Container.disputes`)."""

    ctx: ServiceContext
    orders: OrderDirectory
    policy: DisputePolicy


@dataclass(frozen=True)
class FileRef:
    """An uploaded file (`POST /api/v1/attachments`) given as evidence."""

    sha256: str
    filename: str
    content_type: str = "application/octet-stream"
    kind: str = "other"


ARBITRATING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def is_arbitrator(actor: Actor, policy: DisputePolicy) -> bool:
    if actor.role in ARBITRATING_ROLES:
        return True
    return actor.role is Role.AGENT and bool(actor.teams & policy.arbitrator_teams)


def party_of(actor: Actor, dispute: Dispute, policy: DisputePolicy) -> Party:
    """The actor's side in this dispute; NotFound when it has none."""
    if actor.role is Role.SYSTEM:
        return Party.SYSTEM
    if is_arbitrator(actor, policy):
        return Party.ARBITRATOR
    if actor.role is Role.CUSTOMER and actor.customer_uid is not None:
        if actor.customer_uid == dispute.buyer_uid:
            return Party.BUYER
        if actor.customer_uid == dispute.seller_uid:
            return Party.SELLER
    raise NotFound(
        f"纠纷 #{dispute.id} 不存在。\ndispute #{dispute.id} not found",
        details={"dispute_id": dispute.id},
    )


def dispute_for(
    uow: UnitOfWork, actor: Actor, dispute_id: int, policy: DisputePolicy, *, lock: bool = False
) -> tuple[Dispute, Party]:
    """The dispute (locked FOR UPDATE with `lock`) and the actor's side in it."""
    dispute = uow.disputes.get(dispute_id, for_update=lock)
    if dispute is None:
        raise NotFound(
            f"纠纷 #{dispute_id} 不存在。\ndispute #{dispute_id} not found",
            details={"dispute_id": dispute_id},
        )
    return dispute, party_of(actor, dispute, policy)


def require_participant(actor: Actor, policy: DisputePolicy) -> None:
    """Refuse roles that never take part in disputes (integrations, bots, other teams)."""
    if actor.role is Role.CUSTOMER or is_arbitrator(actor, policy):
        return
    raise Forbidden(
        "disputes are for the order's buyer and seller (customer tokens) and for arbitrators "
        f"(supervisors, admins, agents of {', '.join(sorted(policy.arbitrator_teams))}); you "
        f"are '{actor.role.value}'",
        details={"role": actor.role.value},
    )


def evidence_files(dc: DisputeContext, refs: Sequence[FileRef]) -> tuple[EvidenceFile, ...]:
    """Uploaded files as evidence: stored, within the limits, and what they claim to be."""
    files = []
    for ref in refs:
        size = dc.ctx.blobs.size(ref.sha256)
        if size is None:
            raise InvalidInput(
                f"文件 {ref.filename} 尚未上传。\nFile {ref.sha256} is not stored: upload it to "
                "/api/v1/attachments first.",
                details={"sha256": ref.sha256},
            )
        files.append(EvidenceFile(ref.sha256, ref.filename, ref.content_type, size, ref.kind))
    checked = dc.policy.check_files(files)
    for f in checked:
        if not content_matches(f.content_type, dc.ctx.blobs.get(f.sha256)[:512]):
            raise InvalidInput(
                f"文件 {f.filename} 的内容与类型 {f.content_type} 不符。\n"
                f"'{f.filename}' does not look like {f.content_type}.",
                details={"filename": f.filename, "content_type": f.content_type},
            )
    return checked
