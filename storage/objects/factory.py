"""Build the configured object store.

The app and worker factories call :func:`open_store` once per process with the config
their settings produced; nothing here reads the environment.
"""

from __future__ import annotations

import logging

from storage.objects.base import ObjectStore
from storage.objects.config import StorageConfig
from storage.objects.filesystem import FilesystemStore
from storage.objects.s3 import S3Store

__all__ = ["open_store"]

logger = logging.getLogger(__name__)


def open_store(config: StorageConfig) -> ObjectStore:
    """Return the store ``config`` describes.

    The filesystem store creates its root directory now. The S3 store makes no request
    here: it prepares its bucket (creating it, with object lock when asked, and probing
    the server's features) on first use, so a process starts while the server is down
    and reports the outage through ``check()``.

    Raises:
        StorageError: If the filesystem root cannot be created.

    """
    if config.backend == "s3":
        logger.info("object store: S3 bucket %s at %s", config.bucket, config.endpoint)
        return S3Store.from_config(config)
    logger.info("object store: directory %s", config.root)
    return FilesystemStore(config.root)
