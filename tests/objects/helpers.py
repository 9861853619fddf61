"""Helpers of the object-store tests: configs, generated streams, hashes."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from scripts.seaweedfs import SeaweedServer
from storage.objects import MIN_PART_SIZE, StorageConfig

ACCESS_KEY = "courtrec-test"
SECRET_KEY = "courtrec-test-secret-0123456789"
PART_SIZE = MIN_PART_SIZE


def s3_config(server: SeaweedServer, bucket: str, **overrides) -> StorageConfig:
    """A config for ``server`` with the smallest part size and a short connect timeout.

    The read timeout stays at 10 s: SeaweedFS serialises concurrent conditional writes
    of one key with a lock whose waiters back off about 1 s each (seen with 4.48), so the
    race test needs a few seconds. The outage test sets its own, shorter one.
    """
    values = {
        "backend": "s3",
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "bucket": bucket,
        "secure": False,
        "region": "us-east-1",
        "part_size": PART_SIZE,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 10.0,
        "retries": 1,
    }
    values.update(overrides)
    return StorageConfig(**values)


class GeneratedStream:
    """A readable stream of ``size`` pseudo-random bytes made on demand, never all at once.

    Attributes:
        sha256: Hex digest of everything read so far (complete after the last read).
        fail_after: Raise ``OSError`` once this many bytes were delivered.

    """

    def __init__(self, size: int, *, seed: int = 7, fail_after: int | None = None) -> None:
        self.size = size
        self.delivered = 0
        self.fail_after = fail_after
        self._random = random.Random(seed)
        self._digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.delivered >= self.fail_after:
            raise OSError("client disconnected")
        n = min(n if n >= 0 else self.size, self.size - self.delivered, 256 * 1024)
        data = self._random.randbytes(n)
        self._digest.update(data)
        self.delivered += n
        return data

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tmp_files(root: Path) -> list[Path]:
    return sorted((root / ".tmp").iterdir())
