"""Admin pages: reading forms and saying what went wrong in the user's language.

The services raise domain errors with English messages (the API's language). A form
page shows them inline; for zh-CN the known messages are translated by pattern here, the
rest keep their English text behind a Chinese lead-in, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from kefu.domain.errors import Conflict, DomainError, InvalidInput, NotFound

TARGET_LABELS = {
    "first_response_minutes": ("首次响应时限", "first response"),
    "next_response_minutes": ("后续响应时限", "next response"),
    "resolution_minutes": ("解决时限", "resolution"),
}

# English message (as the services word it) → Chinese, {0}, {1}… from the pattern's groups.
ZH: tuple[tuple[str, str], ...] = (
    (r"an SLA rule needs a name", "SLA 规则需要填写名称。"),
    (r"unknown calendar '([^']*)'.*", "未知的日历“{0}”。"),
    (r"unknown category '([^']*)'.*", "未知的问题大类“{0}”。"),
    (r"unknown subcategory '([^']*)'.*", "未知的问题子类“{0}”。"),
    (r"unknown channel '([^']*)'.*", "未知的渠道“{0}”。"),
    (r"grade must be one of (.*)", "材料完整度必须是以下之一：{0}。"),
    (
        r"(\w+_minutes) must be between 1 and 525600 \(a year\)",
        "{0}必须在 1 到 525600 分钟（一年）之间。",
    ),
    (r"(\w+_minutes) must be a whole number of minutes", "{0}必须是整数分钟。"),
    (r"a rule must set a calendar or at least one target", "规则至少要设置日历或一个时限。"),
    (r"an SLA rule named '([^']*)' exists", "已存在名为“{0}”的 SLA 规则。"),
    (r"SLA rule (\d+) not found", "找不到 SLA 规则 {0}。"),
    (r"unknown team\(s\) (.*)", "未知的团队：{0}。"),
    (r"an agent needs a name", "客服需要填写姓名。"),
    (r"an agent belongs to at least one team", "客服至少属于一个团队。"),
    (r"agent (\d+) not found", "找不到客服 {0}。"),
    (
        r"capacity for (\w+) must be an integer from 0 to 1000",
        "{0} 的并发上限必须是 0 到 1000 的整数。",
    ),
    (r"a login is 1–100 characters without spaces", "登录名为 1–100 个字符，不能有空格。"),
    (r"a password has at least (\d+) characters", "密码至少 {0} 个字符。"),
    (r"the login '([^']*)' is taken", "登录名“{0}”已被使用。"),
    (r"agent (\d+) has a web login already", "客服 {0} 已有登录账号。"),
    (r"the two passwords differ", "两次输入的密码不一致。"),
    (r"the day must be a date like 2026-10-01", "日期格式应为 2026-10-01。"),
    (r"kind must be one of .*", "类型必须是“工作日”或“假日”。"),
    (r"no override for (\S+) on calendar '([^']*)'", "日历“{1}”在 {0} 没有调整。"),
    (r"the year must be between 2000 and 2100", "年份必须在 2000 到 2100 之间。"),
    (r"an article needs a title", "文章需要标题。"),
    (r"an article needs a body", "文章需要正文。"),
    (
        r"slug '([^']*)' must be lower-case letters.*",
        "标识“{0}”只能用小写字母、数字和单个连字符（如 password-recovery）。",
    ),
    (r"(.*): nothing changed; version (\d+) stays current", "{0}：内容没有变化，仍是第 {1} 版。"),
    (
        r"(.*) is at version (\d+), not (\d+).*",
        "{0} 已是第 {1} 版（不是 {2}）：有人刚保存过，请刷新后再编辑。",
    ),
    (r"unknown language '([^']*)'.*", "未知的语言“{0}”。"),
    (r"the title is (\d+) characters long; the limit is (\d+)", "标题有 {0} 个字符，上限是 {1}。"),
    (r"the body is (\d+) characters long; the limit is (\d+)", "正文有 {0} 个字符，上限是 {1}。"),
)
_COMPILED = tuple((re.compile(rf"^{p}$", re.S), zh) for p, zh in ZH)


def error_text(message: str, lang: str) -> str:
    if lang != "zh-CN":
        return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
    for pattern, zh in _COMPILED:
        m = pattern.match(message)
        if m:
            groups = [TARGET_LABELS.get(g, (g, g))[0] for g in m.groups()]
            return zh.format(*groups)
    return f"操作未完成：{message}"


def status_of(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    return 422


def done(path: str, what: str, anchor: str = "") -> RedirectResponse:
    """Post/Redirect/Get: back to the page, with a note of what was done."""
    sep = "&" if "?" in path else "?"
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{path}{sep}done={what}{fragment}", status_code=303)


async def form_of(request: Request) -> FormData:
    return await request.form()


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: Mapping[str, Any], name: str) -> str | None:
    return text(form, name) or None


def words(value: str) -> list[str]:
    """'a, b  c，d' → ['a', 'b', 'c', 'd'] (commas, Chinese commas or spaces)."""
    return [w for w in re.split(r"[,，、\s]+", value) if w]


def minutes(form: Mapping[str, Any], name: str) -> int | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidMinutes(name) from None


class InvalidMinutes(InvalidInput):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} must be a whole number of minutes")
