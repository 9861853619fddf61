"""Repairs for Whisper's known timing failures that can be fixed without guessing.

Whisper's word alignment often stamps the first word after a pause seconds too early (the
cross-attention smears into the silence before it). VAD knows where speech is, so a word
is pulled back inside the speech region it overlaps. Failures that cannot be fixed
(loops, invented text) are flagged by ``protocol.flags`` instead of being hidden.
"""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Sequence
from dataclasses import replace

from transcribe.chunking import Span
from transcribe.types import AsrWord, TranscriptSegment

REPETITION = "repetition"
MAX_SILENT_WORD_S = 1.0
"""A word lying wholly in silence and longer than this was stamped early."""
ORDINARY_WORD_S = 0.5

__all__ = ["REPETITION", "clamp_words_to_speech", "compression_ratio", "cut_loops", "looks_looping"]


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
        # Stretched over silence: the end is anchored at the next word, the start is the
        # early stamp. Keep an ordinary word's length before the end.
        if word.end - word.start > MAX_SILENT_WORD_S:
            return replace(word, start=round(word.end - ORDINARY_WORD_S, 3))
        return word
    # A word stretched over a pause belongs to the region holding most of it: usually the
    # one after the pause, since the early stamp smears backwards into the silence.
    region = max(touching, key=lambda s: min(s.end, word.end) - max(s.start, word.start))
    start = region.start if word.start < region.start - tol else word.start
    end = region.end if word.end > region.end + tol else word.end
    if end <= start or (start, end) == (word.start, word.end):
        return word
    return replace(word, start=round(start, 3), end=round(end, 3))


def compression_ratio(text: str) -> float:
    """Whisper's loop measure: how well the text compresses (normal speech is ~1.2-1.8)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def looks_looping(text: str, max_ratio: float = 2.4, max_repeats: int = 4) -> bool:
    """Whether decoded text is a repetition loop worth decoding again.

    Args:
        text: Decoded text of one chunk.
        max_ratio: Compression ratio above which Whisper itself would retry.
        max_repeats: A word or short phrase repeated back to back this often is a loop.

    """
    if compression_ratio(text) > max_ratio:
        return True
    words = re.findall(r"\w+", text.lower())
    return any(
        _repeats(words, size, offset) >= max_repeats for size in (1, 2, 3) for offset in range(size)
    )


def _repeats(words: list[str], size: int, offset: int) -> int:
    """Longest back-to-back repetition of a ``size``-word phrase starting at ``offset``."""
    best = run = 1
    for i in range(offset + size, len(words) - size + 1, size):
        run = run + 1 if words[i : i + size] == words[i - size : i] else 1
        best = max(best, run)
    return best


MAX_LOOP_PHRASE = 8
"""Longest phrase (in words) searched for back-to-back repeats."""


def loop_start(words: Sequence[str], max_repeats: int = 4) -> int | None:
    """Index where a word or phrase starts repeating back to back, if it does.

    A single word must come ``max_repeats`` times in a row ("да да да" is speech), a
    phrase of 2 to :data:`MAX_LOOP_PHRASE` words three times: Whisper's loops on hard
    audio are often whole clauses ("сутимаших искомых треба мани паща" five times over a
    packed window), which a search for short phrases alone let through.

    Returns the index just after the first instance, so one copy is kept.
    """
    tokens = [re.sub(r"\W+", "", w.lower()) for w in words]
    for i in range(len(tokens)):
        for size in range(1, MAX_LOOP_PHRASE + 1):
            phrase = tokens[i : i + size]
            if len(phrase) < size or not any(phrase):
                continue
            repeats = 1
            while tokens[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= (max_repeats if size == 1 else 3):
                return i + size
    return None


def cut_loops(segments: Sequence[TranscriptSegment]) -> list[TranscriptSegment]:
    """Cut a window's text where a repetition loop starts, and flag it.

    Batched decoding has no temperature fallback, and re-sampling invents text of its own;
    the words before the loop are right, and the speech after it is decoded again by the
    coverage check. Windows that compress suspiciously well without a word loop
    (``пи-пи-пи`` inside one token) keep their text and get the flag.
    """
    words = [w for seg in segments for w in seg.words]
    cut = loop_start([w.text for w in words])
    if cut is None:
        if looks_looping(" ".join(seg.text for seg in segments)):
            return [replace(seg, flags=(*seg.flags, REPETITION)) for seg in segments]
        return list(segments)
    keep = {id(w) for w in words[:cut]}
    out: list[TranscriptSegment] = []
    for seg in segments:
        kept = tuple(w for w in seg.words if id(w) in keep)
        if not kept:
            continue
        if len(kept) == len(seg.words):
            out.append(seg)
            continue
        out.append(
            replace(
                seg,
                words=kept,
                text="".join(w.text for w in kept).strip(),
                end=kept[-1].end,
                flags=(*seg.flags, REPETITION),
            )
        )
    return out
