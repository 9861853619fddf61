"""Decode a probed recording into the 16 kHz mono WAVs the rest of the pipeline reads.

Outputs are written into a hidden staging directory inside ``outdir`` and renamed into
place only after every check passed, channel files first and ``mix.wav`` last. So
``mix.wav`` existing means a complete, checked set, and any failure (a bad file, a full
disk, a cancelled job) leaves nothing new behind in ``outdir``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ingest.checks import SILENCE_DBFS, is_silent, is_truncated
from ingest.errors import (
    FfmpegError,
    IngestError,
    OutputWriteError,
    SilentMediaError,
    TruncatedMediaError,
    UnsupportedFormatError,
)
from ingest.formats import demuxer_of
from ingest.graph import SAMPLE_RATE, normalize_command
from ingest.models import MediaInfo, NormalizedAudio, ProgressHook
from ingest.runner import run_ffmpeg
from ingest.stderr import last_meaningful_line
from ingest.units import describe_dbfs, describe_seconds
from ingest.wavstats import WavStats, wav_stats

__all__ = ["MIX_NAME", "STEP", "channel_name", "normalize"]

logger = logging.getLogger(__name__)

STEP = "normalize"
MIX_NAME = "mix.wav"


def channel_name(number: int) -> str:
    """Return the file name of input channel ``number`` (1-based): ``ch1.wav``..."""
    return f"ch{number}.wav"


def normalize(
    path: Path, outdir: Path, info: MediaInfo, hook: ProgressHook | None = None
) -> NormalizedAudio:
    """Decode the first audio stream to ``mix.wav`` and, for 2+ channels, ``chN.wav``.

    Args:
        path: The recording, already accepted by :func:`ingest.probe`.
        outdir: Directory for the WAVs (created if missing).
        info: What :func:`ingest.probe` returned for ``path``.
        hook: Called as ``hook("normalize", seconds_decoded, info.duration)``,
            starting at 0 and ending at ``info.duration`` on success.

    Returns:
        Paths, decoded duration and mix peak level.

    Raises:
        TruncatedMediaError: Much less audio decodes than the file declares.
        SilentMediaError: The mix and every channel peak below -60 dBFS.
        FfmpegError: ffmpeg failed, or decoded nothing.
        UnsupportedFormatError: ``info`` names a container probe would refuse.
        OutputWriteError: ``outdir`` cannot be written.

    """
    path, outdir = Path(path), Path(outdir)
    demuxer = demuxer_of(info.format_name)
    if demuxer is None:
        raise UnsupportedFormatError(
            f"the file format '{info.format_name}' is not accepted", path=path
        )
    staging = _make_staging_dir(outdir)
    try:
        audio = _decode_and_check(path, staging, info, demuxer, _Progress(hook, info.duration))
        return _publish(audio, outdir)
    except IngestError as exc:
        if exc.path is None:
            exc.path = path
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _make_staging_dir(outdir: Path) -> Path:
    """Create ``outdir`` and a private staging directory inside it.

    Staging inside ``outdir`` keeps the final renames on one file system, where they
    are atomic.
    """
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".normalize-", dir=outdir))
    except OSError as exc:
        raise OutputWriteError(
            f"the decoded audio could not be saved: {exc.strerror or exc}"
        ) from exc


def _decode_and_check(
    path: Path, staging: Path, info: MediaInfo, demuxer: str, progress: _Progress
) -> NormalizedAudio:
    """Run ffmpeg into ``staging`` and apply the truncation and silence checks."""
    mix = staging / MIX_NAME
    channels = [staging / channel_name(n) for n in range(1, info.channels + 1)]
    if info.channels < 2:
        channels = []
    command = normalize_command(path, demuxer, info.channels, mix, channels)
    progress.start()
    run = run_ffmpeg(command, progress.advance)
    detail = last_meaningful_line(run.stderr_tail, path)
    if run.returncode != 0:
        logger.error("ffmpeg exited with %d on %s: %s", run.returncode, path.name, detail)
        raise FfmpegError(f"the audio could not be decoded: {detail or 'ffmpeg failed'}")
    stats = wav_stats(mix)
    _check_complete(stats, info, detail)
    _check_not_silent(stats, channels)
    progress.finish()
    logger.info(
        "normalized %s: %s decoded, %d channel files, peak %s",
        path.name,
        describe_seconds(stats.duration),
        len(channels),
        describe_dbfs(stats.peak_dbfs),
    )
    return NormalizedAudio(
        mix=mix,
        channels=tuple(channels),
        duration=stats.duration,
        sample_rate=SAMPLE_RATE,
        peak_dbfs=stats.peak_dbfs,
    )


def _check_complete(stats: WavStats, info: MediaInfo, detail: str) -> None:
    """Reject output that is empty or much shorter than the file declared."""
    suffix = f" ({detail})" if detail else ""
    if stats.frames == 0:
        raise FfmpegError(f"no audio could be decoded from the file{suffix}")
    if is_truncated(stats.duration, info.duration):
        raise TruncatedMediaError(
            f"the file is truncated or damaged: only {describe_seconds(stats.duration)} "
            f"of its {describe_seconds(info.duration)} could be decoded{suffix}"
        )


def _check_not_silent(mix: WavStats, channels: Sequence[Path]) -> None:
    """Reject a recording whose mix and channels all peak below the silence level.

    The mix averages the channels, so one quiet microphone among many active seats
    can sit under the threshold in the mix while being perfectly usable on its own
    channel. Only then are the channel files read (rare, so the common path reads
    the mix once).
    """
    if not is_silent(mix.peak_dbfs):
        return
    loudest = max((wav_stats(channel).peak_dbfs for channel in channels), default=mix.peak_dbfs)
    if not is_silent(loudest):
        logger.info(
            "mix peaks at %s but a channel reaches %s; accepted",
            describe_dbfs(mix.peak_dbfs),
            describe_dbfs(loudest),
        )
        return
    if loudest == float("-inf"):
        raise SilentMediaError("the recording is silent: it contains only digital silence")
    raise SilentMediaError(
        f"the recording is silent: its peak level {describe_dbfs(loudest)} is below "
        f"{describe_dbfs(SILENCE_DBFS)}"
    )


def _publish(staged: NormalizedAudio, outdir: Path) -> NormalizedAudio:
    """Rename staged files into ``outdir``, channels first and the mix last.

    If a rename fails, the files already moved are removed again so ``outdir`` never
    holds part of a set.
    """
    moves = [(source, outdir / source.name) for source in (*staged.channels, staged.mix)]
    done: list[Path] = []
    try:
        for source, target in moves:
            os.replace(source, target)
            done.append(target)
    except OSError as exc:
        for target in done:
            target.unlink(missing_ok=True)
        raise OutputWriteError(
            f"the decoded audio could not be saved: {exc.strerror or exc}"
        ) from exc
    return NormalizedAudio(
        mix=outdir / staged.mix.name,
        channels=tuple(outdir / channel.name for channel in staged.channels),
        duration=staged.duration,
        sample_rate=staged.sample_rate,
        peak_dbfs=staged.peak_dbfs,
    )


class _Progress:
    """Turns ffmpeg's output positions into monotonic ``hook`` calls.

    Positions are clamped to the declared duration (estimated MP3 durations can be a
    little short) and only strictly increasing values are reported, so a progress
    bar never jumps backwards or past 100 %.
    """

    def __init__(self, hook: ProgressHook | None, total: float) -> None:
        self._hook = hook
        self._total = total
        self._last = -1.0

    def start(self) -> None:
        """Report 0 before ffmpeg starts."""
        self.advance(0.0)

    def advance(self, seconds: float) -> None:
        """Report a new position if it moved forward."""
        value = min(max(seconds, 0.0), self._total)
        if self._hook is not None and value > self._last:
            self._last = value
            self._hook(STEP, value, self._total)

    def finish(self) -> None:
        """Report completion once all checks passed."""
        self.advance(self._total)
