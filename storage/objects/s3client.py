"""The minio client, with an HTTP pool that gives up in seconds, not minutes.

minio's default pool waits five minutes per connect and per read and retries five times
on 5xx, so a stopped server stalls an upload request for half an hour before anyone
hears of it. Here timeouts and retries come from :class:`StorageConfig`: connection
errors are retried (nothing was sent), reads are retried only for GET and HEAD, and
nothing is retried on a status code, so an outage surfaces as
:class:`~storage.errors.StorageUnavailableError` within a few seconds.
"""

from __future__ import annotations

import logging

import urllib3
from minio import Minio
from urllib3.util.retry import Retry

from storage.objects.config import StorageConfig

__all__ = ["make_client", "make_http_pool"]

logger = logging.getLogger(__name__)

_POOL_SIZE = 10
_BACKOFF_S = 0.2


def make_http_pool(config: StorageConfig) -> urllib3.PoolManager:
    """Build the urllib3 pool minio sends its requests through."""
    retries = Retry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=0,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=_BACKOFF_S,
        raise_on_status=False,
    )
    timeout = urllib3.Timeout(connect=config.connect_timeout_s, read=config.read_timeout_s)
    if not config.secure:
        return urllib3.PoolManager(timeout=timeout, retries=retries, maxsize=_POOL_SIZE)
    # Without ca_certs urllib3 trusts the operating system's store, where operators
    # install their own CA; ca_file is for a bundle kept elsewhere.
    return urllib3.PoolManager(
        timeout=timeout,
        retries=retries,
        maxsize=_POOL_SIZE,
        cert_reqs="CERT_REQUIRED",
        ca_certs=str(config.ca_file) if config.ca_file else None,
    )


def make_client(config: StorageConfig) -> Minio:
    """Build a minio client for ``config`` (no request is made here)."""
    return Minio(
        config.endpoint,
        access_key=config.access_key or None,
        secret_key=config.secret_key or None,
        secure=config.secure,
        region=config.region,
        http_client=make_http_pool(config),
    )
