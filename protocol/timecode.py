"""Clock-style timestamps shared by the text and subtitle exports.

All formatting goes through whole milliseconds so that the same instant is
written identically in every format, however the float was computed.
"""

from __future__ import annotations

import logging

__all__ = ["format_milliseconds", "format_timestamp", "to_milliseconds"]

logger = logging.getLogger(__name__)


def to_milliseconds(seconds: float) -> int:
    """Round seconds to whole milliseconds, never below zero.

    Args:
        seconds: Time in seconds.

    Returns:
        Milliseconds; negative times (clock jitter before the start) become 0.

    """
    return max(0, round(seconds * 1000))


def format_timestamp(seconds: float, separator: str = ".") -> str:
    """Format a time as ``HH:MM:SS.mmm`` (hours are not capped at 24).

    Args:
        seconds: Time in seconds.
        separator: Between seconds and milliseconds; SubRip uses ``","``.

    Returns:
        The timestamp.

    """
    return format_milliseconds(to_milliseconds(seconds), separator)


def format_milliseconds(total_ms: int, separator: str = ".") -> str:
    """Format whole milliseconds as ``HH:MM:SS.mmm``.

    Args:
        total_ms: Non-negative milliseconds.
        separator: Between seconds and milliseconds.

    Returns:
        The timestamp.

    """
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
