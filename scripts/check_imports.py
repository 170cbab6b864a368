"""Dependencies point inward (ARCHITECTURE.md): check it on every run.

- domain imports only the standard library, pydantic and pure libraries — and nothing of
  kefu outside domain;
- services import domain, policies and services only (no FastAPI, SQLAlchemy, Redis),
  plus the pure triage policies of PURE_TRIAGE (hand-off, KB search, bot dialogue);
- channels import neither store nor web nor another channel.
A small AST walk rather than import-linter: four rules do not need a plugin system.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "kefu"
FRAMEWORKS = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "redis",
    "httpx",
    "uvicorn",
    "psycopg",
)

PURE_TRIAGE = ("kefu.triage.handoff", "kefu.triage.kb_search", "kefu.triage.bot")
"""Pure triage policies (no I/O, no framework) the bot and knowledge use cases call."""


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def main() -> int:
    problems: list[str] = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        layer = rel.parts[0] if len(rel.parts) > 1 else ""
        for name in imports(path):
            top = name.split(".")[0]
            if layer == "domain":
                if top in FRAMEWORKS or (top == "kefu" and not name.startswith("kefu.domain")):
                    problems.append(f"{rel}: domain must not import {name}")
            elif layer == "services":
                allowed = ("kefu.domain", "kefu.services", "kefu.policies", *PURE_TRIAGE)
                if top in FRAMEWORKS or (top == "kefu" and not name.startswith(allowed)):
                    problems.append(f"{rel}: services must not import {name}")
            elif layer == "channels" and top == "kefu":
                own = "kefu.channels." + rel.parts[1].removesuffix(".py")
                if name.startswith(("kefu.store", "kefu.web")) or (
                    name.startswith("kefu.channels.")
                    and not name.startswith((own, "kefu.channels.inbound"))
                ):
                    problems.append(f"{rel}: a channel must not import {name}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
