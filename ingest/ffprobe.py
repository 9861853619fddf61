"""Run ffprobe on an untrusted file, safely, and translate its failures.

The command line is built here rather than with ``ffmpeg.probe`` from ffmpeg-python
because that helper cannot time out, and a probe that hangs on a crafted file would
hold a worker forever. Everything else follows the same rules as the ffmpeg run:
the input is given as an absolute ``file:`` URL (so a name like ``concat:x|y`` or
``-i`` is only ever a file name), with ``protocol_whitelist`` and ``format_whitelist``
from :mod:`ingest.formats`.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

from ingest.errors import FfmpegError, IngestError, NotMediaError, TruncatedMediaError
from ingest.formats import PROTOCOL_WHITELIST, demuxer_whitelist, rejected_format_error
from ingest.stderr import last_meaningful_line, rejected_demuxer

__all__ = ["PROBE_TIMEOUT_S", "file_url", "probe_command", "run_ffprobe"]

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 120.0
"""Probing reads headers and a few packets; minutes mean something is wrong."""


def file_url(path: Path) -> str:
    """Return the ``file:`` URL ffmpeg must be given for a local path.

    Without the prefix ffmpeg parses ``proto:rest`` names as protocols and names
    starting with ``-`` as options; an absolute ``file:`` URL is always just a file.
    """
    return f"file:{Path(path).resolve()}"


def probe_command(path: Path) -> list[str]:
    """Return the ffprobe argv that reports streams and format as JSON."""
    return [
        "ffprobe",
        "-hide_banner",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        PROTOCOL_WHITELIST,
        "-format_whitelist",
        demuxer_whitelist(),
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        file_url(path),
    ]


def run_ffprobe(path: Path) -> dict[str, Any]:
    """Probe a file and return ffprobe's JSON document.

    Args:
        path: An existing regular file.

    Returns:
        The parsed JSON (keys ``format`` and ``streams``).

    Raises:
        UnsupportedFormatError: If ffprobe refused the demuxer it detected.
        NotMediaError: If ffprobe found nothing it can read, or only text.
        TruncatedMediaError: If an MP4/MOV has no index (an unfinished recording).
        FfmpegError: If ffprobe is missing, hangs or prints no JSON.

    """
    command = probe_command(path)
    logger.debug("running %s", command)
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FfmpegError(
            f"reading the file's format took longer than {PROBE_TIMEOUT_S:.0f} s", path=path
        ) from exc
    except OSError as exc:
        raise FfmpegError("ffprobe is not installed or cannot be started", path=path) from exc
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        raise _probe_failure(stderr, path)
    try:
        document = json.loads(completed.stdout)
    except ValueError as exc:
        raise FfmpegError("ffprobe printed unreadable output", path=path) from exc
    if not isinstance(document, dict):
        raise FfmpegError("ffprobe printed unreadable output", path=path)
    return document


def _probe_failure(stderr: str, path: Path) -> IngestError:
    """Map a failed ffprobe run to the error that best says what is wrong."""
    demuxer = rejected_demuxer(stderr)
    if demuxer is not None:
        logger.info("refused demuxer %r for %s", demuxer, path.name)
        error = rejected_format_error(demuxer)
    elif "moov atom not found" in stderr and _starts_like_mp4(path):
        error = TruncatedMediaError(
            "the file is incomplete: its MP4/MOV index (moov atom) is missing, "
            "usually because the recording was not finished or the copy was cut short"
        )
    else:
        detail = last_meaningful_line(stderr.splitlines(), path)
        logger.info("ffprobe cannot read %s: %s", path.name, detail or "(no message)")
        error = NotMediaError()
    error.path = path
    return error


_MP4_FIRST_BOXES = (b"ftyp", b"mdat", b"moov", b"free", b"skip", b"wide", b"pnot")


def _starts_like_mp4(path: Path) -> bool:
    """Return whether the file begins with an MP4/MOV box.

    ffmpeg picks the MOV demuxer for any ``.mp4``/``.m4a`` name, so "moov atom not
    found" on random bytes with that extension must not be reported as an unfinished
    recording.
    """
    try:
        with path.open("rb") as stream:
            return stream.read(8)[4:8] in _MP4_FIRST_BOXES
    except OSError:
        return False
