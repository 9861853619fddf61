"""SHA-256 of original recordings.

The hash identifies a recording as evidence (the protocol's chain starts from it) and
keys re-runs, so it is computed over the exact bytes on disk, streaming, in constant
memory whatever the file size.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from ingest.errors import MediaNotFoundError, NotMediaError, UnreadableMediaError

__all__ = ["DEFAULT_CHUNK_SIZE", "sha256_file"]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 1024 * 1024


def sha256_file(path: Path, chunk_size: int = DEFAULT_CHUNK_SIZE) -> str:
    """Return the lowercase hex SHA-256 of a file, reading it in fixed-size chunks.

    One reusable buffer is filled with ``readinto`` so memory stays at ``chunk_size``
    bytes even for multi-gigabyte recordings.

    Args:
        path: File to hash.
        chunk_size: Bytes read per system call.

    Returns:
        64 lowercase hex digits.

    Raises:
        ValueError: If ``chunk_size`` is not positive (a programming error).
        MediaNotFoundError: If the file does not exist.
        NotMediaError: If the path is a directory.
        UnreadableMediaError: If the file cannot be read.

    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    try:
        with Path(path).open("rb") as stream:
            while count := stream.readinto(buffer):
                digest.update(view[:count])
    except FileNotFoundError as exc:
        raise MediaNotFoundError(path=path) from exc
    except IsADirectoryError as exc:
        raise NotMediaError("the path is a directory, not a file", path=path) from exc
    except OSError as exc:
        raise UnreadableMediaError(
            f"the file cannot be read: {exc.strerror or exc}", path=path
        ) from exc
    return digest.hexdigest()
