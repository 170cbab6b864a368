"""The mail parser (pure): charsets, the subject grammar, HTML, attachments, machine mail."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.channels.email.charsets import decode_text
from kefu.channels.email.htmltext import html_to_text
from kefu.channels.email.parse import parse_mail, peek
from kefu.channels.email.subject import parse_subject

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
TEXT = "账号被封，申请解封。时间线：三月一日。"
TRADITIONAL = "帳號被封，申請解封。臺灣用戶。"
GBK_ONLY = "王喆的昵称有镕字"  # 喆 and 镕 are in GBK, not in GB2312


def _raw(body: bytes, charset: str, subject: str = "UID12345678_账号解封") -> bytes:
    enc = "base64"
    payload = base64.b64encode(body).decode()
    return (
        f"From: a@example.com\r\nTo: feedback@kefu.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <x1@example.com>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\nContent-Transfer-Encoding: {enc}\r\n'
        f"\r\n{payload}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("utf-8", TEXT),
        ("gb2312", TEXT),
        ("gbk", TEXT + GBK_ONLY),
        ("gb18030", TEXT + "𠀀😀"),
        ("big5", TRADITIONAL),
    ],
)
def test_each_charset_of_a_body_is_decoded(charset: str, text: str) -> None:
    codec = "utf-8" if charset == "utf-8" else charset
    parsed = parse_mail(_raw(text.encode(codec), charset))
    assert parsed.message.body == text
    assert not [p for p in parsed.problems if "declared" in p]


def test_gb2312_label_on_gbk_text_is_decoded_as_gbk() -> None:
    parsed = parse_mail(_raw((TEXT + GBK_ONLY).encode("gbk"), "gb2312"))
    assert parsed.message.body == TEXT + GBK_ONLY


@pytest.mark.parametrize("label", ["utf-8", "us-ascii", "x-no-such-charset", ""])
def test_wrong_or_unknown_label_on_gbk_text_falls_back_to_a_guess(label: str) -> None:
    text, note = decode_text((TEXT + GBK_ONLY).encode("gbk"), label or None)
    assert text == TEXT + GBK_ONLY
    assert label == "" or note is not None


def test_big5_with_cp950_extensions_is_decoded() -> None:
    assert decode_text("價格€".encode("cp950"), "big5")[0] == "價格€"


@pytest.mark.parametrize("charset", ["utf-8", "gb2312", "gbk", "gb18030", "big5"])
def test_rfc2047_subject_in_each_charset(charset: str) -> None:
    text = "UID12345678_账号解封" if charset != "big5" else "UID12345678_帳號解封"
    word = f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="
    parsed = parse_mail(_raw(b"x", "utf-8", subject=word))
    assert parsed.message.subject == text
    assert parsed.message.customer_uid == "UID12345678"


def test_gbk_split_across_two_encoded_words_and_mislabelled() -> None:
    data = "UID12345678_王喆解封".encode("gbk")
    a, b = base64.b64encode(data[:13]).decode(), base64.b64encode(data[13:]).decode()
    parsed = parse_mail(_raw(b"x", "utf-8", subject=f"=?gb2312?B?{a}?= =?gb2312?B?{b}?="))
    assert parsed.message.subject == "UID12345678_王喆解封"


@pytest.mark.parametrize(
    ("subject", "uid", "problem", "urgent", "ref"),
    [
        ("UID12345678_账号解封", "UID12345678", "账号解封", False, None),
        ("ＵＩＤ１２３４５６７８＿账号解封", "UID12345678", "账号解封", False, None),
        ("uid 12345678 _ 账号解封", "UID12345678", "账号解封", False, None),
        ("UID12345678：账号被盗", "UID12345678", "账号被盗", False, None),
        ("Re: UID12345678_退款", "UID12345678", "退款", False, None),
        ("RE: Fwd: UID12345678_退款", "UID12345678", "退款", False, None),
        ("回复：UID12345678_退款", "UID12345678", "退款", False, None),
        ("答复: UID12345678_退款", "UID12345678", "退款", False, None),
        ("转发：回复：UID12345678_退款", "UID12345678", "退款", False, None),
        ("【紧急】UID12345678_账号被盗", "UID12345678", "账号被盗", True, None),
        ("UID12345678_账号被盗【紧急】", "UID12345678", "账号被盗", True, None),
        ("Re: 【紧急】 UID12345678 账号被盗", "UID12345678", "账号被盗", True, None),
        ("［紧急］UID12345678_账号被盗", "UID12345678", "账号被盗", True, None),
        ("Re: UID12345678_退款 [#4821]", "UID12345678", "退款", False, 4821),
        ("账号解封_UID12345678", "UID12345678", "账号解封", False, None),
        ("UID12345678_我的视频不见了", "UID12345678", "我的视频不见了", False, None),
        ("UID12345678", "UID12345678", None, False, None),
        ("我的账号被封了", None, None, False, None),
        ("回复：[#77] 补充材料", None, None, False, 77),
        ("UID123_太短", None, None, False, None),
        ("", None, None, False, None),
    ],
)
def test_subject_grammar(
    subject: str, uid: str | None, problem: str | None, urgent: bool, ref: int | None
) -> None:
    info = parse_subject(subject)
    assert (info.uid, info.problem_type, info.urgent, info.ticket_ref) == (
        uid,
        problem,
        urgent,
        ref,
    )


def test_html_body_loses_scripts_styles_handlers_and_javascript_links() -> None:
    text = html_to_text(
        "<html><head><title>t</title><style>p{color:red}</style>"
        "<script>alert('head')</script></head>"
        "<body onload=\"alert('x')\"><p>账号被封</p><script type='text/javascript'>steal()"
        "</script><a href='javascript:alert(1)'>点我</a> <a href='https://e.example/v'>原视频</a>"
        "<img src=x onerror='alert(3)' alt='截图'><noscript>hidden</noscript><br>谢谢&amp;再见"
        "</body></html>"
    )
    assert "账号被封" in text and "谢谢&再见" in text
    assert "原视频 (https://e.example/v)" in text
    for bad in ("alert", "steal", "javascript", "<", "color:red", "hidden", "onerror"):
        assert bad not in text
    assert "[图片 image: 截图]" in text


def test_unclosed_script_hides_the_rest_and_never_raises() -> None:
    assert html_to_text("<p>前</p><script>var a = '</p><p>后") == "前"
    assert "x" in html_to_text("<<<>>><p<p>x</")


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_attachments_inline_images_and_evidence() -> None:
    parsed = parse_mail(_fixture("apple_mail_inline_image.eml"))
    files = {a.filename: a for a in parsed.message.attachments}
    assert files["logo.png"].inline and files["logo.png"].evidence is None  # a tiny logo
    assert files["截图 直播.png"].evidence == "screenshot"
    assert parsed.message.body.startswith("直播到一半被中断")


def test_raw_8bit_gbk_filename_and_subject() -> None:
    parsed = parse_mail(_fixture("gbk_raw_8bit_headers.eml"))
    assert parsed.message.subject == "UID60000006_提现 提现一直失败"
    assert [a.filename for a in parsed.message.attachments] == ["提现失败截图.jpg"]
    assert parsed.message.sender_name == "刘洋"


def test_rfc2231_video_name_is_a_recording() -> None:
    parsed = parse_mail(_fixture("gb18030_raw_utf8_subject.eml"))
    (video,) = parsed.message.attachments
    assert (video.filename, video.evidence) == ("录屏.mp4", "recording")
    assert parsed.message.urgent


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Auto-Submitted", "auto-replied"),
        ("Auto-Submitted", "auto-generated"),
        ("Precedence", "bulk"),
        ("Precedence", "list"),
        ("X-Auto-Response-Suppress", "All"),
        ("List-Id", "<news.example.com>"),
        ("X-Autoreply", "yes"),
    ],
)
def test_machine_mail_is_recognised(header: str, value: str) -> None:
    m = EmailMessage()
    m["From"], m["Subject"], m[header] = "a@example.com", "hi", value
    m.set_content("x")
    assert parse_mail(m.as_bytes()).message.automated is not None


def test_auto_submitted_no_is_a_person() -> None:
    m = EmailMessage()
    m["From"], m["Subject"], m["Auto-Submitted"] = "a@example.com", "hi", "no"
    m.set_content("x")
    assert parse_mail(m.as_bytes()).message.automated is None


def test_delivery_status_notification() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nTo: feedback@kefu.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        b'boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n'
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n"
        b"\r\nFinal-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: feedback@kefu.test\r\n"
        b"Message-ID: <kefu.7.auto.3@kefu.test>\r\nSubject: x\r\n\r\n--B--\r\n"
    )
    parsed = parse_mail(raw)
    assert parsed.bounce is not None
    assert parsed.bounce.recipients == ("gone@example.com",)
    assert parsed.bounce.permanent
    assert parsed.bounce.original_message_id == "<kefu.7.auto.3@kefu.test>"
    assert "5.1.1" in parsed.bounce.reason
    assert parsed.message.automated == "delivery report"


def test_missing_message_id_is_keyed_by_content_and_threads_are_read() -> None:
    raw = b"From: a@example.com\r\nIn-Reply-To: <p@x>\r\nReferences: <r@x> <p@x>\r\n\r\nhi\r\n"
    parsed = parse_mail(raw)
    assert parsed.message_id == parse_mail(raw).message_id == peek(raw)[0]
    assert parsed.message.natural_key.startswith("email:sha256:")
    assert parsed.message.thread_keys == ("<r@x>", "<p@x>")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_every_fixture_parses_to_a_body_or_an_attachment(name: str) -> None:
    parsed = parse_mail(_fixture(name))
    assert parsed.message.body or parsed.message.attachments
    assert "\x00" not in parsed.message.body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_parser_never_raises_on_garbage(data: bytes) -> None:
    parsed = parse_mail(data)
    assert parsed.message_id
    assert "\x00" not in parsed.message.body + parsed.message.subject
    peek(data)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml"))),
    st.integers(min_value=0, max_value=2000),
    st.binary(min_size=1, max_size=40),
)
def test_parser_never_raises_on_damaged_mail(name: str, at: int, junk: bytes) -> None:
    raw = _fixture(name)
    at = at % len(raw)
    parse_mail(raw[:at] + junk + raw[at + len(junk) :])


@given(st.text(max_size=200))
def test_subject_grammar_never_raises(subject: str) -> None:
    info = parse_subject(subject)
    assert info.uid is None or info.uid.startswith("UID")


def test_a_mail_of_thousands_of_parts_is_kept_whole_without_parsing_each() -> None:
    parts = b"".join(b"--x\r\nContent-Type: image/png\r\n\r\nAAAA\r\n" for _ in range(5000))
    raw = b"Subject: UID12345678_bug\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
    parsed = parse_mail(raw + parts + b"--x--\r\n")
    assert parsed.message.customer_uid == "UID12345678"
    ((name, data),) = [(a.filename, a.data) for a in parsed.message.attachments]
    assert name == "original.eml" and data.endswith(b"--x--\r\n")


def test_deeply_nested_parts_stop_at_a_depth() -> None:
    raw = b"Subject: deep\r\n"
    for i in range(60):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
    raw += b"Content-Type: text/plain\r\n\r\nhello\r\n"
    parsed = parse_mail(raw)
    assert any("too deep" in p for p in parsed.problems)
    assert parsed.message.body  # the raw text is kept as the body
