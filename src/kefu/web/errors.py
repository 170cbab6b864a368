"""Every error leaves as JSON: `{"error": {"code", "message", "details"}}`.

Domain errors map to one status each; validation errors become 422 with the offending
fields; anything unexpected becomes a logged 500 with the same shape (never a traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kefu.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)

STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
]


class ApiError(Exception):
    """An HTTP-level error raised by the web layer itself (auth, cursors, uploads)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def status_of(exc: DomainError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _page(request: Request, status: int, code: str, message: str) -> Response | None:
    """Pages (not /api/) get the HTML error page when the web pages are installed."""
    page_error = getattr(request.app.state, "page_error", None)
    if page_error is None or request.url.path.startswith("/api/"):
        return None
    response: Response = page_error(request, status, code, message)
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        status = status_of(exc)
        page = _page(request, status, exc.code, exc.message)
        if page is not None:
            return page
        return error_response(status, exc.code, exc.message, _jsonable(exc.details))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        page = _page(request, exc.status, exc.code, exc.message)
        if page is not None:
            return page
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "problem": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems[:5])
        return error_response(
            422, "validation_error", f"invalid request: {summary}", {"errors": problems}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "no such endpoint", 405: "method not allowed on this endpoint"}
        message = exc.detail if isinstance(exc.detail, str) else messages.get(exc.status_code, "")
        page = _page(request, exc.status_code, f"http_{exc.status_code}", message)
        if page is not None and exc.status_code in (404, 405):
            return page
        return error_response(
            exc.status_code,
            f"http_{exc.status_code}",
            message or "HTTP error",
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an internal error occurred; it was logged")
