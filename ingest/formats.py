"""Which containers ffmpeg may open, and how refusals are worded.

Recordings are untrusted uploads. Some ffmpeg demuxers do not read media from the file
at all but follow it: ``concat`` and ``hls`` open the files a list names, ``sdp`` and
``rtp`` open network sockets, ``image2`` expands file-name patterns. A crafted upload
using them could make the server read its own files into a "transcript". So ffmpeg is
told twice what it may do: ``protocol_whitelist=file`` (no network, no nested
protocols) and ``format_whitelist`` with the demuxers below. With the format allow-list
ffmpeg refuses a file *before* a disallowed demuxer reads its header, so a playlist is
never followed, not even to report an error about its entries.
"""

from __future__ import annotations

from ingest.errors import IngestError, NotMediaError, UnsupportedFormatError

__all__ = [
    "ACCEPTED_DEMUXERS",
    "PROTOCOL_WHITELIST",
    "demuxer_of",
    "demuxer_whitelist",
    "rejected_format_error",
]

PROTOCOL_WHITELIST = "file"

ACCEPTED_DEMUXERS: frozenset[str] = frozenset(
    {
        # Uncompressed and lossless audio.
        "wav",  # also RF64/BW64
        "w64",
        "aiff",
        "caf",
        "au",
        "flac",
        "wv",
        "ape",
        # Compressed audio, raw streams.
        "mp3",
        "aac",  # ADTS
        "ac3",
        "eac3",
        "amr",
        "amrnb",
        "amrwb",
        # Containers of audio and video (names as ffmpeg spells its demuxers).
        "ogg",  # Vorbis, Opus, FLAC in Ogg
        "mov",  # mov, mp4, m4a, 3gp, 3g2, mj2
        "matroska",  # mkv, mka, webm
        "asf",  # wma, wmv
        "avi",
        "flv",
        "mpeg",  # MPEG program stream (.mpg, .vob)
        "mpegts",  # camcorders (.ts, .mts, .m2ts)
    }
)

# Demuxers that read text: refused as "not a recording" rather than "unsupported".
_TEXT_DEMUXERS = frozenset(
    {
        "tty",
        "srt",
        "webvtt",
        "ass",
        "subviewer",
        "subviewer1",
        "microdvd",
        "mpl2",
        "mpsub",
        "jacosub",
        "lrc",
        "pjs",
        "realtext",
        "sami",
        "stl",
        "vplayer",
        "aqtitle",
        "scc",
        "ffmetadata",
    }
)

# Demuxers that point elsewhere instead of holding media.
_INDIRECT_DEMUXERS = frozenset(
    {
        "concat",
        "hls",
        "applehttp",
        "dash",
        "hds",
        "sdp",
        "rtp",
        "rtsp",
        "lavfi",
        "imf",
    }
)


def demuxer_whitelist() -> str:
    """Return the allow-list in the comma-separated form ffmpeg options expect."""
    return ",".join(sorted(ACCEPTED_DEMUXERS))


def demuxer_of(format_name: str) -> str | None:
    """Return the accepted demuxer named in an ffprobe ``format_name``, if any.

    ffprobe reports some demuxers under several names (``"matroska,webm"``); the
    first accepted one is what ``-f`` needs to force the same demuxer later.

    Args:
        format_name: ffprobe's ``format.format_name``.

    Returns:
        A member of :data:`ACCEPTED_DEMUXERS`, or ``None`` when none matches.

    """
    for name in format_name.split(","):
        if name.strip() in ACCEPTED_DEMUXERS:
            return name.strip()
    return None


def rejected_format_error(name: str) -> IngestError:
    """Return the error for a file ffmpeg recognised as a refused format.

    Args:
        name: The demuxer ffmpeg picked, or ``""`` when it could not be told.

    Returns:
        :class:`NotMediaError` for text formats, else :class:`UnsupportedFormatError`.

    """
    if name in _TEXT_DEMUXERS or name.startswith("tty"):
        return NotMediaError("the file is text, not an audio or video recording")
    if name.startswith("image2") or name.endswith("_pipe"):
        return UnsupportedFormatError("the file is an image, not a recording")
    if name in _INDIRECT_DEMUXERS or name.startswith(("rtp", "rtsp")):
        return UnsupportedFormatError(
            f"the file is a playlist, list or stream description ('{name}'), "
            "not a recording: upload the recording itself"
        )
    if name:
        return UnsupportedFormatError(f"the file format '{name}' is not accepted")
    return UnsupportedFormatError()
