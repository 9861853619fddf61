"""Ingest: accept or reject a recording, hash it, and decode it to 16 kHz mono WAVs.

Typical use::

    info = probe(path)                       # cheap; raises IngestError for bad files
    audio = normalize(path, workdir, info)   # mix.wav (+ ch1.wav..chN.wav)
    digest = sha256_file(path)

Every failure is an :class:`IngestError` whose message is one line describing what is
wrong with the file, fit to show to the person who uploaded it.
"""

from ingest.errors import (
    EmptyMediaError,
    FfmpegError,
    IngestError,
    MediaNotFoundError,
    MediaTooLargeError,
    MediaTooLongError,
    NoAudioError,
    NotMediaError,
    OutputWriteError,
    SilentMediaError,
    TooManyChannelsError,
    TruncatedMediaError,
    UnreadableMediaError,
    UnsupportedFormatError,
)
from ingest.formats import ACCEPTED_DEMUXERS
from ingest.hashing import sha256_file
from ingest.models import MediaInfo, MediaLimits, NormalizedAudio, ProgressHook
from ingest.normalizing import MIX_NAME, normalize
from ingest.probing import probe

__all__ = [
    "ACCEPTED_DEMUXERS",
    "MIX_NAME",
    "EmptyMediaError",
    "FfmpegError",
    "IngestError",
    "MediaInfo",
    "MediaLimits",
    "MediaNotFoundError",
    "MediaTooLargeError",
    "MediaTooLongError",
    "NoAudioError",
    "NormalizedAudio",
    "NotMediaError",
    "OutputWriteError",
    "ProgressHook",
    "SilentMediaError",
    "TooManyChannelsError",
    "TruncatedMediaError",
    "UnreadableMediaError",
    "UnsupportedFormatError",
    "normalize",
    "probe",
    "sha256_file",
]
