"""The email rules as data: problem types, attachment limits, grades, our addresses."""

from __future__ import annotations

import pytest

from kefu.policies import load_policies
from kefu.services.email import grade_of, split_attachments
from kefu.services.email_policy import MB, EmailSetup, load_email_policy
from kefu.services.email_types import MailFile

POLICIES = load_policies()
POLICY = load_email_policy(None, POLICIES.taxonomy)
SETUP = EmailSetup(POLICY, ("kefu.test",))


@pytest.mark.parametrize(
    ("problem", "code"),
    [
        ("账号解封", "account.ban_appeal"),
        ("账号 解封", "account.ban_appeal"),
        ("申请解封，视频被误封", "account.ban_appeal"),
        ("账号被盗", "account.hijacked"),
        ("版权投诉", "copyright.complaint"),
        ("侵权申诉", "copyright.counter_notice"),
        ("直播封禁", "live.interrupted"),
        ("限流申诉", "content.misjudged"),
        ("限流", "traffic.anomaly"),
        ("退款", "order.refund"),
        ("未收到货", "order.not_received"),
        ("提现", "payment.withdrawal"),
        ("蓝V认证", "verification.enterprise"),
        ("ＢＵＧ", "usage.bug"),
        ("order.quality", "order.quality"),
        ("质量问题", "order.quality"),
        ("Copyright complaint", "copyright.complaint"),
        ("账号封禁申诉", "account.ban_appeal"),
    ],
)
def test_problem_type_names_a_subcategory(problem: str, code: str) -> None:
    assert POLICY.subcategory_for(problem, POLICIES.taxonomy) == code


@pytest.mark.parametrize("problem", ["我的东西呢", "", None, "asdf"])
def test_free_text_problem_type_is_left_to_triage(problem: str | None) -> None:
    assert POLICY.subcategory_for(problem, POLICIES.taxonomy) is None


def test_every_keyword_names_a_known_subcategory() -> None:
    codes = {code for _, code in POLICY.problem_types}
    assert codes <= {s.code for s in POLICIES.taxonomy}
    assert len(codes) == 38  # every subcategory can be named in a subject


def _file(name: str, size: int, evidence: str | None = None) -> MailFile:
    return MailFile(name, "application/octet-stream", b"\0" * size, evidence)


def test_attachments_over_5_mb_each_or_20_mb_in_total_are_refused_in_order() -> None:
    files = [
        _file("big.mp4", 5 * MB + 1, "recording"),
        _file("a.png", 5 * MB, "screenshot"),
        _file("b.png", 5 * MB),
        _file("c.png", 5 * MB),
        _file("d.png", 5 * MB),  # 20 MB exactly: still fits
        _file("e.txt", 1),  # one byte over the total
    ]
    kept, refused = split_attachments(SETUP, files)
    assert [f.filename for f in kept] == ["a.png", "b.png", "c.png", "d.png"]
    assert [f.filename for f in refused] == ["big.mp4", "e.txt"]
    assert grade_of(kept) == "screenshots"  # the refused recording does not count


@pytest.mark.parametrize(
    ("evidence", "grade"),
    [((), "text"), ((None,), "text"), (("screenshot",), "screenshots"),
     (("screenshot", "recording"), "recording")],
)  # fmt: skip
def test_grade_from_the_evidence_kept(evidence: tuple[str | None, ...], grade: str) -> None:
    assert grade_of([_file("f", 1, e) for e in evidence]) == grade


@pytest.mark.parametrize(
    ("address", "ours", "legal"),
    [
        ("feedback@kefu.test", True, False),
        ("FEEDBACK@KEFU.TEST", True, False),
        ("legal@kefu.test", True, True),
        ("legal+cn@kefu.test", True, True),
        ("<feedback@kefu.test>", True, False),
        ("feedback@other.test", False, False),
        ("sales@kefu.test", False, False),
        ("nobody", False, False),
    ],
)
def test_our_addresses(address: str, ours: bool, legal: bool) -> None:
    assert SETUP.is_ours(address) is ours
    assert SETUP.is_legal(address) is legal


def test_without_domains_the_local_parts_are_accepted_at_any_domain() -> None:
    anywhere = EmailSetup(POLICY)
    assert anywhere.is_ours("feedback@anything.example")
    assert not anywhere.is_ours("other@anything.example")


def test_templates_are_bilingual_and_filled() -> None:
    text = POLICY.render("format_help", ticket_id=42)
    assert "UID12345678_账号解封" in text and "#42" in text
    assert "请在主题中写明" in text and "please put your UID" in text
    assert "{" not in text
    refused = POLICY.render("attachments_refused", ticket_id=7, refused="  - a.mp4 (6.0 MB)")
    assert "5 MB" in refused and "20 MB" in refused and "a.mp4" in refused
