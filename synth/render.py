"""Write a laid-out hearing as 16-bit PCM WAV with one, two or four microphones.

The output is rendered block by block straight from the placed clips, so a 30-minute
four-channel hearing never has to exist as one float array in memory.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from synth.dsp import db_to_gain, noise_floor, to_pcm16
from synth.errors import SynthError
from synth.timeline import Layout, Placement

__all__ = ["MicSetup", "peak_gain", "seat_gains", "write_wav"]

logger = logging.getLogger(__name__)

_BLOCK_S = 10


@dataclass(frozen=True)
class MicSetup:
    """How seats reach the channels of one output file.

    Attributes:
        channels: Number of output channels; seat ``c`` speaks into channel
            ``(c - 1) % channels`` (0-based), so mono sums everyone and stereo puts odd
            seats left and even seats right.
        bleed_db: Level at which every other channel picks up a seat's speech; real
            courtroom microphones hear their neighbours, and channel attribution
            must cope with that. Ignored for mono.
        noise_floor_db: RMS of independent white noise added to every channel.
        seed: Seed of that noise, so files are byte-identical across runs.

    """

    channels: int
    bleed_db: float
    noise_floor_db: float
    seed: int = 0


def seat_gains(seat: int | None, setup: MicSetup) -> np.ndarray:
    """Return the gain of a sound from ``seat`` on each output channel.

    Room sound (``seat=None``, the noise stretch) reaches every microphone fully.
    """
    if seat is None:
        return np.ones(setup.channels, dtype=np.float32)
    gains = np.full(setup.channels, db_to_gain(setup.bleed_db), dtype=np.float32)
    gains[(seat - 1) % setup.channels] = 1.0
    return gains


def peak_gain(layout: Layout, target_dbfs: float = -1.0) -> float:
    """Return the gain that brings the loudest placed sound to ``target_dbfs``.

    Placements never overlap and bleed gains are at most 1, so the loudest sample of
    any output equals the loudest sample of any clip; one gain for all outputs keeps
    the levels of mix, stereo and multi4 comparable.
    """
    peak = max(float(np.abs(p.samples).max(initial=0.0)) for p in layout.placements)
    if peak <= 0.0:
        raise SynthError("nothing audible to write: every clip is silent")
    return db_to_gain(target_dbfs) / peak


def write_wav(path: Path, layout: Layout, setup: MicSetup, sample_rate: int, gain: float) -> None:
    """Render ``layout`` through ``setup`` into a 16-bit PCM WAV at ``path``.

    Raises:
        SynthError: The file cannot be written.

    """
    rng = np.random.default_rng([setup.seed, setup.channels])
    gains = {p.start: seat_gains(p.seat, setup) * gain for p in layout.placements}
    block = _BLOCK_S * sample_rate
    try:
        with sf.SoundFile(
            str(path), "w", samplerate=sample_rate, channels=setup.channels,
            format="WAV", subtype="PCM_16",
        ) as out:  # fmt: skip
            for lo in range(0, layout.n_samples, block):
                hi = min(layout.n_samples, lo + block)
                buf = noise_floor(rng, (hi - lo, setup.channels), setup.noise_floor_db)
                for p in layout.placements:
                    _add_overlap(buf, lo, p, gains[p.start])
                out.write(to_pcm16(buf))
    except (sf.LibsndfileError, OSError) as exc:
        raise SynthError(f"cannot write {path}: {exc}") from exc
    logger.debug("wrote %s (%d channels)", path, setup.channels)


def _add_overlap(buf: np.ndarray, lo: int, placement: Placement, gains: np.ndarray) -> None:
    """Add the part of ``placement`` that falls into ``buf`` (which starts at sample ``lo``)."""
    a = max(placement.start, lo)
    b = min(placement.end, lo + buf.shape[0])
    if a < b:
        part = placement.samples[a - placement.start : b - placement.start]
        buf[a - lo : b - lo] += part[:, None] * gains
