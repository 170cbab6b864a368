"""Dispute pages: reading the forms (evidence uploads, amounts) and saying what went wrong.

The pages post ordinary HTML forms (multipart for evidence files). The files are stored in
the blob store as `POST /api/v1/attachments` would store them, and handed to the services
as `FileRef`s; every rule about them (types, sizes, count, the content check) is the
services'. Only one thing is checked here, before a byte is kept: a file larger than the
policy's limit is refused without storing it.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from kefu.domain.dispute_rules import Contact
from kefu.domain.errors import DomainError, InvalidInput
from kefu.services.dispute_access import DisputeContext, FileRef
from kefu.services.dispute_ports import OrderSystemUnavailable
from kefu.web.errors import status_of

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Problem:
    """What went wrong with a form, ready for the page: status, code, message."""

    status: int
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def contact(form: FormData) -> Contact:
    return Contact(text(form, "phone"), text(form, "address"), text(form, "email"))


def _content_type(upload: UploadFile) -> str:
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(upload.filename or "")
    return guessed or "application/octet-stream"


async def uploads(
    dc: DisputeContext, form: FormData, *, default_kind: str = "other"
) -> list[FileRef]:
    """The form's evidence files (`file` inputs, each with the `kind` select beside it),
    stored in the blob store. Empty file inputs are skipped."""
    files = form.getlist("file")
    kinds = [k if isinstance(k, str) else "" for k in form.getlist("kind")]
    limit = dc.policy.max_file_bytes
    refs: list[FileRef] = []
    for n, item in enumerate(files):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = await item.read(limit + 1)
        if len(data) > limit:
            mb = limit // (1024 * 1024)
            raise InvalidInput(
                f"文件 {item.filename} 超过 {mb} MB 上限。\n"
                f"'{item.filename}' is larger than the limit of {mb} MB.",
                details={"filename": item.filename, "limit": limit},
            )
        if not data:
            raise InvalidInput(
                f"文件 {item.filename} 是空的。\n'{item.filename}' is empty.",
                details={"filename": item.filename},
            )
        sha = await run_in_threadpool(dc.ctx.blobs.put, data)
        kind = (kinds[n] if n < len(kinds) else "") or default_kind
        refs.append(FileRef(sha, item.filename, _content_type(item), kind))
    return refs


def yuan_to_fen(value: str) -> int | None:
    """'60', '60.5', '¥60.50', '1,060.00' → fen; '' → None; anything else is refused."""
    cleaned = value.replace("¥", "").replace("￥", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            f"退款金额「{value}」不是有效的金额。\n'{value}' is not an amount in yuan.",
            details={"field": "refund"},
        ) from None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise InvalidInput(
            "金额最多保留两位小数（分）。\nAn amount has at most two decimals (fen).",
            details={"field": "refund"},
        )
    return int(amount * 100)


# Messages for refusals whose text is English only, by error code (zh-CN, en).
GENERIC: dict[str, tuple[str, str]] = {
    "invalid": ("填写的内容有误，请检查后重试。", "Something in the form is not acceptable."),
    "illegal_transition": (
        "纠纷当前所处阶段不能执行此操作，页面已更新，请查看后重试。",
        "This step is not possible in the dispute's current stage.",
    ),
    "forbidden": ("您不能执行此操作。", "You may not take this step."),
    "not_found": ("未找到该纠纷或订单。", "The dispute or the order was not found."),
    "conflict": ("操作与当前状态冲突，请刷新后重试。", "This conflicts with the current state."),
    "order_system_unavailable": (
        "订单系统暂时无法访问，请稍后重试。",
        "The order system cannot be reached right now; try again shortly.",
    ),
}


def localised(message: str, code: str, lang: str) -> str:
    """A service's message in the reader's language: bilingual messages ("中文\\nEnglish")
    are split; English-only ones get the generic text of their code in Chinese."""
    zh = lang == "zh-CN"
    first, sep, rest = message.partition("\n")
    if sep and CJK.search(first):
        return first if zh else rest
    if zh and not CJK.search(message):
        pair = GENERIC.get(code) or GENERIC["invalid"]
        return pair[0]
    return message


def problem(exc: Exception, lang: str, state_label: Callable[[str], str] | None = None) -> Problem:
    """The refusal for the page. A step the dispute's stage no longer allows (someone else
    acted first) is told with the stage's label rather than the table's codes."""
    if isinstance(exc, OrderSystemUnavailable):
        return Problem(502, exc.code, localised(exc.message, exc.code, lang), exc.details)
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    state = exc.details.get("from")
    if exc.code == "illegal_transition" and isinstance(state, str) and state_label is not None:
        label = state_label(state)
        message = (
            f"纠纷当前处于「{label}」阶段，此操作已不可用。页面已显示最新状态。"
            if lang == "zh-CN"
            else f"The dispute is now '{label}': this step is no longer possible. "
            "The page shows where it stands."
        )
        return Problem(status, exc.code, message, exc.details)
    return Problem(status, exc.code, localised(exc.message, exc.code, lang), exc.details)
