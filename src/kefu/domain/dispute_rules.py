"""The rules of e-commerce disputes as data (SPEC §8, `policies/disputes.toml`).

Deadlines, the evidence limits, which files count as evidence, what makes an opening
submission a complete evidence bundle, the legal-lane threshold, who sees what, and the
zh/en labels of types and states. Also two pure helpers the rules need: a content check
of an uploaded file against its declared type, and masking of contact data in free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from kefu.domain.errors import InvalidInput


class Visibility(StrEnum):
    """When a party sees a kind of submission made by the *other* party."""

    ALWAYS = "always"
    ARBITRATION = "arbitration"
    """Once platform arbitration has started (the seller contested or missed the deadline)."""
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    sha256: str
    filename: str
    content_type: str
    size: int
    kind: str
    """What the file shows: `order_record`, `chat_log`, `logistics`, `photo`, … (policy)."""


@dataclass(frozen=True, slots=True)
class Contact:
    """Private contact data given with a submission: never shown to the other party."""

    phone: str = ""
    address: str = ""
    email: str = ""

    @property
    def empty(self) -> bool:
        return not (self.phone or self.address or self.email)

    def as_dict(self) -> dict[str, str]:
        return {"phone": self.phone, "address": self.address, "email": self.email}


@dataclass(frozen=True)
class DisputePolicy:
    seller_response_hours: int = 72
    appeal_window_hours: int = 168
    max_submissions_per_party: int = 3
    max_files_per_submission: int = 10
    max_file_bytes: int = 20 * 1024 * 1024
    max_statement_chars: int = 5000
    content_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/webp", "application/pdf", "video/mp4", "text/plain"}
    )
    evidence_kinds: frozenset[str] = frozenset(
        {"order_record", "chat_log", "logistics", "photo", "video", "inspection_report", "other"}
    )
    complete_bundle: tuple[str, ...] = ("order_id", "chat_log", "logistics")
    """What an opening submission must hold to be a complete evidence bundle: `order_id`
    (the opening names the order) and evidence kinds of its files."""
    team: str = "ecommerce"
    legal_lane: str = "legal"
    legal_lane_threshold_fen: int = 500_000
    """Orders above this amount (¥5,000.00) go to the legal lane of the hotline queue."""
    arbitrator_teams: frozenset[str] = frozenset({"ecommerce"})
    visibility: Mapping[str, Visibility] = field(
        default_factory=lambda: {
            "opening": Visibility.ALWAYS,
            "response": Visibility.ALWAYS,
            "evidence": Visibility.ARBITRATION,
            "report": Visibility.ARBITRATION,
            "appeal": Visibility.ALWAYS,
        }
    )
    type_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    state_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def seller_response(self) -> timedelta:
        return timedelta(hours=self.seller_response_hours)

    @property
    def appeal_window(self) -> timedelta:
        return timedelta(hours=self.appeal_window_hours)

    def is_large(self, amount_fen: int) -> bool:
        """Above the threshold (strictly): the dispute goes to the legal lane."""
        return amount_fen > self.legal_lane_threshold_fen

    def bundle_complete(self, order_id: str, files: Iterable[EvidenceFile]) -> bool:
        held = {f.kind for f in files}
        if order_id.strip():
            held.add("order_id")
        return all(item in held for item in self.complete_bundle)

    def visibility_of(self, kind: str) -> Visibility:
        return self.visibility.get(kind, Visibility.ARBITRATION)

    def check_statement(self, text: str, *, required: bool) -> str:
        text = text.strip()
        if required and not text:
            raise InvalidInput(
                "请填写说明。\nA written statement is required.", details={"field": "statement"}
            )
        if len(text) > self.max_statement_chars:
            raise InvalidInput(
                f"说明最多 {self.max_statement_chars} 字，当前 {len(text)} 字。\n"
                f"The statement is {len(text)} characters long; the limit is "
                f"{self.max_statement_chars}.",
                details={"field": "statement", "limit": self.max_statement_chars},
            )
        return text

    def check_files(self, files: Iterable[EvidenceFile]) -> tuple[EvidenceFile, ...]:
        out = tuple(files)
        if len(out) > self.max_files_per_submission:
            raise InvalidInput(
                f"每次最多上传 {self.max_files_per_submission} 个文件。\n"
                f"At most {self.max_files_per_submission} files per submission.",
                details={"limit": self.max_files_per_submission, "files": len(out)},
            )
        for f in out:
            if f.content_type not in self.content_types:
                raise InvalidInput(
                    f"不支持的文件类型 {f.content_type}（{f.filename}）。\n"
                    f"'{f.filename}' is {f.content_type}; evidence must be one of "
                    f"{', '.join(sorted(self.content_types))}.",
                    details={"filename": f.filename, "content_type": f.content_type},
                )
            if f.size > self.max_file_bytes:
                raise InvalidInput(
                    f"文件 {f.filename} 超过 {self.max_file_bytes // (1024 * 1024)} MB 上限。\n"
                    f"'{f.filename}' is {f.size} bytes; the limit is {self.max_file_bytes}.",
                    details={"filename": f.filename, "size": f.size, "limit": self.max_file_bytes},
                )
            if f.kind not in self.evidence_kinds:
                raise InvalidInput(
                    f"未知的证据类别 {f.kind}。\nUnknown evidence kind '{f.kind}': expected "
                    f"one of {', '.join(sorted(self.evidence_kinds))}.",
                    details={"filename": f.filename, "kind": f.kind},
                )
        return out

    def type_label(self, code: str) -> tuple[str, str]:
        return self.type_labels.get(code, (code, code))

    def state_label(self, code: str) -> tuple[str, str]:
        return self.state_labels.get(code, (code, code))


def policy_from_toml_data(data: Mapping[str, Any]) -> DisputePolicy:
    d, e = data["deadlines"], data["evidence"]
    r, v = data["routing"], data.get("visibility", {})
    visibility = {}
    for kind, rule in v.items():
        try:
            visibility[kind] = Visibility(rule)
        except ValueError:
            raise ValueError(
                f"disputes.toml: visibility of {kind} is '{rule}'; expected one of "
                f"{', '.join(x.value for x in Visibility)}"
            ) from None
    kinds = frozenset(e["kinds"])
    bundle = tuple(data["complete_bundle"]["requires"])
    unknown = [b for b in bundle if b != "order_id" and b not in kinds]
    if unknown:
        raise ValueError(f"disputes.toml: complete_bundle names unknown kinds {unknown}")
    return DisputePolicy(
        seller_response_hours=int(d["seller_response_hours"]),
        appeal_window_hours=int(d["appeal_window_hours"]),
        max_submissions_per_party=int(e["max_submissions_per_party"]),
        max_files_per_submission=int(e["max_files_per_submission"]),
        max_file_bytes=int(e["max_file_bytes"]),
        max_statement_chars=int(e["max_statement_chars"]),
        content_types=frozenset(e["content_types"]),
        evidence_kinds=kinds,
        complete_bundle=bundle,
        team=str(r["team"]),
        legal_lane=str(r["legal_lane"]),
        legal_lane_threshold_fen=int(r["legal_lane_threshold_fen"]),
        arbitrator_teams=frozenset(r["arbitrator_teams"]),
        visibility=visibility,
        type_labels={k: (x["zh"], x["en"]) for k, x in data.get("types", {}).items()},
        state_labels={k: (x["zh"], x["en"]) for k, x in data.get("states", {}).items()},
    )


# ---- file contents -------------------------------------------------------------------------


def _mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is fine
        return exc.start >= len(head) - 3
    return True


SIGNATURES: Mapping[str, Any] = {
    "image/jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "image/png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda h: h.startswith((b"GIF87a", b"GIF89a")),
    "image/webp": lambda h: h.startswith(b"RIFF") and h[8:12] == b"WEBP",
    "application/pdf": lambda h: h.startswith(b"%PDF-"),
    "video/mp4": _mp4,
    "video/quicktime": _mp4,
    "text/plain": _text,
}
HEAD_BYTES = 512
"""How much of a file `content_matches` looks at."""


def content_matches(content_type: str, head: bytes) -> bool:
    """Do the first bytes of a file look like its declared type? Unknown types: no."""
    check = SIGNATURES.get(content_type)
    return bool(check(head[:HEAD_BYTES])) if check else False


# ---- contact data in free text -------------------------------------------------------------

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_contacts(text: str) -> str:
    """Mask phone numbers and email addresses, for text shown to the other party."""
    text = _EMAIL.sub(r"\1***\2", text)
    text = _MOBILE.sub(r"\1****\3", text)
    return _LANDLINE.sub(r"\1-****\3", text)
