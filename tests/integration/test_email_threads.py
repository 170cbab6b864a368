"""Conversations by mail: replies join their ticket, agents' replies go out threaded,
machine mail never gets an answer, bounces mark the address."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from kefu.channels.email.outbound import MemoryTransport
from tests.integration.email_support import (  # noqa: F401  (fixtures)
    FEEDBACK,
    Rig,
    mail,
    make_rig,
    rig_fixture,
    sink_fixture,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def answer(rig: Rig, ticket_id: int, body: str, **kw: Any) -> None:
    r = rig.admin.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": body, **kw})
    assert r.status_code == 201, r.text


def reply_to(original: EmailMessage, body: str = "补充：这是新的截图。", **kw: Any) -> EmailMessage:
    refs = f"{original.get('References', '')} {original['Message-ID']}".strip()
    return mail(
        f"Re: {original['Subject']}",
        body,
        headers={"In-Reply-To": original["Message-ID"], "References": refs},
        **kw,
    )


def test_customer_reply_to_the_acknowledgement_joins_the_ticket(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000001_账号解封"))
    (ack,) = rig.sink.to("alice@example.com")
    joined = rig.deliver(reply_to(ack))
    assert joined["id"] == ticket["id"]
    assert [m["body"] for m in joined["messages"] if m["kind"] == "customer"][-1].startswith("补充")
    assert len(rig.tickets(customer_uid="UID70000001")) == 1
    assert len(rig.sink.to("alice@example.com")) == 1  # a reply is not acknowledged again


def test_references_alone_are_enough_to_thread(rig: Rig) -> None:
    first = mail("UID70000002_退款", message_id="<root-2@example.com>")
    ticket = rig.deliver(first)
    later = mail("还是没退", headers={"References": "<other@x> <root-2@example.com>"})
    assert rig.deliver(later)["id"] == ticket["id"]


def test_ticket_number_in_subject_threads_only_for_its_customer(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000003_提现"))
    same = rig.deliver(mail(f"回复：[#{ticket['id']}] 补充材料"))
    assert same["id"] == ticket["id"]
    stranger = rig.deliver(
        mail(f"[#{ticket['id']}] 我也要", sender="mallory@example.net"),
        mail_from="mallory@example.net",
    )
    assert stranger["id"] != ticket["id"]
    with_uid = rig.deliver(
        mail(f"UID70000003_提现 [#{ticket['id']}]", sender="alice.other@example.com"),
        mail_from="alice.other@example.com",
    )
    assert with_uid["id"] == ticket["id"]  # the subject's UID is the ticket's customer


def test_reply_to_a_closed_ticket_opens_a_new_one(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000004_退款"))
    for to in ("resolved", "closed"):
        r = rig.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"to": to})
        assert r.status_code == 200, r.text
    (ack,) = rig.sink.to("alice@example.com")
    follow_up = rig.deliver(reply_to(ack, "又出问题了"))
    assert follow_up["id"] != ticket["id"] and follow_up["customer"]["uid"] == "UID70000004"


def test_agent_reply_goes_out_threaded_in_both_languages(rig: Rig) -> None:
    first = mail("UID70000005_账号解封", message_id="<first-5@example.com>")
    ticket = rig.deliver(first)
    rig.deliver(mail("补充", headers={"In-Reply-To": "<first-5@example.com>"},
                     message_id="<second-5@example.com>"))  # fmt: skip
    answer(rig, ticket["id"], "您好，已为您解封，请重新登录。")
    rig.process()
    _ack, out = rig.sink.to("alice@example.com")
    assert out["Subject"] == f"Re: UID70000005_账号解封 [#{ticket['id']}]"
    assert out["From"].addresses[0].addr_spec == FEEDBACK
    assert out["In-Reply-To"] == "<second-5@example.com>"
    refs = out["References"].split()
    assert refs[0] == "<first-5@example.com>" and refs[-1] == "<second-5@example.com>"
    assert out["Message-ID"].endswith("@kefu.test>") and out["Auto-Submitted"] is None
    text = out.get_content()
    assert text.startswith("您好，已为您解封")
    assert f"[#{ticket['id']}]" in text and "回复本邮件" in text and "Reply to this mail" in text
    # The customer answers the agent's mail: it joins the same ticket.
    assert rig.deliver(reply_to(out, "谢谢，已经可以登录"))["id"] == ticket["id"]
    rig.process()
    assert len(rig.sink.to("alice@example.com")) == 2  # nothing new went out


def test_agent_reply_carries_its_attachments(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000006_账号解封"))
    up = rig.admin.post("/api/v1/attachments?filename=guide.pdf", content=b"%PDF-1.4 guide",
                        headers={"content-type": "application/pdf"}).json()  # fmt: skip
    answer(rig, ticket["id"], "请参考附件。", attachments=[
        {"sha256": up["sha256"], "filename": "解封指引.pdf", "content_type": "application/pdf"}
    ])  # fmt: skip
    rig.process()
    out = rig.sink.to("alice@example.com")[-1]
    (att,) = list(out.iter_attachments())
    assert att.get_filename() == "解封指引.pdf" and att.get_content() == b"%PDF-1.4 guide"


MACHINE = [
    ({"Auto-Submitted": "auto-replied"}, "alice@example.com"),
    ({"Precedence": "bulk"}, "alice@example.com"),
    ({"X-Auto-Response-Suppress": "All"}, "alice@example.com"),
    ({"List-Id": "<news.example.com>"}, "alice@example.com"),
    ({}, ""),  # the null sender <>
]


@pytest.mark.parametrize(("headers", "envelope"), MACHINE)
def test_machine_mail_is_kept_but_never_answered(
    rig: Rig, headers: dict[str, str], envelope: str
) -> None:
    ticket = rig.deliver(mail("我不在办公室", headers=headers), mail_from=envelope)
    assert "auto_submitted" in ticket["tags"] or envelope == ""
    rig.process()
    assert rig.sink.messages == []
    assert rig.admin.get("/api/v1/email/outbound").json()["items"] == []


def test_out_of_office_answer_to_our_reply_is_noted_without_reopening(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000007_退款", sender="zhoumin@example.com"),
                         mail_from="zhoumin@example.com")  # fmt: skip
    (ack,) = rig.sink.to("zhoumin@example.com")
    oof = (FIXTURES / "exchange_out_of_office.eml").read_bytes()
    oof = oof.replace(
        b"Auto-Submitted:", f"In-Reply-To: {ack['Message-ID']}\r\nAuto-Submitted:".encode()
    )
    after = rig.deliver(oof, mail_from="zhoumin@example.com")
    assert after["id"] == ticket["id"] and after["status"] == ticket["status"]
    assert after["messages"][-1]["kind"] == "system" and "休假" in after["messages"][-1]["body"]
    rig.process()
    assert len(rig.sink.to("zhoumin@example.com")) == 1  # no answer to the answer


def dsn(original_id: str, recipient: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.example.com\r\nTo: {FEEDBACK}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-9@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: user unknown\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original_id}\r\n"
        "Subject: x\r\n\r\n--B--\r\n"
    ).encode()


def test_bounce_marks_the_address_and_later_replies_are_not_sent(rig: Rig) -> None:
    ticket = rig.deliver(mail("UID70000008_退款", sender="gone@example.com"),
                         mail_from="gone@example.com")  # fmt: skip
    (ack,) = rig.sink.to("gone@example.com")
    code, _ = rig.send(dsn(ack["Message-ID"], "gone@example.com"), mail_from="")
    assert code == 250
    rig.process()
    inbound = rig.admin.get("/api/v1/email/inbound?limit=1").json()["items"][0]
    assert (inbound["outcome"], inbound["ticket_id"]) == ("bounce", ticket["id"])
    bounced = rig.ticket(ticket["id"])
    assert "退信" in bounced["messages"][-1]["body"] and "5.1.1" in bounced["messages"][-1]["body"]
    assert len(rig.tickets(channel="email")) == 1  # a bounce is not a ticket
    answer(rig, ticket["id"], "请提供更多信息。")
    rig.process()
    assert len(rig.sink.to("gone@example.com")) == 1
    out = rig.admin.get(f"/api/v1/email/outbound?ticket_id={ticket['id']}").json()["items"]
    assert out[0]["status"] == "suppressed"
    # A new mail from the address shows it works again.
    rig.deliver(mail("UID70000008_退款 我换了邮箱设置", sender="gone@example.com"),
                mail_from="gone@example.com")  # fmt: skip
    assert len(rig.sink.to("gone@example.com")) == 2


def test_relay_trouble_is_retried_and_a_refusal_is_told_to_the_agents(rig: Rig) -> None:
    memory = MemoryTransport()
    memory.fail_with = "451 4.3.0 try again later"
    rig.channel = replace(rig.channel, transport=memory)
    ticket = rig.deliver(mail("UID70000009_退款"))
    (queued,) = rig.admin.get("/api/v1/email/outbound").json()["items"]
    assert (queued["status"], queued["attempts"]) == ("pending", 1)
    memory.fail_with = "550 5.1.1 no such user"
    answer(rig, ticket["id"], "您好")
    rig.process()
    statuses = {
        o["kind"]: o["status"] for o in rig.admin.get("/api/v1/email/outbound").json()["items"]
    }
    assert statuses == {"agent_reply": "failed", "auto_reply": "pending"}
    assert "发送失败" in rig.ticket(ticket["id"])["messages"][-1]["body"]


def test_automatic_replies_to_one_address_are_capped_per_day(
    container, settings, sink, api, admin
) -> None:  # type: ignore[no-untyped-def]
    capped = make_rig(container, settings, sink, api, admin, auto_replies_per_day=2)
    try:
        for i in range(4):
            capped.deliver(mail(f"UID70000010_退款 {i}"))
        assert len(sink.to("alice@example.com")) == 2
    finally:
        capped.channel.stop()


def test_the_worker_runs_it_all_by_itself(rig: Rig) -> None:
    worker = rig.channel.start_worker(rig.container.bus)
    rig.channel.listener.handler.on_stored = worker.poke  # type: ignore[union-attr]
    assert rig.send(mail("UID70000011_账号解封"))[0] == 250
    ticket = wait_for(lambda: rig.tickets(customer_uid="UID70000011"))[0]
    wait_for(lambda: rig.sink.to("alice@example.com"))
    answer(rig, ticket["id"], "已处理")
    wait_for(lambda: len(rig.sink.to("alice@example.com")) == 2)


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_email_work_once_processes_what_the_listener_stored(rig: Rig) -> None:
    assert rig.send(mail("UID70000012_退款"))[0] == 250  # stored; no worker runs here
    assert rig.tickets(customer_uid="UID70000012") == []
    s = rig.container.settings
    env = {**os.environ, "KEFU_DATA_DIR": str(s.data_dir), "KEFU_SMTP_DOMAINS": "kefu.test",
           "KEFU_SMTP_SMARTHOST": f"127.0.0.1:{rig.sink.controller.port}"}  # fmt: skip
    for name, value in (("KEFU_DATABASE_URL", s.database_url), ("KEFU_REDIS_URL", s.redis_url)):
        if value:
            env[name] = value
    out = subprocess.run(
        [sys.executable, "-m", "kefu", "email", "work", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(rig.tickets(customer_uid="UID70000012")) == 1
    assert len(rig.sink.to("alice@example.com")) == 1
