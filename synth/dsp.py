"""Small signal helpers: resampling, trimming, non-speech sound, PCM conversion.

Everything is plain numpy, so the package needs no resampler library and no extra
command-line tool beyond espeak-ng, and results are identical on every machine.
"""

import logging
import math

import numpy as np

__all__ = [
    "db_to_gain",
    "music_stretch",
    "noise_floor",
    "resample",
    "to_pcm16",
    "trim_silence",
]

logger = logging.getLogger(__name__)

_TAPER_FRACTION = 0.1
_CHORDS_HZ: tuple[tuple[float, ...], ...] = (
    (220.00, 261.63, 329.63),  # A minor
    (174.61, 220.00, 261.63),  # F major
    (261.63, 329.63, 392.00),  # C major
    (196.00, 246.94, 293.66),  # G major
)


def db_to_gain(db: float) -> float:
    """Convert decibels to a linear amplitude factor."""
    return float(10.0 ** (db / 20.0))


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample a mono clip by truncating or zero-padding its spectrum.

    A raised-cosine taper over the top tenth of the kept band avoids the ringing a
    brick-wall cut would smear into the silence around speech, which would loosen
    the trimmed turn boundaries. The clip is zero-padded to a length whose FFT is fast
    and maps to a whole number of output samples, then cut back; treating it as
    periodic is harmless because espeak-ng surrounds speech with silence.

    Args:
        samples: Mono float samples.
        src_rate: Their rate in Hz.
        dst_rate: Wanted rate in Hz.

    Returns:
        Float32 samples at ``dst_rate``, ``round(len * dst_rate / src_rate)`` of them.

    """
    if src_rate == dst_rate or samples.size == 0:
        return samples.astype(np.float32)
    common = math.gcd(src_rate, dst_rate)
    up, down = dst_rate // common, src_rate // common
    blocks = _smooth_at_least(-(-samples.size // down))
    n_in, n_out = blocks * down, blocks * up
    spectrum = np.fft.rfft(samples.astype(np.float64), n=n_in)
    keep = min(spectrum.size, n_out // 2 + 1)
    out = np.zeros(n_out // 2 + 1, dtype=np.complex128)
    out[:keep] = spectrum[:keep]
    start = int(keep * (1.0 - _TAPER_FRACTION))
    if keep - start > 1:
        ramp = np.linspace(0.0, np.pi, keep - start)
        out[start:keep] *= 0.5 * (1.0 + np.cos(ramp))
    result = np.fft.irfft(out, n=n_out) * (n_out / n_in)
    return result[: round(samples.size * dst_rate / src_rate)].astype(np.float32)


def _smooth_at_least(n: int) -> int:
    """Return the smallest integer >= ``n`` with no prime factor above 5 (fast FFT sizes)."""
    candidate = max(1, n)
    while True:
        rest = candidate
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return candidate
        candidate += 1


def trim_silence(samples: np.ndarray, threshold_db: float = -50.0) -> np.ndarray:
    """Cut leading and trailing samples quieter than ``threshold_db`` below the peak.

    espeak-ng pads its output with silence; removing it makes every turn boundary the
    first and last audible sample, which is what boundary-accuracy metrics need.

    Returns:
        The trimmed view of ``samples`` (empty when the clip is all zeros).

    """
    magnitude = np.abs(samples)
    peak = float(magnitude.max(initial=0.0))
    if peak == 0.0:
        return samples[:0]
    loud = np.flatnonzero(magnitude > peak * db_to_gain(threshold_db))
    return samples[loud[0] : loud[-1] + 1]


def music_stretch(n_samples: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Return a music-like stretch: chords of sine tones, tremolo, light noise.

    Hearings contain ringtones, hold music and hallway noise; a speech pipeline must
    neither transcribe them nor attribute them to a speaker. Four chord changes with
    tremolo make the sound tonal and moving like music, unlike a steady test tone that
    a voice-activity detector dismisses too easily.

    Args:
        n_samples: Length of the stretch.
        sample_rate: Sample rate in Hz.
        rng: Source of the noise, seeded by the caller for reproducibility.

    Returns:
        Float32 samples with peak 1.0.

    """
    if n_samples <= 0:
        return np.zeros(0, dtype=np.float32)
    t = np.arange(n_samples) / sample_rate
    out = np.zeros(n_samples)
    bounds = np.linspace(0, n_samples, len(_CHORDS_HZ) + 1).astype(int)
    for chord, lo, hi in zip(_CHORDS_HZ, bounds[:-1], bounds[1:], strict=True):
        seg = t[lo:hi]
        local = seg - seg[0] if seg.size else seg
        envelope = (1.0 - np.exp(-local / 0.03)) * np.exp(-local / 1.5)
        tones = sum(np.sin(2 * np.pi * f * seg) for f in chord)
        bass = 0.6 * np.sin(np.pi * chord[0] * seg)  # root an octave lower
        out[lo:hi] = (tones + bass) * envelope
    out *= 1.0 + 0.3 * np.sin(2 * np.pi * 5.0 * t)
    hiss = np.convolve(rng.standard_normal(n_samples), np.ones(8) / 8, mode="same")
    out += 0.05 * hiss
    out *= _fade(n_samples, int(0.05 * sample_rate))
    return (out / np.abs(out).max()).astype(np.float32)


def _fade(n_samples: int, ramp: int) -> np.ndarray:
    """Return a gain curve with linear fade-in and fade-out so the stretch has no click."""
    gain = np.ones(n_samples)
    ramp = min(ramp, n_samples // 2)
    if ramp > 0:
        gain[:ramp] = np.linspace(0.0, 1.0, ramp)
        gain[n_samples - ramp :] = np.linspace(1.0, 0.0, ramp)
    return gain


def noise_floor(rng: np.random.Generator, shape: tuple[int, ...], rms_db: float) -> np.ndarray:
    """Return white noise at ``rms_db`` dBFS RMS.

    Real microphones never record digital zeros; a floor keeps every channel alive so
    that code paths which divide by energy or detect silent channels see real input.
    """
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(db_to_gain(rms_db))


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Convert float samples in [-1, 1] to int16, clipping rather than wrapping."""
    scaled = np.clip(np.rint(samples * 32767.0), -32768, 32767)
    return scaled.astype(np.int16)
