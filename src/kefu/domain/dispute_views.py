"""What each side of a dispute sees (policy `[visibility]` of `disputes.toml`).

- A party always sees its own submissions, with the contact data it gave.
- It sees the other party's submissions of a kind when that kind's rule allows it:
  `always`, `arbitration` (once platform arbitration has started) or `never`.
- It never sees the other party's private contact data: the contact fields are left out,
  and phone numbers and email addresses typed into the text are masked.
- The arbitrator sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kefu.domain.dispute_rules import (
    Contact,
    DisputePolicy,
    EvidenceFile,
    Visibility,
    mask_contacts,
)
from kefu.domain.dispute_states import Action, HistoryEntry, Party, Submission
from kefu.domain.disputes import Dispute


@dataclass(frozen=True, slots=True)
class SubmissionView:
    id: int | None
    party: Party
    kind: str
    body: str
    files: tuple[EvidenceFile, ...]
    contact: Contact | None
    """Only for the party that gave it and for the arbitrator."""
    at: datetime
    own: bool


def may_see(dispute: Dispute, sub: Submission, viewer: Party, policy: DisputePolicy) -> bool:
    if viewer in (Party.ARBITRATOR, Party.SYSTEM) or sub.party is viewer:
        return True
    rule = policy.visibility_of(sub.kind.value)
    if rule is Visibility.ALWAYS:
        return True
    if rule is Visibility.ARBITRATION:
        return dispute.arbitration_started_at is not None
    return False


def visible_submissions(
    dispute: Dispute, subs: Iterable[Submission], viewer: Party, policy: DisputePolicy
) -> list[SubmissionView]:
    out = []
    for sub in subs:
        if not may_see(dispute, sub, viewer, policy):
            continue
        own = sub.party is viewer
        full = own or viewer in (Party.ARBITRATOR, Party.SYSTEM)
        out.append(
            SubmissionView(
                id=sub.id,
                party=sub.party,
                kind=sub.kind.value,
                body=sub.body if full else mask_contacts(sub.body),
                files=sub.files,
                contact=sub.contact if full else None,
                at=sub.at,
                own=own,
            )
        )
    return out


def file_visible(
    dispute: Dispute, subs: Iterable[Submission], viewer: Party, sha256: str, policy: DisputePolicy
) -> EvidenceFile | None:
    """The file with this digest in a submission the viewer may see, else None."""
    for sub in subs:
        if may_see(dispute, sub, viewer, policy):
            for f in sub.files:
                if f.sha256 == sha256:
                    return f
    return None


def timeline(entries: Iterable[HistoryEntry], viewer: Party) -> list[HistoryEntry]:
    """The history as the viewer may see it: parties do not see who the staff were."""
    if viewer in (Party.ARBITRATOR, Party.SYSTEM):
        return list(entries)
    return [
        HistoryEntry(e.at, e.party.value, e.party, e.action, e.before, e.after, {}) for e in entries
    ]


def actions_for(
    dispute: Dispute, viewer: Party, policy: DisputePolicy, now: datetime
) -> list[Action]:
    """What the viewer may do now: the table's actions less those a limit refuses."""
    out = []
    for action in dispute.allowed(viewer):
        if action in (Action.SELLER_ACCEPT, Action.SELLER_CONTEST) and (
            now >= dispute.seller_deadline_at
        ):
            continue
        if action is Action.SUBMIT_EVIDENCE and not dispute.evidence_left(viewer, policy):
            continue
        if action is Action.APPEAL and not (
            dispute.may_appeal(viewer)
            and dispute.appeal_deadline_at is not None
            and now < dispute.appeal_deadline_at
        ):
            continue
        if action is Action.WITHDRAW and dispute.decisions:
            continue
        out.append(action)
    return out
