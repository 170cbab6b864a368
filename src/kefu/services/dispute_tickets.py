"""What a dispute's steps do around it: its ticket and its durable timers.

A dispute has a ticket (channel `dispute`, subcategory from its type) so that it sits in
the e-commerce queues with an SLA like any other work; large amounts go to the legal lane.
Each step leaves a bilingual system message on the ticket (never the content of a
submission), and closing the dispute resolves the ticket.

Timers: the seller's deadline (`dispute:<id>:seller_deadline`) and the end of each appeal
window (`dispute:<id>:appeal_window:<decision number>`, a new key per decision). They are
never cancelled: their handlers do nothing when the dispute has moved on, which keeps
use cases from ever locking a timer row a worker may be firing.
"""

from __future__ import annotations

from datetime import datetime

from kefu.domain.actors import SYSTEM
from kefu.domain.disputes import Action, Dispute, HistoryEntry, Party, State
from kefu.domain.organisation import Lane
from kefu.domain.tickets import FINAL, MessageKind, Status, Ticket
from kefu.services import sla
from kefu.services import tickets as ticket_services
from kefu.services.dispute_access import DisputeContext
from kefu.services.ports import UnitOfWork
from kefu.services.timers import schedule_timer

SELLER_DEADLINE = "dispute.seller_deadline"
APPEAL_WINDOW = "dispute.appeal_window"


def deadline_key(dispute_id: int) -> str:
    return f"dispute:{dispute_id}:seller_deadline"


def appeal_key(dispute_id: int, decision: int) -> str:
    return f"dispute:{dispute_id}:appeal_window:{decision}"


PARTY_WORDS = {Party.BUYER: ("买家", "buyer"), Party.SELLER: ("卖家", "seller")}
OUTCOME_WORDS = {
    "buyer_wins": ("买家胜诉，全额退款", "the buyer wins, full refund"),
    "seller_wins": ("卖家胜诉，不予退款", "the seller wins, no refund"),
    "partial": ("部分退款", "partial refund"),
}


def note_for(d: Dispute, h: HistoryEntry, dc: DisputeContext) -> str | None:
    """The ticket's system message for a step (None: nothing worth saying)."""
    zh_p, en_p = PARTY_WORDS.get(h.party, ("平台", "platform"))
    a = h.action
    if a is Action.OPEN:
        hours = dc.policy.seller_response_hours
        extra = (
            "\n证据齐全（订单号、沟通记录、物流信息），已优先处理。"
            "\nComplete evidence bundle (order id, chat log, logistics): prioritised."
            if d.complete_bundle
            else ""
        )
        return (
            f"纠纷 #{d.id}（订单 {d.order.id}）已创建，卖家须在 {hours} 小时内处理。\n"
            f"Dispute #{d.id} (order {d.order.id}) opened; the seller has {hours} hours to "
            f"respond.{extra}"
        )
    if a is Action.SELLER_ACCEPT:
        return "卖家同意全额退款，纠纷结束。\nThe seller accepted a full refund; dispute closed."
    if a is Action.SELLER_CONTEST:
        return "卖家提出异议，纠纷进入平台仲裁。\nThe seller contested; platform arbitration began."
    if a is Action.DEADLINE_PASSED:
        hours = dc.policy.seller_response_hours
        return (
            f"卖家 {hours} 小时内未处理，纠纷自动进入平台仲裁。\n"
            f"The seller did not respond within {hours} hours; platform arbitration began."
        )
    if a is Action.SUBMIT_EVIDENCE:
        n, limit = h.details.get("number"), dc.policy.max_submissions_per_party
        return (
            f"{zh_p}提交了证据（第 {n}/{limit} 次）。\n"
            f"The {en_p} submitted evidence ({n} of {limit})."
        )
    if a is Action.REQUEST_APPRAISAL:
        return (
            "平台发起质量鉴定，请上传第三方检测报告。\n"
            "Quality appraisal requested: upload the third-party inspection report."
        )
    if a is Action.SUBMIT_REPORT:
        return "已收到第三方检测报告。\nA third-party inspection report was received."
    if a is Action.DECIDE:
        zh_o, en_o = OUTCOME_WORDS[str(h.details.get("outcome"))]
        refund = int(h.details.get("refund_fen") or 0)
        return (
            f"平台裁决：{zh_o}（退款 {refund / 100:.2f} 元）。\n"
            f"Decision: {en_o} (refund ¥{refund / 100:.2f})."
        )
    if a is Action.APPEAL:
        return f"{zh_p}提出申诉。\nThe {en_p} appealed."
    if a is Action.WITHDRAW:
        return "买家撤回了纠纷。\nThe buyer withdrew the dispute."
    if a is Action.CLOSE:
        return "纠纷已结束。\nThe dispute is closed."
    return None


def _ticket(uow: UnitOfWork, dc: DisputeContext, d: Dispute) -> Ticket | None:
    if d.ticket_id is None:
        return None
    ticket = uow.tickets.get(d.ticket_id, for_update=True)
    if ticket is not None:
        sla.attach_calendar(uow, dc.ctx, ticket)
    return ticket


def link_ticket(
    uow: UnitOfWork, dc: DisputeContext, d: Dispute, steps: list[HistoryEntry], now: datetime
) -> None:
    """A new dispute's ticket learns what it is about (amount, bundle, lane); its timer."""
    ticket = _ticket(uow, dc, d)
    if ticket is None:
        follow(uow, dc, d, steps, now)
        return
    ticket.signals.update(
        dispute_id=d.id,
        dispute_amount=d.order.amount_fen / 100,
        complete_bundle=d.complete_bundle,
    )
    legal = Lane(dc.policy.legal_lane)
    team = dc.ctx.policies.teams.get(ticket.team)
    if d.large and ticket.lane is not legal and team is not None and legal in team.lanes:
        before, ticket.lane = ticket.lane, legal
        ticket.audit(
            SYSTEM,
            now,
            "lane_changed",
            lane=[before.value, legal.value],
            reason=f"dispute amount {d.order.amount_fen} fen is above "
            f"{dc.policy.legal_lane_threshold_fen}",
        )
    follow(uow, dc, d, steps, now, ticket=ticket)


def follow(
    uow: UnitOfWork,
    dc: DisputeContext,
    d: Dispute,
    steps: list[HistoryEntry],
    now: datetime,
    *,
    ticket: Ticket | None = None,
) -> None:
    """After steps of a dispute (in its unit of work, the dispute locked): timers, ticket."""
    assert d.id is not None
    for h in steps:
        if h.action is Action.OPEN:
            payload = {"dispute_id": d.id}
            schedule_timer(uow, SELLER_DEADLINE, deadline_key(d.id), d.seller_deadline_at, payload)
        if h.action is Action.DECIDE and d.state is State.DECIDED:
            assert d.appeal_deadline_at is not None
            payload = {"dispute_id": d.id, "decision": d.decisions}
            key = appeal_key(d.id, d.decisions)
            schedule_timer(uow, APPEAL_WINDOW, key, d.appeal_deadline_at, payload)
    ticket = ticket or _ticket(uow, dc, d)
    if ticket is None:
        return
    for h in steps:
        note = note_for(d, h, dc)
        if note and ticket.status not in FINAL:
            ticket.add_message(MessageKind.SYSTEM, note, SYSTEM, now)
    if d.state is State.CLOSED and ticket.can_move_to(Status.RESOLVED):
        ticket.transition(Status.RESOLVED, SYSTEM, now, f"dispute #{d.id} closed")
    ticket_services._finish(uow, dc.ctx, ticket, now)
