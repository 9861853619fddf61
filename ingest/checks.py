"""Thresholds that decide when a file is truncated or silent.

They live in one place because probe (WAV headers) and normalize (decoded length) apply
the same truncation rule, and the numbers are policy a reviewer should find quickly.
"""

from __future__ import annotations

__all__ = [
    "SILENCE_DBFS",
    "TRUNCATION_MIN_GAP_S",
    "TRUNCATION_RATIO",
    "is_silent",
    "is_truncated",
]

TRUNCATION_RATIO = 0.9
"""Less than this share of the declared audio present means truncated..."""

TRUNCATION_MIN_GAP_S = 1.0
"""...and so does missing more than this many seconds (both must hold)."""

SILENCE_DBFS = -60.0
"""A peak below this is a dead input: even a distant microphone picks up more."""


def is_truncated(actual_s: float, declared_s: float) -> bool:
    """Return whether ``actual_s`` of audio is much less than the ``declared_s``.

    Codecs legitimately decode a little more or less than the container declares
    (encoder delay, padding, estimated MP3 durations), so both a relative and an
    absolute shortfall are required before calling a file truncated.

    Args:
        actual_s: Seconds present or decoded.
        declared_s: Seconds the file's headers declare.

    Returns:
        True when less than 90 % and more than 1 s short.

    """
    return actual_s < TRUNCATION_RATIO * declared_s and declared_s - actual_s > TRUNCATION_MIN_GAP_S


def is_silent(peak_dbfs: float) -> bool:
    """Return whether a peak level means digital silence or a dead input."""
    return peak_dbfs < SILENCE_DBFS
