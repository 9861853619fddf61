"""Per-upload request locks of one API process.

tus clients retry a PATCH when a connection drops, sometimes while the server is still
draining the old request. Serialising the requests of one upload inside a process keeps
two writes from racing on the same piece key; the database's compare-and-set offset is
what protects uploads across processes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["UploadBusyError", "UploadLocks"]

logger = logging.getLogger(__name__)


class UploadBusyError(Exception):
    """Another request of this process is working on the upload (HTTP 423)."""


class UploadLocks:
    """Upload ids some request of this process is working on.

    Used from the event loop only (no thread touches it), so a set is enough.
    """

    def __init__(self) -> None:
        self._busy: set[str] = set()

    @contextmanager
    def hold(self, upload_id: str) -> Iterator[None]:
        """Mark the upload busy for the block.

        Raises:
            UploadBusyError: If another request holds it.

        """
        if upload_id in self._busy:
            raise UploadBusyError(f"upload {upload_id} is busy with another request")
        self._busy.add(upload_id)
        try:
            yield
        finally:
            self._busy.discard(upload_id)
