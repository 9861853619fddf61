"""Steps of a direct upload, in the order the route runs them.

The checks that need no body come first (metadata, declared hash, declared length), so
a refused upload is answered before a byte of its body is read. Recorders sending large
bodies should send ``Expect: 100-continue``: uvicorn sends ``100 Continue`` only when the
app starts reading the body, so such a client learns of a 4xx (or of a repeat, 200)
without sending the body at all.

The body then goes to ``staging/<recording id>`` (hashed on the way) and, once its hash
matches, is copied to the write-once original (:mod:`api.intake` says why).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import HTTPException, Request

from api.deps import AppState
from api.intake import media_type
from api.metadata import LIST_FIELDS, HearingMetadata, MetadataError, parse_metadata
from api.streams import (
    BodyIncompleteError,
    BodyLimits,
    BodyTooLargeError,
    first_chunk,
    stream_to_store,
)
from storage.errors import ObjectNotFoundError, StorageError
from storage.objects import StoredObject
from worker.contracts import original_key

__all__ = [
    "UPLOAD_OPENAPI",
    "declared_length",
    "declared_sha256",
    "discard",
    "make_original",
    "metadata_from_query",
    "receive_body",
    "staging_key",
]

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def staging_key(recording_id: str) -> str:
    """Where a body waits until its hash is checked (deleted afterwards, whatever happens)."""
    return f"staging/{recording_id}"


def _query_parameters() -> list[dict[str, Any]]:
    """OpenAPI description of the metadata query parameters, from the model itself."""
    schema = HearingMetadata.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        if name in LIST_FIELDS:
            field_schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
        else:
            field_schema = {"type": "string"}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": field.get("description", name.replace("_", " ")),
                "schema": field_schema,
            }
        )
    return parameters


UPLOAD_OPENAPI: dict[str, Any] = {
    "parameters": _query_parameters(),
    "requestBody": {
        "required": True,
        "description": "The recording's bytes as they are (any media type), streamed.",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    },
}


def metadata_from_query(request: Request) -> HearingMetadata:
    """The hearing metadata of the query string (422 if invalid)."""
    raw: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        raw.setdefault(name, []).append(value)
    try:
        return parse_metadata(raw)
    except MetadataError as exc:
        raise HTTPException(422, str(exc)) from None


def declared_sha256(value: str | None) -> str:
    """The lowercase ``X-Content-SHA256`` (400 if missing or malformed)."""
    if value is None:
        raise HTTPException(400, "header X-Content-SHA256 (hex SHA-256 of the body) is required")
    if not _SHA256.fullmatch(value.strip()):
        raise HTTPException(400, "X-Content-SHA256 must be 64 hexadecimal digits")
    return value.strip().lower()


def declared_length(value: str | None, limit: int) -> int | None:
    """``Content-Length`` if given: 413 over ``limit``, 400 if zero or malformed."""
    if value is None:
        return None
    if not value.strip().isdigit():
        raise HTTPException(400, "Content-Length must be a non-negative integer")
    length = int(value)
    if length > limit:
        raise HTTPException(413, f"the recording is {length} bytes; the limit is {limit} bytes")
    if length == 0:
        raise HTTPException(400, "the body is empty: send the recording's bytes")
    return length


async def receive_body(
    request: Request,
    state: AppState,
    staging: str,
    length: int | None,
) -> StoredObject:
    """Stream the body into the staging object; map body faults to 400/413."""
    settings = state.settings
    chunks = request.stream()
    try:
        first = await first_chunk(chunks, settings.body_idle_timeout_s)
        if first is None:
            raise HTTPException(400, "the body is empty: send the recording's bytes")
        result = await stream_to_store(
            state.store,
            staging,
            first,
            chunks,
            BodyLimits(settings.max_upload_bytes, settings.body_idle_timeout_s),
            length=length,
            content_type=media_type(request.headers.get("content-type")),
            limiter=state.transfers,
        )
    except BodyTooLargeError:
        raise HTTPException(
            413, f"the recording is larger than the limit of {settings.max_upload_bytes} bytes"
        ) from None
    except BodyIncompleteError as exc:
        logger.info("upload %s abandoned: %s", staging, exc)
        raise HTTPException(400, f"the body is incomplete: {exc}") from None
    return result.stored


def discard(state: AppState, key: str) -> None:
    """Delete a staging object; a failure is logged (the janitor removes ``staging/``)."""
    try:
        state.store.delete(key)
    except ObjectNotFoundError:
        pass
    except StorageError:
        logger.warning("could not delete %s; it stays until cleaned up", key, exc_info=True)


def make_original(state: AppState, staging: StoredObject, recording_id: str) -> None:
    """Copy verified bytes to the write-once original."""
    copied = state.store.copy(staging.key, original_key(recording_id), worm=True)
    if copied.sha256 != staging.sha256 or copied.size != staging.size:
        raise StorageError(f"copy of {staging.key} to the original changed its bytes")
