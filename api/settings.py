"""Settings of an API process: one pydantic-settings object, built in the app factory.

Environment variables use the ``CR_`` prefix and ``__`` for nesting, the same names the
worker reads (``CR_DATA_DIR``, ``CR_DATABASE_URL``, ``CR_BROKER_URL``,
``CR_STORE__BACKEND=s3``, ``CR_STORE__ENDPOINT``...), so one environment file configures
every process. Empty URLs fall back to the embedded mode under the data directory.
Nothing here is read at import time: :func:`api.app.create_app` builds the object.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.settings import (
    StoreSettings,
    checked_url,
    embedded_broker_url,
    embedded_database_url,
)

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "ApiSettings", "AuthSettings"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024**3
"""8 GiB: the ingest limit (``ingest.MediaLimits.max_bytes``); twelve hours of WAV fit."""


class AuthSettings(BaseModel):
    """Sign-in tokens and the key that signs approved protocols.

    Attributes:
        jwt_secret: HMAC key of the access tokens (32+ characters). Empty: a random key
            is made once and kept in ``data_dir/secrets/jwt-secret`` (embedded mode);
            several API replicas must share one, so distributed deployments set it.
        token_minutes: Lifetime of an access token. Short, because a token cannot be
            recalled before it expires except by disabling its user.
        issuer: ``iss`` claim written and required.
        signing_key: Ed25519 private key (PEM) that signs approved versions. Empty:
            ``data_dir/secrets/signing-ed25519.pem``, created on first start. Replicas
            must share it (mount it as a secret); losing it does not invalidate
            signatures already made, whose public key is published at
            ``/api/v1/signing-key``.
        login_attempts: Failed sign-ins allowed per username within ``login_window_s``
            before further attempts answer 429.
        login_window_s: The window of ``login_attempts``.

    """

    jwt_secret: SecretStr = SecretStr("")
    token_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    issuer: str = "courtrec"
    signing_key: Path | None = None
    login_attempts: int = Field(default=10, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)


class ApiSettings(BaseSettings):
    """Everything an API process is configured with.

    Attributes:
        data_dir: Embedded mode's directory (SQLite files, filesystem object store).
        database_url: SQLAlchemy URL; empty means SQLite under ``data_dir``.
        broker_url: Celery broker URL; empty means kombu's SQLite transport under
            ``data_dir`` (the broker of embedded mode, which needs no server).
        broker_transport_options: kombu transport options; they must match the worker's
            where they name keys (e.g. Redis ``global_keyprefix``).
        store: Object store (filesystem under ``data_dir``, or S3).
        max_upload_bytes: Largest recording accepted, direct or resumable.
        upload_ttl_hours: An unfinished resumable upload expires this long after its
            last piece (tus ``Upload-Expires``).
        auto_migrate: Run the Alembic migrations at start-up (embedded mode and single
            API instances); turn off where a deployment step migrates.
        enqueue_timeout_s: Longest wait for the broker when sending a task; a slower
            broker leaves the job queued in the database for the reaper to send.
        body_idle_timeout_s: A request body that sends nothing for this long is treated
            as a lost connection (keeps dead connections from holding uploads).
        transfer_threads: Threads for streaming bodies to the store, apart from the
            threads that serve the database, so uploads cannot starve status requests.
        auth: Sign-in tokens and the protocol signing key.

    """

    model_config = SettingsConfigDict(env_prefix="CR_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    broker_url: str = ""
    broker_transport_options: dict[str, Any] = Field(default_factory=dict)
    store: StoreSettings = StoreSettings()
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, gt=0)
    upload_ttl_hours: float = Field(default=24.0, gt=0)
    auto_migrate: bool = True
    enqueue_timeout_s: float = Field(default=5.0, gt=0)
    body_idle_timeout_s: float = Field(default=120.0, gt=0)
    transfer_threads: int = Field(default=64, ge=1)
    auth: AuthSettings = AuthSettings()

    def resolved_database_url(self) -> str:
        """``CR_DATABASE_URL``, else the embedded SQLite file under the data directory."""
        return checked_url(
            self.database_url or embedded_database_url(self.data_dir), "CR_DATABASE_URL"
        )

    def resolved_broker_url(self) -> str:
        """``CR_BROKER_URL``, else the embedded SQLite broker under the data directory."""
        return checked_url(self.broker_url or embedded_broker_url(self.data_dir), "CR_BROKER_URL")

    @property
    def upload_ttl(self) -> timedelta:
        """How long an idle resumable upload is kept."""
        return timedelta(hours=self.upload_ttl_hours)
