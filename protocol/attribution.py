"""Attribute spans of speech (words) to diarizer speakers.

Turns can be many and short (a channel-energy diarizer emits one per few tens
of milliseconds) and may overlap, so they are coalesced per speaker and kept in
a bucketed index: each lookup touches only the turns near the word instead of
the whole hearing.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from protocol.model import Turn

__all__ = ["TurnIndex", "attribute_spans", "coalesce_turns"]

logger = logging.getLogger(__name__)

_POINT_HALF_WIDTH_S = 0.0005
"""Zero-length words are looked up as a 1 ms window so that coverage can be measured."""

_TIE_DIGITS = 9
"""Coverage values equal to this many decimals are ties (float noise is not a majority)."""


@dataclass(frozen=True)
class _Interval:
    start: float
    end: float
    speaker: str


def coalesce_turns(turns: Sequence[Turn]) -> tuple[Turn, ...]:
    """Merge overlapping or touching turns of the same speaker.

    Attribution only asks "how much of this word did each speaker cover", which
    coalescing does not change; it just makes the index smaller. Role and
    channel of the merged turn come from its earliest part.

    Args:
        turns: Turns in any order; empty or reversed turns are dropped.

    Returns:
        Coalesced turns sorted by start, end and speaker.

    """
    by_speaker: dict[str, list[Turn]] = defaultdict(list)
    for turn in sorted(turns, key=lambda t: (t.start, t.end)):
        if turn.end <= turn.start:
            logger.debug("dropping empty turn %s", turn)
            continue
        merged = by_speaker[turn.speaker]
        if merged and turn.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Turn(
                last.start, max(last.end, turn.end), last.speaker, last.role, last.channel
            )
        else:
            merged.append(turn)
    flat = [turn for group in by_speaker.values() for turn in group]
    return tuple(sorted(flat, key=lambda t: (t.start, t.end, t.speaker)))


class TurnIndex:
    """Answer "who covers this span" and "who is nearest" over many turns.

    Turns are registered in every fixed-width time bucket they touch, so a
    query inspects the few turns around it. Ties are broken in favour of the
    previous word's speaker (speech rarely switches mid-tie), then of the speaker
    who spoke first, which keeps the result deterministic.
    """

    def __init__(self, turns: Sequence[Turn], bucket_s: float = 1.0) -> None:
        """Build the index.

        Args:
            turns: Diarizer turns in any order.
            bucket_s: Bucket width in seconds; about the length of a word or two.

        """
        self._bucket_s = bucket_s
        self._turns = tuple(_Interval(t.start, t.end, t.speaker) for t in coalesce_turns(turns))
        self._rank: dict[str, int] = {}
        for interval in self._turns:
            self._rank.setdefault(interval.speaker, len(self._rank))
        self._buckets: dict[int, list[int]] = defaultdict(list)
        for position, interval in enumerate(self._turns):
            for bucket in self._bucket_range(interval.start, interval.end):
                self._buckets[bucket].append(position)

    def __len__(self) -> int:
        return len(self._turns)

    def _bucket_range(self, start: float, end: float) -> range:
        return range(math.floor(start / self._bucket_s), math.floor(end / self._bucket_s) + 1)

    def _near(self, start: float, end: float) -> list[_Interval]:
        positions: set[int] = set()
        for bucket in self._bucket_range(start, end):
            positions.update(self._buckets.get(bucket, ()))
        return [self._turns[p] for p in sorted(positions)]

    def _tie_key(self, speaker: str, prefer: str | None) -> tuple[int, int]:
        return (0 if speaker == prefer else 1, self._rank[speaker])

    def covering(self, start: float, end: float, prefer: str | None = None) -> str | None:
        """Return the speaker whose turns cover most of the span.

        Args:
            start: Span start in seconds.
            end: Span end in seconds.
            prefer: Speaker that wins a tie (the previous word's speaker).

        Returns:
            The speaker, or None when no turn overlaps the span.

        """
        start, end = _widen(start, end)
        cover: dict[str, float] = defaultdict(float)
        for turn in self._near(start, end):
            shared = min(end, turn.end) - max(start, turn.start)
            if shared > 0:
                cover[turn.speaker] += shared
        if not cover:
            return None
        return min(
            cover,
            key=lambda s: (-round(cover[s], _TIE_DIGITS), *self._tie_key(s, prefer)),
        )

    def nearest(
        self, start: float, end: float, max_gap_s: float, prefer: str | None = None
    ) -> str | None:
        """Return the speaker of the turn closest to the span, if close enough.

        Args:
            start: Span start in seconds.
            end: Span end in seconds.
            max_gap_s: Farthest a turn may be (edge to edge) to claim the span.
            prefer: Speaker that wins a tie.

        Returns:
            The speaker, or None when no turn lies within ``max_gap_s``.

        """
        start, end = _widen(start, end)
        best: tuple[float, int, int] | None = None
        winner: str | None = None
        for turn in self._near(start - max_gap_s, end + max_gap_s):
            gap = max(turn.start - end, start - turn.end, 0.0)
            if gap > max_gap_s:
                continue
            key = (gap, *self._tie_key(turn.speaker, prefer))
            if best is None or key < best:
                best, winner = key, turn.speaker
        return winner


def _widen(start: float, end: float) -> tuple[float, float]:
    """Order the span and give a zero-length span a measurable width."""
    start, end = min(start, end), max(start, end)
    if end - start < 2 * _POINT_HALF_WIDTH_S:
        middle = (start + end) / 2
        return middle - _POINT_HALF_WIDTH_S, middle + _POINT_HALF_WIDTH_S
    return start, end


def attribute_spans(
    spans: Sequence[tuple[float, float]], turns: Sequence[Turn], max_gap_s: float
) -> list[str | None]:
    """Give each span of speech a diarizer speaker.

    Rules, in order: the speaker whose turns cover most of the span; else the
    speaker of the nearest turn within ``max_gap_s``; else the previous span's
    speaker (a pause inside one person's speech); else None (nobody known yet).

    Args:
        spans: ``(start, end)`` pairs in spoken order.
        turns: Diarizer turns in any order.
        max_gap_s: Farthest a turn may be from an uncovered span to claim it.

    Returns:
        One diarizer speaker label (or None) per span.

    """
    index = TurnIndex(turns)
    previous: str | None = None
    result: list[str | None] = []
    for start, end in spans:
        speaker = index.covering(start, end, prefer=previous)
        if speaker is None:
            speaker = index.nearest(start, end, max_gap_s, prefer=previous)
        if speaker is None:
            speaker = previous
        result.append(speaker)
        previous = speaker
    return result
