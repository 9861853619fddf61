"""Errors of the storage layer (object store and database).

Third-party exceptions (minio, urllib3, SQLAlchemy, OS errors) are translated into these at
the storage boundary, so callers (worker, API) can tell a transient fault, which is worth a
retry, from a permanent one, which is not.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "InvalidKeyError",
    "NotFoundError",
    "ObjectExistsError",
    "ObjectNotFoundError",
    "StorageError",
    "StorageUnavailableError",
]


class StorageError(Exception):
    """Base class of every storage error."""


class StorageUnavailableError(StorageError):
    """The object store or database cannot be reached right now (transient: retry later)."""


class ObjectNotFoundError(StorageError):
    """No object is stored under the key."""


class ObjectExistsError(StorageError):
    """A write-once object already exists under the key; originals are never overwritten."""


class InvalidKeyError(StorageError):
    """An object key the store refuses: keys are server-generated, never client file names."""


class NotFoundError(StorageError):
    """No database row has the id."""


class ConflictError(StorageError):
    """A concurrent change won: an expected offset, version or status did not match."""
