"""The triage policy (`policies/triage.toml`, or the operator's copy in KEFU_POLICY_DIR)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.triage.handoff import HandoffPolicy

FILE = "triage.toml"


@dataclass(frozen=True)
class TriagePolicy:
    threshold: float
    """Below this confidence a ticket without a subcategory stays in the triage queue."""
    correction_weight: float
    max_chars: int
    handoff: HandoffPolicy


def _read(directory: Path | None) -> dict[str, Any]:
    if directory is not None and (directory / FILE).is_file():
        return tomllib.loads((directory / FILE).read_text(encoding="utf-8"))
    return tomllib.loads(resources.files("kefu.policies").joinpath(FILE).read_text("utf-8"))


def policy_from_dict(data: dict[str, Any]) -> TriagePolicy:
    c = data["classifier"]
    policy = TriagePolicy(
        threshold=float(c["threshold"]),
        correction_weight=float(c.get("correction_weight", 3.0)),
        max_chars=int(c.get("max_chars", 2000)),
        handoff=HandoffPolicy.from_dict(data["handoff"]),
    )
    if not 0.0 <= policy.threshold <= 1.01:
        raise ValueError(f"{FILE}: classifier.threshold must be in 0..1 (1.01 turns it off)")
    if policy.correction_weight <= 0 or policy.max_chars < 1:
        raise ValueError(f"{FILE}: correction_weight must be > 0 and max_chars ≥ 1")
    return policy


def load_triage_policy(directory: Path | None = None) -> TriagePolicy:
    return policy_from_dict(_read(directory))


@functools.cache
def default_policy() -> TriagePolicy:
    """The shipped policy (read once per process)."""
    return load_triage_policy(None)
