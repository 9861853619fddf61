"""Human-readable sizes and durations for error messages.

Users read these numbers in a one-line error, so they are rounded the way a person
would say them ("8.0 GiB", "12:00:00", "0.3 s"), not printed as raw floats.
"""

from __future__ import annotations

import math

__all__ = ["describe_bytes", "describe_dbfs", "describe_seconds"]

_BYTE_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB")


def describe_bytes(count: int) -> str:
    """Return a size such as ``"512 bytes"`` or ``"8.0 GiB"``."""
    value = float(count)
    for unit in _BYTE_UNITS:
        if value < 1024 or unit == _BYTE_UNITS[-1]:
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def describe_seconds(seconds: float) -> str:
    """Return ``"4.2 s"`` below a minute, else ``"h:mm:ss"`` (rounded down)."""
    if not math.isfinite(seconds):
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def describe_dbfs(level: float) -> str:
    """Return a level such as ``"-63.2 dBFS"``, or ``"-inf dBFS"`` for pure zeros."""
    return "-inf dBFS" if math.isinf(level) else f"{level:.1f} dBFS"
