"""Unit tests of protocol.merge: words x turns -> speakers and segments."""

from __future__ import annotations

import math

import pytest

from protocol import (
    LANGUAGE_UNCERTAIN,
    LOW_CONFIDENCE,
    NO_SPEAKER,
    OVERLAP,
    REPETITION,
    AsrSegment,
    MergeConfig,
    ProtocolError,
    ProtocolInputError,
    Segment,
    Speaker,
    Turn,
    Word,
    merge,
)


def word(start: float, end: float, text: str, probability: float = 0.95) -> Word:
    return Word(start, end, text, probability)


def asr(
    words: tuple[Word, ...] | list[Word],
    *,
    language: str = "ru",
    text: str | None = None,
    start: float | None = None,
    end: float | None = None,
    flags: tuple[str, ...] = (),
    compression_ratio: float = 1.3,
    avg_logprob: float = -0.2,
) -> AsrSegment:
    words = tuple(words)
    return AsrSegment(
        start=words[0].start if start is None else start,
        end=words[-1].end if end is None else end,
        language=language,
        text="".join(w.text for w in words) if text is None else text,
        words=words,
        avg_logprob=avg_logprob,
        no_speech_prob=0.01,
        compression_ratio=compression_ratio,
        flags=flags,
    )


def words_at(*spans: tuple[float, float], prefix: str = "w") -> tuple[Word, ...]:
    return tuple(word(s, e, f" {prefix}{i}") for i, (s, e) in enumerate(spans))


def labels(speakers: tuple[Speaker, ...]) -> dict[str, str]:
    return {s.id: s.label for s in speakers}


def speaker_of(segments: tuple[Segment, ...]) -> list[str]:
    return [s.speaker for s in segments]


def test_word_goes_to_turn_covering_most_of_it() -> None:
    # The second word 1.0-2.0 is covered 0.3 s by A and 0.7 s by B.
    segment = asr([word(0.2, 0.8, " первое"), word(1.0, 2.0, " второе")])
    turns = [Turn(0.0, 1.3, "A"), Turn(1.3, 3.0, "B")]
    speakers, segments = merge([segment], turns)
    assert [s.text for s in segments] == ["первое", "второе"]
    assert speaker_of(segments) == ["S1", "S2"]
    assert labels(speakers) == {"S1": "Speaker 1", "S2": "Speaker 2"}


def test_majority_is_summed_over_fine_grained_turns() -> None:
    # 20 ms frames alternating inside the word: A owns 3 of every 5 frames.
    turns = []
    for frame in range(100):
        speaker = "A" if frame % 5 < 3 else "B"
        turns.append(Turn(round(frame * 0.02, 3), round((frame + 1) * 0.02, 3), speaker))
    # B also speaks later on its own, so both speakers get an id.
    turns.append(Turn(5.0, 6.0, "B"))
    segments_in = [asr([word(5.1, 5.5, " первый")]), asr([word(0.0, 2.0, " второй")])]
    _, segments = merge(segments_in, turns)
    first, second = segments
    assert first.text == "второй" and second.text == "первый"
    assert first.speaker != second.speaker
    assert second.speaker == "S2"  # B speaks second in time
    assert first.speaker == "S1"  # A owns 60 % of the word


def test_segment_is_split_at_speaker_changes_keeping_language_and_flags() -> None:
    words = (
        word(0.0, 0.4, " Свидетель,"),
        word(0.4, 0.9, " назовите"),
        word(0.9, 1.4, " себя."),
        word(1.6, 2.0, " Мен"),
        word(2.0, 2.6, " Асқар."),
    )
    segment = asr(words, language="kk", flags=(LANGUAGE_UNCERTAIN,))
    turns = [Turn(0.0, 1.5, "judge_mic", "judge", 1), Turn(1.5, 3.0, "witness_mic", "witness", 2)]
    speakers, segments = merge([segment], turns)
    assert [s.text for s in segments] == ["Свидетель, назовите себя.", "Мен Асқар."]
    assert [(s.start, s.end) for s in segments] == [(0.0, 1.4), (1.6, 2.6)]
    assert all(s.language == "kk" for s in segments)
    assert all(LANGUAGE_UNCERTAIN in s.flags for s in segments)
    assert [len(s.words) for s in segments] == [3, 2]
    assert labels(speakers) == {"S1": "Judge", "S2": "Witness"}
    assert speaker_of(segments) == ["S1", "S2"]
    assert [s.channel for s in speakers] == [1, 2]
    assert [s.role for s in speakers] == ["judge", "witness"]


def test_speaker_returning_starts_a_new_segment() -> None:
    segment = asr(words_at((0, 1), (1, 2), (2, 3)))
    turns = [Turn(0, 1, "A"), Turn(1, 2, "B"), Turn(2, 3, "A")]
    _, segments = merge([segment], turns)
    assert speaker_of(segments) == ["S1", "S2", "S1"]
    assert [s.text for s in segments] == ["w0", "w1", "w2"]


def test_gap_word_goes_to_nearest_turn_within_max_gap() -> None:
    # The middle word touches no turn: A ends 0.5 s before it, B starts 0.7 s after.
    segment = asr(words_at((0.0, 1.0), (3.5, 3.8), (4.5, 5.0)))
    turns = [Turn(0.0, 3.0, "A"), Turn(4.5, 6.0, "B")]
    _, segments = merge([segment], turns)
    assert [s.text for s in segments] == ["w0 w1", "w2"]
    assert speaker_of(segments) == ["S1", "S2"]


def test_gap_word_prefers_closer_following_turn() -> None:
    segment = asr(words_at((0.0, 1.0), (3.8, 4.0), (4.3, 5.0)))
    turns = [Turn(0.0, 3.0, "A"), Turn(4.2, 6.0, "B")]
    _, segments = merge([segment], turns)
    assert [s.text for s in segments] == ["w0", "w1 w2"]


def test_far_word_goes_to_previous_speaker() -> None:
    # The second word is 5 s from any turn: beyond max_gap_s, so the previous word's speaker.
    first = asr(words_at((0.0, 1.0)))
    far = asr(words_at((10.0, 10.5), prefix="far"))
    turns = [Turn(0.0, 1.0, "A"), Turn(20.0, 21.0, "B")]
    speakers, segments = merge([first, far], turns, config=MergeConfig(max_gap_s=1.0))
    assert speaker_of(segments) == ["S1", "S1"]
    assert all(NO_SPEAKER not in s.flags for s in segments)
    assert [s.id for s in speakers] == ["S1"]


def test_word_before_any_turn_goes_to_unknown_speaker() -> None:
    early = asr(words_at((0.0, 0.5), prefix="early"))
    later = asr(words_at((10.0, 11.0)))
    turns = [Turn(10.0, 11.0, "A", "judge")]
    speakers, segments = merge([later, early], turns)
    assert speaker_of(segments) == ["S0", "S1"]
    assert NO_SPEAKER in segments[0].flags
    assert NO_SPEAKER not in segments[1].flags
    assert speakers == (
        Speaker("S0", "Unknown", None, None),
        Speaker("S1", "Judge", "judge", None),
    )


def test_max_gap_is_configurable() -> None:
    early = asr(words_at((0.0, 0.5)))
    turns = [Turn(2.0, 3.0, "A")]
    _, strict = merge([early], turns, config=MergeConfig(max_gap_s=1.0))
    _, loose = merge([early], turns, config=MergeConfig(max_gap_s=2.0))
    assert speaker_of(strict) == ["S0"]
    assert speaker_of(loose) == ["S1"]


def test_speakers_numbered_in_order_of_first_speech() -> None:
    # Diarizer labels sort the other way round, and turns and segments arrive unsorted.
    a = asr(words_at((0.0, 1.0)))
    b = asr(words_at((2.0, 3.0)))
    c = asr(words_at((4.0, 5.0)))
    turns = [
        Turn(4.0, 5.0, "SPEAKER_00"),
        Turn(2.0, 3.0, "SPEAKER_02"),
        Turn(0.0, 1.0, "SPEAKER_01"),
    ]
    speakers, segments = merge([c, a, b], turns)
    assert [s.start for s in segments] == [0.0, 2.0, 4.0]
    assert speaker_of(segments) == ["S1", "S2", "S3"]
    assert labels(speakers) == {"S1": "Speaker 1", "S2": "Speaker 2", "S3": "Speaker 3"}


def test_speaker_who_never_speaks_gets_no_id() -> None:
    segment = asr(words_at((5.0, 6.0)))
    turns = [Turn(0.0, 1.0, "silent", "clerk"), Turn(5.0, 6.0, "talker", "judge")]
    speakers, _ = merge([segment], turns)
    assert speakers == (Speaker("S1", "Judge", "judge", None),)


def test_role_labels_number_shared_roles_and_fall_back_to_speaker_n() -> None:
    segment = asr(words_at((0, 1), (1, 2), (2, 3), (3, 4), (4, 5)))
    turns = [
        Turn(0, 1, "c1", "judge", 1),
        Turn(1, 2, "c2", "witness", 2),
        Turn(2, 3, "mixed"),
        Turn(3, 4, "c4", "Witness", 4),
        Turn(4, 5, "c5", "defence_lawyer", 5),
    ]
    speakers, segments = merge([segment], turns)
    assert labels(speakers) == {
        "S1": "Judge",
        "S2": "Witness 1",
        "S3": "Speaker 3",
        "S4": "Witness 2",
        "S5": "Defence Lawyer",
    }
    assert speaker_of(segments) == ["S1", "S2", "S3", "S4", "S5"]
    assert [s.channel for s in speakers] == [1, 2, None, 4, 5]


def test_overlap_flag_needs_minimum_shared_time() -> None:
    long_overlap = asr(words_at((0.0, 1.0)))
    short_overlap = asr(words_at((2.0, 3.0)))
    turns = [Turn(0.0, 3.0, "A")]
    overlaps = [(0.7, 1.5), (2.9, 3.5)]  # 0.3 s and 0.1 s of shared time
    _, segments = merge([long_overlap, short_overlap], turns, overlaps)
    assert OVERLAP in segments[0].flags
    assert OVERLAP not in segments[1].flags


def test_overlap_flag_for_short_segment_inside_overlap() -> None:
    blip = asr(words_at((1.0, 1.1)))
    _, segments = merge([blip], [Turn(0.0, 2.0, "A")], [(0.9, 1.2)])
    assert OVERLAP in segments[0].flags


def test_overlap_threshold_is_configurable() -> None:
    segment = asr(words_at((0.0, 1.0)))
    turns = [Turn(0.0, 1.0, "A")]
    _, default = merge([segment], turns, [(0.85, 2.0)])
    _, tolerant = merge([segment], turns, [(0.85, 2.0)], config=MergeConfig(min_overlap_s=0.1))
    assert OVERLAP not in default[0].flags
    assert OVERLAP in tolerant[0].flags


def test_no_turns_means_one_speaker() -> None:
    segments_in = [asr(words_at((0, 1))), asr(words_at((5, 6))), asr(words_at((9, 10)))]
    speakers, segments = merge(segments_in, [])
    assert speakers == (Speaker("S1", "Speaker 1", None, None),)
    assert speaker_of(segments) == ["S1", "S1", "S1"]
    assert all(NO_SPEAKER not in s.flags for s in segments)


def test_empty_input_gives_empty_protocol() -> None:
    assert merge([], [Turn(0, 1, "A")]) == ((), ())
    assert merge([], []) == ((), ())


def test_wordless_segment_is_attributed_by_its_span() -> None:
    wordless = AsrSegment(2.0, 4.0, "kk", "  Сот   отырысы  ", (), -0.3, 0.05, 1.1)
    turns = [Turn(0.0, 2.2, "A"), Turn(2.2, 4.0, "B")]
    speakers, segments = merge([wordless], turns)
    (only,) = segments
    assert only.words == ()
    assert only.text == "Сот отырысы"
    assert (only.start, only.end) == (2.0, 4.0)
    assert len(speakers) == 1  # B covers 1.8 s of 2 s, so only B speaks
    assert only.language == "kk"


def test_empty_text_segments_are_dropped() -> None:
    blank = AsrSegment(0.0, 1.0, "ru", "   ", (), -0.2, 0.1, 1.0)
    real = asr(words_at((2.0, 3.0)))
    speakers, segments = merge([blank, real], [Turn(0, 1, "A"), Turn(2, 3, "B")])
    assert [s.text for s in segments] == ["w0"]
    assert len(speakers) == 1


def test_times_are_rounded_to_milliseconds() -> None:
    segment = asr([word(0.12345, 0.67891, " раз")])
    _, (only,) = merge([segment], [Turn(0.0, 1.0, "A")])
    assert (only.start, only.end) == (0.123, 0.679)
    assert (only.words[0].start, only.words[0].end) == (0.123, 0.679)


def test_whisper_word_spacing_is_kept() -> None:
    words = (word(0.0, 0.5, " Сумма"), word(0.5, 0.8, " 50"), word(0.8, 0.9, "%"))
    _, (only,) = merge([asr(words)], [])
    assert only.text == "Сумма 50%"
    assert only.words[0].text == " Сумма"  # words are stored as the recogniser wrote them


def test_words_without_spaces_are_joined_with_spaces() -> None:
    words = (word(0.0, 0.5, "Иә"), word(0.5, 0.8, "түсінікті"))
    _, (only,) = merge([asr(words)], [])
    assert only.text == "Иә түсінікті"


def test_tie_goes_to_previous_speaker() -> None:
    # The second word is split exactly in half between A and B.
    segment = asr(words_at((0.0, 1.0), (2.0, 3.0)))
    turns = [Turn(0.0, 2.5, "B"), Turn(2.5, 4.0, "A")]
    _, segments = merge([segment], turns)
    assert speaker_of(segments) == ["S1"]


def test_flags_are_applied_per_output_segment() -> None:
    words = (
        word(0.0, 0.5, " уверенно", 0.99),
        word(0.5, 1.0, " сказано", 0.98),
        word(1.5, 2.0, " невнятно", 0.1),
        word(2.0, 2.5, " пробормотал", 0.2),
    )
    turns = [Turn(0.0, 1.2, "A"), Turn(1.2, 3.0, "B")]
    _, segments = merge([asr(words)], turns)
    assert LOW_CONFIDENCE not in segments[0].flags
    assert LOW_CONFIDENCE in segments[1].flags


def test_decoder_metrics_flag_every_part_of_a_split_segment() -> None:
    segment = asr(words_at((0, 1), (1, 2)), compression_ratio=3.1)
    _, segments = merge([segment], [Turn(0, 1, "A"), Turn(1, 2, "B")])
    assert len(segments) == 2
    assert all(REPETITION in s.flags for s in segments)
    assert all(list(s.flags) == sorted(set(s.flags)) for s in segments)


def test_many_channel_frames_are_attributed_correctly() -> None:
    # A channel-energy diarizer: 20 ms turns, speaker changes every 10 s.
    turns = []
    for frame in range(30_000):  # 600 s
        start = frame * 0.02
        turns.append(Turn(start, start + 0.02, f"ch{int(start // 10) % 3 + 1}"))
    words = tuple(word(i * 0.5 + 0.1, i * 0.5 + 0.4, f" w{i}") for i in range(1200))
    speakers, segments = merge([asr(words)], list(reversed(turns)))
    assert len(segments) == 60
    assert len(speakers) == 3
    assert speaker_of(segments[:4]) == ["S1", "S2", "S3", "S1"]


def test_segments_come_out_in_time_order() -> None:
    parts = [asr(words_at((s, s + 0.5))) for s in (7.0, 1.0, 4.0, 2.5)]
    _, segments = merge(parts, [Turn(0, 10, "A")])
    starts = [s.start for s in segments]
    assert starts == sorted(starts) == [1.0, 2.5, 4.0, 7.0]


@pytest.mark.parametrize(
    ("segments_in", "turns", "overlaps"),
    [
        ([asr([word(math.nan, 1.0, " x")])], [], []),
        ([asr(words_at((0, 1)))], [Turn(0.0, math.inf, "A")], []),
        ([asr(words_at((0, 1)))], [], [(0.0, math.nan)]),
    ],
)
def test_non_finite_times_are_rejected(
    segments_in: list[AsrSegment], turns: list[Turn], overlaps: list[tuple[float, float]]
) -> None:
    with pytest.raises(ProtocolInputError, match="non-finite"):
        merge(segments_in, turns, overlaps)


def test_invalid_merge_config_is_rejected() -> None:
    with pytest.raises(ProtocolError):
        MergeConfig(max_gap_s=-1.0)
    with pytest.raises(ProtocolError):
        MergeConfig(min_overlap_s=math.inf)


def test_merge_output_is_hashable_and_deterministic() -> None:
    segment = asr(words_at((0, 1), (1, 2)))
    turns = [Turn(0, 1, "A"), Turn(1, 2, "B")]
    first = merge([segment], turns)
    second = merge([segment], list(reversed(turns)))
    assert first == second
    assert hash(first) == hash(second)
