"""The dispute aggregate with a fake clock: every transition and actor of the table, the
72-hour deadline, the evidence limit, the refund bound, appeals, the lane and the bundle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu.domain.dispute_rules import Contact, DisputePolicy, EvidenceFile
from kefu.domain.disputes import (
    TRANSITIONS,
    Action,
    AppealRefused,
    Closure,
    DeadlinePassed,
    Dispute,
    DisputeType,
    EvidenceLimitReached,
    IllegalStep,
    Order,
    Outcome,
    Party,
    State,
)
from kefu.domain.errors import Conflict, Forbidden, InvalidInput
from kefu.policies.disputes import load_dispute_policy

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
P = load_dispute_policy()
B, S, A, SYS = Party.BUYER, Party.SELLER, Party.ARBITRATOR, Party.SYSTEM
ALL_PARTIES = (B, S, A, SYS)
AMOUNT = 12_900


def order(amount: int = AMOUNT, oid: str = "DY1") -> Order:
    return Order(oid, "UID10000001", "UID10000002", amount)


def pdf(kind: str = "other", size: int = 1000) -> EvidenceFile:
    return EvidenceFile("a" * 64, f"{kind}.pdf", "application/pdf", size, kind)


def opened(
    amount: int = AMOUNT, files: tuple[EvidenceFile, ...] = (), policy: DisputePolicy = P
) -> Dispute:
    d = Dispute.open(
        order=order(amount),
        type=DisputeType.QUALITY,
        party=B,
        actor="customer:buyer",
        statement="充电宝鼓包",
        files=files,
        contact=Contact(phone="13800138000"),
        policy=policy,
        now=T0,
    )
    d.id = 1
    return d


def take(d: Dispute, action: Action, party: Party, now: datetime) -> None:
    """Take any action of the table with valid arguments."""
    kw: dict[str, Any] = {"policy": P, "now": now}
    if action in (Action.SELLER_ACCEPT, Action.SELLER_CONTEST):
        d.respond(
            party,
            "x",
            accept=action is Action.SELLER_ACCEPT,
            statement="有异议",
            files=(),
            contact=Contact(),
            **kw,
        )
    elif action is Action.DEADLINE_PASSED:
        d.deadline_passed(max(now, d.seller_deadline_at), party)
    elif action is Action.SUBMIT_EVIDENCE:
        d.submit_evidence(party, "x", statement="证据", files=(), contact=Contact(), **kw)
    elif action is Action.REQUEST_APPRAISAL:
        d.request_appraisal(party, "x", "需要鉴定", now)
    elif action is Action.SUBMIT_REPORT:
        d.submit_report(party, "x", statement="报告", files=(pdf("inspection_report"),), **kw)
    elif action is Action.DECIDE:
        d.decide(party, "x", outcome=Outcome.PARTIAL, refund_fen=5000, reason="部分支持", **kw)
    elif action is Action.APPEAL:
        d.appeal(party, "x", reason="不服", files=(), **kw)
    elif action is Action.CLOSE:
        at = d.appeal_deadline_at if party is SYS and d.appeal_deadline_at else now
        d.close(party, "x", at, Closure.ARBITRATOR if party is A else Closure.APPEAL_WINDOW_ENDED)
    elif action is Action.WITHDRAW:
        d.withdraw(party, "x", "不要了", now)
    else:  # pragma: no cover - every action of the table is handled above
        raise AssertionError(action)


def in_state(state: State) -> Dispute:
    """A dispute walked to `state` (a partial decision, so both sides may appeal)."""
    d = opened()
    path = {
        State.AWAITING_SELLER: [],
        State.ARBITRATION: [(Action.SELLER_CONTEST, S)],
        State.APPRAISAL: [(Action.SELLER_CONTEST, S), (Action.REQUEST_APPRAISAL, A)],
        State.DECIDED: [(Action.SELLER_CONTEST, S), (Action.DECIDE, A)],
        State.APPEALED: [(Action.SELLER_CONTEST, S), (Action.DECIDE, A), (Action.APPEAL, B)],
        State.CLOSED: [(Action.SELLER_ACCEPT, S)],
    }[state]
    for action, party in path:
        take(d, action, party, T0 + HOUR)
    assert d.state is state
    d.pull_events()
    return d


STEPS = [(s, a) for (s, a) in TRANSITIONS if s is not None]


@pytest.mark.parametrize(("state", "action"), STEPS, ids=[f"{s}-{a}" for s, a in STEPS])
@pytest.mark.parametrize("party", ALL_PARTIES)
def test_each_step_of_the_table_is_taken_only_by_its_parties(
    state: State, action: Action, party: Party
) -> None:
    d = in_state(state)
    step = TRANSITIONS[(state, action)]
    if party in step.parties:
        take(d, action, party, T0 + 2 * HOUR)
        expected = step.target
        if action is Action.DECIDE and state is State.APPEALED:
            expected = State.DECIDED  # the seller may still appeal the partial refund
        assert d.state is expected
        assert d.new_history[-1].action is action
        assert d.new_history[-1].party is party
    else:
        with pytest.raises(Forbidden):
            take(d, action, party, T0 + 2 * HOUR)
        assert d.state is state


ILLEGAL = [
    (s, a) for s in State for a in Action if a is not Action.OPEN and (s, a) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_a_step_the_table_does_not_allow_is_refused_naming_state_and_action(
    state: State, action: Action
) -> None:
    d = in_state(state)
    party = sorted(p for (_, a), st in TRANSITIONS.items() if a is action for p in st.parties)[0]
    with pytest.raises(IllegalStep) as err:
        take(d, action, party, T0 + 2 * HOUR)
    assert err.value.code == "illegal_transition"
    assert err.value.details["from"] == state.value
    assert err.value.details["action"] == action.value
    assert f"'{state.value}'" in err.value.message and f"'{action.value}'" in err.value.message
    assert d.state is state


@pytest.mark.parametrize("party", [S, A, SYS])
def test_only_the_buyer_opens_a_dispute(party: Party) -> None:
    with pytest.raises(Forbidden):
        Dispute.open(
            order=order(),
            type=DisputeType.QUALITY,
            party=party,
            actor="x",
            statement="x",
            files=(),
            contact=Contact(),
            policy=P,
            now=T0,
        )


def test_opening_records_the_event_history_and_the_72_hour_deadline() -> None:
    d = opened()
    assert d.state is State.AWAITING_SELLER
    assert d.seller_deadline_at == T0 + 72 * HOUR
    assert [e.name for e in d.pull_events()] == ["dispute.opened"]
    assert d.new_history[0].action is Action.OPEN and d.new_history[0].before is None


# ---- the 72-hour deadline ------------------------------------------------------------------


def test_deadline_at_71_59_is_not_reached() -> None:
    d = opened()
    with pytest.raises(Conflict):
        d.deadline_passed(T0 + timedelta(hours=71, minutes=59))
    assert d.state is State.AWAITING_SELLER


def test_deadline_at_72_00_starts_platform_arbitration() -> None:
    d = opened()
    d.pull_events()
    d.deadline_passed(T0 + 72 * HOUR)
    assert d.state is State.ARBITRATION
    assert d.arbitration_reason == "seller_deadline_passed"
    assert d.arbitration_started_at == T0 + 72 * HOUR
    event = d.pull_events()[0]
    assert (event.name, event.data["reason"]) == (
        "dispute.arbitration_started",
        "seller_deadline_passed",
    )


def test_the_seller_may_still_answer_at_71_59() -> None:
    d = opened()
    take(d, Action.SELLER_CONTEST, S, T0 + timedelta(hours=71, minutes=59))
    assert (d.state, d.arbitration_reason) == (State.ARBITRATION, "seller_contested")


def test_the_seller_answering_at_72_00_is_refused_as_too_late() -> None:
    d = opened()
    with pytest.raises(DeadlinePassed, match="72"):
        take(d, Action.SELLER_ACCEPT, S, T0 + 72 * HOUR)
    assert d.state is State.AWAITING_SELLER


def test_seller_accepting_gives_the_buyer_a_full_refund_without_intervention() -> None:
    d = opened()
    take(d, Action.SELLER_ACCEPT, S, T0 + HOUR)
    assert (d.state, d.outcome, d.refund_fen) == (State.CLOSED, Outcome.BUYER_WINS, AMOUNT)
    assert d.closure is Closure.SELLER_ACCEPTED and d.arbitration_started_at is None


# ---- evidence rounds -----------------------------------------------------------------------


def test_the_fourth_evidence_submission_of_a_party_is_refused_with_a_clear_message() -> None:
    d = in_state(State.ARBITRATION)
    for n in range(1, 4):
        take(d, Action.SUBMIT_EVIDENCE, B, T0 + n * HOUR)
    with pytest.raises(EvidenceLimitReached) as err:
        take(d, Action.SUBMIT_EVIDENCE, B, T0 + 5 * HOUR)
    assert "at most 3 times" in err.value.message and "最多提交 3 次" in err.value.message
    assert err.value.details == {"party": "buyer", "used": 3, "limit": 3}
    assert d.evidence_counts[B] == 3


def test_each_party_has_its_own_three_submissions_across_appraisal_and_appeal() -> None:
    d = in_state(State.ARBITRATION)
    for _ in range(3):
        take(d, Action.SUBMIT_EVIDENCE, B, T0 + HOUR)
    take(d, Action.SUBMIT_EVIDENCE, S, T0 + HOUR)
    take(d, Action.REQUEST_APPRAISAL, A, T0 + HOUR)
    take(d, Action.SUBMIT_EVIDENCE, S, T0 + HOUR)
    take(d, Action.DECIDE, A, T0 + 2 * HOUR)
    take(d, Action.APPEAL, S, T0 + 3 * HOUR)
    take(d, Action.SUBMIT_EVIDENCE, S, T0 + 3 * HOUR)
    with pytest.raises(EvidenceLimitReached):
        take(d, Action.SUBMIT_EVIDENCE, S, T0 + 3 * HOUR)
    assert d.evidence_counts == {B: 3, S: 3}


def test_evidence_needs_a_statement_or_a_file() -> None:
    d = in_state(State.ARBITRATION)
    with pytest.raises(InvalidInput):
        d.submit_evidence(B, "x", statement=" ", files=(), contact=Contact(), policy=P, now=T0)
    assert d.evidence_counts.get(B, 0) == 0


def test_a_report_needs_its_file() -> None:
    d = in_state(State.APPRAISAL)
    with pytest.raises(InvalidInput, match="inspection report"):
        d.submit_report(A, "x", statement="见附件", files=(), policy=P, now=T0)


# ---- decision ------------------------------------------------------------------------------


@pytest.mark.parametrize("refund", [None, 0, -1, AMOUNT + 1])
def test_a_partial_refund_outside_0_to_the_order_amount_is_refused(refund: int | None) -> None:
    d = in_state(State.ARBITRATION)
    with pytest.raises(InvalidInput, match="at most the order amount"):
        d.decide(A, "x", outcome=Outcome.PARTIAL, refund_fen=refund, reason="r", policy=P, now=T0)
    assert d.state is State.ARBITRATION


@pytest.mark.parametrize("refund", [1, AMOUNT])
def test_a_partial_refund_up_to_the_order_amount_is_accepted(refund: int) -> None:
    d = in_state(State.ARBITRATION)
    d.decide(A, "x", outcome=Outcome.PARTIAL, refund_fen=refund, reason="r", policy=P, now=T0)
    assert (d.state, d.refund_fen) == (State.DECIDED, refund)


@pytest.mark.parametrize(("outcome", "refund"), [("buyer_wins", AMOUNT), ("seller_wins", 0)])
def test_a_full_decision_refunds_all_or_nothing(outcome: str, refund: int) -> None:
    d = in_state(State.ARBITRATION)
    d.decide(A, "x", outcome=Outcome(outcome), refund_fen=None, reason="r", policy=P, now=T0)
    assert d.refund_fen == refund
    with pytest.raises(InvalidInput):
        in_state(State.ARBITRATION).decide(
            A, "x", outcome=Outcome(outcome), refund_fen=refund + 1, reason="r", policy=P, now=T0
        )


def test_a_decision_needs_a_written_reason() -> None:
    d = in_state(State.ARBITRATION)
    with pytest.raises(InvalidInput, match="written reason"):
        d.decide(A, "x", outcome=Outcome.SELLER_WINS, refund_fen=None, reason=" ", policy=P, now=T0)


# ---- appeals -------------------------------------------------------------------------------


def decided(outcome: Outcome = Outcome.PARTIAL) -> Dispute:
    d = in_state(State.ARBITRATION)
    refund = 5000 if outcome is Outcome.PARTIAL else None
    d.decide(A, "x", outcome=outcome, refund_fen=refund, reason="r", policy=P, now=T0 + HOUR)
    return d


def test_a_party_appeals_only_once() -> None:
    d = decided()
    take(d, Action.APPEAL, B, T0 + 2 * HOUR)
    take(d, Action.DECIDE, A, T0 + 3 * HOUR)
    with pytest.raises(AppealRefused, match="once"):
        take(d, Action.APPEAL, B, T0 + 4 * HOUR)
    assert d.state is State.DECIDED


def test_after_both_appeals_the_next_decision_is_final_and_closes() -> None:
    d = decided()
    take(d, Action.APPEAL, B, T0 + 2 * HOUR)
    take(d, Action.DECIDE, A, T0 + 3 * HOUR)
    take(d, Action.APPEAL, S, T0 + 4 * HOUR)
    take(d, Action.DECIDE, A, T0 + 5 * HOUR)
    assert (d.state, d.closure, d.decisions) == (State.CLOSED, Closure.NO_APPEAL_LEFT, 3)


def test_the_party_a_decision_fully_favours_cannot_appeal_it() -> None:
    d = decided(Outcome.SELLER_WINS)
    with pytest.raises(AppealRefused):
        take(d, Action.APPEAL, S, T0 + 2 * HOUR)
    take(d, Action.APPEAL, B, T0 + 2 * HOUR)
    assert d.state is State.APPEALED


def test_an_appeal_after_the_window_is_refused() -> None:
    d = decided()
    assert d.appeal_deadline_at == T0 + HOUR + timedelta(hours=P.appeal_window_hours)
    with pytest.raises(DeadlinePassed):
        take(d, Action.APPEAL, B, d.appeal_deadline_at)
    take(d, Action.APPEAL, B, d.appeal_deadline_at - timedelta(seconds=1))


def test_the_system_closes_only_when_the_appeal_window_ended() -> None:
    d = decided()
    assert d.appeal_deadline_at is not None
    with pytest.raises(Conflict):
        d.close(SYS, "x", d.appeal_deadline_at - HOUR, Closure.APPEAL_WINDOW_ENDED)
    d.close(SYS, "x", d.appeal_deadline_at, Closure.APPEAL_WINDOW_ENDED)
    assert (d.state, d.closure) == (State.CLOSED, Closure.APPEAL_WINDOW_ENDED)


def test_withdrawal_is_refused_once_decided() -> None:
    d = decided()
    take(d, Action.APPEAL, S, T0 + 2 * HOUR)
    take(d, Action.REQUEST_APPRAISAL, A, T0 + 2 * HOUR)
    with pytest.raises(Conflict, match="withdrawn"):
        take(d, Action.WITHDRAW, B, T0 + 3 * HOUR)


# ---- lane and bundle -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "large"), [(499_999, False), (500_000, False), (500_001, True), (899_900, True)]
)
def test_amounts_above_5000_yuan_go_to_the_legal_lane(amount: int, large: bool) -> None:
    assert opened(amount).large is large


@pytest.mark.parametrize(
    ("kinds", "complete"),
    [
        (("chat_log", "logistics"), True),
        (("chat_log", "logistics", "photo"), True),
        (("chat_log",), False),
        (("logistics", "photo"), False),
        ((), False),
    ],
)
def test_an_opening_with_order_id_chat_log_and_logistics_is_a_complete_bundle(
    kinds: tuple[str, ...], complete: bool
) -> None:
    assert opened(files=tuple(pdf(k) for k in kinds)).complete_bundle is complete


def test_the_bundle_rule_is_policy() -> None:
    strict = DisputePolicy(complete_bundle=("order_id", "chat_log", "logistics", "photo"))
    files = (pdf("chat_log"), pdf("logistics"))
    assert opened(files=files, policy=strict).complete_bundle is False
