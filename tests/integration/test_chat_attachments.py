"""Supplementary material from the chat: size and type limits with clear errors, and the
materials quota (an urgent account case's material raises priority, at most once an hour)."""

from __future__ import annotations

from datetime import timedelta

from kefu.domain.actors import Actor, Role
from kefu.domain.clock import FixedClock
from kefu.services import chat as chat_service
from tests.conftest import Api
from tests.integration.chat_support import CUSTOMER_UID, use_echo_bot

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def _start(api: Api, handoff: bool = True) -> tuple[int, int | None, dict[str, str]]:
    chat = use_echo_bot(api.container)
    customer = Actor(Role.CUSTOMER, "c", customer_uid=CUSTOMER_UID)
    c = chat_service.start_or_resume(chat, customer, None, "zh")
    assert c.id is not None
    if handoff:
        chat_service.post_message(chat, customer, c.id, "m1", "账号被盗了，转人工")
    with api.container.ctx.uow(readonly=True) as uow:
        found = uow.chat.get(c.id)
    assert found is not None
    token = api.token("customer", "c", customer_uid=CUSTOMER_UID)
    return c.id, found.ticket_id, api.headers(token)


def _upload(
    api: Api, cid: int, headers: dict[str, str], name: str, data: bytes, ctype: str, **form: str
):  # type: ignore[no-untyped-def]
    return api.client.post(
        f"/api/v1/chat/conversations/{cid}/attachments",
        files={"file": (name, data, ctype)},
        data=form,
        headers=headers,
    )


def test_too_large_wrong_type_or_no_ticket_get_clear_errors(fixed_api: Api) -> None:
    api = fixed_api
    cid, _, headers = _start(api, handoff=False)
    r = _upload(api, cid, headers, "shot.png", PNG, "image/png")
    assert (r.status_code, r.json()["error"]["details"]["code"]) == (409, "no_open_ticket")
    chat = api.container.extras["chat"]
    chat_service.post_message(
        chat, Actor(Role.CUSTOMER, "c", customer_uid=CUSTOMER_UID), cid, "m1", "转人工"
    )
    limit = min(chat.policy.attachment_max_bytes, chat.max_attachment_bytes)
    big = PNG + b"\0" * limit
    r = _upload(api, cid, headers, "big.png", big, "image/png")
    assert (r.status_code, r.json()["error"]["code"]) == (413, "too_large")
    assert str(limit) in r.json()["error"]["message"]
    r = _upload(api, cid, headers, "run.exe", b"MZ\x90\x00", "application/x-msdownload")
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_type")
    assert "image/png" in r.json()["error"]["details"]["accepted"]
    r = _upload(api, cid, headers, "fake.png", b"not a png at all", "image/png")
    assert r.status_code == 422
    r = _upload(api, cid, headers, "empty.png", b"", "image/png")
    assert r.status_code == 422
    stranger = api.headers(api.token("customer", "s", customer_uid="UID55500077"))
    assert _upload(api, cid, stranger, "shot.png", PNG, "image/png").status_code == 404
    assert _upload(api, cid, {}, "shot.png", PNG, "image/png").status_code == 401
    r = _upload(api, cid, headers, "shot.png", PNG, "image/png", client_id="f1", caption="截图")
    assert r.status_code == 201, r.text
    again = _upload(api, cid, headers, "shot.png", PNG, "image/png", client_id="f1")
    assert again.status_code == 201 and again.json()["duplicate"] is True
    assert again.json()["message"]["seq"] == r.json()["message"]["seq"]
    with api.container.ctx.uow(readonly=True) as uow:
        c = uow.chat.get(cid)
        assert c is not None and c.ticket_id is not None
        messages = uow.tickets.messages(c.ticket_id, include_notes=False)
    with_files = [m for m in messages if m.attachments]
    assert len(with_files) == 1 and with_files[0].attachments[0].filename == "shot.png"


def test_an_upload_token_from_the_welcome_lets_a_widget_send_files(fixed_api: Api) -> None:
    api = fixed_api
    cid, _, _ = _start(api)
    chat = api.container.extras["chat"]
    with api.container.ctx.uow(readonly=True) as uow:
        c = uow.chat.get(cid)
    assert c is not None
    token = chat_service.upload_token_for(chat, c)
    r = _upload(api, cid, {"X-Chat-Upload": token}, "a.png", PNG, "image/png")
    assert r.status_code == 201, r.text
    r = _upload(api, cid + 1, {"X-Chat-Upload": token}, "a.png", PNG, "image/png")
    assert r.status_code == 401
    r = _upload(api, cid, {"X-Chat-Upload": token[:-2] + "00"}, "a.png", PNG, "image/png")
    assert r.status_code == 401


def _materials(api: Api, ticket_id: int) -> int:
    with api.container.ctx.uow(readonly=True) as uow:
        ticket = uow.tickets.get(ticket_id)
    assert ticket is not None
    return int(ticket.signals.get("materials", 0))


def test_urgent_account_material_raises_priority_at_most_once_an_hour(fixed_api: Api) -> None:
    api = fixed_api
    cid, ticket_id, headers = _start(api)
    assert ticket_id is not None
    admin = api.as_(api.token("admin"))
    ticket = admin.get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["subcategory"] == "account.hijacked"
    before = ticket["priority"]

    r = _upload(api, cid, headers, "a.png", PNG + b"1", "image/png")
    assert r.status_code == 201 and r.json()["priority_raised"] is True
    raised = admin.get(f"/api/v1/tickets/{ticket_id}").json()["priority"]
    assert raised > before

    clock = api.container.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(minutes=30))
    r = _upload(api, cid, headers, "b.png", PNG + b"2", "image/png")
    assert r.status_code == 201 and r.json()["priority_raised"] is False
    assert _materials(api, ticket_id) == 1  # the waiting term grows; the materials do not

    clock.advance(timedelta(minutes=31))
    r = _upload(api, cid, headers, "c.png", PNG + b"3", "image/png")
    assert r.status_code == 201 and r.json()["priority_raised"] is True
    assert _materials(api, ticket_id) == 2
    notices = r.json()["notices"]
    assert notices and "优先级已提升" in notices[0]["body"]
