"""Configuration of the object store, as the settings layer hands it down.

The settings object (pydantic-settings, ``CR_`` prefix) holds the secret key as a
``SecretStr`` and turns it into this plain frozen dataclass when it builds the store, so
this package depends on no settings library. ``repr`` hides the secret key, so a config
can be logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "DEFAULT_PART_SIZE",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "Backend",
    "StorageConfig",
]

Backend = Literal["filesystem", "s3"]

MIN_PART_SIZE = 5 * 1024**2
"""S3's smallest multipart part (all but the last)."""

MAX_PART_SIZE = 5 * 1024**3
"""S3's largest part."""

DEFAULT_PART_SIZE = 16 * 1024**2
"""Memory held per upload: about twice this. 16 MiB parts reach 160 GiB within S3's
10,000-part limit, far above any recording."""

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class StorageConfig:
    """Where objects live and how to reach them.

    Attributes:
        backend: ``"filesystem"`` (embedded mode) or ``"s3"`` (MinIO or any S3 server).
        root: Filesystem backend: the directory holding the objects.
        endpoint: S3: ``host:port`` of the server, without scheme.
        access_key: S3 access key.
        secret_key: S3 secret key (plain here; the settings layer keeps it secret).
        bucket: S3 bucket; created on first use if missing.
        secure: S3: use HTTPS.
        region: S3 region; ``None`` lets the client ask the server.
        part_size: S3 multipart part size, the unit of memory per upload.
        object_lock: S3: create a missing bucket with object lock, so write-once
            objects also get a legal hold the server enforces.
        worm_retention_days: S3 with object lock: also give write-once objects a
            COMPLIANCE retention of this many days (0: legal hold only).
        connect_timeout_s: S3: seconds to wait for a connection.
        read_timeout_s: S3: seconds to wait for a response (or the next bytes of one).
        retries: S3: extra attempts on connection errors (any request) and on read
            errors of GET/HEAD. Writes are not resent after the request went out: a
            write-once PUT resent after a lost response would fail as "exists".
        ca_file: S3: CA bundle for a server with a private certificate authority.

    """

    backend: Backend = "filesystem"
    root: Path = Path("data") / "objects"
    endpoint: str = ""
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    bucket: str = "courtrec"
    secure: bool = True
    region: str | None = None
    part_size: int = DEFAULT_PART_SIZE
    object_lock: bool = True
    worm_retention_days: int = 0
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 20.0
    retries: int = 1
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        """Reject impossible settings when the process starts, not on the first upload."""
        if self.backend not in ("filesystem", "s3"):
            raise ValueError(f"backend must be 'filesystem' or 's3', got {self.backend!r}")
        if not MIN_PART_SIZE <= self.part_size <= MAX_PART_SIZE:
            raise ValueError(
                f"part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes, "
                f"got {self.part_size}"
            )
        if self.worm_retention_days < 0:
            raise ValueError("worm_retention_days must be >= 0")
        if self.connect_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if self.retries < 0:
            raise ValueError("retries must be >= 0")
        if self.backend == "s3":
            self._check_s3()

    def _check_s3(self) -> None:
        if not self.endpoint or "://" in self.endpoint or "/" in self.endpoint:
            raise ValueError(f"endpoint must be host:port without a scheme, got {self.endpoint!r}")
        if _BUCKET.fullmatch(self.bucket) is None or ".." in self.bucket:
            raise ValueError(f"invalid S3 bucket name {self.bucket!r}")
        if bool(self.access_key) != bool(self.secret_key):
            raise ValueError("access_key and secret_key must be given together")
