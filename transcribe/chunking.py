"""Plan the audio chunks Whisper decodes: speech only, one speaker each, under 30 s.

A chunk gets one language token, so a chunk that spans a speaker change would force one
person's Kazakh into another person's Russian. Chunks are therefore cut at speaker
changes (from diarization) and at long pauses, and packed up to ``max_s`` otherwise so
that the batched decoder stays efficient.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Span", "plan_chunks", "split_at"]


@dataclass(frozen=True)
class Span:
    """A time interval in seconds."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def split_at(spans: Sequence[Span], cuts: Sequence[float], min_piece_s: float = 0.05) -> list[Span]:
    """Split speech spans at cut points (speaker changes) that fall inside them.

    Args:
        spans: Sorted, non-overlapping speech spans.
        cuts: Sorted cut times.
        min_piece_s: Slivers shorter than this are dropped; they hold no word.

    Returns:
        The pieces, sorted.

    """
    pieces: list[Span] = []
    for span in spans:
        lo = bisect.bisect_right(cuts, span.start)
        hi = bisect.bisect_left(cuts, span.end)
        edges = [span.start, *cuts[lo:hi], span.end]
        pieces.extend(Span(a, b) for a, b in itertools.pairwise(edges) if b - a >= min_piece_s)
    return pieces


def _cut_between(cuts: Sequence[float], left: float, right: float) -> bool:
    """Whether a cut lies in the closed interval ``[left, right]``."""
    i = bisect.bisect_left(cuts, left)
    return i < len(cuts) and cuts[i] <= right


def plan_chunks(
    speech: Sequence[Span],
    cuts: Sequence[float] = (),
    *,
    max_s: float = 28.0,
    split_gap_s: float = 2.0,
    pad_s: float = 0.1,
    duration: float | None = None,
) -> tuple[Span, ...]:
    """Group speech spans into chunks for batched decoding.

    Args:
        speech: Speech spans from VAD (any order).
        cuts: Speaker-change times; no chunk crosses one.
        max_s: Longest chunk.
        split_gap_s: Pause that always starts a new chunk.
        pad_s: Context added on both sides, never into a neighbouring chunk.
        duration: Audio length, to keep padding inside the file.

    Returns:
        Sorted, non-overlapping chunks.

    """
    ordered_cuts = sorted(cuts)
    pieces = _limit_length(split_at(sorted(speech, key=lambda s: s.start), ordered_cuts), max_s)
    groups: list[Span] = []
    for piece in pieces:
        if groups and _joinable(groups[-1], piece, ordered_cuts, max_s, split_gap_s):
            groups[-1] = Span(groups[-1].start, piece.end)
        else:
            groups.append(piece)
    return tuple(_pad(groups, pad_s, duration))


def _joinable(
    chunk: Span, piece: Span, cuts: Sequence[float], max_s: float, split_gap_s: float
) -> bool:
    return (
        piece.start - chunk.end < split_gap_s
        and piece.end - chunk.start <= max_s
        and not _cut_between(cuts, chunk.end, piece.start)
    )


def _limit_length(pieces: Sequence[Span], max_s: float) -> list[Span]:
    """Split pieces longer than ``max_s`` into equal parts (VAD usually prevents this)."""
    out: list[Span] = []
    for piece in pieces:
        parts = max(1, int(piece.duration // max_s) + (piece.duration % max_s > 0))
        step = piece.duration / parts
        out.extend(Span(piece.start + i * step, piece.start + (i + 1) * step) for i in range(parts))
    return out


def _pad(chunks: Sequence[Span], pad_s: float, duration: float | None) -> list[Span]:
    padded: list[Span] = []
    for i, chunk in enumerate(chunks):
        left_limit = chunks[i - 1].end if i else 0.0
        right_limit = (
            chunks[i + 1].start if i + 1 < len(chunks) else (duration or chunk.end + pad_s)
        )
        start = max(chunk.start - pad_s, (left_limit + chunk.start) / 2 if i else left_limit)
        end = min(
            chunk.end + pad_s, (chunk.end + right_limit) / 2 if i + 1 < len(chunks) else right_limit
        )
        padded.append(Span(max(0.0, start), end))
    return padded
