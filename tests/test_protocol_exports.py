"""Unit tests of protocol exports: JSON round trip, txt, SRT and WebVTT."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, replace

import pytest

from protocol import (
    FORMATS,
    LOW_CONFIDENCE,
    OVERLAP,
    SCHEMA,
    PipelineInfo,
    Protocol,
    ProtocolError,
    RecordingInfo,
    Segment,
    Speaker,
    UnknownFormatError,
    Word,
    export,
    protocol_from_json,
)

KAZAKH = "әғқңөұүһі ӘҒҚҢӨҰҮҺІ"


def make_protocol(segments: tuple[Segment, ...] | None = None) -> Protocol:
    speakers = (
        Speaker("S1", "Judge", "judge", 1),
        Speaker("S2", "Witness 1", "witness", 2),
        Speaker("S3", "Speaker 3", None, None),
    )
    if segments is None:
        segments = (
            Segment(
                0.5,
                2.25,
                "S1",
                "ru",
                "Суд идёт, прошу встать.",
                (Word(0.5, 0.9, " Суд", 0.98), Word(0.9, 2.25, " идёт, прошу встать.", 0.91)),
                (),
            ),
            Segment(
                2.5,
                4.0,
                "S2",
                "kk",
                f"Мен {KAZAKH} түсіндім.",
                (Word(2.5, 4.0, f" Мен {KAZAKH} түсіндім.", 0.42),),
                (LOW_CONFIDENCE, OVERLAP),
            ),
            Segment(3661.001, 3662.5, "S3", "ru", "Без слов.", (), ()),
        )
    return Protocol(
        recording=RecordingInfo("0f" * 32, 3700.25, 2, "зал №3 сот.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "channels", ("kk", "ru")),
        speakers=speakers,
        segments=segments,
        created_at="2025-03-01T10:15:00Z",
    )


# --- a small strict parser for SubRip and WebVTT -------------------------------------------

SRT_TIME = r"(\d{2}):(\d{2}):(\d{2}),(\d{3})"
VTT_TIME = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
VTT_CHAR = r"(?:[^<>&\n]|&(?:amp|lt|gt);)"  # a bare & < > is not allowed in cue text
VOICE_CUE = rf"<v {VTT_CHAR}+>{VTT_CHAR}*"


@dataclass(frozen=True)
class Cue:
    index: str
    start_ms: int
    end_ms: int
    text: str


def to_ms(groups: tuple[str, ...]) -> int:
    hours, minutes, seconds, millis = (int(g) for g in groups)
    assert minutes < 60 and seconds < 60
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def parse_cues(body: str, time_pattern: str) -> list[Cue]:
    timing = re.compile(rf"^{time_pattern} --> {time_pattern}$")
    assert body.endswith("\n") and not body.endswith("\n\n"), "text ends with exactly one newline"
    cues = []
    for block in body.rstrip("\n").split("\n\n"):
        lines = block.split("\n")
        assert len(lines) == 3, f"cue must be index, timing, one text line: {lines!r}"
        index, times, text = lines
        match = timing.match(times)
        assert match, f"bad timing line {times!r}"
        start, end = to_ms(match.groups()[:4]), to_ms(match.groups()[4:])
        assert end > start, f"cue {index} does not end after it starts"
        assert text.strip(), "cue text is empty"
        cues.append(Cue(index, start, end, text))
    assert [c.index for c in cues] == [str(n) for n in range(1, len(cues) + 1)]
    starts = [c.start_ms for c in cues]
    assert starts == sorted(starts), "cues are not in time order"
    return cues


def parse_srt(text: str) -> list[Cue]:
    assert "\r" not in text
    return parse_cues(text, SRT_TIME)


def parse_vtt(text: str) -> list[Cue]:
    header, _, body = text.partition("\n\n")
    assert header == "WEBVTT"
    cues = parse_cues(body, VTT_TIME)
    for cue in cues:
        assert re.fullmatch(VOICE_CUE, cue.text), f"bad voice span {cue.text!r}"
        assert "-->" not in cue.text
    return cues


# --- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_is_exact() -> None:
    protocol = make_protocol()
    text = export(protocol, "json")
    assert protocol_from_json(text) == protocol
    assert export(protocol_from_json(text), "json") == text


def test_json_layout_and_key_order() -> None:
    text = export(make_protocol(), "json")
    data = json.loads(text)
    assert list(data) == ["schema", "recording", "pipeline", "created_at", "speakers", "segments"]
    assert data["schema"] == SCHEMA
    assert list(data["recording"]) == [
        "sha256",
        "duration",
        "channels",
        "source_name",
        "format_name",
    ]
    assert list(data["pipeline"]) == ["version", "asr_model", "diarizer", "languages"]
    assert data["speakers"][0] == {"id": "S1", "label": "Judge", "role": "judge", "channel": 1}
    assert data["speakers"][2] == {"id": "S3", "label": "Speaker 3", "role": None, "channel": None}
    segment = data["segments"][1]
    assert list(segment) == ["id", "start", "end", "speaker", "language", "text", "words", "flags"]
    assert [s["id"] for s in data["segments"]] == [1, 2, 3]
    assert segment["flags"] == [LOW_CONFIDENCE, OVERLAP]
    assert list(segment["words"][0]) == ["start", "end", "text", "probability"]
    assert text.startswith('{\n  "schema": ')  # indent 2


def test_json_keeps_kazakh_letters_unescaped() -> None:
    text = export(make_protocol(), "json")
    assert KAZAKH in text
    assert "\\u" not in text


def test_json_rounds_times_to_milliseconds() -> None:
    segment = Segment(1.23456, 2.0004, "S1", "ru", "x", (Word(1.23456, 2.0004, " x", 0.5),))
    data = json.loads(export(make_protocol((segment,)), "json"))
    assert (data["segments"][0]["start"], data["segments"][0]["end"]) == (1.235, 2.0)
    assert data["segments"][0]["words"][0]["start"] == 1.235


def test_json_with_nan_is_refused() -> None:
    segment = Segment(0.0, 1.0, "S1", "ru", "x", (Word(0.0, 1.0, " x", float("nan")),))
    with pytest.raises(ProtocolError, match="JSON"):
        export(make_protocol((segment,)), "json")


# --- txt ------------------------------------------------------------------------------------


def test_txt_header_and_lines() -> None:
    text = export(make_protocol(), "txt")
    header, _, body = text.partition("\n\n")
    assert "зал №3 сот.wav" in header
    assert "0f" * 32 in header
    assert "01:01:40.250" in header  # duration
    assert "whisper-base" in header
    assert "S1  Judge (role judge, channel 1)" in header
    assert "S2  Witness 1 (role witness, channel 2)" in header
    assert "S3  Speaker 3" in header
    lines = body.rstrip("\n").split("\n")
    assert lines == [
        "[00:00:00.500 – 00:00:02.250] Judge (ru): Суд идёт, прошу встать.",
        f"[00:00:02.500 – 00:00:04.000] Witness 1 (kk): Мен {KAZAKH} түсіндім."
        "  {low_confidence, overlap}",
        "[01:01:01.001 – 01:01:02.500] Speaker 3 (ru): Без слов.",
    ]


# --- SubRip ---------------------------------------------------------------------------------


def test_srt_is_valid_subrip() -> None:
    cues = parse_srt(export(make_protocol(), "srt"))
    assert [(c.start_ms, c.end_ms) for c in cues] == [
        (500, 2250),
        (2500, 4000),
        (3_661_001, 3_662_500),
    ]
    assert cues[0].text == "Judge: Суд идёт, прошу встать."
    assert cues[1].text == f"Witness 1: Мен {KAZAKH} түсіндім."


def test_zero_length_segment_still_ends_after_it_starts() -> None:
    segment = Segment(5.0, 5.0, "S1", "ru", "А?", (), ())
    for fmt, parse in (("srt", parse_srt), ("vtt", parse_vtt)):
        (cue,) = parse(export(make_protocol((segment,)), fmt))
        assert (cue.start_ms, cue.end_ms) == (5000, 5001)


def test_cues_are_sorted_and_multiline_text_stays_one_line() -> None:
    later = Segment(10.0, 12.0, "S1", "ru", "второй", (), ())
    earlier = Segment(1.0, 3.0, "S2", "ru", "первый\n\nабзац", (), ())
    protocol = make_protocol((later, earlier))
    for fmt, parse in (("srt", parse_srt), ("vtt", parse_vtt)):
        cues = parse(export(protocol, fmt))
        assert [c.start_ms for c in cues] == [1000, 10000]
        assert cues[0].text.endswith("первый абзац")


def test_long_segment_stays_one_cue() -> None:
    text = " ".join(["очень длинное показание свидетеля"] * 40)
    segment = Segment(0.0, 58.0, "S2", "ru", text, (), ())
    (cue,) = parse_srt(export(make_protocol((segment,)), "srt"))
    assert cue.text == f"Witness 1: {text}"
    assert (cue.start_ms, cue.end_ms) == (0, 58000)


# --- WebVTT ---------------------------------------------------------------------------------


def test_vtt_is_valid_webvtt_with_voice_spans() -> None:
    text = export(make_protocol(), "vtt")
    assert text.startswith("WEBVTT\n\n")
    cues = parse_vtt(text)
    assert [c.text for c in cues] == [
        "<v Judge>Суд идёт, прошу встать.",
        f"<v Witness 1>Мен {KAZAKH} түсіндім.",
        "<v Speaker 3>Без слов.",
    ]
    assert cues[2].start_ms == 3_661_001


def test_vtt_escapes_markup_characters() -> None:
    raw = "Истец <Иванов> & ответчик --> суд"
    segment = Segment(0.0, 2.0, "S1", "ru", raw, (), ())
    protocol = replace(make_protocol((segment,)), speakers=(Speaker("S1", "A<B>&C", None, None),))
    (cue,) = parse_vtt(export(protocol, "vtt"))
    assert cue.text == "<v A&lt;B&gt;&amp;C>Истец &lt;Иванов&gt; &amp; ответчик --&gt; суд"
    payload = cue.text.partition(">")[2]
    assert html.unescape(payload) == raw


# --- all formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_kazakh_letters_survive_every_format(fmt: str) -> None:
    text = export(make_protocol(), fmt)
    assert KAZAKH in text
    assert KAZAKH in text.encode("utf-8").decode("utf-8")


def test_formats_are_the_documented_four() -> None:
    assert FORMATS == ("json", "txt", "srt", "vtt")


@pytest.mark.parametrize("fmt", ["pdf", "JSON", "", "docx"])
def test_unknown_format_is_an_error(fmt: str) -> None:
    with pytest.raises(UnknownFormatError, match="unknown export format") as caught:
        export(make_protocol(), fmt)
    assert isinstance(caught.value, ProtocolError)


def test_empty_protocol_exports_cleanly() -> None:
    protocol = replace(make_protocol(()), speakers=())
    assert export(protocol, "srt") == ""
    assert export(protocol, "vtt") == "WEBVTT\n"
    assert protocol_from_json(export(protocol, "json")) == protocol
    assert export(protocol, "txt").endswith("Speakers:\n\n")
