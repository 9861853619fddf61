"""Review flags: mark text a person should check instead of hiding it.

Whisper invents text on silence and loops on noise; a court protocol must not
silently drop such text (it might be real) nor present it as reliable. These
pure functions detect the usual symptoms and name them with a flag. Thresholds
live in :class:`FlagConfig` so they can be tuned against measured data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from protocol.model import AsrSegment, Segment, Word

__all__ = [
    "DEFAULT_FLAG_CONFIG",
    "DEFAULT_HALLUCINATION_PHRASES",
    "HALLUCINATION_SUSPECT",
    "KNOWN_FLAGS",
    "LANGUAGE_UNCERTAIN",
    "LOW_CONFIDENCE",
    "NO_SPEAKER",
    "OVERLAP",
    "REPETITION",
    "FlagConfig",
    "apply_flags",
    "combine_flags",
    "decoder_flags",
    "has_repetition_loop",
    "matches_hallucination",
    "text_flags",
    "word_flags",
]

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = "low_confidence"
REPETITION = "repetition"
OVERLAP = "overlap"
HALLUCINATION_SUSPECT = "hallucination_suspect"
LANGUAGE_UNCERTAIN = "language_uncertain"
NO_SPEAKER = "no_speaker"

KNOWN_FLAGS: tuple[str, ...] = (
    HALLUCINATION_SUSPECT,
    LANGUAGE_UNCERTAIN,
    LOW_CONFIDENCE,
    NO_SPEAKER,
    OVERLAP,
    REPETITION,
)
"""Every flag this project sets; stored protocols may carry others from later versions."""

DEFAULT_HALLUCINATION_PHRASES: tuple[str, ...] = (
    # Russian: credits and channel outros Whisper learned from subtitled videos.
    "субтитры сделал",
    "субтитры создавал",
    "субтитры делал",
    "субтитры подготовил",
    "редактор субтитров",
    "продолжение следует",
    "спасибо за просмотр",
    "подписывайтесь на канал",
    "подписывайтесь на наш канал",
    "ставьте лайки",
    "dimatorzok",
    # Kazakh: the same outros; best-effort phrasings, extend from measured output.
    "арнаға жазылыңыз",
    "арнамызға жазылыңыз",
    "көргеніңіз үшін рахмет",
    "көргендеріңізге рахмет",
    "субтитрлерді жасаған",
    # English.
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "subtitles by",
    "amara org",
)
"""Phrases (already normalised) that Whisper produces on silence or music."""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class FlagConfig:
    """Thresholds for the review flags.

    Attributes:
        loop_max_n: Longest n-gram (in words) checked for consecutive repetition.
        loop_min_repeats_unigram: Repeats of one word that count as a loop; higher
            than for longer n-grams because people do say "да, да, да".
        loop_min_repeats_ngram: Repeats of a 2..``loop_max_n`` word n-gram that count
            as a loop.
        max_compression_ratio: Above this the text compresses like a loop (Whisper's
            own fallback threshold).
        min_mean_probability: Mean word probability below this is low confidence.
        low_word_probability: A word below this probability counts as doubtful.
        max_low_word_fraction: This share of doubtful words or more is low confidence.
        min_avg_logprob: Decoder mean log-probability below this is low confidence.
        hallucination_no_speech_prob: With ``hallucination_avg_logprob``, marks text
            decoded from what the model itself thought was silence.
        hallucination_avg_logprob: See ``hallucination_no_speech_prob``.
        hallucination_phrases: Normalised phrases that are typical hallucinations.

    """

    loop_max_n: int = 4
    loop_min_repeats_unigram: int = 4
    loop_min_repeats_ngram: int = 3
    max_compression_ratio: float = 2.4
    min_mean_probability: float = 0.5
    low_word_probability: float = 0.3
    max_low_word_fraction: float = 0.3
    min_avg_logprob: float = -1.0
    hallucination_no_speech_prob: float = 0.6
    hallucination_avg_logprob: float = -0.8
    hallucination_phrases: tuple[str, ...] = DEFAULT_HALLUCINATION_PHRASES


DEFAULT_FLAG_CONFIG = FlagConfig()


def _tokens(text: str) -> list[str]:
    """Split text into lower-case word tokens, ignoring punctuation and ё/е spelling."""
    return _WORD.findall(text.lower().replace("ё", "е"))


def _repeats_at(tokens: Sequence[str], start: int, n: int) -> int:
    """Count how many times the n-gram at ``start`` repeats back to back."""
    gram = tokens[start : start + n]
    repeats = 1
    pos = start + n
    while pos + n <= len(tokens) and tokens[pos : pos + n] == gram:
        repeats += 1
        pos += n
    return repeats


def has_repetition_loop(text: str, config: FlagConfig = DEFAULT_FLAG_CONFIG) -> bool:
    """Tell whether the text repeats one n-gram back to back like a decoder loop.

    Args:
        text: Text to check.
        config: Loop thresholds.

    Returns:
        True when some n-gram of 1..``config.loop_max_n`` words repeats consecutively
        at least the configured number of times.

    """
    tokens = _tokens(text)
    for n in range(1, config.loop_max_n + 1):
        needed = config.loop_min_repeats_unigram if n == 1 else config.loop_min_repeats_ngram
        last_start = len(tokens) - n * needed
        for start in range(last_start + 1):
            if _repeats_at(tokens, start, n) >= needed:
                return True
    return False


def matches_hallucination(text: str, config: FlagConfig = DEFAULT_FLAG_CONFIG) -> bool:
    """Tell whether the text contains a known Whisper silence/music hallucination.

    Matching is on whole words after lower-casing and dropping punctuation, so
    "Субтитры сделал DimaTorzok." matches "субтитры сделал".

    Args:
        text: Text to check.
        config: Holds the phrase list.

    Returns:
        True when any configured phrase occurs in the text.

    """
    haystack = f" {' '.join(_tokens(text))} "
    for phrase in config.hallucination_phrases:
        needle = " ".join(_tokens(phrase))
        if needle and f" {needle} " in haystack:
            return True
    return False


def text_flags(text: str, config: FlagConfig = DEFAULT_FLAG_CONFIG) -> tuple[str, ...]:
    """Compute the flags that follow from the text alone (loops, known hallucinations).

    Args:
        text: Segment text.
        config: Thresholds.

    Returns:
        Sorted flags.

    """
    found: set[str] = set()
    if has_repetition_loop(text, config):
        found.add(REPETITION)
    if matches_hallucination(text, config):
        found.add(HALLUCINATION_SUSPECT)
    return tuple(sorted(found))


def word_flags(words: Sequence[Word], config: FlagConfig = DEFAULT_FLAG_CONFIG) -> tuple[str, ...]:
    """Compute the flags that follow from word probabilities (low confidence).

    Args:
        words: Words of one segment; none means nothing to judge.
        config: Thresholds.

    Returns:
        ``("low_confidence",)`` or ``()``.

    """
    if not words:
        return ()
    probabilities = [word.probability for word in words]
    mean = sum(probabilities) / len(probabilities)
    doubtful = sum(1 for p in probabilities if p < config.low_word_probability)
    if mean < config.min_mean_probability:
        return (LOW_CONFIDENCE,)
    if doubtful / len(probabilities) >= config.max_low_word_fraction:
        return (LOW_CONFIDENCE,)
    return ()


def decoder_flags(segment: AsrSegment, config: FlagConfig = DEFAULT_FLAG_CONFIG) -> tuple[str, ...]:
    """Compute the flags that follow from the decoder's segment metrics.

    These metrics describe the whole ASR segment, so when the segment is later
    split between speakers every part inherits them.

    Args:
        segment: The recogniser's segment.
        config: Thresholds.

    Returns:
        Sorted flags.

    """
    found: set[str] = set()
    if segment.compression_ratio > config.max_compression_ratio:
        found.add(REPETITION)
    if segment.avg_logprob < config.min_avg_logprob:
        found.add(LOW_CONFIDENCE)
    if (
        segment.no_speech_prob > config.hallucination_no_speech_prob
        and segment.avg_logprob < config.hallucination_avg_logprob
    ):
        found.add(HALLUCINATION_SUSPECT)
    return tuple(sorted(found))


def combine_flags(*groups: Iterable[str]) -> tuple[str, ...]:
    """Merge flag groups into one sorted tuple without duplicates.

    Args:
        *groups: Flag collections.

    Returns:
        Sorted, de-duplicated flags, so equal flag sets compare and hash equal.

    """
    return tuple(sorted({flag for group in groups for flag in group}))


def apply_flags(
    segment: Segment | AsrSegment, config: FlagConfig = DEFAULT_FLAG_CONFIG
) -> tuple[str, ...]:
    """Compute all flags for a segment, merged with the flags it already has.

    An :class:`AsrSegment` is also judged by its decoder metrics; a
    :class:`Segment` has none, so only its text and words are judged.

    Args:
        segment: A recogniser segment or a protocol segment.
        config: Thresholds.

    Returns:
        Sorted, de-duplicated flags.

    """
    groups: list[Iterable[str]] = [
        segment.flags,
        text_flags(segment.text, config),
        word_flags(segment.words, config),
    ]
    if isinstance(segment, AsrSegment):
        groups.append(decoder_flags(segment, config))
    return combine_flags(*groups)
