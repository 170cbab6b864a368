"""Domain errors. `web/errors.py` maps each kind to one HTTP status and a JSON body."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(DomainError):
    """The request is well-formed but a value is not acceptable (HTTP 422)."""

    code = "invalid"


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does (HTTP 404)."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor is known but may not do this (HTTP 403)."""

    code = "forbidden"


class Conflict(DomainError):
    """The request contradicts the current state (HTTP 409)."""

    code = "conflict"


class IllegalTransition(Conflict):
    """A lifecycle step that the transition table does not allow."""

    code = "illegal_transition"

    def __init__(self, entity: str, current: str, target: str, allowed: list[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"{entity} cannot go from '{current}' to '{target}'; "
            f"allowed from '{current}': {allowed_text}",
            details={"from": current, "to": target, "allowed": allowed},
        )
