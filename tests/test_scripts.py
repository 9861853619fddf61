"""Unit tests of the pure helpers behind scripts/bench_pipeline.py and scripts/accuracy.py.

No models load here: these check the arithmetic the reported figures rest on
(normalisation, error counts, assigning words to turns, step times).
"""

from __future__ import annotations

import math

import pytest

from scripts._common import (
    ErrorCounts,
    LanguageScore,
    RefTurn,
    StepClock,
    Timed,
    assign_to_turns,
    format_table,
    language_accuracy,
    normalize_text,
    parse_rttm,
    parse_uem,
    score_text,
    sum_counts,
    texts_by_language,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Нейронные сети — это хорошо.", "нейронные сети это хорошо"),
        ("Дуб ЗЕЛЁНЫЙ!", "дуб зеленый"),
        ("  «Иә»,   маған  ескертілді…  ", "иә маған ескертілді"),
        ("из-за того", "из за того"),
        ("Алға қарай бес метр", "алға қарай бес метр"),
        ("до 15-го мая, 1 500 000 тенге", "до 15 го мая 1 500 000 тенге"),
        ("", ""),
        ("?!.", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_composes_combining_marks() -> None:
    decomposed = "е\u0308ж"  # е + combining diaeresis = ё
    assert normalize_text(decomposed) == "еж"


def test_score_identical_after_normalisation_is_zero() -> None:
    counts = score_text("Нейронные сети — это хорошо.", "нейронные сети, это хорошо")
    assert counts.wer == 0.0
    assert counts.cer == 0.0
    assert counts.ref_words == 4


def test_score_counts_substitution_deletion_insertion() -> None:
    counts = score_text("а б в г", "а x в г д")
    assert (counts.substitutions, counts.deletions, counts.insertions) == (1, 0, 1)
    assert counts.wer == pytest.approx(2 / 4)


def test_empty_hypothesis_scores_one_not_crash() -> None:
    counts = score_text("шестьдесят тысяч тенге", "")
    assert counts.wer == 1.0
    assert counts.cer == 1.0
    assert counts.deletions == 3


def test_empty_reference_and_hypothesis() -> None:
    assert score_text("", "  .  ").wer == 0.0
    assert math.isinf(score_text("", "лишнее").wer)


def test_counts_pool_by_words_not_by_mean_of_rates() -> None:
    short = score_text("а", "б")  # 1 error / 1 word
    long = score_text("а б в г д е ж з и к", "а б в г д е ж з и к")  # 0 / 10
    pooled = sum_counts([short, long])
    assert pooled.wer == pytest.approx(1 / 11)
    assert (short + long) == pooled
    assert sum_counts([]) == ErrorCounts()


TURNS = (
    RefTurn(1.0, 3.0, "judge", "ru", "судебное заседание открыто"),
    RefTurn(4.0, 6.0, "plaintiff", "kk", "құрметті сот"),
    RefTurn(7.0, 9.0, "judge", "ru", "слушаем"),
)


def test_assign_by_longest_overlap() -> None:
    items = [Timed(2.5, 4.5, "x"), Timed(3.5, 4.2, "y"), Timed(5.9, 7.5, "z")]
    # x: 0.5 s with turn 0, 0.5 s with turn 1 -> tie goes to the earlier turn
    assert assign_to_turns(items, TURNS) == [0, 1, 2]


def test_assign_without_overlap_goes_to_nearest_turn() -> None:
    items = [Timed(0.0, 0.5, "before"), Timed(3.2, 3.4, "gap"), Timed(6.2, 6.3, "gap2")]
    assert assign_to_turns(items, TURNS) == [0, 0, 1]
    assert assign_to_turns([Timed(20.0, 21.0, "after")], TURNS) == [2]


def test_assign_needs_turns_only_when_there_are_items() -> None:
    assert assign_to_turns([], []) == []
    with pytest.raises(ValueError, match="empty list of turns"):
        assign_to_turns([Timed(0.0, 1.0, "x")], [])


def test_texts_by_language_uses_the_reference_language_of_the_turn() -> None:
    words = [
        Timed(7.1, 7.9, " слушаем", "ru"),
        Timed(1.1, 1.9, " судебное", "ru"),
        Timed(2.0, 2.9, " заседание", "ru"),
        Timed(4.1, 4.9, " құрметті", "ru"),  # decoded as Russian, still scored as Kazakh
        Timed(5.0, 5.5, " сот", "kk"),
        Timed(9.5, 9.8, " мм", "ru"),  # after the last turn: an insertion there
    ]
    texts = texts_by_language(words, TURNS)
    assert texts == {
        "ru": ("судебное заседание открыто слушаем", "судебное заседание слушаем мм"),
        "kk": ("құрметті сот", "құрметті сот"),
    }
    assert score_text(*texts["kk"]).wer == 0.0
    assert score_text(*texts["ru"]).word_errors == 2


def test_texts_by_language_with_empty_hypothesis() -> None:
    texts = texts_by_language([], TURNS)
    assert texts["kk"] == ("құрметті сот", "")
    assert score_text(*texts["kk"]).wer == 1.0


def test_language_accuracy_majority_of_overlap_and_missed_turns() -> None:
    segments = [
        Timed(1.0, 3.0, "", "ru"),
        Timed(2.8, 4.3, "", "kk"),  # spills 0.2 s into turn 0, covers 0.3 s of turn 1
        Timed(4.3, 6.0, "", "ru"),  # 1.7 s of turn 1 in the wrong language
    ]
    score = language_accuracy(TURNS, segments)
    assert score == LanguageScore(correct=1, wrong=1, missed=1)
    assert score.total == 3
    assert score.accuracy == pytest.approx(1 / 3)
    assert language_accuracy(TURNS, []).missed == 3


def test_parse_rttm_and_uem() -> None:
    rttm = (
        "SPEAKER tst 1 0.000 1.500 <NA> <NA> A <NA> <NA>\n"
        ";; comment\n"
        "SPEAKER tst 1 1.000 2.000 <NA> <NA> B <NA> <NA>\n"
        "SPEAKER other 1 5.0 1.0 <NA> <NA> C <NA> <NA>\n"
    )
    parsed = parse_rttm(rttm)
    assert parsed["tst"] == [(0.0, 1.5, "A"), (1.0, 3.0, "B")]
    assert parsed["other"] == [(5.0, 6.0, "C")]
    assert parse_uem("tst NA 0.000 30.000\n") == {"tst": [(0.0, 30.0)]}


def test_step_clock_splits_wall_time_by_last_call_of_each_step() -> None:
    times = iter([1.0, 1.5, 2.0, 10.0, 11.0, 12.0, 40.0, 41.0])
    clock = StepClock(clock=lambda: next(times))
    for step, done, total in [
        ("probe", 1, 1),  # 1.0
        ("normalize", 0, 30),  # 1.5  (0.5 s of hashing before it)
        ("normalize", 30, 30),  # 2.0
        ("diarize", 1, 1),  # 10.0
        ("transcribe", 0, 3),  # 11.0 (1 s reading + VAD before the first chunk)
        ("transcribe", 2, 3),  # 12.0
        ("transcribe", 3, 3),  # 40.0
        ("merge", 1, 1),  # 41.0
    ]:
        clock.hook(step, done, total)
    split = clock.split(started=0.0, finished=41.5)
    assert split == {
        "probe": 1.0,
        "normalize": 1.0,
        "diarize": 8.0,
        "transcribe": 30.0,
        "merge": 1.0,
        "other": 0.5,
    }
    assert sum(split.values()) == pytest.approx(41.5)
    assert clock.lead_ins(0.0)["normalize"] == pytest.approx(0.5)
    assert clock.lead_ins(0.0)["transcribe"] == pytest.approx(1.0)


def test_step_clock_without_events_is_all_other() -> None:
    assert StepClock().split(5.0, 7.0) == {"other": 2.0}


def test_format_table_aligns_columns() -> None:
    table = format_table(("a", "long header"), [("xyz", 1), ("", 22)])
    lines = table.splitlines()
    assert lines[0] == "a    long header"
    assert lines[1] == "---  -----------"
    assert lines[2] == "xyz  1"
    assert lines[3] == "     22"


def test_step_clock_growth_times_the_second_pass() -> None:
    times = iter([1.0, 2.0, 5.0, 6.0, 9.0])
    clock = StepClock(clock=lambda: next(times))
    for done, total in [(0, 3), (1, 3), (3, 3), (4, 5), (5, 5)]:
        clock.hook("transcribe", done, total)
    assert clock.growth("transcribe") == (3, 5, 4.0)
    assert clock.growth("diarize") == (0.0, 0.0, 0.0)


def test_correct_words_are_reference_words_neither_substituted_nor_deleted() -> None:
    counts = score_text("суд идёт прошу встать", "суд идет прошу всех встать сесть")
    assert (counts.substitutions, counts.deletions, counts.insertions) == (0, 0, 2)
    assert counts.hits == 4
    assert (ErrorCounts(10, 2, 1, 3) + ErrorCounts(5, 0, 5, 0)).hits == 7
