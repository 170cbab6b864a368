"""Load the knowledge-base and bot rules (`knowledge.toml`), from KEFU_POLICY_DIR when it
has a copy. The services read them through `knowledge_policy()` (once per process)."""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.knowledge import ArticleLimits
from kefu.triage.bot import BotPolicy
from kefu.triage.handoff import HandoffPolicy
from kefu.triage.kb_search import SearchPolicy
from kefu.triage.policy import load_triage_policy

FILE = "knowledge.toml"


@dataclass(frozen=True)
class KnowledgePolicy:
    limits: ArticleLimits
    search: SearchPolicy
    bot: BotPolicy


def policy_from_dict(data: dict[str, Any]) -> KnowledgePolicy:
    limits = data.get("limits", {})
    unknown = set(limits) - set(ArticleLimits.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{FILE} [limits]: unknown keys {sorted(unknown)}")
    policy = KnowledgePolicy(
        limits=ArticleLimits(**{k: int(v) for k, v in limits.items()}),
        search=SearchPolicy.from_dict(data.get("search", {})),
        bot=BotPolicy.from_dict(data.get("bot", {})),
    )
    return policy


def load_knowledge_policy(directory: Path | None = None) -> KnowledgePolicy:
    if directory is not None and (directory / FILE).is_file():
        text = (directory / FILE).read_text(encoding="utf-8")
    else:
        text = resources.files("kefu.policies").joinpath(FILE).read_text(encoding="utf-8")
    return policy_from_dict(tomllib.loads(text))


def _policy_dir() -> Path | None:
    directory = os.environ.get("KEFU_POLICY_DIR")
    return Path(directory) if directory else None


@functools.cache
def knowledge_policy() -> KnowledgePolicy:
    """The operator's copy (KEFU_POLICY_DIR, the directory Settings reads) or the shipped one."""
    return load_knowledge_policy(_policy_dir())


@functools.cache
def handoff_policy() -> HandoffPolicy:
    """The hand-off rules of `triage.toml` (the operator's copy when there is one)."""
    return load_triage_policy(_policy_dir()).handoff
