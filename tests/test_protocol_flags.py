"""Unit tests of protocol.flags: loops, low confidence, hallucinations."""

from __future__ import annotations

import pytest

from protocol import (
    HALLUCINATION_SUSPECT,
    KNOWN_FLAGS,
    LANGUAGE_UNCERTAIN,
    LOW_CONFIDENCE,
    OVERLAP,
    REPETITION,
    AsrSegment,
    FlagConfig,
    Segment,
    Word,
    apply_flags,
)
from protocol.flags import (
    decoder_flags,
    has_repetition_loop,
    matches_hallucination,
    text_flags,
    word_flags,
)


def words_with(*probabilities: float) -> tuple[Word, ...]:
    return tuple(Word(i * 0.5, i * 0.5 + 0.4, f" w{i}", p) for i, p in enumerate(probabilities))


def asr_segment(
    text: str = " Обычная речь.",
    *,
    words: tuple[Word, ...] = (),
    avg_logprob: float = -0.2,
    no_speech_prob: float = 0.02,
    compression_ratio: float = 1.4,
    flags: tuple[str, ...] = (),
) -> AsrSegment:
    return AsrSegment(
        0.0, 3.0, "ru", text, words, avg_logprob, no_speech_prob, compression_ratio, flags
    )


def segment(text: str, words: tuple[Word, ...] = (), flags: tuple[str, ...] = ()) -> Segment:
    return Segment(0.0, 3.0, "S1", "ru", text, words, flags)


@pytest.mark.parametrize(
    "text",
    [
        "да да да да",  # one word four times
        "Спасибо. спасибо, СПАСИБО! спасибо",  # case and punctuation do not hide a loop
        "я не знаю я не знаю я не знаю",  # a trigram three times
        "и тогда он сказал ну вот ну вот ну вот и всё",  # a bigram three times mid-sentence
        "бір екі үш төрт бір екі үш төрт бір екі үш төрт",  # a 4-gram three times
        "Ёлка ёлка елка ЕЛКА",  # ё and е spell the same word
    ],
)
def test_loops_are_detected(text: str) -> None:
    assert has_repetition_loop(text)
    assert REPETITION in text_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "да да да",  # people do say this
        "я не знаю я не знаю",  # a repeated phrase, twice
        "Суд удаляется в совещательную комнату для вынесения решения.",
        "Сотталушы, сіз айыпты мойындайсыз ба? Жоқ, мойындамаймын.",
        "раз два три четыре пять один два три",
        "",
    ],
)
def test_normal_speech_is_not_a_loop(text: str) -> None:
    assert not has_repetition_loop(text)
    assert REPETITION not in text_flags(text)


def test_five_gram_is_beyond_default_n() -> None:
    text = " ".join(["a b c d e"] * 3)
    assert not has_repetition_loop(text)
    assert has_repetition_loop(text, FlagConfig(loop_max_n=5))


def test_high_compression_ratio_is_repetition() -> None:
    assert REPETITION in decoder_flags(asr_segment(compression_ratio=2.5))
    assert REPETITION not in decoder_flags(asr_segment(compression_ratio=2.4))


def test_low_mean_probability_is_low_confidence() -> None:
    assert word_flags(words_with(0.4, 0.5, 0.45)) == (LOW_CONFIDENCE,)


def test_many_doubtful_words_are_low_confidence_even_with_good_mean() -> None:
    probabilities = (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.2, 0.2, 0.2, 0.99)
    assert sum(probabilities) / len(probabilities) > 0.5
    assert word_flags(words_with(*probabilities)) == (LOW_CONFIDENCE,)


def test_few_doubtful_words_are_fine() -> None:
    probabilities = (0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.2, 0.2, 0.99)
    assert word_flags(words_with(*probabilities)) == ()


def test_confident_words_and_no_words_are_not_flagged() -> None:
    assert word_flags(words_with(0.9, 0.8, 0.95)) == ()
    assert word_flags(()) == ()


def test_low_avg_logprob_is_low_confidence() -> None:
    assert LOW_CONFIDENCE in decoder_flags(asr_segment(avg_logprob=-1.2))
    assert LOW_CONFIDENCE not in decoder_flags(asr_segment(avg_logprob=-0.9))


@pytest.mark.parametrize(
    "text",
    [
        "Субтитры сделал DimaTorzok",
        "Субтитры создавал DimaTorzok.",
        "Продолжение следует...",
        "Спасибо за просмотр!",
        "Редактор субтитров А.Синецкая Корректор А.Егорова",
        "Thank you for watching!",
        "ПОДПИСЫВАЙТЕСЬ НА КАНАЛ",
        "Арнаға жазылыңыз!",
    ],
)
def test_known_hallucination_phrases_are_suspect(text: str) -> None:
    assert matches_hallucination(text)
    assert HALLUCINATION_SUSPECT in text_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "Спасибо, садитесь.",
        "Продолжаем судебное заседание.",
        "Сот отырысы жалғасады.",
        "Thank you, your honour.",
    ],
)
def test_ordinary_court_speech_is_not_suspect(text: str) -> None:
    assert not matches_hallucination(text)
    assert HALLUCINATION_SUSPECT not in text_flags(text)


def test_phrase_match_is_on_whole_words() -> None:
    # "субтитры сделали" shares a prefix with a phrase but is not it.
    assert not matches_hallucination("субтитры сделали вручную")


def test_text_decoded_from_silence_is_suspect() -> None:
    silence = asr_segment(no_speech_prob=0.7, avg_logprob=-0.9)
    assert HALLUCINATION_SUSPECT in decoder_flags(silence)
    # Confident text over a "no speech" guess is ordinary speech.
    assert HALLUCINATION_SUSPECT not in decoder_flags(asr_segment(no_speech_prob=0.7))
    assert HALLUCINATION_SUSPECT not in decoder_flags(asr_segment(avg_logprob=-0.9))


def test_apply_flags_merges_sorts_and_deduplicates() -> None:
    item = asr_segment(
        "да да да да да",
        words=words_with(0.1, 0.1),
        compression_ratio=3.0,
        flags=(REPETITION, LANGUAGE_UNCERTAIN, REPETITION),
    )
    flags = apply_flags(item)
    assert flags == (LANGUAGE_UNCERTAIN, LOW_CONFIDENCE, REPETITION)
    assert list(flags) == sorted(set(flags))


def test_apply_flags_on_protocol_segment_uses_text_and_words_only() -> None:
    item = segment("Спасибо за просмотр", words_with(0.9, 0.9, 0.9), flags=(OVERLAP,))
    assert apply_flags(item) == (HALLUCINATION_SUSPECT, OVERLAP)
    assert apply_flags(segment("Всё ясно.", words_with(0.9, 0.9))) == ()


def test_apply_flags_on_clean_asr_segment_is_empty() -> None:
    assert apply_flags(asr_segment(words=words_with(0.9, 0.95))) == ()


def test_thresholds_come_from_config() -> None:
    strict = FlagConfig(min_mean_probability=0.95, loop_min_repeats_unigram=3)
    item = segment("да да да", words_with(0.9, 0.9, 0.9))
    assert apply_flags(item) == ()
    assert apply_flags(item, strict) == (LOW_CONFIDENCE, REPETITION)
    custom = FlagConfig(hallucination_phrases=("музыка",))
    assert apply_flags(segment("[Музыка]"), custom) == (HALLUCINATION_SUSPECT,)
    assert apply_flags(segment("Спасибо за просмотр"), custom) == ()


def test_every_flag_set_here_is_known() -> None:
    item = asr_segment(
        "Спасибо за просмотр да да да да",
        words=words_with(0.1),
        avg_logprob=-2.0,
        no_speech_prob=0.9,
        compression_ratio=3.0,
    )
    flags = apply_flags(item)
    assert set(flags) == {HALLUCINATION_SUSPECT, LOW_CONFIDENCE, REPETITION}
    assert set(flags) <= set(KNOWN_FLAGS)
