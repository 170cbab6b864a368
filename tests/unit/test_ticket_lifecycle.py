"""The ticket lifecycle of SPEC §3: every (from, to) status pair, legal and illegal, and the
side effects of messages, merges, tags, reclassification and SLA breach."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from kefu.domain.actors import SYSTEM, Actor, Role
from kefu.domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from kefu.domain.organisation import Channel, Lane
from kefu.domain.sla import ClockState, Metric, SlaState, SlaTerms
from kefu.domain.tickets import (
    ALWAYS_OPEN,
    FINAL,
    MAX_TAG,
    MAX_TAGS,
    TRANSITIONS,
    Link,
    LinkKind,
    MessageKind,
    Status,
    Ticket,
)

S = Status

# The lifecycle written out from SPEC §3, independently of the table in the code:
# new → triaged → (bot) → queued → assigned → waiting_customer ⇄ open → resolved → closed,
# plus reopened and merged; closed and merged are final.
EXPECTED_LEGAL: dict[Status, set[Status]] = {
    S.NEW: {S.TRIAGED, S.MERGED},
    S.TRIAGED: {S.BOT, S.QUEUED, S.MERGED},
    S.BOT: {S.QUEUED, S.RESOLVED, S.MERGED},
    S.QUEUED: {S.ASSIGNED, S.RESOLVED, S.MERGED},
    S.ASSIGNED: {S.OPEN, S.WAITING_CUSTOMER, S.QUEUED, S.RESOLVED, S.MERGED},
    S.OPEN: {S.WAITING_CUSTOMER, S.QUEUED, S.RESOLVED, S.MERGED},
    S.WAITING_CUSTOMER: {S.OPEN, S.RESOLVED, S.MERGED},
    S.RESOLVED: {S.CLOSED, S.REOPENED},
    S.REOPENED: {S.QUEUED, S.ASSIGNED, S.RESOLVED, S.MERGED},
    S.CLOSED: set(),
    S.MERGED: set(),
}

# States a ticket is already being worked in: `assign()` there hands it to another agent
# and keeps the status (it does not "move to assigned").
REASSIGNABLE = {S.ASSIGNED, S.OPEN, S.WAITING_CUSTOMER}

ALL_PAIRS = list(itertools.product(Status, Status))
LEGAL_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED_LEGAL[a]]
ILLEGAL_PAIRS = [
    (a, b)
    for a, b in ALL_PAIRS
    if b not in EXPECTED_LEGAL[a] and not (b is S.ASSIGNED and a in REASSIGNABLE)
]
REASSIGN_PAIRS = [(a, S.ASSIGNED) for a in sorted(REASSIGNABLE)]


def _pair_id(pair: tuple[Status, Status]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def _command(ticket: Ticket, target: Status, survivor: Ticket, actor: Actor, clock) -> None:
    """The public command that leads to `target`."""
    if target is S.ASSIGNED:
        ticket.assign(7, actor, clock.now())
    elif target is S.MERGED:
        ticket.merge_into(survivor, actor, clock.now())
    else:
        ticket.transition(target, actor, clock.now(), reason="test")


def _status_events(ticket: Ticket) -> list[dict]:
    return [e.data for e in ticket.pull_events() if e.name == "ticket.status_changed"]


def test_transition_table_is_the_lifecycle_of_the_spec():
    assert {s: set(t) for s, t in TRANSITIONS.items()} == EXPECTED_LEGAL


def test_every_status_pair_is_covered_by_exactly_one_case():
    assert len(ALL_PAIRS) == len(Status) ** 2 == 121
    assert len(LEGAL_PAIRS) + len(ILLEGAL_PAIRS) + len(REASSIGN_PAIRS) == 121


@pytest.mark.parametrize(("before", "after"), LEGAL_PAIRS, ids=map(_pair_id, LEGAL_PAIRS))
def test_legal_transition_sets_status_audits_actor_and_records_event(
    before, after, make_ticket, supervisor, clock
):
    ticket = make_ticket(before)
    survivor = make_ticket(S.OPEN, id=2)
    clock.advance(timedelta(minutes=5))

    _command(ticket, after, survivor, supervisor, clock)

    assert ticket.status is after
    assert ticket.updated_at == clock.now()
    moves = [a for a in ticket.new_audit if a.action == "status_changed"]
    assert len(moves) == 1
    assert moves[0].actor == "supervisor:lin"
    assert moves[0].at == clock.now()
    assert moves[0].changes["status"] == [before.value, after.value]
    events = _status_events(ticket)
    assert len(events) == 1
    assert events[0]["before"] == before.value
    assert events[0]["after"] == after.value


@pytest.mark.parametrize(("before", "after"), ILLEGAL_PAIRS, ids=map(_pair_id, ILLEGAL_PAIRS))
def test_illegal_transition_is_refused_naming_both_states(
    before, after, make_ticket, supervisor, clock
):
    ticket = make_ticket(before)
    survivor = make_ticket(S.OPEN, id=2)

    expected = Conflict if after is S.ASSIGNED else IllegalTransition
    with pytest.raises(expected) as refused:
        _command(ticket, after, survivor, supervisor, clock)

    message = str(refused.value)
    assert f"'{before.value}'" in message
    assert after.value in message
    if expected is IllegalTransition:
        assert refused.value.details["from"] == before.value
        assert refused.value.details["to"] == after.value
    # Nothing changed, on either ticket.
    assert ticket.status is before
    assert ticket.assignee_id is None
    assert ticket.new_audit == []
    assert ticket.pull_events() == []
    assert survivor.new_messages == []
    assert survivor.links == []


@pytest.mark.parametrize(("before", "after"), REASSIGN_PAIRS, ids=map(_pair_id, REASSIGN_PAIRS))
def test_reassigning_a_ticket_being_worked_keeps_its_status(
    before, after, make_ticket, supervisor, clock
):
    ticket = make_ticket(before, assignee_id=5)

    ticket.assign(7, supervisor, clock.now())

    assert ticket.status is before
    assert ticket.assignee_id == 7
    assert [a.action for a in ticket.new_audit] == ["assigned"]
    assert ticket.new_audit[0].changes == {"assignee": [5, 7]}
    assert [e.name for e in ticket.pull_events()] == ["ticket.assigned"]


@pytest.mark.parametrize("target", [S.ASSIGNED, S.MERGED])
@pytest.mark.parametrize("before", list(Status))
def test_transition_command_refuses_targets_that_need_their_own_command(
    before, target, make_ticket, supervisor, clock
):
    ticket = make_ticket(before)
    if target not in EXPECTED_LEGAL[before]:
        # Not legal from here at all: the lifecycle refuses it.
        with pytest.raises(IllegalTransition):
            ticket.transition(target, supervisor, clock.now())
    else:
        with pytest.raises(InvalidInput) as refused:
            ticket.transition(target, supervisor, clock.now())
        command = "assign" if target is S.ASSIGNED else "merge"
        assert f"use the {command} command" in str(refused.value)
        assert f"'{target.value}'" in str(refused.value)
    assert ticket.status is before
    assert ticket.new_audit == []


def test_assign_from_queued_moves_to_assigned_and_audits_the_assignee(
    make_ticket, supervisor, clock
):
    ticket = make_ticket(S.QUEUED)

    ticket.assign(7, supervisor, clock.now())

    assert ticket.status is S.ASSIGNED
    assert ticket.assignee_id == 7
    assert [a.action for a in ticket.new_audit] == ["status_changed", "assigned"]
    assert ticket.new_audit[1].changes == {"assignee": [None, 7]}
    assert ticket.new_audit[1].actor == "supervisor:lin"
    names = [e.name for e in ticket.pull_events()]
    assert names == ["ticket.status_changed", "ticket.assigned"]


def test_assigning_to_the_current_assignee_changes_nothing(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, assignee_id=7)

    ticket.assign(7, supervisor, clock.now())

    assert ticket.new_audit == []
    assert ticket.pull_events() == []


def test_returning_to_the_queue_releases_the_assignee(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, assignee_id=7)

    ticket.transition(S.QUEUED, supervisor, clock.now())

    assert ticket.assignee_id is None


def test_resolving_stamps_resolved_at_and_closing_stamps_closed_at(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN)
    clock.advance(timedelta(hours=1))
    ticket.transition(S.RESOLVED, supervisor, clock.now())
    resolved = clock.now()
    clock.advance(timedelta(hours=1))
    ticket.transition(S.CLOSED, supervisor, clock.now())

    assert ticket.resolved_at == resolved
    assert ticket.closed_at == clock.now()


def test_reopening_counts_a_recurrence_and_clears_resolved_at(make_ticket, supervisor, clock):
    ticket = make_ticket(S.RESOLVED, resolved_at=clock.now(), reopen_count=1)

    ticket.transition(S.REOPENED, supervisor, clock.now(), reason="not fixed")

    assert ticket.reopen_count == 2
    assert ticket.resolved_at is None
    assert ticket.new_audit[-1].changes["reason"] == "not fixed"


def test_transition_reason_is_kept_in_audit_and_event(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN)

    ticket.transition(S.WAITING_CUSTOMER, supervisor, clock.now(), reason="asked for screenshots")

    assert ticket.new_audit[-1].changes["reason"] == "asked for screenshots"
    assert _status_events(ticket)[0]["reason"] == "asked for screenshots"


# ---- final states ------------------------------------------------------------------------


def test_closed_and_merged_are_the_only_final_states():
    assert frozenset({S.CLOSED, S.MERGED}) == FINAL


@pytest.mark.parametrize("final", [S.CLOSED, S.MERGED])
@pytest.mark.parametrize("target", sorted(Ticket.MANUAL_TARGETS))
def test_final_state_allows_no_transition(final, target, make_ticket, supervisor, clock):
    ticket = make_ticket(final)

    with pytest.raises(IllegalTransition) as refused:
        ticket.transition(target, supervisor, clock.now())

    assert "none (final state)" in str(refused.value)
    assert ticket.status is final


@pytest.mark.parametrize("final", [S.CLOSED, S.MERGED])
def test_final_ticket_cannot_be_reclassified(final, make_ticket, supervisor, clock):
    ticket = make_ticket(final)

    with pytest.raises(Conflict):
        ticket.change_subcategory("usage.bug", "general", Lane.NORMAL, supervisor, clock.now())

    assert ticket.subcategory == "account.ban_appeal"


# ---- messages ----------------------------------------------------------------------------


def test_customer_reply_while_waiting_on_customer_reopens_the_conversation(
    make_ticket, customer_actor, clock
):
    ticket = make_ticket(S.WAITING_CUSTOMER)

    ticket.add_message(MessageKind.CUSTOMER, "截图已补充", customer_actor, clock.now())

    assert ticket.status is S.OPEN
    assert ticket.new_audit[-1].actor == "customer:zhang"
    assert ticket.new_audit[-1].changes == {
        "status": ["waiting_customer", "open"],
        "reason": "customer replied",
    }


def test_customer_reply_after_resolution_reopens_and_counts_a_recurrence(
    make_ticket, customer_actor, clock
):
    ticket = make_ticket(S.RESOLVED, resolved_at=clock.now())

    ticket.add_message(MessageKind.CUSTOMER, "问题又出现了", customer_actor, clock.now())

    assert ticket.status is S.REOPENED
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None


@pytest.mark.parametrize("status", [S.NEW, S.QUEUED, S.ASSIGNED, S.OPEN, S.REOPENED])
def test_customer_reply_elsewhere_keeps_the_status(status, make_ticket, customer_actor, clock):
    ticket = make_ticket(status)

    ticket.add_message(MessageKind.CUSTOMER, "还有一个问题", customer_actor, clock.now())

    assert ticket.status is status
    assert ticket.reopen_count == 0


def test_agent_first_reply_sets_first_response_once_and_opens_the_ticket(make_ticket, agent, clock):
    ticket = make_ticket(S.ASSIGNED, assignee_id=7)
    clock.advance(timedelta(minutes=3))
    first = clock.now()

    ticket.add_message(MessageKind.AGENT, "您好，正在核实", agent, first)
    assert ticket.status is S.OPEN
    assert ticket.first_response_at == first

    clock.advance(timedelta(minutes=10))
    ticket.add_message(MessageKind.AGENT, "已为您解封", agent, clock.now())
    assert ticket.first_response_at == first
    moves = [a for a in ticket.new_audit if a.action == "status_changed"]
    assert [m.changes["status"] for m in moves] == [["assigned", "open"]]


def test_internal_note_does_not_count_as_first_response(make_ticket, agent, clock):
    ticket = make_ticket(S.ASSIGNED, assignee_id=7)

    ticket.add_message(MessageKind.NOTE, "先查登录记录", agent, clock.now())

    assert ticket.first_response_at is None
    assert ticket.status is S.ASSIGNED
    assert ticket.new_messages[-1].public is False


def test_message_records_event_and_new_channel(make_ticket, customer_actor, clock):
    ticket = make_ticket(S.OPEN)

    ticket.add_message(
        MessageKind.CUSTOMER, "邮件补充", customer_actor, clock.now(), channel=Channel.EMAIL
    )

    assert ticket.channels == [Channel.INAPP, Channel.EMAIL]
    events = ticket.pull_events()
    assert events[-1].name == "ticket.message_added"
    assert events[-1].data["channel"] == "email"


@pytest.mark.parametrize("final", [S.CLOSED, S.MERGED])
def test_message_on_a_final_ticket_is_refused(final, make_ticket, customer_actor, clock):
    ticket = make_ticket(final, merged_into_id=2 if final is S.MERGED else None)

    with pytest.raises(Conflict) as refused:
        ticket.add_message(MessageKind.CUSTOMER, "还在吗", customer_actor, clock.now())

    assert f"'{final.value}'" in str(refused.value)
    if final is S.MERGED:
        assert "merged into #2" in str(refused.value)
    assert ticket.new_messages == []


def test_internal_note_by_a_customer_is_forbidden(make_ticket, customer_actor, clock):
    ticket = make_ticket(S.OPEN)

    with pytest.raises(Forbidden):
        ticket.add_message(MessageKind.NOTE, "内部备注", customer_actor, clock.now())

    assert ticket.new_messages == []


def test_agent_reply_by_a_customer_is_forbidden(make_ticket, customer_actor, clock):
    ticket = make_ticket(S.OPEN)

    with pytest.raises(Forbidden):
        ticket.add_message(MessageKind.AGENT, "冒充客服", customer_actor, clock.now())


def test_customer_may_not_write_on_another_customers_ticket(make_ticket, clock):
    ticket = make_ticket(S.OPEN)
    stranger = Actor(Role.CUSTOMER, "li", customer_uid="UID99999999")

    with pytest.raises(Forbidden):
        ticket.add_message(MessageKind.CUSTOMER, "hello", stranger, clock.now())


def test_empty_message_without_attachments_is_refused(make_ticket, agent, clock):
    ticket = make_ticket(S.OPEN)

    with pytest.raises(InvalidInput):
        ticket.add_message(MessageKind.AGENT, "   ", agent, clock.now())


# ---- what a customer may do --------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "target"),
    [(S.OPEN, S.RESOLVED), (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.REOPENED)],
)
def test_customer_may_resolve_close_and_reopen(before, target, make_ticket, customer_actor, clock):
    ticket = make_ticket(before)

    ticket.transition(target, customer_actor, clock.now())

    assert ticket.status is target


@pytest.mark.parametrize(
    ("before", "target"),
    [
        (S.NEW, S.TRIAGED),
        (S.TRIAGED, S.BOT),
        (S.TRIAGED, S.QUEUED),
        (S.ASSIGNED, S.OPEN),
        (S.OPEN, S.WAITING_CUSTOMER),
        (S.WAITING_CUSTOMER, S.OPEN),
        (S.OPEN, S.QUEUED),
    ],
)
def test_customer_may_not_make_any_other_transition(
    before, target, make_ticket, customer_actor, clock
):
    ticket = make_ticket(before)

    with pytest.raises(Forbidden):
        ticket.transition(target, customer_actor, clock.now())

    assert ticket.status is before
    assert ticket.new_audit == []


# ---- merge -------------------------------------------------------------------------------


def test_merge_into_itself_is_refused(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, id=1)
    same = make_ticket(S.OPEN, id=1)

    with pytest.raises(InvalidInput):
        ticket.merge_into(same, supervisor, clock.now())

    assert ticket.status is S.OPEN


def test_merge_into_another_customers_ticket_is_refused(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, id=1)
    other = make_ticket(S.OPEN, id=2, customer_id=200, uid="UID87654321")

    with pytest.raises(Conflict) as refused:
        ticket.merge_into(other, supervisor, clock.now())

    assert "UID12345678" in str(refused.value)
    assert "UID87654321" in str(refused.value)
    assert ticket.status is S.OPEN
    assert other.new_messages == []


@pytest.mark.parametrize("final", [S.CLOSED, S.MERGED])
def test_merge_into_a_final_ticket_is_refused(final, make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, id=1)
    survivor = make_ticket(final, id=2)

    with pytest.raises(Conflict) as refused:
        ticket.merge_into(survivor, supervisor, clock.now())

    assert f"'{final.value}'" in str(refused.value)
    assert ticket.status is S.OPEN
    assert ticket.links == []


def test_merge_links_duplicate_and_leaves_a_system_message_on_the_survivor(
    make_ticket, supervisor, clock
):
    ticket = make_ticket(S.QUEUED, id=1, channel=Channel.WEIBO)
    survivor = make_ticket(S.OPEN, id=2, channel=Channel.INAPP)

    ticket.merge_into(survivor, supervisor, clock.now())

    assert ticket.status is S.MERGED
    assert ticket.merged_into_id == 2
    assert Link(LinkKind.DUPLICATE_OF, 2) in ticket.links
    assert Link(LinkKind.DUPLICATE_OF, 2) in ticket.new_links
    assert Link(LinkKind.RELATED, 1) in survivor.links
    system = [m for m in survivor.new_messages if m.kind is MessageKind.SYSTEM]
    assert len(system) == 1
    assert "#1" in system[0].body
    assert system[0].author == "supervisor:lin"
    assert survivor.channels == [Channel.INAPP, Channel.WEIBO]
    assert survivor.status is S.OPEN
    assert "ticket.merged" in [e.name for e in ticket.pull_events()]


# ---- tags --------------------------------------------------------------------------------


def test_tags_are_stripped_and_deduplicated(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, tags=["vip"])

    ticket.tag(["urgent", " urgent ", "vip", "紧急"], [], supervisor, clock.now())

    assert ticket.tags == ["vip", "urgent", "紧急"]
    assert ticket.new_audit[-1].action == "tags_changed"
    assert ticket.new_audit[-1].changes == {"tags": [["vip"], ["vip", "urgent", "紧急"]]}


def test_adding_tags_already_present_changes_nothing(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, tags=["vip"])

    ticket.tag(["vip"], [], supervisor, clock.now())

    assert ticket.new_audit == []
    assert ticket.pull_events() == []


def test_tags_can_be_removed(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN, tags=["vip", "urgent"])

    ticket.tag([], [" vip"], supervisor, clock.now())

    assert ticket.tags == ["urgent"]


def test_tags_are_capped_at_the_maximum(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN)

    ticket.tag([f"t{i}" for i in range(MAX_TAGS)], [], supervisor, clock.now())
    assert len(ticket.tags) == MAX_TAGS == 30

    with pytest.raises(InvalidInput):
        ticket.tag(["one-too-many"], [], supervisor, clock.now())
    assert len(ticket.tags) == MAX_TAGS


def test_tag_longer_than_the_limit_is_refused(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN)

    ticket.tag(["x" * MAX_TAG], [], supervisor, clock.now())
    with pytest.raises(InvalidInput):
        ticket.tag(["y" * (MAX_TAG + 1)], [], supervisor, clock.now())


# ---- reclassification --------------------------------------------------------------------


def test_subcategory_change_is_audited_and_recorded_as_training_data(
    make_ticket, supervisor, clock
):
    ticket = make_ticket(S.OPEN)

    ticket.change_subcategory("copyright.complaint", "content", Lane.LEGAL, supervisor, clock.now())

    assert (ticket.subcategory, ticket.team, ticket.lane) == (
        "copyright.complaint",
        "content",
        Lane.LEGAL,
    )
    entry = ticket.new_audit[-1]
    assert entry.action == "subcategory_changed"
    assert entry.actor == "supervisor:lin"
    assert entry.changes == {
        "subcategory": ["account.ban_appeal", "copyright.complaint"],
        "team": ["account_safety", "content"],
        "lane": ["normal", "legal"],
    }
    events = [e for e in ticket.pull_events() if e.name == "ticket.subcategory_changed"]
    assert len(events) == 1
    assert events[0].data == {
        "before": "account.ban_appeal",
        "after": "copyright.complaint",
        "by_staff": True,
    }


def test_subcategory_change_by_the_system_is_not_marked_as_staff(make_ticket, clock):
    ticket = make_ticket(S.TRIAGED)

    ticket.change_subcategory("usage.bug", "general", Lane.NORMAL, SYSTEM, clock.now())

    (event,) = [e for e in ticket.pull_events() if e.name == "ticket.subcategory_changed"]
    assert event.data["by_staff"] is False


def test_setting_the_same_subcategory_changes_nothing(make_ticket, supervisor, clock):
    ticket = make_ticket(S.OPEN)

    ticket.change_subcategory(
        "account.ban_appeal", "account_safety", Lane.NORMAL, supervisor, clock.now()
    )

    assert ticket.new_audit == []
    assert ticket.pull_events() == []


# ---- SLA breach --------------------------------------------------------------------------


def _sla(clock, first: int | None = None, resolve: int | None = None) -> SlaState:
    """Clocks started now on the round-the-clock calendar (breach at 100% of the target)."""
    terms = SlaTerms(
        "test",
        {Metric.FIRST_RESPONSE: first, Metric.NEXT_RESPONSE: None, Metric.RESOLUTION: resolve},
        dict.fromkeys(Metric, "24x7"),
    )
    return SlaState.begin(terms, clock.now(), ALWAYS_OPEN)


def test_first_response_sla_is_breached_from_the_due_time_on(make_ticket, clock):
    ticket = make_ticket(S.QUEUED, sla=_sla(clock, first=15), calendar=ALWAYS_OPEN)
    due = ticket.sla.due(Metric.FIRST_RESPONSE)
    assert due == clock.now() + timedelta(minutes=15)

    assert ticket.sla_breached(due - timedelta(seconds=1)) is False
    assert ticket.sla_breached(due) is True
    assert ticket.sla_breached(due + timedelta(seconds=1)) is True


def test_first_response_in_time_is_not_a_breach_later(make_ticket, agent, clock):
    start = clock.now()
    ticket = make_ticket(S.ASSIGNED, assignee_id=7, sla=_sla(clock, first=15), calendar=ALWAYS_OPEN)

    ticket.add_message(MessageKind.AGENT, "您好", agent, start + timedelta(minutes=14))

    assert ticket.sla.clock(Metric.FIRST_RESPONSE).state(start) is ClockState.MET
    assert ticket.sla_breached(start + timedelta(days=1)) is False
    assert ticket.overruns == []


def test_late_first_response_stays_a_breach(make_ticket, agent, clock):
    start = clock.now()
    ticket = make_ticket(S.ASSIGNED, assignee_id=7, sla=_sla(clock, first=15), calendar=ALWAYS_OPEN)

    ticket.add_message(MessageKind.AGENT, "抱歉久等", agent, start + timedelta(minutes=16))

    assert ticket.sla_breached(start + timedelta(minutes=16)) is True
    assert ticket.sla_breached(start + timedelta(days=30)) is True
    assert ticket.overruns == [(Metric.FIRST_RESPONSE, 1.0)]


def test_resolution_sla_is_breached_at_due_unless_resolved_in_time(make_ticket, supervisor, clock):
    start = clock.now()
    late = start + timedelta(minutes=61)

    def fresh():
        return make_ticket(S.OPEN, sla=_sla(clock, resolve=60), calendar=ALWAYS_OPEN)

    still_open = fresh()
    resolved_in_time = fresh()
    resolved_in_time.transition(S.RESOLVED, supervisor, start + timedelta(minutes=59))
    resolved_late = fresh()
    resolved_late.transition(S.RESOLVED, supervisor, late)

    assert still_open.sla_breached(start + timedelta(minutes=59, seconds=59)) is False
    assert still_open.sla_breached(start + timedelta(minutes=60)) is True
    assert resolved_in_time.sla_breached(late) is False
    assert resolved_late.sla_breached(late) is True
    assert resolved_late.overruns == [(Metric.RESOLUTION, 1.0)]


def test_ticket_without_targets_is_never_breached(make_ticket, clock):
    ticket = make_ticket(S.QUEUED, sla=_sla(clock), calendar=ALWAYS_OPEN)

    assert ticket.sla_breached(clock.now() + timedelta(days=365)) is False
    assert all(c.state(clock.now()) is ClockState.NONE for c in ticket.sla.clocks.values())
