"""Load the chat rules (`chat.toml`), from KEFU_POLICY_DIR when it has a copy."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.chat import ChatPolicy

FILE = "chat.toml"


def chat_policy_from_toml_data(data: dict[str, Any]) -> ChatPolicy:
    m, h, a, r = data["messages"], data["handoff"], data["attachments"], data["ratings"]
    return ChatPolicy(
        max_body=int(m["max_body"]),
        max_client_id=int(m["max_client_id"]),
        history_page=int(m["history_page"]),
        upload_token_seconds=int(m.get("upload_token_seconds", 3600)),
        handoff_retry_seconds=int(h["retry_seconds"]),
        transcript_chars=int(h["transcript_chars"]),
        attachment_max_bytes=int(a["max_bytes"]),
        attachment_types=tuple(str(t) for t in a["types"]),
        rating_link_days=int(r["link_days"]),
        rating_comment_chars=int(r["comment_chars"]),
        rating_sweep_days=int(r["sweep_days"]),
        greeting={str(k): str(v) for k, v in data.get("greeting", {}).items()},
        texts={
            str(k): {str(lang): str(t) for lang, t in forms.items()}
            for k, forms in data.get("texts", {}).items()
        },
    )


def load_chat_policy(directory: Path | None = None) -> ChatPolicy:
    if directory is not None and (directory / FILE).is_file():
        text = (directory / FILE).read_text(encoding="utf-8")
    else:
        text = resources.files("kefu.policies").joinpath(FILE).read_text(encoding="utf-8")
    return chat_policy_from_toml_data(tomllib.loads(text))
