"""Load the dispute rules (`disputes.toml`), from KEFU_POLICY_DIR when it has a copy."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from kefu.domain.dispute_rules import DisputePolicy, policy_from_toml_data

FILE = "disputes.toml"


def load_dispute_policy(directory: Path | None = None) -> DisputePolicy:
    if directory is not None and (directory / FILE).is_file():
        text = (directory / FILE).read_text(encoding="utf-8")
    else:
        text = resources.files("kefu.policies").joinpath(FILE).read_text(encoding="utf-8")
    return policy_from_toml_data(tomllib.loads(text))
