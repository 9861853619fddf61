"""Run ffmpeg, report its progress, keep the end of its stderr.

ffmpeg writes machine-readable progress (``-progress pipe:1``) to stdout and messages
to stderr. Both pipes are drained at the same time (stderr on a thread) so neither can
fill up and stall ffmpeg, and only the last :data:`STDERR_TAIL_LINES` stderr lines are
kept: a long, damaged recording can make ffmpeg print one line per bad packet, and
memory must not grow with the file.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ingest.errors import FfmpegError

__all__ = ["STDERR_TAIL_LINES", "FfmpegRun", "parse_progress_line", "run_ffmpeg"]

logger = logging.getLogger(__name__)

STDERR_TAIL_LINES = 50


@dataclass(frozen=True)
class FfmpegRun:
    """How an ffmpeg run ended.

    Attributes:
        returncode: ffmpeg's exit status.
        stderr_tail: The last stderr lines, oldest first.

    """

    returncode: int
    stderr_tail: tuple[str, ...]


def parse_progress_line(line: str) -> float | None:
    """Return the output position in seconds from one ``-progress`` line, if it has one.

    ffmpeg prints ``key=value`` blocks; ``out_time_us`` is the position in
    microseconds (``N/A`` before the first frame).
    """
    key, _, value = line.strip().partition("=")
    if key != "out_time_us":
        return None
    try:
        microseconds = int(value)
    except ValueError:
        return None
    return max(microseconds, 0) / 1_000_000


def run_ffmpeg(command: Sequence[str], on_position: Callable[[float], None]) -> FfmpegRun:
    """Run an ffmpeg command that writes ``-progress`` to stdout.

    If ``on_position`` raises (a cancelled job, Ctrl-C), ffmpeg is killed and the
    exception propagates unchanged: cancelling is the caller's decision, not a media
    error.

    Args:
        command: Full argv, including ``-progress pipe:1``.
        on_position: Called with the output position in seconds as it advances.

    Returns:
        Exit status and stderr tail; a non-zero status is for the caller to judge.

    Raises:
        FfmpegError: If ffmpeg cannot be started.

    """
    logger.debug("running %s", list(command))
    try:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise FfmpegError("ffmpeg is not installed or cannot be started") from exc
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    with process:
        drain = threading.Thread(target=_drain, args=(process.stderr, tail), daemon=True)
        drain.start()
        try:
            _follow(process.stdout or (), on_position)
            returncode = process.wait()
        except BaseException:
            process.kill()
            raise
        finally:
            drain.join()
    return FfmpegRun(returncode=returncode, stderr_tail=tuple(tail))


def _follow(lines: Iterable[str], on_position: Callable[[float], None]) -> None:
    """Feed each progress position to the callback until ffmpeg closes stdout."""
    for line in lines:
        position = parse_progress_line(line)
        if position is not None:
            on_position(position)


def _drain(lines: Iterable[str] | None, tail: deque[str]) -> None:
    """Read stderr to its end, keeping the last lines."""
    for line in lines or ():
        tail.append(line.rstrip("\n"))
