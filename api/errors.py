"""One error shape for every failure: ``{"detail": "<a sentence>"}``.

Storage errors are translated here, at the HTTP boundary, so routes can let them rise:

=============================  =====  ==========================================
storage error                  HTTP   why
=============================  =====  ==========================================
StorageUnavailableError        503    the database or object store is down; the
                                      client retries (``Retry-After``)
NotFoundError                  404    no such row
ObjectNotFoundError            404    no such object
ConflictError                  409    a concurrent change won
ObjectExistsError              409    a write-once object is in the way
any other StorageError         500    a fault of ours, logged with its traceback
=============================  =====  ==========================================

Validation errors (FastAPI's and the metadata model's) become 422 with the fields and
reasons in one readable sentence; the rejected input itself is never echoed (it may be
hostile: control characters, megabytes of text). No client mistake ends in a traceback
or a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import ErrorOut
from protocol import ProtocolError
from storage.errors import (
    ConflictError,
    NotFoundError,
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
    StorageUnavailableError,
)

__all__ = [
    "RETRY_AFTER_S",
    "describe_errors",
    "error_response",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 30
"""Seconds a client is asked to wait when storage is unavailable."""

_MAX_ERRORS_SHOWN = 5


def error_response(
    status_code: int, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Return the one error shape."""
    return JSONResponse({"detail": detail}, status_code=status_code, headers=dict(headers or {}))


def _location(loc: Sequence[Any]) -> str:
    """``("query", "case_number")`` -> ``case_number``; list indexes as ``[i]``."""
    parts = [str(p) for p in loc if p not in ("query", "header", "path", "body", "metadata")]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "request"


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """Summarise pydantic/FastAPI validation errors in one sentence, without the input."""
    items = list(errors)
    described = [f"{_location(e.get('loc', ()))}: {_message(e)}" for e in items]
    text = "; ".join(described[:_MAX_ERRORS_SHOWN])
    if len(described) > _MAX_ERRORS_SHOWN:
        text += f"; and {len(described) - _MAX_ERRORS_SHOWN} more"
    return f"invalid request: {text}" if text else "invalid request"


def _storage_status(exc: StorageError) -> tuple[int, str, dict[str, str]]:
    if isinstance(exc, StorageUnavailableError):
        return (
            503,
            "storage is temporarily unavailable; retry later",
            {"Retry-After": str(RETRY_AFTER_S)},
        )
    if isinstance(exc, NotFoundError | ObjectNotFoundError):
        return 404, "not found", {}
    if isinstance(exc, ConflictError | ObjectExistsError):
        return 409, f"conflict: {exc}", {}
    return 500, "internal storage error", {}


async def _on_storage_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorageError)
    status_code, detail, headers = _storage_status(exc)
    if status_code >= 500:
        log = logger.warning if status_code == 503 else logger.error
        log(
            "%s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
            exc_info=status_code == 500,
        )
    return error_response(status_code, detail, headers)


_FASTAPI_BODY_ERROR = "There was an error parsing the body"
"""FastAPI's 400 for a body it cannot decode at all (not UTF-8, a broken form)."""


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_ERROR:
        # the same mistake as a body that is not JSON, which FastAPI answers with 422
        return error_response(
            422, "invalid request: body: not readable as JSON or form data (UTF-8 text)"
        )
    return error_response(exc.status_code, str(exc.detail), exc.headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, describe_errors(exc.errors()))


async def _on_protocol_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "%s %s: stored protocol unreadable", request.method, request.url.path, exc_info=exc
    )
    return error_response(500, "the stored protocol could not be read; an administrator is needed")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error")


_FASTAPI_422 = ("HTTPValidationError", "ValidationError")
_ERROR_SCHEMA = "ErrorOut"


def _document_error_shape(app: FastAPI) -> None:
    """Make the OpenAPI document's 422 answers the one shape they really have.

    FastAPI documents every 422 as its own ``HTTPValidationError`` (a list of errors);
    :func:`_on_validation_error` answers ``{"detail": "<a sentence>"}``, so clients
    generated from the document, and contract tests, would expect the wrong body.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        ref = {"$ref": f"#/components/schemas/{_ERROR_SCHEMA}"}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                answer = (
                    operation.get("responses", {}).get("422")
                    if isinstance(operation, dict)
                    else None
                )
                if answer and _FASTAPI_422[0] in str(answer.get("content", "")):
                    answer["content"] = {"application/json": {"schema": dict(ref)}}
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(_ERROR_SCHEMA, ErrorOut.model_json_schema())
        for name in _FASTAPI_422:
            schemas.pop(name, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape (and document it)."""
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StorageError, _on_storage_error)
    app.add_exception_handler(ProtocolError, _on_protocol_error)
    app.add_exception_handler(Exception, _on_unexpected)
    _document_error_shape(app)
