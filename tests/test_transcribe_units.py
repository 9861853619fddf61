"""Pure logic of the transcription engine: window planning, language choice, guards."""

from __future__ import annotations

import itertools

import pytest

from transcribe.chunking import Span, plan_windows, single_windows, split_at
from transcribe.guards import clamp_words_to_speech, looks_looping
from transcribe.language import choose_language, restricted, vote
from transcribe.models import ModelNotFoundError, resolve_model
from transcribe.types import AsrWord


def test_split_at_cuts_inside_spans_only():
    spans = [Span(0, 4), Span(5, 6)]
    assert split_at(spans, [2.0, 4.5, 5.5]) == [Span(0, 2), Span(2, 4), Span(5, 5.5), Span(5.5, 6)]


def test_windows_pack_across_speaker_changes_with_units():
    speech = [Span(0, 4), Span(4.5, 8), Span(8.5, 12)]
    windows = plan_windows(speech, cuts=[4.2], max_s=28, pad_s=0)
    assert len(windows) == 1
    assert windows[0].span == Span(0, 12)
    assert windows[0].units == (Span(0, 4), Span(4.5, 12))


def test_windows_respect_max_length_and_long_pauses():
    speech = [Span(i * 5, i * 5 + 4) for i in range(10)]  # 50 s of 4 s phrases
    windows = plan_windows(speech, max_s=20, split_gap_s=2.0, pad_s=0)
    assert all(w.span.duration <= 20 for w in windows)
    assert [w.span.start for w in windows] == [0, 20, 40]
    paused = plan_windows([Span(0, 3), Span(6, 9)], split_gap_s=2.0, pad_s=0)
    assert len(paused) == 2


def test_long_speech_is_split_and_padding_stays_between_neighbours():
    windows = plan_windows([Span(0, 70)], max_s=28, pad_s=0.5, duration=70)
    assert len(windows) == 3 and all(w.span.duration <= 28 + 1e-9 for w in windows)
    spans = [w.span for w in windows]
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert spans[0].start == 0 and spans[-1].end == 70


def test_single_windows_keep_the_unit():
    windows = single_windows([Span(1, 2), Span(2.1, 3)], pad_s=0.2, duration=3)
    assert [w.units for w in windows] == [(Span(1, 2),), (Span(2.1, 3),)]
    assert windows[0].span.end <= windows[1].span.start


def test_language_restricted_to_declared_set():
    probs = [("<|tt|>", 0.5), ("<|kk|>", 0.3), ("<|ru|>", 0.1), ("<|en|>", 0.1)]
    choice = choose_language(probs, ("kk", "ru"))
    assert choice.code == "kk" and choice.probability == pytest.approx(0.75)
    assert choose_language(probs, None).code == "tt"
    assert restricted(probs, ("ru",)) == {"ru": 1.0}


def test_vote_weights_units_by_duration():
    voted = vote([(10.0, {"ru": 0.9, "kk": 0.1}), (2.0, {"ru": 0.0, "kk": 1.0})])
    assert voted.code == "ru" and voted.probability == pytest.approx((9 + 0) / 12)


def test_first_word_after_silence_is_pulled_onto_speech():
    speech = [Span(0.0, 1.0), Span(5.0, 6.0)]
    words = (AsrWord(0.2, 0.8, " один", 0.9), AsrWord(2.0, 5.6, " два", 0.8))
    clamped = clamp_words_to_speech(words, speech)
    assert clamped[0] == words[0]
    assert (clamped[1].start, clamped[1].end) == (5.0, 5.6)


def test_word_outside_speech_is_left_alone():
    word = AsrWord(2.0, 2.8, " x", 0.5)
    assert clamp_words_to_speech((word,), [Span(0, 1)]) == (word,)


def test_word_stretched_over_silence_keeps_its_end():
    word = AsrWord(10.4, 26.7, " let's", 0.5)
    (fixed,) = clamp_words_to_speech((word,), [Span(9.6, 10.2), Span(26.74, 27.8)])
    assert (fixed.start, fixed.end) == (26.2, 26.7)


@pytest.mark.parametrize(
    ("text", "loops"),
    [
        ("сет сет сет сет сет", True),
        ("а я, я, я, я, я, я", True),
        ("пи-пи-пи-пи-пи-пи", True),
        ("сот отырысы ашық деп жариялаймын", False),
        ("да, да, нет", False),
    ],
)
def test_loop_detection(text, loops):
    assert looks_looping(text) is loops


def test_unknown_model_name_is_not_downloaded(tmp_path):
    with pytest.raises(ModelNotFoundError, match="not available offline"):
        resolve_model("large-v3-nonexistent", tmp_path)


def test_directory_without_model_bin_is_rejected(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"model\.bin"):
        resolve_model(str(tmp_path), tmp_path)


def test_loop_is_cut_after_first_instance_and_flagged():
    from transcribe.guards import cut_loops, loop_start
    from transcribe.types import TranscriptSegment

    assert loop_start(["сот", "сет", "сет", "сет", "сет", "сет"]) == 2
    assert loop_start(["мен", "сотқа", "шындықты", "айтамын"]) is None
    clause = ["сутимаших", "искомых", "треба", "мани,", "паща"]
    assert loop_start(["Истинец,", *clause, *clause, *clause]) == 6
    assert loop_start(["Истинец,", *clause, *clause]) is None  # said twice: kept
    words = tuple(
        AsrWord(i * 0.5, i * 0.5 + 0.4, t, 0.9)
        for i, t in enumerate([" Прошу", " суд,", " я,", " я,", " я,", " я,", " я"])
    )
    seg = TranscriptSegment(
        0, 3.5, "".join(w.text for w in words).strip(), "ru", 0.9, words, -0.5, 0.1, 3.0
    )
    (cut,) = cut_loops([seg])
    assert cut.text == "Прошу суд, я," and cut.end == 1.4
    assert "repetition" in cut.flags
    clean = TranscriptSegment(0, 1, "Прошу суд", "ru", 0.9, words[:2], -0.5, 0.1, 1.1)
    assert cut_loops([clean]) == [clean]


def test_redo_pieces_are_packed_per_language_and_mapped_back():
    import numpy as np

    from transcribe.redo import JOIN_GAP_S, RedoPiece, assemble
    from transcribe.timeline import map_back
    from transcribe.types import TranscriptSegment

    audio = np.arange(16000 * 60, dtype=np.float32)
    pieces = [
        RedoPiece(Span(10, 12), "kk", 0.9),
        RedoPiece(Span(30, 33), "ru", 0.8),
        RedoPiece(Span(40, 41), "kk", 0.7),
    ]
    joined = assemble(audio, pieces, max_s=28)
    assert [p.language for p in joined.languages] == ["kk", "ru"]
    assert [len(w.units) for w in joined.windows] == [2, 1]
    # The second kk piece starts right after the first one and a short gap.
    second = joined.windows[0].units[1]
    assert second.start == pytest.approx(2 + JOIN_GAP_S)
    assert joined.audio[int(second.start * 16000)] == audio[40 * 16000]
    word = AsrWord(second.start + 0.25, second.start + 0.5, " сот", 0.9)
    seg = TranscriptSegment(word.start, word.end, "сот", "kk", 0.7, (word,), -0.3, 0.1, 1.0)
    (back,) = map_back([seg], joined.offsets)
    assert (back.start, back.end) == (40.25, 40.5)
    assert (back.words[0].start, back.words[0].end) == (40.25, 40.5)


def test_redecoded_stretch_replaces_stretched_first_pass_words():
    from transcribe.engine import _replace_units
    from transcribe.types import TranscriptSegment

    def seg(words, language="kk"):
        text = "".join(w.text for w in words).strip()
        return TranscriptSegment(
            words[0].start, words[-1].end, text, language, 0.9, tuple(words), -0.3, 0.1, 1.0
        )

    kept = AsrWord(1.0, 1.5, " Сот", 0.9)
    inside = AsrWord(3.0, 3.4, " өт", 0.2)
    stretched = AsrWord(4.5, 9.0, " өт", 0.1)  # a loop smeared over the next turn
    first = [seg([kept, inside]), seg([stretched])]
    new = seg([AsrWord(5.0, 5.6, " Құрметті", 0.8), AsrWord(5.7, 8.5, " сот", 0.8)], "kk")
    merged = _replace_units(first, [Span(2.5, 4.0)], [new])
    assert [w.text for s in merged for w in s.words] == [" Сот", " Құрметті", " сот"]


def test_a_word_across_a_join_seam_stays_in_one_piece():
    """Joined stretches a minute apart: a word stamped over the seam must not span it."""
    from transcribe.timeline import map_back
    from transcribe.types import TranscriptSegment

    offsets = ((0.0, 10.0, 8.0), (8.4, 94.0, 4.0))
    seam = AsrWord(7.7, 8.6, " Алға", 0.4)  # mostly before the seam: first piece
    after = AsrWord(8.6, 9.0, " қарай", 0.9)
    seg = TranscriptSegment(7.7, 9.0, "Алға қарай", "kk", 0.9, (seam, after), -0.3, 0.1, 1.0)
    (back,) = map_back([seg], offsets)
    assert [(w.start, w.end) for w in back.words] == [(17.7, 18.0), (94.2, 94.6)]


def test_redecoded_segment_over_far_pieces_keeps_the_words_between():
    from transcribe.engine import _replace_units, _split_at_pauses
    from transcribe.types import TranscriptSegment

    def seg(words, language="ru"):
        text = "".join(w.text for w in words).strip()
        return TranscriptSegment(
            words[0].start, words[-1].end, text, language, 0.9, tuple(words), -0.3, 0.1, 1.0
        )

    between = seg([AsrWord(40.0, 40.5, " Вечерня", 0.9), AsrWord(40.6, 41.0, " отошла", 0.9)])
    # One re-decoded segment whose words come from stretches at 10 s and at 94 s.
    redone = seg([AsrWord(10.0, 10.4, " Алға", 0.8), AsrWord(94.0, 94.5, " қарай", 0.8)], "kk")
    merged = _replace_units(
        [between], [Span(9.8, 10.6), Span(93.8, 94.8)], _split_at_pauses([redone], 2.0)
    )
    assert sorted(w.text for s in merged for w in s.words) == [
        " Алға",
        " Вечерня",
        " отошла",
        " қарай",
    ]


def test_long_pauses_are_shortened_and_times_map_back():
    import numpy as np

    from transcribe.timeline import compress_pauses

    audio = np.arange(16000 * 20, dtype=np.float32)
    speech = [Span(1.0, 3.0), Span(3.2, 4.0), Span(10.0, 12.0)]
    timeline = compress_pauses(audio, speech, max_gap_s=0.5)
    # Kept: 0.75-4.25 (the short pause stays) and 9.75-12.25: a 6 s pause becomes 0.5 s.
    assert timeline.offsets == ((0.0, 0.75, 3.5), (3.5, 9.75, 2.5))
    assert len(timeline.audio) / 16000 == pytest.approx(6.0)
    assert timeline.forward(10.0) == pytest.approx(3.75)
    assert timeline.forward(7.0) == pytest.approx(3.5)  # inside the cut pause
    assert timeline.backward(4.0) == pytest.approx(10.25)
    assert timeline.audio[int(3.75 * 16000)] == audio[10 * 16000]


def test_times_in_a_join_gap_go_to_the_nearer_piece():
    from transcribe.timeline import _moved

    offsets = ((0.0, 0.5, 4.6), (5.0, 9.5, 2.0))
    starts = [0.0, 5.0]
    assert _moved(offsets, starts, 4.7) == pytest.approx(5.1)  # just after piece 1: its end
    assert _moved(offsets, starts, 4.95) == pytest.approx(9.5)  # just before piece 2: its start
    assert _moved(offsets, starts, 5.5) == pytest.approx(10.0)
