"""The vocabulary of e-commerce disputes: types, states, parties, actions, the explicit
transition table (who may take which step from which state), the errors of refused steps,
and the value objects a dispute holds (the order, submissions, history entries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kefu.domain.dispute_rules import Contact, EvidenceFile
from kefu.domain.errors import Conflict, Forbidden, IllegalTransition


class DisputeType(StrEnum):
    NOT_RECEIVED = "not_received"
    NOT_AS_DESCRIBED = "not_as_described"
    QUALITY = "quality"

    @property
    def subcategory(self) -> str:
        return f"order.{self.value}"


class State(StrEnum):
    AWAITING_SELLER = "awaiting_seller"
    ARBITRATION = "arbitration"
    APPRAISAL = "appraisal"
    DECIDED = "decided"
    APPEALED = "appealed"
    CLOSED = "closed"


class Party(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    ARBITRATOR = "arbitrator"
    SYSTEM = "system"


class Action(StrEnum):
    OPEN = "open"
    SELLER_ACCEPT = "seller_accept"
    SELLER_CONTEST = "seller_contest"
    DEADLINE_PASSED = "deadline_passed"
    SUBMIT_EVIDENCE = "submit_evidence"
    REQUEST_APPRAISAL = "request_appraisal"
    SUBMIT_REPORT = "submit_report"
    DECIDE = "decide"
    APPEAL = "appeal"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class Outcome(StrEnum):
    BUYER_WINS = "buyer_wins"
    SELLER_WINS = "seller_wins"
    PARTIAL = "partial"


class Closure(StrEnum):
    SELLER_ACCEPTED = "seller_accepted"
    WITHDRAWN = "withdrawn"
    APPEAL_WINDOW_ENDED = "appeal_window_ended"
    NO_APPEAL_LEFT = "no_appeal_left"
    ARBITRATOR = "arbitrator"


class SubmissionKind(StrEnum):
    OPENING = "opening"
    RESPONSE = "response"
    EVIDENCE = "evidence"
    """The only kind that counts against the per-party limit."""
    REPORT = "report"
    APPEAL = "appeal"


@dataclass(frozen=True, slots=True)
class Step:
    target: State
    parties: frozenset[Party]


B, SE, A, SY = Party.BUYER, Party.SELLER, Party.ARBITRATOR, Party.SYSTEM
S, X = State, Action


def _who(*parties: Party) -> frozenset[Party]:
    return frozenset(parties)


TRANSITIONS: Mapping[tuple[State | None, Action], Step] = {
    (None, X.OPEN): Step(S.AWAITING_SELLER, _who(B)),
    (S.AWAITING_SELLER, X.SELLER_ACCEPT): Step(S.CLOSED, _who(SE)),
    (S.AWAITING_SELLER, X.SELLER_CONTEST): Step(S.ARBITRATION, _who(SE)),
    (S.AWAITING_SELLER, X.DEADLINE_PASSED): Step(S.ARBITRATION, _who(SY)),
    (S.AWAITING_SELLER, X.WITHDRAW): Step(S.CLOSED, _who(B)),
    (S.ARBITRATION, X.SUBMIT_EVIDENCE): Step(S.ARBITRATION, _who(B, SE)),
    (S.ARBITRATION, X.REQUEST_APPRAISAL): Step(S.APPRAISAL, _who(A)),
    (S.ARBITRATION, X.DECIDE): Step(S.DECIDED, _who(A)),
    (S.ARBITRATION, X.WITHDRAW): Step(S.CLOSED, _who(B)),
    (S.APPRAISAL, X.SUBMIT_EVIDENCE): Step(S.APPRAISAL, _who(B, SE)),
    (S.APPRAISAL, X.SUBMIT_REPORT): Step(S.APPRAISAL, _who(B, SE, A)),
    (S.APPRAISAL, X.DECIDE): Step(S.DECIDED, _who(A)),
    (S.APPRAISAL, X.WITHDRAW): Step(S.CLOSED, _who(B)),
    (S.DECIDED, X.APPEAL): Step(S.APPEALED, _who(B, SE)),
    (S.DECIDED, X.CLOSE): Step(S.CLOSED, _who(A, SY)),
    (S.APPEALED, X.SUBMIT_EVIDENCE): Step(S.APPEALED, _who(B, SE)),
    (S.APPEALED, X.REQUEST_APPRAISAL): Step(S.APPRAISAL, _who(A)),
    (S.APPEALED, X.DECIDE): Step(S.DECIDED, _who(A)),
}
"""(state, action) → (next state, who may take it). Anything else is refused."""

MAY_TAKE: Mapping[Action, frozenset[Party]] = {
    action: frozenset().union(*(s.parties for (_, a), s in TRANSITIONS.items() if a is action))
    for action in Action
}
"""Who may ever take an action, in any state."""

PARTY_ZH = {B: "买家", SE: "卖家", A: "仲裁员", SY: "系统"}
SYSTEM_LABEL = "system:kefu"
"""The actor label of steps the system takes (deadlines, the end of the appeal window)."""


class IllegalStep(IllegalTransition):
    """An action the transition table does not allow in the dispute's current state."""

    def __init__(self, dispute: str, state: State, action: Action) -> None:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is state)
        target = TRANSITIONS.get((state, action))
        Conflict.__init__(
            self,
            f"{dispute}当前状态为「{state.value}」，不能执行「{action.value}」。\n"
            f"{dispute} is '{state.value}': '{action.value}' is not allowed there; "
            f"allowed from '{state.value}': {', '.join(allowed) or 'none (final state)'}",
            details={
                "from": state.value,
                "action": action.value,
                "to": target.target.value if target else None,
                "allowed": allowed,
            },
        )


def check_step(name: str, state: State, action: Action, party: Party) -> Step:
    """The step `party` wants to take from `state`, or the refusal: a wrong actor (403),
    then a step the table does not allow in this state (409)."""
    if party not in MAY_TAKE[action]:
        who = sorted(MAY_TAKE[action])
        raise Forbidden(
            f"只有{'、'.join(PARTY_ZH[p] for p in who)}可以执行「{action.value}」。\n"
            f"'{action.value}' may be taken only by {' or '.join(p.value for p in who)}; "
            f"you are the {party.value}.",
            details={"action": action.value, "party": party.value},
        )
    step = TRANSITIONS.get((state, action))
    if step is None:
        raise IllegalStep(name, state, action)
    if party not in step.parties:
        raise Forbidden(
            f"当前阶段{PARTY_ZH[party]}不能执行「{action.value}」。\n"
            f"In '{state.value}', '{action.value}' is not for the {party.value}.",
            details={"action": action.value, "party": party.value},
        )
    return step


class EvidenceLimitReached(Conflict):
    code = "evidence_limit_reached"


class AppealRefused(Conflict):
    code = "appeal_refused"


class DeadlinePassed(Conflict):
    code = "deadline_passed"


@dataclass(frozen=True, slots=True)
class OrderItem:
    name: str
    quantity: int
    price_fen: int


@dataclass(frozen=True, slots=True)
class Order:
    """An order of the platform's order system, as a dispute sees it (no contact data)."""

    id: str
    buyer_uid: str
    seller_uid: str
    amount_fen: int
    items: tuple[OrderItem, ...] = ()
    logistics_status: str = ""
    currency: str = "CNY"


@dataclass(slots=True)
class Submission:
    party: Party
    kind: SubmissionKind
    body: str
    at: datetime
    author: str
    files: tuple[EvidenceFile, ...] = ()
    contact: Contact = field(default_factory=Contact)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    party: Party
    action: Action
    before: State | None
    after: State
    details: dict[str, Any] = field(default_factory=dict)
