"""Dispute policy data, file checks, what each side sees, and contact masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.dispute_rules import (
    Contact,
    DisputePolicy,
    EvidenceFile,
    Visibility,
    content_matches,
    mask_contacts,
    policy_from_toml_data,
)
from kefu.domain.dispute_views import actions_for, file_visible, visible_submissions
from kefu.domain.disputes import Action, Dispute, DisputeType, Order, Party, Submission
from kefu.domain.errors import InvalidInput
from kefu.policies.disputes import load_dispute_policy

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
P = load_dispute_policy()
B, S, A = Party.BUYER, Party.SELLER, Party.ARBITRATOR


def test_shipped_rules_are_the_seeds_numbers() -> None:
    assert P.seller_response_hours == 72
    assert P.max_submissions_per_party == 3
    assert P.legal_lane_threshold_fen == 500_000
    assert P.complete_bundle == ("order_id", "chat_log", "logistics")
    assert P.team == "ecommerce" and P.legal_lane == "legal"
    assert P.type_label("not_received") == ("未收到货", "Item not received")
    assert P.visibility_of("evidence") is Visibility.ARBITRATION


def test_a_policy_with_an_unknown_visibility_rule_is_refused() -> None:
    import tomllib
    from importlib import resources

    data = tomllib.loads(
        resources.files("kefu.policies").joinpath("disputes.toml").read_text(encoding="utf-8")
    )
    data["visibility"]["evidence"] = "sometimes"
    with pytest.raises(ValueError, match="sometimes"):
        policy_from_toml_data(data)


def f(content_type: str = "image/png", size: int = 100, kind: str = "photo") -> EvidenceFile:
    return EvidenceFile("b" * 64, "x", content_type, size, kind)


def test_files_over_the_size_limit_are_refused() -> None:
    P.check_files([f(size=P.max_file_bytes)])
    with pytest.raises(InvalidInput, match="limit"):
        P.check_files([f(size=P.max_file_bytes + 1)])


@pytest.mark.parametrize("ctype", ["application/x-msdownload", "text/html", "application/zip"])
def test_files_of_other_types_are_refused(ctype: str) -> None:
    with pytest.raises(InvalidInput, match="evidence must be one of"):
        P.check_files([f(ctype)])


def test_too_many_files_or_an_unknown_kind_are_refused() -> None:
    with pytest.raises(InvalidInput):
        P.check_files([f()] * (P.max_files_per_submission + 1))
    with pytest.raises(InvalidInput, match="kind"):
        P.check_files([f(kind="selfie")])


@pytest.mark.parametrize(
    ("ctype", "head", "ok"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n....", True),
        ("image/jpeg", b"\xff\xd8\xff\xe0..JFIF", True),
        ("application/pdf", b"%PDF-1.7\n", True),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42", True),
        ("text/plain", "聊天记录：卖家说已发货".encode(), True),
        ("image/png", b"MZ\x90\x00 an exe", False),
        ("application/pdf", b"\x89PNG\r\n\x1a\n", False),
        ("text/plain", b"\x00\x01\x02", False),
        ("application/x-unknown", b"anything", False),
    ],
)
def test_declared_types_are_checked_against_the_first_bytes(
    ctype: str, head: bytes, ok: bool
) -> None:
    assert content_matches(ctype, head) is ok


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话 13812345678 联系我", "电话 138****5678 联系我"),
        ("mail me: zhang.san@example.com", "mail me: z***@example.com"),
        ("座机 010-62345678", "座机 010-****5678"),
        ("订单号 DY2026112500001", "订单号 DY2026112500001"),
    ],
)
def test_contact_data_in_text_is_masked(text: str, masked: str) -> None:
    assert mask_contacts(text) == masked


# ---- what each side sees -------------------------------------------------------------------


def dispute() -> Dispute:
    d = Dispute.open(
        order=Order("DY1", "UID10000001", "UID10000002", 10_000),
        type=DisputeType.NOT_AS_DESCRIBED,
        party=B,
        actor="customer:b",
        statement="颜色不对，电话 13812345678",
        files=(EvidenceFile("1" * 64, "b.png", "image/png", 10, "photo"),),
        contact=Contact(phone="13812345678", address="北京市朝阳区某路 1 号"),
        policy=P,
        now=T0,
    )
    d.id = 1
    return d


def submissions(d: Dispute) -> list[Submission]:
    subs = list(d.new_submissions)
    for n, s in enumerate(subs, 1):
        s.id = n
    return subs


def contest_and_submit(d: Dispute) -> None:
    d.respond(
        S,
        "customer:s",
        accept=False,
        statement="货没问题",
        files=(),
        contact=Contact(),
        policy=P,
        now=T0,
    )
    d.submit_evidence(
        S,
        "customer:s",
        statement="发货视频，客服电话 13900001111",
        files=(EvidenceFile("2" * 64, "s.mp4", "video/mp4", 10, "video"),),
        contact=Contact(phone="13900001111", email="shop@example.com"),
        policy=P,
        now=T0,
    )


def test_a_party_always_sees_its_own_submissions_with_its_contact_data() -> None:
    d = dispute()
    mine = visible_submissions(d, submissions(d), B, P)
    assert [(s.kind, s.own) for s in mine] == [("opening", True)]
    assert mine[0].contact == Contact(phone="13812345678", address="北京市朝阳区某路 1 号")
    assert "13812345678" in mine[0].body


def test_the_seller_sees_the_buyers_claim_but_never_the_buyers_contact_data() -> None:
    d = dispute()
    seen = visible_submissions(d, submissions(d), S, P)
    assert [s.kind for s in seen] == ["opening"]
    assert seen[0].contact is None
    assert "13812345678" not in seen[0].body and "138****5678" in seen[0].body


def test_the_other_partys_evidence_is_hidden_until_arbitration() -> None:
    d = dispute()
    contest_and_submit(d)
    subs = submissions(d)
    seen = visible_submissions(d, subs, B, P)
    assert [s.kind for s in seen] == ["opening", "response", "evidence"]
    evidence = seen[-1]
    assert evidence.contact is None and "139****1111" in evidence.body
    d.arbitration_started_at = None  # the same submissions before arbitration
    assert [s.kind for s in visible_submissions(d, subs, B, P)] == ["opening", "response"]


def test_a_never_rule_hides_a_kind_from_the_other_party() -> None:
    d = dispute()
    contest_and_submit(d)
    secretive = DisputePolicy(visibility={"opening": Visibility.NEVER})
    seen = visible_submissions(d, submissions(d), S, secretive)
    assert "opening" not in [s.kind for s in seen]


def test_the_arbitrator_sees_everything_including_contact_data() -> None:
    d = dispute()
    contest_and_submit(d)
    seen = visible_submissions(d, submissions(d), A, P)
    assert len(seen) == 3 and all(s.contact is not None for s in seen)
    assert seen[-1].contact == Contact(phone="13900001111", email="shop@example.com")


def test_files_are_downloadable_only_from_visible_submissions() -> None:
    d = dispute()
    contest_and_submit(d)
    subs = submissions(d)
    assert file_visible(d, subs, B, "2" * 64, P) is not None
    d.arbitration_started_at = None
    assert file_visible(d, subs, B, "2" * 64, P) is None
    assert file_visible(d, subs, S, "2" * 64, P) is not None
    assert file_visible(d, subs, B, "9" * 64, P) is None


def test_the_actions_offered_leave_out_what_a_limit_refuses() -> None:
    d = dispute()
    assert actions_for(d, S, P, T0) == [Action.SELLER_ACCEPT, Action.SELLER_CONTEST]
    assert actions_for(d, S, P, T0 + timedelta(hours=72)) == []
    assert actions_for(d, B, P, T0) == [Action.WITHDRAW]
    contest_and_submit(d)
    d.evidence_counts[S] = 3
    assert Action.SUBMIT_EVIDENCE not in actions_for(d, S, P, T0)
    assert Action.SUBMIT_EVIDENCE in actions_for(d, B, P, T0)
