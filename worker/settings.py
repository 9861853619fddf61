"""Settings of a worker or CLI process: one object, built in the process's factory.

Environment variables use the ``CR_`` prefix and ``__`` for nesting, e.g.
``CR_TRANSCRIBE__MODEL=/models/large-v3-ct2`` or ``CR_TRANSCRIBE__DEVICE=cuda``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from diarize import ChannelConfig, DiarizeConfig
from ingest import MediaLimits
from storage.settings import (
    StoreSettings,
    checked_url,
    embedded_broker_url,
    embedded_database_url,
)
from transcribe import TranscribeConfig

__all__ = ["DiarizeSettings", "JobSettings", "LimitSettings", "Settings", "TranscribeSettings"]


class TranscribeSettings(BaseModel):
    """ASR settings; see ``transcribe.TranscribeConfig`` for what each one does."""

    model: str = "base"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(default=0, ge=0)
    beam_size: int = Field(default=5, ge=1, le=10)
    batch_size: int = Field(default=8, ge=1, le=64)


class DiarizeSettings(BaseModel):
    """Diarization settings."""

    device: str = "cpu"
    seed: int = 0
    detect_overlap: bool = True
    onnx_embeddings: bool = True
    merge_similarity: float | None = Field(default=0.8, ge=0.0, le=1.0)
    umap_epochs: int | None = Field(default=200, ge=1)
    warm_up: bool = True


class LimitSettings(BaseModel):
    """Limits on accepted recordings (see ``ingest.MediaLimits``)."""

    max_bytes: int = Field(default=8 * 1024**3, gt=0)
    max_duration_s: float = Field(default=12 * 3600, gt=0)
    max_channels: int = Field(default=16, ge=1)


class JobSettings(BaseModel):
    """How the worker runs jobs (see ``worker/jobs.py`` and ``worker/celery_app.py``).

    Attributes:
        heartbeat_s: A running job writes a heartbeat this often.
        heartbeat_timeout_s: A processing job silent this long lost its worker; the reaper
            queues it again (and a redelivered message may take it over).
        max_attempts: Workers lost on one job before it is failed (a file that kills
            every worker must not loop forever).
        requeue_after_s: Queued jobs older than this get their message sent again (the
            broker may have lost it); claims make duplicates harmless.
        reap_interval_s: How often the reaper runs (Celery beat).
        time_limit_base_s: Time a job may take whatever its length...
        time_limit_factor: ...plus this many times the recording's duration.
        hard_time_limit_s: Celery's hard limit on any task (kills the worker child),
            a backstop above the longest recording's scaled limit.
        retry_backoff_s: First retry delay after a transient fault (doubles each time).
        max_retries: Retries after transient faults (storage or broker unavailable).
        concurrency: Jobs one worker runs at once; each loads its own models.

    """

    heartbeat_s: float = Field(default=10.0, gt=0)
    heartbeat_timeout_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    requeue_after_s: float = Field(default=600.0, gt=0)
    reap_interval_s: float = Field(default=30.0, gt=0)
    time_limit_base_s: float = Field(default=600.0, gt=0)
    time_limit_factor: float = Field(default=3.0, gt=0)
    hard_time_limit_s: float = Field(default=48 * 3600.0, gt=0)
    retry_backoff_s: float = Field(default=10.0, gt=0)
    max_retries: int = Field(default=8, ge=0)
    concurrency: int = Field(default=1, ge=1)


class Settings(BaseSettings):
    """Everything a worker or CLI process is configured with."""

    model_config = SettingsConfigDict(env_prefix="CR_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("data")
    models_dir: Path | None = None
    transcribe: TranscribeSettings = TranscribeSettings()
    diarize: DiarizeSettings = DiarizeSettings()
    limits: LimitSettings = LimitSettings()
    database_url: str = ""
    broker_url: str = ""
    store: StoreSettings = StoreSettings()
    jobs: JobSettings = JobSettings()

    def resolved_database_url(self) -> str:
        """``CR_DATABASE_URL``, else the embedded SQLite file under the data directory."""
        return checked_url(
            self.database_url or embedded_database_url(self.data_dir), "CR_DATABASE_URL"
        )

    def resolved_broker_url(self) -> str:
        """``CR_BROKER_URL``, else the embedded SQLite broker under the data directory."""
        return checked_url(self.broker_url or embedded_broker_url(self.data_dir), "CR_BROKER_URL")

    @property
    def model_cache(self) -> Path:
        """Where the bundled models are assembled (``CR_MODELS_DIR``, else under data)."""
        return self.models_dir or self.data_dir / "models"

    def transcribe_config(self) -> TranscribeConfig:
        """Engine config from settings."""
        t = self.transcribe
        return TranscribeConfig(
            model=t.model,
            cache_dir=self.model_cache,
            device=t.device,
            compute_type=t.compute_type,
            cpu_threads=t.cpu_threads,
            beam_size=t.beam_size,
            batch_size=t.batch_size,
        )

    def diarize_config(self) -> DiarizeConfig:
        """Engine config from settings."""
        return DiarizeConfig(
            device=self.diarize.device,
            seed=self.diarize.seed,
            detect_overlap=self.diarize.detect_overlap,
            onnx_embeddings=self.diarize.onnx_embeddings,
            merge_similarity=self.diarize.merge_similarity,
            umap_epochs=self.diarize.umap_epochs,
            warm_up=self.diarize.warm_up,
            cache_dir=self.model_cache / "diarize",
            channels=ChannelConfig(),
        )

    def media_limits(self) -> MediaLimits:
        """Engine limits from settings."""
        return MediaLimits(
            max_bytes=self.limits.max_bytes,
            max_duration_s=self.limits.max_duration_s,
            max_channels=self.limits.max_channels,
        )
