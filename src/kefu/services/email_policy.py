"""The email channel's rules as data (`policies/email.toml`) and the deployment facts
(domains, hostname) that go with them: what the intake and reply services need."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.taxonomy import Taxonomy

MB = 1024 * 1024


def fold(text: str) -> str:
    """Width, case and blanks do not matter when a problem type is matched."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class EmailPolicy:
    accept: tuple[str, ...] = ("feedback", "legal")
    feedback: str = "feedback"
    legal: str = "legal"
    attachment_bytes: int = 5 * MB
    total_attachment_bytes: int = 20 * MB
    message_bytes: int = 40 * MB
    max_recipients: int = 50
    per_sender: int = 30
    window_minutes: int = 60
    auto_replies_per_day: int = 10
    screenshot_min_bytes: int = 10240
    recording_extensions: tuple[str, ...] = (".mp4", ".mov", ".avi", ".mkv", ".webm")
    screenshot_extensions: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".gif", ".webp")
    unidentified_uid: str = "UID0000000000"
    acknowledge: bool = True
    from_name: str = "客服 Customer Service"
    problem_types: tuple[tuple[str, str], ...] = ()
    """(folded keyword, subcategory code), longest keyword first."""
    templates: Mapping[str, str] = field(default_factory=dict)

    def render(self, name: str, **values: Any) -> str:
        base = {
            "attachment_limit_mb": self.attachment_bytes // MB,
            "total_limit_mb": self.total_attachment_bytes // MB,
            "uid_example": "UID12345678_账号解封",
        }
        return self.templates.get(name, "").strip("\n").format_map(_Blank(base | values))

    def subcategory_for(self, problem_type: str | None, taxonomy: Taxonomy) -> str | None:
        """The subcategory a subject's problem type names, or None for free text."""
        if not problem_type:
            return None
        wanted = fold(problem_type)
        if not wanted:
            return None
        for sub in taxonomy:
            if wanted in (fold(sub.code), fold(sub.zh), fold(sub.en)):
                return sub.code
        for keyword, code in self.problem_types:
            if keyword in wanted:
                return code
        for sub in taxonomy:  # the taxonomy's own names, inside a longer type
            if fold(sub.zh) in wanted:
                return sub.code
        return None


@dataclass(frozen=True)
class EmailSetup:
    """The policy plus this deployment's addresses."""

    policy: EmailPolicy = field(default_factory=EmailPolicy)
    domains: tuple[str, ...] = ()
    """Domains we receive for; empty means the accepted local parts at any domain."""
    hostname: str = "kefu.localhost"
    """Our name in SMTP greetings and in the Message-IDs of outgoing mail."""
    from_address: str | None = None
    """Fixed From of replies; None means the address the customer wrote to."""

    def is_ours(self, address: str) -> bool:
        local, _, domain = address.strip().strip("<>").rpartition("@")
        if not local:
            return False
        local = local.lower().split("+", 1)[0]
        if local not in self.policy.accept:
            return False
        return not self.domains or domain.lower() in self.domains

    def is_legal(self, address: str) -> bool:
        local = address.strip().strip("<>").rpartition("@")[0]
        return self.is_ours(address) and local.lower().split("+", 1)[0] == self.policy.legal

    def default_from(self, written_to: Sequence[str] = ()) -> str:
        if self.from_address:
            return self.from_address
        for addr in written_to:
            if self.is_ours(addr) and not self.is_legal(addr):
                return addr.lower()
        domain = self.domains[0] if self.domains else self.hostname
        return f"{self.policy.feedback}@{domain}"


def _read(directory: Path | None) -> dict[str, Any]:
    if directory is not None and (directory / "email.toml").is_file():
        return tomllib.loads((directory / "email.toml").read_text(encoding="utf-8"))
    text = resources.files("kefu.policies").joinpath("email.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_email_policy(
    directory: Path | None = None, taxonomy: Taxonomy | None = None
) -> EmailPolicy:
    data = _read(directory)
    addr, lim, rate = data["addresses"], data["limits"], data["rate_limit"]
    grades, replies = data["grades"], data.get("replies", {})
    pairs: list[tuple[str, str]] = []
    for row in data.get("problem_type", []):
        code = row["subcategory"]
        if taxonomy is not None:
            taxonomy.get(code)  # an unknown code fails at start, not on the first mail
        pairs.extend((fold(k), code) for k in row["keywords"] if fold(k))
    pairs.sort(key=lambda p: -len(p[0]))
    return EmailPolicy(
        accept=tuple(a.lower() for a in addr["accept"]),
        feedback=addr["feedback"].lower(),
        legal=addr["legal"].lower(),
        attachment_bytes=int(lim["attachment_bytes"]),
        total_attachment_bytes=int(lim["total_attachment_bytes"]),
        message_bytes=int(lim["message_bytes"]),
        max_recipients=int(lim["max_recipients"]),
        per_sender=int(rate["per_sender"]),
        window_minutes=int(rate["window_minutes"]),
        auto_replies_per_day=int(rate["auto_replies_per_address_per_day"]),
        screenshot_min_bytes=int(grades["screenshot_min_bytes"]),
        recording_extensions=tuple(e.lower() for e in grades["recording_extensions"]),
        screenshot_extensions=tuple(e.lower() for e in grades["screenshot_extensions"]),
        unidentified_uid=data["unidentified"]["uid"],
        acknowledge=bool(replies.get("acknowledge", True)),
        from_name=str(replies.get("from_name", "客服 Customer Service")),
        problem_types=tuple(pairs),
        templates=dict(data.get("templates", {})),
    )
