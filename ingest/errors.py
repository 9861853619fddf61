"""Errors raised by the ingest package.

The CLI prints ``str(error)`` as its one-line message and the API stores it as a job's
failure reason, so every message says in plain words what is wrong with the *file*.
Messages never contain a filesystem path: on a server that path is an internal storage
location, not something to show a judge or a party. The path travels separately in
:attr:`IngestError.path` for callers (the CLI) that want to name the file.

Every class takes the same arguments (an optional message and a keyword-only path), so
errors survive pickling across process boundaries (worker to broker to API) unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

__all__ = [
    "EmptyMediaError",
    "FfmpegError",
    "IngestError",
    "MediaNotFoundError",
    "MediaTooLargeError",
    "MediaTooLongError",
    "NoAudioError",
    "NotMediaError",
    "OutputWriteError",
    "SilentMediaError",
    "TooManyChannelsError",
    "TruncatedMediaError",
    "UnreadableMediaError",
    "UnsupportedFormatError",
]

_MAX_MESSAGE_CHARS = 300


def _one_line(text: str) -> str:
    """Collapse whitespace so a message never breaks a log line or a CLI error line."""
    line = " ".join(text.split())
    if len(line) > _MAX_MESSAGE_CHARS:
        line = line[: _MAX_MESSAGE_CHARS - 1].rstrip() + "…"
    return line


class IngestError(Exception):
    """Base class of every error this package raises.

    Attributes:
        message: One line, safe to show to users.
        path: The file concerned, if known (never part of the message).

    """

    default_message: ClassVar[str] = "the file could not be ingested"

    def __init__(self, message: str | None = None, *, path: Path | None = None) -> None:
        self.message = _one_line(message or self.default_message)
        self.path = path
        super().__init__(self.message)


class MediaNotFoundError(IngestError):
    """The path does not exist (an upload went missing or the CLI got a typo)."""

    default_message = "the file does not exist"


class UnreadableMediaError(IngestError):
    """The file exists but the operating system refuses to read it."""

    default_message = "the file cannot be read"


class NotMediaError(IngestError):
    """Nothing in the file looks like audio or video (text, garbage, a directory)."""

    default_message = "the file is not an audio or video recording, or is too damaged to read"


class UnsupportedFormatError(IngestError):
    """The file is media ffmpeg recognises, but in a format this pipeline refuses.

    Playlists, concat lists and stream descriptions are refused because opening them
    makes ffmpeg read *other* files or the network; image formats because they carry
    no recording.
    """

    default_message = "the file format is not accepted"


class NoAudioError(IngestError):
    """The container holds no audio stream (for example a video without sound)."""

    default_message = "the file has no audio stream"


class EmptyMediaError(IngestError):
    """The file or its audio is empty or too short to transcribe."""

    default_message = "the file contains no audio"


class TruncatedMediaError(IngestError):
    """Less audio could be read than the file declares: an incomplete copy or upload.

    Transcribing the part that is there would produce a protocol that silently ends
    early, which is worse than asking for the complete file.
    """

    default_message = "the file is truncated or damaged"


class SilentMediaError(IngestError):
    """The audio is digital silence or nearly so (a dead microphone or muted input)."""

    default_message = "the recording is silent"


class MediaTooLargeError(IngestError):
    """The file is bigger than :attr:`MediaLimits.max_bytes`."""

    default_message = "the file is too large"


class MediaTooLongError(IngestError):
    """The recording lasts longer than :attr:`MediaLimits.max_duration_s`."""

    default_message = "the recording is too long"


class TooManyChannelsError(IngestError):
    """The audio stream has more channels than :attr:`MediaLimits.max_channels`."""

    default_message = "the recording has too many audio channels"


class OutputWriteError(IngestError):
    """The normalized audio could not be written (disk full, no permission).

    A separate class because the file is not at fault: a caller may retry later
    instead of telling the user their recording is bad.
    """

    default_message = "the decoded audio could not be saved"


class FfmpegError(IngestError):
    """ffmpeg or ffprobe failed for a reason not covered by a more specific error."""

    default_message = "the audio could not be decoded"
