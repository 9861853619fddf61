"""Turn ffmpeg's stderr into one line a user can read.

ffmpeg prefixes messages with ``[demuxer @ 0x55d...]`` and repeats the input URL,
which on a server is an internal storage path. Both are noise at best and a leak at
worst, so they are stripped before a line becomes part of an error message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["clean_line", "last_meaningful_line", "rejected_demuxer"]

_CONTEXT_PREFIX = re.compile(r"^\[[^\]]* @ 0x[0-9a-fA-F]+\]\s*")
_WHITELIST_REFUSAL = re.compile(r"\[([^\]@]+?) @ 0x[0-9a-fA-F]+\] Format not on whitelist")
_BOILERPLATE = (
    "conversion failed!",
    "exiting normally",
    "error while filtering",
    "error marking filters as finished",
    "error closing",
    "nothing was written",
)
_MAX_LINE_CHARS = 160


def clean_line(line: str, path: Path | None = None) -> str:
    """Strip the ``[ctx @ 0x...]`` prefix and replace the file's path by its name.

    Args:
        line: One stderr line.
        path: The input file, whose full path must not appear in messages.

    Returns:
        The line, whitespace-collapsed and at most 160 characters.

    """
    text = _CONTEXT_PREFIX.sub("", line.strip())
    if path is not None:
        for spelled in (f"file:{path}", str(path)):
            text = text.replace(spelled, path.name)
    text = " ".join(text.split())
    if len(text) > _MAX_LINE_CHARS:
        text = text[: _MAX_LINE_CHARS - 1].rstrip() + "…"
    return text


def last_meaningful_line(lines: Iterable[str], path: Path | None = None) -> str:
    """Return the last stderr line that says something specific, cleaned.

    ffmpeg ends failures with generic lines ("Conversion failed!"); the cause is the
    line before them.

    Args:
        lines: stderr lines in the order ffmpeg wrote them.
        path: The input file (see :func:`clean_line`).

    Returns:
        The cleaned line, or ``""`` when there is none.

    """
    for line in reversed(list(lines)):
        text = clean_line(line, path)
        if text and not text.lower().startswith(_BOILERPLATE):
            return text
    return ""


def rejected_demuxer(stderr: str) -> str | None:
    """Return the demuxer ffmpeg refused because of ``format_whitelist``, if any.

    ffmpeg logs ``[hls @ 0x...] Format not on whitelist '...'``: the bracket names the
    demuxer it had picked, which is what tells a playlist from an image.

    Args:
        stderr: ffprobe's or ffmpeg's stderr.

    Returns:
        The demuxer name, ``""`` if the refusal is there but unnamed, ``None`` if the
        whitelist refused nothing.

    """
    match = _WHITELIST_REFUSAL.search(stderr)
    if match:
        return match.group(1).strip().split(",")[0]
    return "" if "Format not on whitelist" in stderr else None
