"""Plain, frozen values that ingest takes and returns.

They are frozen so a probed :class:`MediaInfo` can be handed from step to step (probe,
normalize, the protocol's recording info) without anyone changing it on the way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MediaInfo", "MediaLimits", "NormalizedAudio", "ProgressHook"]

ProgressHook = Callable[[str, float, float], None]
"""``hook(step, completed, total)``; ingest reports seconds of audio decoded."""


@dataclass(frozen=True)
class MediaLimits:
    """Limits a recording must respect before any decoding work starts.

    The defaults are the limits users can rely on: a full court day (12 h) in one
    file, one microphone per seat for up to 16 seats, and files up to 8 GiB (a day of
    multi-channel PCM or of video).

    Attributes:
        max_bytes: Largest accepted file size.
        max_duration_s: Longest accepted recording.
        max_channels: Most audio channels accepted in the audio stream.
        min_duration_s: Shortest recording worth transcribing.

    """

    max_bytes: int = 8 * 1024**3
    max_duration_s: float = 12 * 3600
    max_channels: int = 16
    min_duration_s: float = 0.5

    def __post_init__(self) -> None:
        """Reject nonsense limits early: they are configuration, not user input."""
        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")
        if self.max_channels <= 0:
            raise ValueError(f"max_channels must be positive, got {self.max_channels}")
        if not (math.isfinite(self.min_duration_s) and self.min_duration_s >= 0):
            raise ValueError(f"min_duration_s must be >= 0, got {self.min_duration_s}")
        if not self.max_duration_s > self.min_duration_s:
            raise ValueError("max_duration_s must be greater than min_duration_s")


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a recording's container and its first audio stream.

    Attributes:
        path: The probed file.
        format_name: ffprobe's container name, e.g. ``"wav"`` or
            ``"mov,mp4,m4a,3gp,3g2,mj2"``.
        duration: Seconds of audio the file declares (audio stream, else container).
        size_bytes: File size on disk.
        channels: Channel count of the first audio stream.
        sample_rate: Sample rate of the first audio stream, in Hz.
        codec: ffmpeg codec name of the first audio stream, e.g. ``"aac"``.
        has_video: Whether there is a real video stream (cover art does not count).

    """

    path: Path
    format_name: str
    duration: float
    size_bytes: int
    channels: int
    sample_rate: int
    codec: str
    has_video: bool


@dataclass(frozen=True)
class NormalizedAudio:
    """The WAV files every later step works on.

    Attributes:
        mix: 16 kHz mono 16-bit PCM WAV, the average of all input channels.
        channels: One 16 kHz mono 16-bit WAV per input channel (``ch1.wav`` is the
            first) when the input has two or more channels, else ``()``.
        duration: Seconds of audio actually decoded (length of ``mix``).
        sample_rate: Always 16000.
        peak_dbfs: Peak sample level of ``mix`` in dB relative to full scale.

    """

    mix: Path
    channels: tuple[Path, ...]
    duration: float
    sample_rate: int
    peak_dbfs: float
