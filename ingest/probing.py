"""Decide whether a file is a recording this pipeline accepts, before decoding it.

Checks run cheapest first: the file system (exists, regular file, readable, size) before
ffprobe starts, ffprobe's report next, and the WAV header last. A rejected file costs
milliseconds and its error names the first thing wrong with it.

The audio stream used is the *first* one in the file, the same one
:func:`ingest.normalize` decodes. Recorders that write several audio streams put the
main one first (camcorders: the stereo track; OBS-style captures: the mix); extra
streams are logged and ignored.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.checks import is_truncated
from ingest.errors import (
    EmptyMediaError,
    MediaNotFoundError,
    MediaTooLargeError,
    MediaTooLongError,
    NoAudioError,
    NotMediaError,
    TooManyChannelsError,
    TruncatedMediaError,
    UnreadableMediaError,
    UnsupportedFormatError,
)
from ingest.ffprobe import run_ffprobe
from ingest.formats import demuxer_of
from ingest.models import MediaInfo, MediaLimits
from ingest.riff import read_wav_header
from ingest.units import describe_bytes, describe_seconds

__all__ = ["probe"]

logger = logging.getLogger(__name__)

Stream = Mapping[str, Any]

_DEFAULT_LIMITS = MediaLimits()  # frozen, so one shared default is safe


def probe(path: Path, limits: MediaLimits = _DEFAULT_LIMITS) -> MediaInfo:
    """Inspect a recording and check it against the limits.

    Args:
        path: The recording.
        limits: Size, duration and channel limits.

    Returns:
        What the file declares about its container and first audio stream.

    Raises:
        MediaNotFoundError: The path does not exist.
        UnreadableMediaError: The file cannot be read.
        NotMediaError: Not a regular file, or nothing in it is media.
        EmptyMediaError: 0 bytes, or audio shorter than ``limits.min_duration_s``.
        MediaTooLargeError: Bigger than ``limits.max_bytes`` (checked before ffprobe).
        UnsupportedFormatError: A refused container (playlist, image, ...).
        NoAudioError: No audio stream.
        TooManyChannelsError: More channels than ``limits.max_channels``.
        TruncatedMediaError: The header declares much more audio than the file holds.
        MediaTooLongError: Longer than ``limits.max_duration_s``.
        FfmpegError: ffprobe is missing, hangs or misbehaves.

    """
    path = Path(path)
    size = _checked_size(path, limits)
    document = run_ffprobe(path)
    info = _media_info(path, size, document)
    if demuxer_of(info.format_name) == "wav":
        _check_wav_header(path, info.duration)
    _check_limits(path, info, limits)
    logger.info(
        "probed %s: %s, %s, %s, %d ch, %d Hz%s",
        path.name,
        info.format_name,
        info.codec,
        describe_seconds(info.duration),
        info.channels,
        info.sample_rate,
        ", with video" if info.has_video else "",
    )
    return info


def _checked_size(path: Path, limits: MediaLimits) -> int:
    """Return the file size after the file-system checks that need no ffprobe."""
    try:
        stat = path.stat()
        if not path.is_file():
            raise NotMediaError("the path is not a regular file", path=path)
        with path.open("rb") as stream:
            stream.read(1)
    except FileNotFoundError as exc:
        raise MediaNotFoundError(path=path) from exc
    except OSError as exc:
        raise UnreadableMediaError(
            f"the file cannot be read: {exc.strerror or exc}", path=path
        ) from exc
    if stat.st_size == 0:
        raise EmptyMediaError("the file is empty (0 bytes)", path=path)
    if stat.st_size > limits.max_bytes:
        raise MediaTooLargeError(
            f"the file is too large: {describe_bytes(stat.st_size)} exceeds the "
            f"{describe_bytes(limits.max_bytes)} limit",
            path=path,
        )
    return stat.st_size


def _media_info(path: Path, size: int, document: Mapping[str, Any]) -> MediaInfo:
    """Build :class:`MediaInfo` from ffprobe's JSON, rejecting what cannot be used."""
    container = document.get("format") or {}
    format_name = str(container.get("format_name") or "")
    if demuxer_of(format_name) is None:
        # ffprobe's own allow-list already refused it; this guards the guard.
        raise UnsupportedFormatError(f"the file format '{format_name}' is not accepted", path=path)
    streams = [s for s in document.get("streams") or [] if isinstance(s, Mapping)]
    audio = _first_audio_stream(path, streams)
    channels = _positive_int(audio.get("channels"))
    sample_rate = _positive_int(audio.get("sample_rate"))
    codec = str(audio.get("codec_name") or "")
    if not (channels and sample_rate and codec):
        # Typical of garbage that a demuxer accepted on its file extension alone.
        raise NotMediaError(path=path)
    duration = _declared_duration(path, audio, container)
    return MediaInfo(
        path=path,
        format_name=format_name,
        duration=duration,
        size_bytes=size,
        channels=channels,
        sample_rate=sample_rate,
        codec=codec,
        has_video=any(_is_real_video(s) for s in streams),
    )


def _declared_duration(path: Path, audio: Stream, container: Stream) -> float:
    """Return the audio stream's duration, else the container's.

    The audio stream's own figure comes first because a video track can outlast the
    sound; Matroska and some raw streams state a duration only for the container.
    """
    values = [_finite_float(audio.get("duration")), _finite_float(container.get("duration"))]
    for value in values:
        if value is not None and value > 0:
            return value
    if any(value is not None for value in values):
        raise EmptyMediaError("the recording contains no audio (its duration is 0 s)", path=path)
    raise NotMediaError("the file does not declare how long its audio is", path=path)


def _first_audio_stream(path: Path, streams: list[Stream]) -> Stream:
    """Return the first audio stream; log the ones that will be ignored."""
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        message = (
            "the video has no audio track"
            if any(_is_real_video(s) for s in streams)
            else "the file has no audio stream"
        )
        raise NoAudioError(message, path=path)
    if len(audio) > 1:
        logger.warning(
            "%s has %d audio streams; only the first (index %s) is used",
            path.name,
            len(audio),
            audio[0].get("index"),
        )
    return audio[0]


def _is_real_video(stream: Stream) -> bool:
    """Return whether a stream is picture content rather than embedded cover art."""
    disposition = stream.get("disposition") or {}
    return stream.get("codec_type") == "video" and not disposition.get("attached_pic")


def _check_wav_header(path: Path, present_s: float) -> None:
    """Reject a WAV whose header declares much more audio than the file holds."""
    try:
        header = read_wav_header(path)
    except OSError as exc:
        raise UnreadableMediaError(
            f"the file cannot be read: {exc.strerror or exc}", path=path
        ) from exc
    if header is not None and is_truncated(present_s, header.declared_seconds):
        raise TruncatedMediaError(
            f"the file is truncated: its header declares "
            f"{describe_seconds(header.declared_seconds)} of audio but the file holds "
            f"only {describe_seconds(present_s)}",
            path=path,
        )


def _check_limits(path: Path, info: MediaInfo, limits: MediaLimits) -> None:
    """Apply the channel and duration limits."""
    if info.channels > limits.max_channels:
        raise TooManyChannelsError(
            f"the recording has {info.channels} audio channels; "
            f"at most {limits.max_channels} are supported",
            path=path,
        )
    if info.duration < limits.min_duration_s:
        raise EmptyMediaError(
            f"the recording is too short: {describe_seconds(info.duration)} "
            f"(at least {describe_seconds(limits.min_duration_s)} is needed)",
            path=path,
        )
    if info.duration > limits.max_duration_s:
        raise MediaTooLongError(
            f"the recording is too long: {describe_seconds(info.duration)} exceeds the "
            f"{describe_seconds(limits.max_duration_s)} limit",
            path=path,
        )


def _positive_int(value: object) -> int | None:
    """Parse an ffprobe integer field (ints or numeric strings); None unless > 0."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


def _finite_float(value: object) -> float | None:
    """Parse an ffprobe duration (``"12.34"``, ``"N/A"`` or absent); None unless finite."""
    if value is None:
        return None
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None
