"""The tus 1.0.0 wire format: headers in, headers out, nothing about storage.

Supported: core, ``creation``, ``termination``, ``expiration`` and ``checksum``
(``Upload-Checksum`` with sha1, sha256 or md5 per PATCH; a mismatch answers 460 and the
piece is dropped). Not supported: ``creation-defer-length``, ``creation-with-upload``,
``concatenation``. See https://tus.io/protocols/resumable-upload.

``Upload-Metadata`` carries the hearing metadata (the same fields as a direct upload's
query parameters) plus ``sha256``, the hex SHA-256 of the whole file, checked when the
last byte arrives. The conventional tus keys ``filename`` (becomes ``source_name``) and
``filetype`` (the stored media type) are accepted too, so stock tus clients work.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "CHECKSUM_MISMATCH",
    "OFFSET_CONTENT_TYPE",
    "TUS_EXTENSIONS",
    "TUS_VERSION",
    "Checksum",
    "TusHeaderMiddleware",
    "encode_upload_metadata",
    "http_date",
    "parse_checksum",
    "parse_length",
    "parse_upload_metadata",
    "require_tus_version",
]

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
CHECKSUM_MISMATCH = 460
"""tus checksum extension: the piece's checksum differs from ``Upload-Checksum``."""
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"

_MAX_METADATA_PAIRS = 64
_KEY = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,19}")


def require_tus_version(request: Request) -> None:
    """Dependency: refuse (412) requests that do not speak tus 1.0.0."""
    version = request.headers.get("tus-resumable")
    if version != TUS_VERSION:
        raise HTTPException(
            412,
            f"Tus-Resumable must be {TUS_VERSION} (got {(version or 'nothing')[:20]!r})",
            headers={"Tus-Version": TUS_VERSION},
        )


def parse_length(value: str | None, header: str) -> int | None:
    """A non-negative decimal header value, ``None`` if absent.

    Raises:
        HTTPException: 400 if it is not a plain non-negative integer.

    """
    if value is None:
        return None
    if not _DIGITS.fullmatch(value.strip()):
        raise HTTPException(400, f"{header} must be a non-negative integer")
    return int(value.strip())


def parse_upload_metadata(header: str | None) -> dict[str, str]:
    """Decode ``Upload-Metadata`` (``key base64,key base64,key``) into text values.

    Raises:
        HTTPException: 400 on a malformed pair, a repeated key, invalid base64 or a value
            that is not UTF-8.

    """
    pairs: dict[str, str] = {}
    if header is None or not header.strip():
        return pairs
    items = header.split(",")
    if len(items) > _MAX_METADATA_PAIRS:
        raise HTTPException(400, f"Upload-Metadata has more than {_MAX_METADATA_PAIRS} pairs")
    for item in items:
        parts = item.strip().split(" ")
        key = parts[0]
        if not _KEY.fullmatch(key) or len(parts) > 2:
            raise HTTPException(400, "Upload-Metadata pairs must be 'key base64value'")
        if key in pairs:
            raise HTTPException(400, f"Upload-Metadata names {key!r} twice")
        pairs[key] = _decode(key, parts[1] if len(parts) == 2 else "")
    return pairs


def _decode(key: str, value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise HTTPException(
            400, f"Upload-Metadata value of {key!r} is not base64-encoded UTF-8"
        ) from None


def encode_upload_metadata(values: Mapping[str, str]) -> str:
    """Encode metadata the way tus clients send it (for tests and tools)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}".rstrip()
        for key, value in values.items()
    )


class Checksum:
    """A parsed ``Upload-Checksum``: algorithm and expected hex digest."""

    def __init__(self, algorithm: str, hexdigest: str) -> None:
        self.algorithm = algorithm
        self.hexdigest = hexdigest


def parse_checksum(header: str | None) -> Checksum | None:
    """Decode ``Upload-Checksum: <algorithm> <base64 digest>``.

    Raises:
        HTTPException: 400 for an unsupported algorithm or a malformed value.

    """
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise HTTPException(
            400, f"Upload-Checksum algorithm must be one of {', '.join(CHECKSUM_ALGORITHMS)}"
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "Upload-Checksum digest must be base64") from None
    return Checksum(algorithm, digest.hex())


def http_date(moment: datetime) -> str:
    """An HTTP date (``Upload-Expires``), e.g. ``Wed, 25 Jun 2025 16:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


class TusHeaderMiddleware:
    """Adds ``Tus-Resumable: 1.0.0`` to every response under the uploads path.

    tus wants it on every response, errors included; a middleware also covers the
    answers produced by exception handlers, which route code never sees.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the header to the response start."""
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"tus-resumable", TUS_VERSION.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)
