"""Settings pieces the API and the worker share: where the database and the objects are.

Both processes build one pydantic-settings object of their own (``CR_`` prefix, ``__``
nesting); these models are nested in both, so ``CR_DATABASE_URL``, ``CR_STORE__BACKEND``
and friends mean the same in every process. Empty URLs and roots fall back to the
embedded default under the data directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from storage.objects import DEFAULT_PART_SIZE, StorageConfig

__all__ = [
    "PLACEHOLDER_SECRETS",
    "StoreSettings",
    "checked_url",
    "embedded_broker_url",
    "embedded_database_url",
]

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "minioadmin", "secret", "password"})


class StoreSettings(BaseModel):
    """Object store: the filesystem under the data directory, or an S3 server."""

    backend: Literal["filesystem", "s3"] = "filesystem"
    root: Path | None = None
    endpoint: str = ""
    access_key: str = ""
    secret_key: SecretStr = SecretStr("")
    bucket: str = "courtrec"
    secure: bool = True
    region: str | None = None
    part_size: int = Field(default=DEFAULT_PART_SIZE, ge=5 * 1024**2)
    object_lock: bool = True
    worm_retention_days: int = Field(default=0, ge=0)
    connect_timeout_s: float = Field(default=3.0, gt=0)
    read_timeout_s: float = Field(default=20.0, gt=0)
    retries: int = Field(default=1, ge=0)

    def config(self, data_dir: Path) -> StorageConfig:
        """The storage package's config; refuses placeholder S3 secrets."""
        if self.backend == "s3" and (
            self.secret_key.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            or not self.access_key
        ):
            raise ValueError(
                "CR_STORE__ACCESS_KEY and CR_STORE__SECRET_KEY must be set to real "
                "credentials for the S3 store (placeholders are refused)"
            )
        return StorageConfig(
            backend=self.backend,
            root=self.root or data_dir / "objects",
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key.get_secret_value(),
            bucket=self.bucket,
            secure=self.secure,
            region=self.region,
            part_size=self.part_size,
            object_lock=self.object_lock,
            worm_retention_days=self.worm_retention_days,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            retries=self.retries,
        )


def embedded_database_url(data_dir: Path) -> str:
    """SQLite file of embedded mode."""
    return f"sqlite:///{(data_dir / 'courtrec.db').resolve()}"


def embedded_broker_url(data_dir: Path) -> str:
    """Kombu's SQLAlchemy transport on a SQLite file: a broker that needs no server."""
    return f"sqla+sqlite:///{(data_dir / 'broker.db').resolve()}"


def checked_url(url: str, name: str) -> str:
    """Refuse a database or broker URL whose password is a known placeholder.

    The compose file's example environment holds placeholders; a stack started with them
    must not come up with a guessable password.
    """
    from urllib.parse import urlsplit

    password = urlsplit(url).password
    if password is not None and password.strip().lower() in PLACEHOLDER_SECRETS:
        raise ValueError(f"{name} has a placeholder password; set a real one")
    return url
