"""Translation of minio and urllib3 exceptions into storage errors.

The minio SDK reports an unreachable or struggling server in several shapes: urllib3's
``MaxRetryError`` (connection refused, timeouts), ``ProtocolError`` (connection reset
mid-body), minio's ``ServerError`` (a 5xx without an S3 error document),
``InvalidResponseError`` (a proxy's HTML error page) and ``S3Error`` with a 5xx code
such as ``SlowDown``. All of them mean "try again later" and become
:class:`~storage.errors.StorageUnavailableError`; the API maps that to 503 and the
worker to a retry. Everything else the server refuses is permanent for this request.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import urllib3.exceptions
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.errors import (
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
    StorageUnavailableError,
)

__all__ = ["NOT_FOUND_CODES", "s3_errors", "translate_s3_error"]

logger = logging.getLogger(__name__)

NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NoSuchVersion"})

_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "OperationAborted",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "XMinioServerNotInitialized",
    }
)


def _about(action: str, key: str | None) -> str:
    return f"{action} {key!r}" if key else action


def translate_s3_error(exc: S3Error, action: str, key: str | None = None) -> StorageError:
    """Return the storage error for an S3 error document the server sent."""
    status = getattr(exc.response, "status", 0) or 0
    code = exc.code or f"HTTP {status}"
    where = _about(action, key)
    if exc.code in NOT_FOUND_CODES:
        return ObjectNotFoundError(f"no object under {key!r}" if key else f"not found: {where}")
    if exc.code == "PreconditionFailed":
        return ObjectExistsError(f"an object already exists under {key!r}")
    if exc.code in _TRANSIENT_CODES or status >= 500:
        return StorageUnavailableError(f"object store unavailable while {where}: {code}")
    return StorageError(f"object store refused {where}: {code}: {exc.message or ''}".rstrip(": "))


@contextlib.contextmanager
def s3_errors(action: str, key: str | None = None) -> Iterator[None]:
    """Run a block of minio calls, translating what they raise.

    Args:
        action: What the block does, for the message ("reading", "deleting").
        key: The object concerned, if any.

    """
    where = _about(action, key)
    try:
        yield
    except S3Error as exc:
        raise translate_s3_error(exc, action, key) from exc
    except ServerError as exc:
        if exc.status_code == 412:
            raise ObjectExistsError(f"an object already exists under {key!r}") from exc
        if exc.status_code == 404:
            raise ObjectNotFoundError(f"no object under {key!r}") from exc
        if exc.status_code >= 500:
            raise StorageUnavailableError(
                f"object store unavailable while {where}: HTTP {exc.status_code}"
            ) from exc
        raise StorageError(f"object store refused {where}: HTTP {exc.status_code}") from exc
    except InvalidResponseError as exc:
        raise StorageUnavailableError(
            f"object store sent an invalid response while {where}"
        ) from exc
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
        reason = type(getattr(exc, "reason", None) or exc).__name__
        raise StorageUnavailableError(f"object store unreachable while {where}: {reason}") from exc
