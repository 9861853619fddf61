"""Merge recognised words with diarizer turns into protocol segments.

The recogniser knows what was said and when; the diarizer knows who spoke
when. Each word goes to the speaker who covers most of it, and a recogniser
segment is cut wherever the speaker changes, so every protocol segment is one
person speaking one language.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from protocol.attribution import attribute_spans
from protocol.errors import ProtocolInputError
from protocol.flags import (
    DEFAULT_FLAG_CONFIG,
    NO_SPEAKER,
    OVERLAP,
    FlagConfig,
    apply_flags,
    combine_flags,
    decoder_flags,
)
from protocol.model import AsrSegment, Segment, Speaker, Turn, Word, join_words, normalize_text
from protocol.speakers import name_speakers, speaker_metadata

__all__ = ["DEFAULT_MERGE_CONFIG", "MergeConfig", "merge"]

logger = logging.getLogger(__name__)

_NO_TURNS = ""
"""Diarizer speaker used for all speech when there are no turns at all (one speaker)."""


@dataclass(frozen=True)
class MergeConfig:
    """Settings of :func:`merge`.

    Attributes:
        max_gap_s: A word no turn touches goes to the nearest turn at most this far
            away (diarizers trim turn edges tighter than the recogniser's word times).
        min_overlap_s: A segment sharing at least this much time with overlapping
            speech is flagged ``overlap`` (a segment shorter than this is flagged
            when it lies wholly in overlapping speech).
        flags: Thresholds of the review flags.

    """

    max_gap_s: float = 1.0
    min_overlap_s: float = 0.2
    flags: FlagConfig = DEFAULT_FLAG_CONFIG

    def __post_init__(self) -> None:
        for name in ("max_gap_s", "min_overlap_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ProtocolInputError(f"MergeConfig.{name} must be finite and >= 0, got {value}")


DEFAULT_MERGE_CONFIG = MergeConfig()


@dataclass(frozen=True)
class _Draft:
    """A segment whose speaker is still the diarizer's label."""

    start: float
    end: float
    key: str | None
    source: AsrSegment
    words: tuple[Word, ...]


def _ms(seconds: float) -> float:
    """Round to milliseconds, the precision of every export."""
    return round(seconds, 3)


def _check_finite(what: str, *values: float) -> None:
    if not all(math.isfinite(v) for v in values):
        raise ProtocolInputError(f"{what} has a non-finite time: {values}")


def _validate(
    asr: Sequence[AsrSegment], turns: Sequence[Turn], overlaps: Sequence[tuple[float, float]]
) -> None:
    for segment in asr:
        _check_finite(f"ASR segment {segment.text[:40]!r}", segment.start, segment.end)
        for word in segment.words:
            _check_finite(f"word {word.text!r}", word.start, word.end)
    for turn in turns:
        _check_finite(f"turn of {turn.speaker!r}", turn.start, turn.end)
    for start, end in overlaps:
        _check_finite("overlap interval", start, end)


def _spans(segment: AsrSegment) -> list[tuple[float, float]]:
    """Spans to attribute: the words, or the whole segment as one pseudo-word."""
    if segment.words:
        return [(w.start, w.end) for w in segment.words]
    return [(segment.start, segment.end)]


def _drafts(segment: AsrSegment, keys: Sequence[str | None]) -> list[_Draft]:
    """Cut one ASR segment into runs of words with the same speaker."""
    if not segment.words:
        return [_Draft(segment.start, segment.end, keys[0], segment, ())]
    drafts: list[_Draft] = []
    run: list[Word] = []
    for position, word in enumerate(segment.words):
        run.append(word)
        last = position + 1 == len(segment.words)
        if last or keys[position + 1] != keys[position]:
            start = min(w.start for w in run)
            end = max(w.end for w in run)
            drafts.append(_Draft(start, end, keys[position], segment, tuple(run)))
            run = []
    return drafts


def _draft_text(draft: _Draft) -> str:
    """Text of a draft: its words joined, or the ASR text when there are no words."""
    return join_words(draft.words) if draft.words else normalize_text(draft.source.text)


def _merged_intervals(overlaps: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sort and union overlap intervals so each instant is counted once."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((s, e) for s, e in overlaps if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlapping(
    start: float, end: float, intervals: Sequence[tuple[float, float]], minimum: float
) -> bool:
    """Tell whether a segment shares enough time with overlapping speech."""
    first = max(bisect.bisect_right(intervals, (start, math.inf)) - 1, 0)
    shared = 0.0
    for lo, hi in intervals[first:]:
        if lo >= end:
            break
        shared += max(0.0, min(end, hi) - max(start, lo))
    return shared > 0 and shared >= min(minimum, end - start)


def _finish(
    draft: _Draft,
    speaker_id: str,
    overlaps: Sequence[tuple[float, float]],
    config: MergeConfig,
) -> Segment:
    """Turn a draft into a protocol segment with its flags."""
    source = draft.source
    text = _draft_text(draft)
    start = _ms(draft.start)
    end = max(_ms(draft.end), start)
    words = tuple(Word(_ms(w.start), _ms(w.end), w.text, w.probability) for w in draft.words)
    segment = Segment(start, end, speaker_id, source.language, text, words, source.flags)
    extra: list[str] = []
    if draft.key is None:
        extra.append(NO_SPEAKER)
    if _overlapping(draft.start, draft.end, overlaps, config.min_overlap_s):
        extra.append(OVERLAP)
    flags = combine_flags(
        apply_flags(segment, config.flags), decoder_flags(source, config.flags), extra
    )
    return Segment(start, end, speaker_id, source.language, text, words, flags)


def merge(
    asr_segments: Iterable[AsrSegment],
    turns: Iterable[Turn],
    overlaps: Iterable[tuple[float, float]] = (),
    *,
    config: MergeConfig = DEFAULT_MERGE_CONFIG,
) -> tuple[tuple[Speaker, ...], tuple[Segment, ...]]:
    """Attribute recognised words to speakers and build protocol segments.

    Each word goes to the speaker whose turns cover most of it; a word no turn
    touches goes to the nearest turn within ``config.max_gap_s``, else to the
    previous word's speaker, else to the unknown speaker ``S0`` with the flag
    ``no_speaker``. With no turns at all everything is one speaker ``S1``. A
    segment without words is attributed as one pseudo-word spanning it.

    Segments keep their ASR segment's language and flags, gain review flags
    (:func:`protocol.flags.apply_flags` on their own words plus the decoder
    metrics of the ASR segment they came from) and ``overlap`` where they meet
    overlapping speech. Segments whose text is empty are dropped. Times are
    rounded to milliseconds.

    Args:
        asr_segments: Recogniser output, in any order.
        turns: Diarizer turns, in any order and of any granularity.
        overlaps: ``(start, end)`` intervals where several people spoke at once.
        config: Gap, overlap and flag thresholds.

    Returns:
        Speakers ordered by id (numbered in order of first speech) and segments
        in time order.

    Raises:
        ProtocolInputError: An input time is NaN or infinite.

    """
    asr = sorted(asr_segments, key=lambda s: (s.start, s.end))
    turn_list = list(turns)
    overlap_list = list(overlaps)
    _validate(asr, turn_list, overlap_list)

    spans_per_segment = [_spans(segment) for segment in asr]
    all_spans = [span for spans in spans_per_segment for span in spans]
    live_turns = [t for t in turn_list if t.end > t.start]
    if live_turns:
        keys: list[str | None] = list(attribute_spans(all_spans, live_turns, config.max_gap_s))
    else:
        keys = [_NO_TURNS] * len(all_spans)

    drafts: list[_Draft] = []
    position = 0
    for segment, spans in zip(asr, spans_per_segment, strict=True):
        drafts.extend(_drafts(segment, keys[position : position + len(spans)]))
        position += len(spans)
    drafts = [d for d in drafts if _draft_text(d)]
    drafts.sort(key=lambda d: (d.start, d.end))

    order = list(dict.fromkeys(d.key for d in drafts))
    speakers, ids = name_speakers(order, speaker_metadata(live_turns))
    intervals = _merged_intervals(overlap_list)
    segments = tuple(_finish(d, ids[d.key], intervals, config) for d in drafts)
    logger.debug(
        "merged %d ASR segments into %d segments, %d speakers",
        len(asr),
        len(segments),
        len(speakers),
    )
    return speakers, segments
