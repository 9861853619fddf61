"""Storage: write-once object store for originals and derived files, and the database.

``storage.objects`` holds the object-store protocol with filesystem and S3 (minio SDK)
backends; ``storage.db`` holds the SQLAlchemy models, sessions, Alembic migrations and the
repository functions the API and the worker use.
"""

from storage.errors import (
    ConflictError,
    InvalidKeyError,
    NotFoundError,
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
    StorageUnavailableError,
)

__all__ = [
    "ConflictError",
    "InvalidKeyError",
    "NotFoundError",
    "ObjectExistsError",
    "ObjectNotFoundError",
    "StorageError",
    "StorageUnavailableError",
]
