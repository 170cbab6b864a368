"""Mail in over real SMTP on loopback → tickets, under the seed's mail rules (SPEC §4.3)."""

from __future__ import annotations

import base64
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kefu.channels.email.runtime import run_once
from kefu.domain.actors import Actor, Role
from kefu.services.customers import link_identity
from tests.integration.email_support import (  # noqa: F401  (fixtures)
    FEEDBACK,
    LEGAL,
    Rig,
    mail,
    make_rig,
    rig_fixture,
    sink_fixture,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
MB = 1024 * 1024


def hours(ticket: dict[str, Any], field: str) -> float:
    due = datetime.fromisoformat(ticket["sla"][field])
    return (due - datetime.fromisoformat(ticket["created_at"])).total_seconds() / 3600


def raw_mail(subject: str, body: str, charset: str, msgid: str) -> bytes:
    word = f"=?{charset}?B?{base64.b64encode(subject.encode(charset)).decode()}?="
    payload = base64.b64encode(body.encode(charset)).decode()
    return (
        f"From: someone@example.com\r\nTo: {FEEDBACK}\r\nSubject: {word}\r\n"
        f"Message-ID: <{msgid}@example.com>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\nContent-Transfer-Encoding: base64\r\n'
        f"\r\n{payload}\r\n"
    ).encode("ascii")


@pytest.mark.parametrize(
    ("charset", "subject", "body"),
    [
        ("utf-8", "UID11111111_账号解封", "账号被封，申请解封。😀"),
        ("gb2312", "UID11111112_账号解封", "账号被封，申请解封。"),
        ("gbk", "UID11111113_账号解封", "王喆的账号被封，申请解封。"),
        ("gb18030", "UID11111114_账号解封", "昵称“𠀀”被判违规，申请解封。"),
        ("big5", "UID11111115_帳號解封", "帳號被封，申請解封。臺灣。"),
    ],
)
def test_each_charset_arrives_intact(rig: Rig, charset: str, subject: str, body: str) -> None:
    ticket = rig.deliver(raw_mail(subject, body, charset, f"cs-{charset}"))
    assert ticket["subject"] == subject
    assert ticket["messages"][0]["body"] == body
    assert ticket["customer"]["uid"] == subject.split("_")[0]


def test_gb2312_label_on_gbk_text_arrives_intact(rig: Rig) -> None:
    ticket = rig.deliver((FIXTURES / "foxmail_gb2312_mislabel.eml").read_bytes())
    assert ticket["subject"] == "UID20240301_账号解封 王喆"
    assert "我叫王喆，昵称里有“镕”字" in ticket["messages"][0]["body"]
    assert ticket["subcategory"] == "account.ban_appeal"


FIXTURE_EXPECTATIONS = {
    "apple_mail_inline_image.eml": {
        "uid": "UID30000003",
        "subcategory": "live.interrupted",
        "policy": "email-screenshots",
        "files": {"logo.png", "截图 直播.png"},
    },
    "big5_taiwan.eml": {"uid": "UID40000004", "subcategory": "order.refund", "body": "臺灣"},
    "gb18030_raw_utf8_subject.eml": {
        "uid": "UID50000005",
        "subcategory": "account.hijacked",
        "policy": "email-recording",
        "body": "𠀀𠀁",
        "tags": {"urgent"},
    },
    "gbk_raw_8bit_headers.eml": {
        "uid": "UID60000006",
        "subcategory": "payment.withdrawal",
        "files": {"提现失败截图.jpg"},
    },
    "malformed_mime.eml": {"uid": "UID80000008", "subcategory": "usage.bug"},
}


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTATIONS))
def test_real_client_mail_becomes_the_right_ticket(rig: Rig, name: str) -> None:
    want = FIXTURE_EXPECTATIONS[name]
    ticket = rig.deliver((FIXTURES / name).read_bytes())
    assert ticket["customer"]["uid"] == want["uid"]
    assert ticket["subcategory"] == want["subcategory"]
    if "policy" in want:
        assert want["policy"] in ticket["sla"]["policy"]
    if "body" in want:
        assert want["body"] in ticket["messages"][0]["body"]
    if "files" in want:
        assert {a["filename"] for a in ticket["messages"][0]["attachments"]} == want["files"]
    if "tags" in want:
        assert want["tags"] <= set(ticket["tags"])


@pytest.mark.parametrize(
    ("subject", "uid", "subcategory"),
    [
        ("UID12340001_账号解封", "UID12340001", "account.ban_appeal"),
        ("ＵＩＤ１２３４０００２＿账号被盗", "UID12340002", "account.hijacked"),
        ("uid 12340003 _ 退款", "UID12340003", "order.refund"),
        ("Re: UID12340004_提现", "UID12340004", "payment.withdrawal"),
        ("回复：UID12340005_充值", "UID12340005", "payment.recharge"),
        ("答复: UID12340006_版权投诉", "UID12340006", "copyright.complaint"),
        ("Fwd: 转发：UID12340007_直播权限", "UID12340007", "live.permission"),
        ("UID12340008_诈骗【紧急】", "UID12340008", "safety.fraud"),
    ],
)
def test_each_subject_form_names_customer_and_subcategory(
    rig: Rig, subject: str, uid: str, subcategory: str
) -> None:
    ticket = rig.deliver(mail(subject))
    assert (ticket["customer"]["uid"], ticket["subcategory"]) == (uid, subcategory)
    assert "missing_uid" not in ticket["tags"]


def left_to_triage(rig: Rig, ticket: dict[str, Any]) -> bool:
    """No subcategory from the subject: the triage queue, or the classifier's choice."""
    audit = rig.admin.get(f"/api/v1/tickets/{ticket['id']}/audit").json()
    return ticket["lane"] == "triage" or any(a["action"] == "classified" for a in audit)


def test_free_text_problem_type_is_left_to_triage(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID12340009_我的东西去哪了"))
    assert ticket["customer"]["uid"] == "UID12340009"
    assert left_to_triage(rig, ticket)


def test_mail_without_uid_gets_the_format_reply_and_is_kept_in_triage(rig: Rig) -> None:
    ticket = rig.deliver(
        mail("我的账号被封了", sender="bob@example.com"), mail_from="bob@example.com"
    )
    assert "missing_uid" in ticket["tags"] and left_to_triage(rig, ticket)
    assert ticket["customer"]["uid"] == rig.setup.policy.unidentified_uid
    assert ticket["messages"][0]["body"].startswith("时间线")
    (reply,) = rig.sink.to("bob@example.com")
    text = reply.get_content()
    assert "UID12345678_账号解封" in text
    assert "请在主题中写明" in text and "please put your UID" in text
    assert f"#{ticket['id']}" in text and f"[#{ticket['id']}]" in reply["Subject"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == ticket_message_id(rig)


def ticket_message_id(rig: Rig) -> str:
    return str(rig.admin.get("/api/v1/email/inbound?limit=1").json()["items"][0]["message_id"])


def test_mail_without_uid_from_a_linked_address_goes_to_that_customer(rig: Rig) -> None:
    admin = Actor(Role.ADMIN, "t")
    rig.admin.put("/api/v1/customers/UID77770001", json={"followers": 20000})
    link_identity(rig.container.ctx, admin, "UID77770001", "email", "carol@example.com")
    ticket = rig.deliver(
        mail("还是打不开", sender="carol@example.com"), mail_from="carol@example.com"
    )
    assert ticket["customer"]["uid"] == "UID77770001"
    assert len(rig.sink.to("carol@example.com")) == 1  # still told how to write the subject


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 80  # 20 KB: a screenshot, not a logo
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4000


@pytest.mark.parametrize(
    ("files", "first", "resolution"),
    [
        ([], 48, 168),
        ([("截图.png", "image/png", PNG)], 24, 120),
        ([("截图.png", "image/png", PNG), ("录屏.mp4", "video/mp4", MP4)], 12, 72),
    ],
)
def test_completeness_grade_sets_the_sla(
    rig: Rig, files: list[tuple[str, str, bytes]], first: int, resolution: int
) -> None:
    ticket = rig.deliver(mail("UID22220001_故障", attachments=files))
    assert hours(ticket, "first_response_due_at") == pytest.approx(first)
    assert hours(ticket, "resolution_due_at") == pytest.approx(resolution)


def test_urgent_tag_halves_deadlines_three_times_a_month_then_is_ignored(rig: Rig) -> None:
    got = [rig.deliver(mail(f"【紧急】UID33330001_故障 {i}")) for i in range(4)]
    assert [hours(t, "first_response_due_at") for t in got] == pytest.approx([24, 24, 24, 48])
    last = got[-1]["messages"]
    assert any(m["kind"] == "system" and "【紧急】" in m["body"] for m in last)
    with rig.container.ctx.uow(readonly=True) as uow:
        customer = uow.customers.get("UID33330001")
        assert customer is not None and customer.flags


def test_copyright_complaint_with_legal_in_copy_goes_to_the_legal_lane_in_72_hours(
    rig: Rig,
) -> None:
    with_legal = rig.deliver(mail("UID44440001_版权投诉", cc=LEGAL), to=(FEEDBACK, LEGAL))
    assert (with_legal["team"], with_legal["lane"]) == ("content", "legal")
    assert hours(with_legal, "resolution_due_at") == pytest.approx(72)
    without = rig.deliver(mail("UID44440002_版权投诉"))
    assert hours(without, "resolution_due_at") != pytest.approx(72)


def test_over_limit_attachments_are_refused_by_name_and_the_rest_kept(rig: Rig) -> None:
    big = ("完整录屏.mp4", "video/mp4", b"\x00" * (6 * MB))
    ticket = rig.deliver(
        mail("UID55550001_账号被盗", attachments=[big, ("截图.png", "image/png", PNG)])
    )
    files = [a["filename"] for a in ticket["messages"][0]["attachments"]]
    assert files == ["截图.png"]
    assert "email-screenshots" in ticket["sla"]["policy"]  # the refused recording not counted
    assert any(m["kind"] == "system" and "完整录屏.mp4" in m["body"] for m in ticket["messages"])
    (reply,) = rig.sink.to("alice@example.com")
    text = reply.get_content()
    assert "完整录屏.mp4 (6.0 MB)" in text and "5 MB" in text and "20 MB" in text


def test_html_only_mail_with_scripts_is_kept_as_clean_text(rig: Rig) -> None:
    ticket = rig.deliver((FIXTURES / "outlook_html_only_script.eml").read_bytes())
    body = ticket["messages"][0]["body"]
    assert "侵犯了我的版权" in body and "https://www.example.com/video/123" in body
    for bad in ("<script", "alert", "document.cookie", "javascript:", "onload", "<p"):
        assert bad not in body
    assert ticket["lane"] == "legal"  # legal@ in Cc of a copyright complaint


def test_same_message_id_twice_is_one_ticket(rig: Rig) -> None:
    m = mail("UID66660001_退款", message_id="<once@example.com>")
    assert rig.send(m)[0] == 250
    code, reply = rig.send(m)
    assert code == 250 and "already received" in reply
    rig.process()
    assert len(rig.tickets(customer_uid="UID66660001")) == 1


def test_size_is_advertised_and_oversize_refused_with_552(rig: Rig) -> None:
    with rig.smtp() as s:
        s.ehlo("client.example.com")
        assert int(s.esmtp_features["size"]) == rig.channel.size_limit
        code, _ = s.mail("alice@example.com", [f"SIZE={rig.channel.size_limit + 1}"])
        assert code == 552


def test_data_over_the_limit_is_refused_with_552(container, settings, sink, api, admin) -> None:  # type: ignore[no-untyped-def]
    small = make_rig(container, settings, sink, api, admin, size_limit=200_000)
    try:
        code, _ = small.send(mail("UID66660002_退款", body="大" * 100_000))
        assert code == 552
        assert small.admin.get("/api/v1/email/stats").json()["inbound"] == {}
    finally:
        small.channel.stop()


def test_unknown_recipient_is_refused_with_550(rig: Rig) -> None:
    with rig.smtp() as s:
        s.ehlo("client.example.com")
        s.mail("alice@example.com")
        assert s.rcpt("sales@kefu.test")[0] == 550
        assert s.rcpt("feedback@elsewhere.test")[0] == 550


def test_per_sender_rate_limit_answers_451(container, settings, sink, api, admin) -> None:  # type: ignore[no-untyped-def]
    limited = make_rig(container, settings, sink, api, admin, per_sender=2)
    try:
        for _ in range(2):
            assert limited.send(mail("UID66660003_退款"))[0] == 250
        with limited.smtp() as s:
            s.ehlo("client.example.com")
            code, text = s.mail("alice@example.com")
            assert code == 451 and b"4.7.1" in text
            assert s.mail("other@example.com")[0] == 250  # others are not affected
    finally:
        limited.channel.stop()


def test_bad_input_never_crashes_the_listener(rig: Rig) -> None:
    garbage = bytes(range(256)) * 20
    no_headers = b"just a line of text\r\n"
    huge_line = b"Subject: " + b"x" * 20_000 + b"\r\n\r\nbody\r\n"
    many_headers = b"".join(b"X-Junk-%d: %s\r\n" % (i, b"y" * 900) for i in range(2000)) + b"\r\nok"
    with rig.smtp() as s:
        s.ehlo("client.example.com")
        for data in (garbage, no_headers, many_headers):
            s.mail("fuzz@example.com")
            s.rcpt(FEEDBACK)
            assert s.data(data)[0] == 250
        s.mail("fuzz@example.com")
        s.rcpt(FEEDBACK)
        assert s.data(huge_line)[0] == 500  # line too long: refused, connection goes on
        assert s.noop()[0] == 250
    with socket.create_connection(("127.0.0.1", rig.port), timeout=10) as raw:
        raw.recv(1000)
        for line in (b"\x00\xff" * 10, b"MAIL FROM:<" + b"a" * 20_000 + b">", b"\xff\xfe\xfd"):
            raw.sendall(line + b"\r\n")
            assert raw.recv(1000)[:1] == b"5"  # refused, not crashed
    rig.process()
    stats = rig.admin.get("/api/v1/email/stats").json()["inbound"]
    assert stats == {"processed": 3}
    assert rig.deliver(mail("UID66660004_退款"))["customer"]["uid"] == "UID66660004"


def test_parallel_intake_threads_make_each_mail_one_ticket(rig: Rig) -> None:
    for i in range(12):
        assert rig.send(mail(f"UID66660005_退款 {i}"))[0] == 250
    run_once(rig.channel.ctx, rig.setup, rig.channel.transport, parallel=3)
    subjects = [t["subject"] for t in rig.tickets(customer_uid="UID66660005")]
    assert sorted(subjects) == sorted(f"UID66660005_退款 {i}" for i in range(12))
