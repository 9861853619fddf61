"""Length and peak level of a 16-bit WAV, read in blocks.

The normalized mix of a 12-hour hearing is over a gigabyte; reading it whole to find
its peak would make memory grow with the recording. Blocks of :data:`BLOCK_FRAMES`
keep it flat. Frames are counted while reading, so the length is what is really in
the file, not what its header claims.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ingest.errors import FfmpegError

__all__ = ["BLOCK_FRAMES", "FULL_SCALE", "WavStats", "wav_stats"]

logger = logging.getLogger(__name__)

BLOCK_FRAMES = 1 << 16
FULL_SCALE = 32768


@dataclass(frozen=True)
class WavStats:
    """What was read from a WAV file.

    Attributes:
        frames: Sample frames read.
        sample_rate: Frames per second.
        channels: Channels per frame.
        peak: Largest absolute sample value (0..32768).

    """

    frames: int
    sample_rate: int
    channels: int
    peak: int

    @property
    def duration(self) -> float:
        """Seconds of audio read."""
        return self.frames / self.sample_rate

    @property
    def peak_dbfs(self) -> float:
        """Peak level in dB relative to 16-bit full scale (``-inf`` for silence)."""
        return 20 * math.log10(self.peak / FULL_SCALE) if self.peak else -math.inf


def wav_stats(path: Path) -> WavStats:
    """Read a WAV file block by block and return its length and peak.

    Args:
        path: A WAV file written by ffmpeg.

    Returns:
        Frame count, format and peak.

    Raises:
        FfmpegError: If the file cannot be read as audio (ffmpeg wrote something
            broken, or the disk failed).

    """
    frames = 0
    peak = 0
    try:
        with sf.SoundFile(str(path)) as sound:
            sample_rate, channels = int(sound.samplerate), int(sound.channels)
            for block in sound.blocks(blocksize=BLOCK_FRAMES, dtype="int16", always_2d=True):
                frames += len(block)
                if len(block):
                    peak = max(peak, int(np.abs(block.astype(np.int32)).max()))
    except (RuntimeError, OSError) as exc:  # soundfile's errors are RuntimeErrors
        logger.error("cannot read back %s: %s", path, exc)
        raise FfmpegError("the decoded audio cannot be read back") from exc
    return WavStats(frames=frames, sample_rate=sample_rate, channels=channels, peak=peak)
