"""The e-commerce dispute aggregate (SPEC §8) and its explicit transition table.

Opened by the buyer → the seller responds within 72 hours (accepts: the buyer wins a full
refund; contests: platform arbitration) or the deadline sends it to arbitration → evidence
rounds (at most 3 submissions per party) → optional quality appraisal with an inspection
report → the arbitrator's decision (buyer wins, seller wins, partial refund ≤ the order
amount) with a written reason → one appeal per party → closed.

Every step goes through `_step`, which refuses a wrong actor (Forbidden) and a step the
table does not allow in the current state (409). Every step appends a history entry —
the source of the dispute reports — and records a domain event. Amounts are integer fen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kefu.domain.dispute_rules import Contact, DisputePolicy, EvidenceFile
from kefu.domain.dispute_states import (
    SYSTEM_LABEL,
    TRANSITIONS,
    Action,
    AppealRefused,
    Closure,
    DeadlinePassed,
    DisputeType,
    EvidenceLimitReached,
    HistoryEntry,
    IllegalStep,
    Order,
    OrderItem,
    Outcome,
    Party,
    State,
    Step,
    Submission,
    SubmissionKind,
    check_step,
)
from kefu.domain.errors import Conflict, Forbidden, InvalidInput
from kefu.domain.events import RecordsEvents

__all__ = [
    "TRANSITIONS",
    "Action",
    "AppealRefused",
    "Closure",
    "DeadlinePassed",
    "Dispute",
    "DisputeType",
    "EvidenceLimitReached",
    "HistoryEntry",
    "IllegalStep",
    "Order",
    "OrderItem",
    "Outcome",
    "Party",
    "State",
    "Submission",
    "SubmissionKind",
]


class Dispute(RecordsEvents):
    def __init__(self, *, order: Order, type: DisputeType, opened_at: datetime, **kw: Any) -> None:
        self._init_events()
        self.order, self.type, self.opened_at = order, type, opened_at
        self.id: int | None = kw.get("id")
        self.ticket_id: int | None = kw.get("ticket_id")
        self.state: State = kw.get("state", State.AWAITING_SELLER)
        self.seller_deadline_at: datetime = kw.get("seller_deadline_at", opened_at)
        self.complete_bundle: bool = kw.get("complete_bundle", False)
        self.large: bool = kw.get("large", False)
        self.arbitration_started_at: datetime | None = kw.get("arbitration_started_at")
        self.arbitration_reason: str | None = kw.get("arbitration_reason")
        self.outcome: Outcome | None = kw.get("outcome")
        self.refund_fen: int | None = kw.get("refund_fen")
        self.decision_reason: str = kw.get("decision_reason", "")
        self.decided_at: datetime | None = kw.get("decided_at")
        self.decisions: int = kw.get("decisions", 0)
        self.appeal_deadline_at: datetime | None = kw.get("appeal_deadline_at")
        self.appeals: dict[Party, datetime] = dict(kw.get("appeals", {}))
        self.evidence_counts: dict[Party, int] = dict(kw.get("evidence_counts", {}))
        self.closed_at: datetime | None = kw.get("closed_at")
        self.closure: Closure | None = kw.get("closure")
        self.updated_at: datetime = kw.get("updated_at", opened_at)
        self.new_submissions: list[Submission] = []
        self.new_history: list[HistoryEntry] = []

    @property
    def buyer_uid(self) -> str:
        return self.order.buyer_uid

    @property
    def seller_uid(self) -> str:
        return self.order.seller_uid

    @property
    def name(self) -> str:
        return f"dispute #{self.id}" if self.id else "dispute"

    # ---- opening ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        order: Order,
        type: DisputeType,
        party: Party,
        actor: str,
        statement: str,
        files: tuple[EvidenceFile, ...],
        contact: Contact,
        policy: DisputePolicy,
        now: datetime,
    ) -> Dispute:
        if party not in TRANSITIONS[(None, Action.OPEN)].parties:
            raise Forbidden(
                "只有买家可以发起纠纷。\nOnly the order's buyer may open a dispute.",
                details={"action": Action.OPEN.value, "party": party.value},
            )
        if order.buyer_uid == order.seller_uid:
            raise InvalidInput("买家与卖家不能是同一账号。\nThe buyer and the seller are the same.")
        if order.amount_fen <= 0:
            raise InvalidInput(f"order {order.id} has no amount to dispute")
        statement = policy.check_statement(statement, required=True)
        files = policy.check_files(files)
        d = cls(order=order, type=type, opened_at=now)
        d.seller_deadline_at = now + policy.seller_response
        d.complete_bundle = policy.bundle_complete(order.id, files)
        d.large = policy.is_large(order.amount_fen)
        d._submit(party, SubmissionKind.OPENING, statement, files, contact, actor, now)
        d._history(actor, party, Action.OPEN, None, now, complete_bundle=d.complete_bundle)
        d.record(
            "dispute.opened",
            order_id=order.id,
            type=type.value,
            amount_fen=order.amount_fen,
            complete_bundle=d.complete_bundle,
            large=d.large,
            seller_deadline_at=d.seller_deadline_at.isoformat(),
        )
        return d

    # ---- the table --------------------------------------------------------------------

    def allowed(self, party: Party) -> list[Action]:
        """The actions `party` may take now according to the table (limits aside)."""
        return [
            a for (s, a), step in TRANSITIONS.items() if s is self.state and party in step.parties
        ]

    def _check(self, action: Action, party: Party) -> Step:
        return check_step(self.name, self.state, action, party)

    def _apply(
        self, step: Step, action: Action, party: Party, actor: str, now: datetime, **details: Any
    ) -> None:
        before, self.state = self.state, step.target
        self.updated_at = now
        self._history(actor, party, action, before, now, **details)

    def _step(
        self, action: Action, party: Party, actor: str, now: datetime, **details: Any
    ) -> None:
        self._apply(self._check(action, party), action, party, actor, now, **details)

    def _history(
        self,
        actor: str,
        party: Party,
        action: Action,
        before: State | None,
        now: datetime,
        **details: Any,
    ) -> None:
        self.new_history.append(
            HistoryEntry(now, actor, party, action, before, self.state, details)
        )

    def _submit(
        self,
        party: Party,
        kind: SubmissionKind,
        body: str,
        files: tuple[EvidenceFile, ...],
        contact: Contact,
        actor: str,
        now: datetime,
    ) -> Submission:
        sub = Submission(party, kind, body, now, actor, files, contact)
        self.new_submissions.append(sub)
        return sub

    # ---- the seller's answer ------------------------------------------------------------

    def respond(
        self,
        party: Party,
        actor: str,
        *,
        accept: bool,
        statement: str,
        files: tuple[EvidenceFile, ...],
        contact: Contact,
        policy: DisputePolicy,
        now: datetime,
    ) -> None:
        action = Action.SELLER_ACCEPT if accept else Action.SELLER_CONTEST
        step = self._check(action, party)
        if now >= self.seller_deadline_at:
            raise DeadlinePassed(
                f"卖家须在 {policy.seller_response_hours} 小时内处理，期限已过，"
                "纠纷转入平台仲裁。\n"
                f"The seller's {policy.seller_response_hours}-hour response deadline passed at "
                f"{self.seller_deadline_at.isoformat()}; the dispute goes to platform "
                "arbitration.",
                details={"deadline": self.seller_deadline_at.isoformat()},
            )
        statement = policy.check_statement(statement, required=not accept)
        files = policy.check_files(files)
        self._apply(step, action, party, actor, now, accept=accept)
        self._submit(party, SubmissionKind.RESPONSE, statement, files, contact, actor, now)
        if accept:
            self.outcome, self.refund_fen = Outcome.BUYER_WINS, self.order.amount_fen
            self.decided_at = now
            self._close(Closure.SELLER_ACCEPTED, now)
            self.record("dispute.seller_accepted", refund_fen=self.refund_fen)
        else:
            self._start_arbitration("seller_contested", now)

    def deadline_passed(self, now: datetime, party: Party = Party.SYSTEM) -> None:
        step = self._check(Action.DEADLINE_PASSED, party)
        if now < self.seller_deadline_at:
            raise Conflict(
                f"{self.name}: the seller may respond until {self.seller_deadline_at.isoformat()}",
                details={"deadline": self.seller_deadline_at.isoformat()},
            )
        self._apply(step, Action.DEADLINE_PASSED, party, SYSTEM_LABEL, now)
        self._start_arbitration("seller_deadline_passed", now)

    def _start_arbitration(self, reason: str, now: datetime) -> None:
        self.arbitration_started_at, self.arbitration_reason = now, reason
        self.new_history[-1].details["reason"] = reason
        self.record("dispute.arbitration_started", reason=reason, type=self.type.value)

    # ---- evidence and appraisal -------------------------------------------------------

    def submit_evidence(
        self,
        party: Party,
        actor: str,
        *,
        statement: str,
        files: tuple[EvidenceFile, ...],
        contact: Contact,
        policy: DisputePolicy,
        now: datetime,
    ) -> Submission:
        step = self._check(Action.SUBMIT_EVIDENCE, party)
        limit = policy.max_submissions_per_party
        used = self.evidence_counts.get(party, 0)
        if used >= limit:
            raise EvidenceLimitReached(
                f"每方最多提交 {limit} 次证据，您已提交 {used} 次，本次不予受理。\n"
                f"Each party may submit evidence at most {limit} times; the {party.value} "
                f"has already submitted {used}. This submission is refused.",
                details={"party": party.value, "used": used, "limit": limit},
            )
        statement = policy.check_statement(statement, required=not files)
        files = policy.check_files(files)
        self._apply(step, Action.SUBMIT_EVIDENCE, party, actor, now, number=used + 1)
        self.evidence_counts[party] = used + 1
        sub = self._submit(party, SubmissionKind.EVIDENCE, statement, files, contact, actor, now)
        self.record("dispute.evidence_submitted", party=party.value, number=used + 1)
        return sub

    def evidence_left(self, party: Party, policy: DisputePolicy) -> int:
        return max(0, policy.max_submissions_per_party - self.evidence_counts.get(party, 0))

    def request_appraisal(self, party: Party, actor: str, reason: str, now: datetime) -> None:
        self._step(Action.REQUEST_APPRAISAL, party, actor, now, reason=reason.strip())
        self.record("dispute.appraisal_requested", reason=reason.strip())

    def submit_report(
        self,
        party: Party,
        actor: str,
        *,
        statement: str,
        files: tuple[EvidenceFile, ...],
        policy: DisputePolicy,
        now: datetime,
    ) -> Submission:
        step = self._check(Action.SUBMIT_REPORT, party)
        if not files:
            raise InvalidInput(
                "请上传第三方检测报告文件。\nUpload the third-party inspection report file.",
                details={"field": "files"},
            )
        statement = policy.check_statement(statement, required=False)
        files = policy.check_files(files)
        self._apply(step, Action.SUBMIT_REPORT, party, actor, now, files=len(files))
        sub = self._submit(party, SubmissionKind.REPORT, statement, files, Contact(), actor, now)
        self.record("dispute.report_submitted", party=party.value)
        return sub

    # ---- decision, appeal, closing ------------------------------------------------------

    def decide(
        self,
        party: Party,
        actor: str,
        *,
        outcome: Outcome,
        refund_fen: int | None,
        reason: str,
        policy: DisputePolicy,
        now: datetime,
    ) -> None:
        step = self._check(Action.DECIDE, party)
        amount = self.order.amount_fen
        if outcome is Outcome.PARTIAL:
            if refund_fen is None or not 0 < refund_fen <= amount:
                raise InvalidInput(
                    f"部分退款金额须大于 0 且不超过订单金额 {amount / 100:.2f} 元。\n"
                    f"A partial refund must be more than 0 and at most the order amount "
                    f"({amount} fen); got {refund_fen}.",
                    details={"refund_fen": refund_fen, "order_amount_fen": amount},
                )
        else:
            full = amount if outcome is Outcome.BUYER_WINS else 0
            if refund_fen not in (None, full):
                raise InvalidInput(
                    f"'{outcome.value}' refunds {full} fen; leave refund_fen out or give {full}",
                    details={"refund_fen": refund_fen},
                )
            refund_fen = full
        if not reason.strip():
            raise InvalidInput(
                "裁决须写明理由。\nA decision needs a written reason.", details={"field": "reason"}
            )
        reason = policy.check_statement(reason, required=True)
        self._apply(
            step, Action.DECIDE, party, actor, now, outcome=outcome.value, refund_fen=refund_fen
        )
        self.outcome, self.refund_fen, self.decision_reason = outcome, refund_fen, reason
        self.decided_at, self.decisions = now, self.decisions + 1
        self.appeal_deadline_at = now + policy.appeal_window
        self.record(
            "dispute.decided", outcome=outcome.value, refund_fen=refund_fen, number=self.decisions
        )
        if not self.appeals_left():  # both appeals used (or nobody may appeal): final
            self.close(Party.SYSTEM, SYSTEM_LABEL, now, Closure.NO_APPEAL_LEFT)

    def may_appeal(self, party: Party) -> bool:
        won = {Party.BUYER: Outcome.BUYER_WINS, Party.SELLER: Outcome.SELLER_WINS}
        return party in won and party not in self.appeals and self.outcome is not won[party]

    def appeals_left(self) -> list[Party]:
        return [p for p in (Party.BUYER, Party.SELLER) if self.may_appeal(p)]

    def appeal(
        self,
        party: Party,
        actor: str,
        *,
        reason: str,
        files: tuple[EvidenceFile, ...],
        policy: DisputePolicy,
        now: datetime,
    ) -> None:
        step = self._check(Action.APPEAL, party)
        if party in self.appeals:
            raise AppealRefused(
                "每方只能申诉一次，您已申诉过。\n"
                f"Each party may appeal once; the {party.value} already appealed on "
                f"{self.appeals[party].isoformat()}.",
                details={"party": party.value},
            )
        if not self.may_appeal(party):
            raise AppealRefused(
                "裁决已完全支持您的主张，无需申诉。\n"
                f"The decision went fully the {party.value}'s way; there is nothing to appeal.",
                details={"party": party.value, "outcome": str(self.outcome)},
            )
        if self.appeal_deadline_at is not None and now >= self.appeal_deadline_at:
            raise DeadlinePassed(
                f"申诉期已于 {self.appeal_deadline_at.isoformat()} 结束。\n"
                f"The appeal window ended at {self.appeal_deadline_at.isoformat()}.",
                details={"deadline": self.appeal_deadline_at.isoformat()},
            )
        reason = policy.check_statement(reason, required=True)
        files = policy.check_files(files)
        self._apply(step, Action.APPEAL, party, actor, now)
        self.appeals[party] = now
        self.appeal_deadline_at = None
        self._submit(party, SubmissionKind.APPEAL, reason, files, Contact(), actor, now)
        self.record("dispute.appealed", party=party.value)

    def close(
        self, party: Party, actor: str, now: datetime, closure: Closure, reason: str = ""
    ) -> None:
        step = self._check(Action.CLOSE, party)
        if (
            party is Party.SYSTEM
            and closure is Closure.APPEAL_WINDOW_ENDED
            and self.state is State.DECIDED
            and self.appeal_deadline_at is not None
            and now < self.appeal_deadline_at
        ):
            raise Conflict(f"{self.name}: the appeal window is still open")
        details = {"closure": closure.value, **({"reason": reason.strip()} if reason else {})}
        self._apply(step, Action.CLOSE, party, actor, now, **details)
        self._close(closure, now)

    def withdraw(self, party: Party, actor: str, reason: str, now: datetime) -> None:
        step = self._check(Action.WITHDRAW, party)
        if self.decisions:
            raise Conflict(
                "平台已作出裁决，不能撤回纠纷。\n"
                f"{self.name} was already decided; it can no longer be withdrawn.",
                details={"decisions": self.decisions},
            )
        self._apply(step, Action.WITHDRAW, party, actor, now, reason=reason.strip())
        self._close(Closure.WITHDRAWN, now)

    def _close(self, closure: Closure, now: datetime) -> None:
        self.closed_at, self.closure, self.appeal_deadline_at = now, closure, None
        self.new_history[-1].details["closure"] = closure.value
        self.record(
            "dispute.closed",
            closure=closure.value,
            outcome=self.outcome.value if self.outcome else None,
            refund_fen=self.refund_fen,
        )
