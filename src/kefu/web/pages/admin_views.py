"""Presenters of the admin pages: policy files as tables, labels picked by language."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.organisation import Lane
from kefu.web.pages import labels

POLICY_PACKAGE = "kefu.policies"
SHIPPED = "src/kefu/policies"

LANES = {Lane(code): pair for code, pair in labels.LANES.items()}
CHANNELS = labels.CHANNELS


HOLIDAYS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利 70 周年纪念日",
}

SLA_CLASSES = {
    "urgent": ("紧急", "Urgent"),
    "standard": ("标准", "Standard"),
    "low": ("低", "Low"),
    "legal": ("法务", "Legal"),
}

GRADES = {
    "text": ("仅文字", "Text only"),
    "screenshots": ("含截图", "With screenshots"),
    "recording": ("含录屏", "With a screen recording"),
}


def label(table: dict[Any, tuple[str, str]], key: Any, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return str(key)
    return pair[0] if lang == "zh-CN" else pair[1]


@dataclass(frozen=True)
class PolicyFile:
    name: str
    source: str
    """Where the running service read it: the operator's folder or the shipped default."""
    operator: bool
    text: str
    sections: list[tuple[str, list[tuple[str, str]]]]
    """[(section, [(key, value as text)])] for the scalar and list values."""


def policy_file(name: str, directory: Path | None) -> PolicyFile:
    if directory is not None and (directory / name).is_file():
        path = directory / name
        text, source, operator = path.read_text(encoding="utf-8"), str(path), True
    else:
        text = resources.files(POLICY_PACKAGE).joinpath(name).read_text(encoding="utf-8")
        source, operator = f"{SHIPPED}/{name}", False
    return PolicyFile(name, source, operator, text, _sections(tomllib.loads(text)))


def _sections(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    out: list[tuple[str, list[tuple[str, str]]]] = []

    def walk(prefix: str, table: dict[str, Any]) -> None:
        rows = [
            (k, _show(v)) for k, v in table.items() if not isinstance(v, dict | list) or _flat(v)
        ]
        if rows:
            out.append((prefix or "—", rows))
        for k, v in table.items():
            if isinstance(v, dict):
                walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", data)
    return out


def _flat(v: Any) -> bool:
    return isinstance(v, list) and all(not isinstance(x, dict | list) for x in v)


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def minutes_text(n: int | None, lang: str) -> str:
    """15 → "15 min" / "15 分钟"; 240 → "4 h"; 1500 → "1 d 1 h"."""
    if n is None:
        return "—"
    zh = lang == "zh-CN"
    d, rest = divmod(n, 1440)
    h, m = divmod(rest, 60)
    units = (("天", " d"), ("小时", " h"), ("分钟", " min"))
    parts = [f"{v}{u[0] if zh else u[1]}" for v, u in zip((d, h, m), units, strict=True) if v]
    return (" " if not zh else "").join(parts) or "0"
