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
from transcribe import TranscribeConfig

__all__ = ["DiarizeSettings", "LimitSettings", "Settings", "TranscribeSettings"]


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


class LimitSettings(BaseModel):
    """Limits on accepted recordings (see ``ingest.MediaLimits``)."""

    max_bytes: int = Field(default=8 * 1024**3, gt=0)
    max_duration_s: float = Field(default=12 * 3600, gt=0)
    max_channels: int = Field(default=16, ge=1)


class Settings(BaseSettings):
    """Everything a worker or CLI process is configured with."""

    model_config = SettingsConfigDict(env_prefix="CR_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("data")
    transcribe: TranscribeSettings = TranscribeSettings()
    diarize: DiarizeSettings = DiarizeSettings()
    limits: LimitSettings = LimitSettings()

    @property
    def model_cache(self) -> Path:
        """Where the bundled model is assembled."""
        return self.data_dir / "models"

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
            channels=ChannelConfig(),
        )

    def media_limits(self) -> MediaLimits:
        """Engine limits from settings."""
        return MediaLimits(
            max_bytes=self.limits.max_bytes,
            max_duration_s=self.limits.max_duration_s,
            max_channels=self.limits.max_channels,
        )
