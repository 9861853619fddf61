"""Render a protocol as JSON, plain text, SubRip or WebVTT.

JSON is the full record; the text export is for reading and printing; SRT and
VTT let a reviewer play the recording with the protocol as captions. Every
format is a ``str`` (UTF-8 when written) so Kazakh letters pass unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from protocol.codec import protocol_to_json
from protocol.errors import UnknownFormatError
from protocol.model import Protocol, Segment, normalize_text
from protocol.timecode import format_milliseconds, format_timestamp, to_milliseconds

__all__ = ["FORMATS", "MEDIA_TYPES", "export", "export_srt", "export_txt", "export_vtt"]

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("json", "txt", "srt", "vtt")
"""Formats :func:`export` writes; also the file extensions to use."""

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}
"""HTTP media type of each format, for whoever serves the exports."""


def _labels(protocol: Protocol) -> dict[str, str]:
    return {speaker.id: speaker.label for speaker in protocol.speakers}


def _cue_span(segment: Segment) -> tuple[int, int]:
    """Cue times in milliseconds; players drop cues that do not end after they start."""
    start = to_milliseconds(segment.start)
    return start, max(to_milliseconds(segment.end), start + 1)


def _cue_order(protocol: Protocol) -> list[Segment]:
    """Segments in time order: subtitle players expect cues sorted by start."""
    return sorted(protocol.segments, key=lambda s: (s.start, s.end))


def _txt_header(protocol: Protocol) -> list[str]:
    recording, pipeline = protocol.recording, protocol.pipeline
    lines = [
        "Court hearing protocol",
        f"Source: {recording.source_name} ({recording.format_name}, "
        f"{recording.channels} channel{'s' if recording.channels != 1 else ''})",
        f"SHA-256: {recording.sha256}",
        f"Duration: {format_timestamp(recording.duration)}",
        f"Model: {pipeline.asr_model} (pipeline {pipeline.version}, diarizer {pipeline.diarizer})",
        f"Languages: {', '.join(pipeline.languages) or '-'}",
        f"Created: {protocol.created_at}",
        "Speakers:",
    ]
    for speaker in protocol.speakers:
        details = []
        if speaker.role is not None:
            details.append(f"role {speaker.role}")
        if speaker.channel is not None:
            details.append(f"channel {speaker.channel}")
        suffix = f" ({', '.join(details)})" if details else ""
        lines.append(f"  {speaker.id}  {speaker.label}{suffix}")
    return lines


def export_txt(protocol: Protocol) -> str:
    """Render a readable plain-text protocol.

    Args:
        protocol: The protocol.

    Returns:
        A header describing recording, model and speakers, a blank line, then
        one line per segment:
        ``[00:01:02.345 – 00:01:05.000] Judge (ru): text  {flag, flag}``.

    """
    labels = _labels(protocol)
    lines = [*_txt_header(protocol), ""]
    for segment in protocol.segments:
        span = f"[{format_timestamp(segment.start)} – {format_timestamp(segment.end)}]"
        who = labels.get(segment.speaker, segment.speaker)
        flags = f"  {{{', '.join(segment.flags)}}}" if segment.flags else ""
        lines.append(f"{span} {who} ({segment.language}): {normalize_text(segment.text)}{flags}")
    return "\n".join(lines) + "\n"


def export_srt(protocol: Protocol) -> str:
    """Render SubRip subtitles, one cue per segment, prefixed with the speaker.

    Args:
        protocol: The protocol.

    Returns:
        SRT text; each cue is ``index``, ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` and one
        text line, cues separated by a blank line.

    """
    labels = _labels(protocol)
    cues = []
    for number, segment in enumerate(_cue_order(protocol), start=1):
        start, end = _cue_span(segment)
        timing = f"{format_milliseconds(start, ',')} --> {format_milliseconds(end, ',')}"
        who = labels.get(segment.speaker, segment.speaker)
        cues.append(f"{number}\n{timing}\n{who}: {normalize_text(segment.text)}\n")
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    """Escape the characters WebVTT cue text reserves (this also defuses ``-->``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def export_vtt(protocol: Protocol) -> str:
    """Render WebVTT captions with voice spans naming the speaker.

    Args:
        protocol: The protocol.

    Returns:
        VTT text starting with ``WEBVTT``; cues ``HH:MM:SS.mmm --> HH:MM:SS.mmm``
        with payload ``<v Judge>text``.

    """
    labels = _labels(protocol)
    blocks = ["WEBVTT\n"]
    for number, segment in enumerate(_cue_order(protocol), start=1):
        start, end = _cue_span(segment)
        timing = f"{format_milliseconds(start)} --> {format_milliseconds(end)}"
        who = _vtt_escape(normalize_text(labels.get(segment.speaker, segment.speaker)))
        text = _vtt_escape(normalize_text(segment.text))
        blocks.append(f"{number}\n{timing}\n<v {who}>{text}\n")
    return "\n".join(blocks)


_RENDERERS: dict[str, Callable[[Protocol], str]] = {
    "json": protocol_to_json,
    "txt": export_txt,
    "srt": export_srt,
    "vtt": export_vtt,
}


def export(protocol: Protocol, fmt: str) -> str:
    """Render a protocol in one of :data:`FORMATS`.

    Args:
        protocol: The protocol.
        fmt: ``"json"``, ``"txt"``, ``"srt"`` or ``"vtt"``.

    Returns:
        The rendered text.

    Raises:
        UnknownFormatError: ``fmt`` is not one of :data:`FORMATS`.
        ProtocolFormatError: JSON was asked for and the protocol holds NaN/inf.

    """
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UnknownFormatError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    return renderer(protocol)
