"""Repairs for Whisper's known timing failures that can be fixed without guessing.

Whisper's word alignment often stamps the first word after a pause seconds too early (the
cross-attention smears into the silence before it). VAD knows where speech is, so a word
is pulled back inside the speech region it overlaps. Failures that cannot be fixed
(loops, invented text) are flagged by ``protocol.flags`` instead of being hidden.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from transcribe.chunking import Span
from transcribe.types import AsrWord

__all__ = ["clamp_words_to_speech"]


def clamp_words_to_speech(
    words: Sequence[AsrWord], speech: Sequence[Span], tolerance_s: float = 0.1
) -> tuple[AsrWord, ...]:
    """Move word edges that stick out of speech back onto the speech they belong to.

    Args:
        words: Words in time order.
        speech: Sorted, non-overlapping speech spans from VAD.
        tolerance_s: Edges this close to speech are left alone.

    Returns:
        Words with edges clamped to the speech region holding most of them; a word that
        touches no speech is unchanged.

    """
    starts = [span.start for span in speech]
    return tuple(_clamp(word, speech, starts, tolerance_s) for word in words)


def _clamp(word: AsrWord, speech: Sequence[Span], starts: list[float], tol: float) -> AsrWord:
    first = max(0, bisect.bisect_right(starts, word.start) - 1)
    touching = [s for s in speech[first:] if s.start < word.end and s.end > word.start]
    if not touching:
        return word
    # A word stretched over a pause belongs to the region holding most of it: usually the
    # one after the pause, since the early stamp smears backwards into the silence.
    region = max(touching, key=lambda s: min(s.end, word.end) - max(s.start, word.start))
    start = region.start if word.start < region.start - tol else word.start
    end = region.end if word.end > region.end + tol else word.end
    if end <= start or (start, end) == (word.start, word.end):
        return word
    return replace(word, start=round(start, 3), end=round(end, 3))
