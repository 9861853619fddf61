"""JSON form of a protocol (schema ``courtrec.protocol/1``).

The JSON is what storage keeps and what the API serves, so writing is
deterministic (fixed key order, times rounded to milliseconds, UTF-8 text
unescaped) and reading validates every field: a damaged or hand-edited file
must fail loudly with the path of the bad field rather than half-load.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from protocol.errors import ProtocolFormatError
from protocol.model import (
    SCHEMA,
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
)

__all__ = ["protocol_from_dict", "protocol_from_json", "protocol_to_dict", "protocol_to_json"]

logger = logging.getLogger(__name__)


def _time(seconds: float) -> float:
    """Round a time to milliseconds for output."""
    return float(round(seconds, 3))


def _word_to_dict(word: Word) -> dict[str, Any]:
    return {
        "start": _time(word.start),
        "end": _time(word.end),
        "text": word.text,
        "probability": float(word.probability),
    }


def _segment_to_dict(number: int, segment: Segment) -> dict[str, Any]:
    return {
        "id": number,
        "start": _time(segment.start),
        "end": _time(segment.end),
        "speaker": segment.speaker,
        "language": segment.language,
        "text": segment.text,
        "words": [_word_to_dict(w) for w in segment.words],
        "flags": list(segment.flags),
    }


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """Convert a protocol to plain JSON-compatible data.

    Args:
        protocol: The protocol.

    Returns:
        Nested dicts and lists in schema key order; segment ids are 1-based
        positions.

    """
    recording, pipeline = protocol.recording, protocol.pipeline
    return {
        "schema": protocol.schema,
        "recording": {
            "sha256": recording.sha256,
            "duration": _time(recording.duration),
            "channels": recording.channels,
            "source_name": recording.source_name,
            "format_name": recording.format_name,
        },
        "pipeline": {
            "version": pipeline.version,
            "asr_model": pipeline.asr_model,
            "diarizer": pipeline.diarizer,
            "languages": list(pipeline.languages),
        },
        "created_at": protocol.created_at,
        "speakers": [
            {"id": s.id, "label": s.label, "role": s.role, "channel": s.channel}
            for s in protocol.speakers
        ],
        "segments": [_segment_to_dict(n, s) for n, s in enumerate(protocol.segments, start=1)],
    }


def protocol_to_json(protocol: Protocol) -> str:
    """Serialize a protocol to indented UTF-8 JSON.

    Args:
        protocol: The protocol.

    Returns:
        JSON text ending with a newline.

    Raises:
        ProtocolFormatError: The protocol holds a NaN or infinite number, which
            JSON cannot represent.

    """
    try:
        text = json.dumps(protocol_to_dict(protocol), ensure_ascii=False, indent=2, allow_nan=False)
    except ValueError as exc:
        raise ProtocolFormatError(f"protocol cannot be written as JSON: {exc}") from exc
    return text + "\n"


# Reading: small validators that name the path of the offending field.


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolFormatError(f"{path}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolFormatError(f"{path}: expected a list, got {type(value).__name__}")
    return value


def _field(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise ProtocolFormatError(f"{path}: missing required field {key!r}")
    return data[key]


def _str(data: Mapping[str, Any], key: str, path: str) -> str:
    value = _field(data, key, path)
    if not isinstance(value, str):
        raise ProtocolFormatError(f"{path}.{key}: expected a string, got {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str, path: str) -> str | None:
    return None if _field(data, key, path) is None else _str(data, key, path)


def _int(data: Mapping[str, Any], key: str, path: str) -> int:
    value = _field(data, key, path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolFormatError(f"{path}.{key}: expected an integer, got {value!r}")
    return value


def _opt_int(data: Mapping[str, Any], key: str, path: str) -> int | None:
    return None if _field(data, key, path) is None else _int(data, key, path)


def _number(data: Mapping[str, Any], key: str, path: str) -> float:
    value = _field(data, key, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolFormatError(f"{path}.{key}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ProtocolFormatError(f"{path}.{key}: expected a finite number, got {value!r}")
    return float(value)


def _strings(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    items = _list(_field(data, key, path), f"{path}.{key}")
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise ProtocolFormatError(f"{path}.{key}[{position}]: expected a string")
    return tuple(items)


def _recording(data: Mapping[str, Any]) -> RecordingInfo:
    path = "recording"
    data = _object(data, path)
    return RecordingInfo(
        sha256=_str(data, "sha256", path),
        duration=_number(data, "duration", path),
        channels=_int(data, "channels", path),
        source_name=_str(data, "source_name", path),
        format_name=_str(data, "format_name", path),
    )


def _pipeline(data: Mapping[str, Any]) -> PipelineInfo:
    path = "pipeline"
    data = _object(data, path)
    return PipelineInfo(
        version=_str(data, "version", path),
        asr_model=_str(data, "asr_model", path),
        diarizer=_str(data, "diarizer", path),
        languages=_strings(data, "languages", path),
    )


def _speaker(value: Any, path: str) -> Speaker:
    data = _object(value, path)
    return Speaker(
        id=_str(data, "id", path),
        label=_str(data, "label", path),
        role=_opt_str(data, "role", path),
        channel=_opt_int(data, "channel", path),
    )


def _word(value: Any, path: str) -> Word:
    data = _object(value, path)
    return Word(
        start=_number(data, "start", path),
        end=_number(data, "end", path),
        text=_str(data, "text", path),
        probability=_number(data, "probability", path),
    )


def _segment(value: Any, path: str, number: int, speaker_ids: set[str]) -> Segment:
    data = _object(value, path)
    if _int(data, "id", path) != number:
        raise ProtocolFormatError(f"{path}.id: expected {number} (ids are 1..N in order)")
    start, end = _number(data, "start", path), _number(data, "end", path)
    if start < 0 or end < start:
        raise ProtocolFormatError(f"{path}: bad time span {start}..{end}")
    speaker = _str(data, "speaker", path)
    if speaker not in speaker_ids:
        raise ProtocolFormatError(f"{path}.speaker: {speaker!r} is not a listed speaker")
    words = _list(_field(data, "words", path), f"{path}.words")
    return Segment(
        start=start,
        end=end,
        speaker=speaker,
        language=_str(data, "language", path),
        text=_str(data, "text", path),
        words=tuple(_word(w, f"{path}.words[{i}]") for i, w in enumerate(words)),
        flags=_strings(data, "flags", path),
    )


def _created_at(data: Mapping[str, Any]) -> str:
    value = _str(data, "created_at", "protocol")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProtocolFormatError(f"protocol.created_at: not an ISO 8601 time: {value!r}") from exc
    return value


def protocol_from_dict(data: Any) -> Protocol:
    """Build a protocol from parsed JSON data, validating it.

    Unknown extra fields are ignored so that files from a compatible later
    writer still load; unknown flags are kept.

    Args:
        data: Parsed JSON (normally a dict).

    Returns:
        The protocol.

    Raises:
        ProtocolFormatError: The schema is not ``courtrec.protocol/1`` or a field is
            missing, of the wrong type or inconsistent.

    """
    root = _object(data, "protocol")
    schema = _str(root, "schema", "protocol")
    if schema != SCHEMA:
        raise ProtocolFormatError(f"protocol.schema: expected {SCHEMA!r}, got {schema!r}")
    raw_speakers = _list(_field(root, "speakers", "protocol"), "speakers")
    speakers = tuple(_speaker(s, f"speakers[{i}]") for i, s in enumerate(raw_speakers))
    speaker_ids = {s.id for s in speakers}
    if len(speaker_ids) != len(speakers):
        raise ProtocolFormatError("speakers: speaker ids are not unique")
    raw_segments = _list(_field(root, "segments", "protocol"), "segments")
    segments = tuple(
        _segment(s, f"segments[{i}]", i + 1, speaker_ids) for i, s in enumerate(raw_segments)
    )
    return Protocol(
        recording=_recording(_field(root, "recording", "protocol")),
        pipeline=_pipeline(_field(root, "pipeline", "protocol")),
        speakers=speakers,
        segments=segments,
        created_at=_created_at(root),
        schema=schema,
    )


def protocol_from_json(text: str | bytes) -> Protocol:
    """Parse and validate protocol JSON.

    Args:
        text: JSON text (or UTF-8 bytes) as written by :func:`protocol_to_json`.

    Returns:
        The protocol; equal to the one written when its times were already
        rounded to milliseconds (as :func:`protocol.merge` produces them).

    Raises:
        ProtocolFormatError: The text is not JSON or does not match the schema.

    """
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ProtocolFormatError(f"protocol is not valid JSON: {exc}") from exc
    return protocol_from_dict(data)
