"""Dispute reports per type (SPEC §11 table 7, the seed's 各纠纷类型处理效率对比), computed
from the dispute history — never maintained by hand.

Definitions (over the disputes opened in the period):
- **concluded**: closed with an outcome — decided by the platform (after any appeals) or
  accepted by the seller. Withdrawn disputes have no outcome.
- **average cycle time** (平均处理周期): over concluded disputes, from opening to the final
  outcome (the last decision, or the seller's acceptance). The appeal window that follows a
  decision is waiting, not handling, so it does not count.
- **seller win rate** (卖家胜诉率): concluded disputes whose final outcome is `seller_wins`,
  over all concluded disputes (a partial refund is not a seller win; a seller's
  acceptance is a buyer win).
- **platform intervention rate** (平台介入率): disputes that reached platform arbitration
  (the seller contested, or the 72-hour deadline passed), over the disputes whose seller
  phase is over (the seller answered, the deadline passed, or the buyer withdrew) — a
  dispute still waiting for the seller has not settled the question yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.actors import Actor
from kefu.domain.disputes import Action, DisputeType, Outcome, State
from kefu.domain.errors import Forbidden, InvalidInput
from kefu.services.dispute_access import DisputeContext, is_arbitrator
from kefu.services.dispute_ports import DisputeStep

SELLER_PHASE_ENDS = frozenset(
    {Action.SELLER_ACCEPT, Action.SELLER_CONTEST, Action.DEADLINE_PASSED, Action.WITHDRAW}
)
ARBITRATION_STARTS = frozenset({Action.SELLER_CONTEST, Action.DEADLINE_PASSED})


@dataclass
class _Case:
    type: str
    opened_at: datetime | None = None
    seller_phase_over: bool = False
    arbitration: bool = False
    outcome: str | None = None
    outcome_at: datetime | None = None
    closed: bool = False


@dataclass(frozen=True)
class TypeFigures:
    type: str
    opened: int = 0
    concluded: int = 0
    withdrawn: int = 0
    seller_wins: int = 0
    seller_phase_over: int = 0
    reached_arbitration: int = 0
    average_cycle_hours: float | None = None
    seller_win_rate: float | None = None
    platform_intervention_rate: float | None = None


@dataclass(frozen=True)
class DisputeReport:
    opened_from: datetime | None
    opened_until: datetime | None
    types: list[TypeFigures] = field(default_factory=list)
    total: TypeFigures = field(default_factory=lambda: TypeFigures("all"))


def _cases(steps: Iterable[DisputeStep]) -> dict[int, _Case]:
    cases: dict[int, _Case] = {}
    for s in steps:
        case = cases.setdefault(s.dispute_id, _Case(s.type))
        action = Action(s.action)
        if action is Action.OPEN:
            case.opened_at = s.at
        if action in SELLER_PHASE_ENDS:
            case.seller_phase_over = True
        if action in ARBITRATION_STARTS:
            case.arbitration = True
        if action is Action.SELLER_ACCEPT:
            case.outcome, case.outcome_at = Outcome.BUYER_WINS.value, s.at
        elif action is Action.DECIDE:
            case.outcome, case.outcome_at = str(s.details.get("outcome")), s.at
        elif action is Action.WITHDRAW:
            case.outcome, case.outcome_at = None, None
        if s.after == State.CLOSED.value:
            case.closed = True
    return cases


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(kind: str, cases: list[_Case]) -> TypeFigures:
    concluded = [c for c in cases if c.closed and c.outcome and c.outcome_at and c.opened_at]
    hours = [
        (c.outcome_at - c.opened_at).total_seconds() / 3600
        for c in concluded
        if c.outcome_at is not None and c.opened_at is not None
    ]
    seller_wins = sum(1 for c in concluded if c.outcome == Outcome.SELLER_WINS.value)
    phase_over = [c for c in cases if c.seller_phase_over]
    arbitration = sum(1 for c in phase_over if c.arbitration)
    return TypeFigures(
        type=kind,
        opened=len(cases),
        concluded=len(concluded),
        withdrawn=sum(1 for c in cases if c.closed and c.outcome is None),
        seller_wins=seller_wins,
        seller_phase_over=len(phase_over),
        reached_arbitration=arbitration,
        average_cycle_hours=round(sum(hours) / len(hours), 2) if hours else None,
        seller_win_rate=_ratio(seller_wins, len(concluded)),
        platform_intervention_rate=_ratio(arbitration, len(phase_over)),
    )


def report_from_steps(
    steps: Iterable[DisputeStep],
    opened_from: datetime | None = None,
    opened_until: datetime | None = None,
) -> DisputeReport:
    cases = _cases(steps)
    per_type = [
        figures(t.value, [c for c in cases.values() if c.type == t.value]) for t in DisputeType
    ]
    return DisputeReport(opened_from, opened_until, per_type, figures("all", list(cases.values())))


def dispute_report(
    dc: DisputeContext,
    actor: Actor,
    opened_from: datetime | None = None,
    opened_until: datetime | None = None,
) -> DisputeReport:
    if not is_arbitrator(actor, dc.policy):
        raise Forbidden(
            "dispute reports are for supervisors, admins and arbitrating agents",
            details={"role": actor.role.value},
        )
    for name, value in (("opened_from", opened_from), ("opened_until", opened_until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone offset, e.g. 2026-11-01T00:00:00+08:00")
    if opened_from and opened_until and opened_from >= opened_until:
        raise InvalidInput("opened_from must be before opened_until")
    with dc.ctx.uow(readonly=True) as uow:
        steps = uow.disputes.steps(opened_from, opened_until)
    return report_from_steps(steps, opened_from, opened_until)
