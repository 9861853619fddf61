"""Operations both backends build the same way from their primitives.

Composing chunks and downloading stream the bytes through this process on purpose:
that is what computes the SHA-256 of the result, which the server-side alternatives
(S3 ``UploadPartCopy``) cannot, and it works on every S3 server and on the filesystem
alike. Memory stays at one part buffer whatever the sizes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from storage.errors import StorageError
from storage.objects.base import ObjectStore, StoredObject
from storage.objects.keys import validate_key
from storage.objects.streams import ConcatReader, iter_chunks

__all__ = ["compose_by_streaming", "download_to_path", "put_file_via_stream"]

logger = logging.getLogger(__name__)


def put_file_via_stream(
    store: ObjectStore,
    key: str,
    path: Path,
    *,
    content_type: str,
    worm: bool,
) -> StoredObject:
    """Store a local file through ``store.put_stream``, its size announced.

    Raises:
        StorageError: If the file cannot be read (the message names the file).

    """
    try:
        with Path(path).open("rb") as handle:
            length = os.fstat(handle.fileno()).st_size
            return store.put_stream(
                key, handle, length=length, content_type=content_type, worm=worm
            )
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def compose_by_streaming(
    store: ObjectStore,
    dst_key: str,
    src_keys: Sequence[str],
    *,
    content_type: str,
    worm: bool,
) -> StoredObject:
    """Concatenate ``src_keys`` into ``dst_key`` by reading them in order.

    Every source is checked before anything is written, so a missing chunk fails the
    call up front with :class:`~storage.errors.ObjectNotFoundError` instead of midway.

    Raises:
        ValueError: If ``src_keys`` is empty.

    """
    validate_key(dst_key)
    if not src_keys:
        raise ValueError("compose needs at least one source key")
    total = sum(store.stat(key).size for key in src_keys)
    with ConcatReader(src_keys, store.open_read) as reader:
        return store.put_stream(dst_key, reader, length=total, content_type=content_type, worm=worm)


def download_to_path(store: ObjectStore, key: str, dest: Path) -> StoredObject:
    """Write the object to ``dest`` through a temporary file renamed into place.

    ``dest`` never holds a partial download: a failure removes the temporary file and
    leaves any earlier ``dest`` untouched.

    Raises:
        StorageError: If the destination directory cannot be written.

    """
    dest = Path(dest)
    digest = hashlib.sha256()
    size = 0
    try:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        raise StorageError(f"cannot write to {dest.parent}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, store.open_read(key) as source:
            for chunk in iter_chunks(source):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        tmp.replace(dest)
    except OSError as exc:
        raise StorageError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    logger.debug("downloaded %s to %s (%d bytes)", key, dest, size)
    return StoredObject(key=key, size=size, sha256=digest.hexdigest())
