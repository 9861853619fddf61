"""Plan the windows Whisper decodes: speech only, under 30 s, with speaker units inside.

Whisper's encoder costs the same for 3 s as for 30 s (1.5 s per window on 2 CPU cores
with base int8), so windows are packed full. Speaker changes split a window into units;
each unit's language is checked, and units in another language than their window are
decoded again on their own.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Span", "Window", "plan_windows", "single_windows", "split_at"]


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


@dataclass(frozen=True)
class Window:
    """One decoding window and the speaker units inside it.

    Attributes:
        span: The audio handed to Whisper (padded speech, at most ``max_s`` long).
        units: Speech between speaker changes inside the window, in time order; the
            language is checked for each unit separately.
    """

    span: Span
    units: tuple[Span, ...]


def plan_windows(
    speech: Sequence[Span],
    cuts: Sequence[float] = (),
    *,
    max_s: float = 28.0,
    split_gap_s: float = 2.0,
    pad_s: float = 0.1,
    duration: float | None = None,
) -> tuple[Window, ...]:
    """Pack speech into decoding windows as full as the bare model's, with speaker units.

    Whisper's encoder always processes 30 s, so the number of windows sets the cost.
    Windows are packed across speaker changes (like plain faster-whisper), and the
    speaker changes only split the window into units whose language is checked one by
    one (``batched.PerChunkLanguagePipeline``).

    Args:
        speech: Speech spans from VAD (any order).
        cuts: Speaker-change times.
        max_s: Longest window.
        split_gap_s: Pause that always starts a new window (Whisper invents text or
            stamps the next word early across long silences).
        pad_s: Context added on both sides, never into a neighbouring window.
        duration: Audio length, to keep padding inside the file.

    Returns:
        Sorted, non-overlapping windows.
    """
    ordered_cuts = sorted(cuts)
    pieces = _limit_length(split_at(sorted(speech, key=lambda s: s.start), ordered_cuts), max_s)
    groups: list[list[Span]] = []
    for piece in pieces:
        last = groups[-1] if groups else None
        if last and piece.start - last[-1].end < split_gap_s and piece.end - last[0].start <= max_s:
            last.append(piece)
        else:
            groups.append([piece])
    spans = _pad([Span(g[0].start, g[-1].end) for g in groups], pad_s, duration)
    return tuple(
        Window(span, _units(group, ordered_cuts)) for span, group in zip(spans, groups, strict=True)
    )


def _units(pieces: Sequence[Span], cuts: Sequence[float]) -> tuple[Span, ...]:
    """Join consecutive pieces that no speaker change separates."""
    units: list[Span] = []
    for piece in pieces:
        if units and not _cut_between(cuts, units[-1].end, piece.start):
            units[-1] = Span(units[-1].start, piece.end)
        else:
            units.append(piece)
    return tuple(units)


def single_windows(
    spans: Sequence[Span], pad_s: float = 0.1, duration: float | None = None
) -> tuple[Window, ...]:
    """One window per span (re-decoding units whose language differs from their window)."""
    padded = _pad(list(spans), pad_s, duration)
    return tuple(Window(p, (s,)) for p, s in zip(padded, spans, strict=True))


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
