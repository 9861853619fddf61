"""Shorten long pauses before decoding, and map times back afterwards.

faster-whisper's batched mode packs only speech into its 30 s windows; a recording's own
pauses would otherwise fill windows with silence, and the encoder costs the same per
window whatever it holds (1.5 s per window on 2 CPU cores, base int8). Pauses longer
than ``max_gap_s`` are shortened to it (keeping the room tone on both sides),
so windows hold as much speech as the bare model's, while short pauses inside sentences
stay as they are.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from transcribe.chunking import Span
from transcribe.types import AsrWord, TranscriptSegment

__all__ = ["Timeline", "compress_pauses", "map_back"]

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Timeline:
    """Audio with shortened pauses and the pieces it was cut from.

    Attributes:
        audio: The shortened audio.
        offsets: ``(new_start, original_start, length)`` per kept piece, in order.
    """

    audio: np.ndarray
    offsets: tuple[tuple[float, float, float], ...]

    def forward(self, time: float) -> float:
        """Return where an original time lies in the shortened audio.

        Times inside a shortened pause map to the start of the next kept piece.
        """
        originals = [original for _, original, _ in self.offsets]
        index = bisect.bisect_right(originals, time) - 1
        if index < 0:
            return 0.0
        new, original, length = self.offsets[index]
        if time - original <= length:
            return round(new + time - original, 3)
        following = self.offsets[index + 1] if index + 1 < len(self.offsets) else None
        return following[0] if following else round(new + length, 3)

    def forward_span(self, span: Span) -> Span:
        """Return a span moved into the shortened audio."""
        return Span(self.forward(span.start), self.forward(span.end))

    def backward(self, time: float) -> float:
        """Return the original time of a time in the shortened audio."""
        return _moved(self.offsets, [new for new, _, _ in self.offsets], time)


def compress_pauses(audio: np.ndarray, speech: Sequence[Span], max_gap_s: float) -> Timeline:
    """Keep all speech and at most ``max_gap_s`` of each pause (half on either side).

    Keeping room on both sides matters: a word cut off at the end of VAD's speech span
    loses its last sound ("стоить" becomes "стоит").
    """
    total = len(audio) / SAMPLE_RATE
    half = max_gap_s / 2
    kept: list[list[float]] = []
    for span in sorted(speech, key=lambda s: s.start):
        start, end = max(0.0, span.start - half), min(total, span.end + half)
        if end <= start:
            continue
        if kept and start <= kept[-1][1]:
            kept[-1][1] = max(kept[-1][1], end)
        else:
            kept.append([start, end])
    pieces: list[np.ndarray] = []
    offsets: list[tuple[float, float, float]] = []
    cursor = 0.0
    for start, end in kept:
        samples = audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
        length = len(samples) / SAMPLE_RATE
        offsets.append((cursor, start, length))
        pieces.append(samples)
        cursor += length
    joined = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return Timeline(np.ascontiguousarray(joined, dtype=np.float32), tuple(offsets))


def map_back(
    segments: Sequence[TranscriptSegment], offsets: Sequence[tuple[float, float, float]]
) -> list[TranscriptSegment]:
    """Move word and segment times from joined or shortened audio back to the original.

    Each word lands inside one piece, the one holding its middle. A word that the decoder
    stamped across the seam of two pieces would otherwise start in one and end in the
    other: with joined re-decoded stretches that are a minute apart in the recording, one
    such word spanned 87 s and the merge took the speech under it for already decoded.
    """
    if not offsets:
        return list(segments)
    starts = [joined for joined, _, _ in offsets]

    def moved(time: float) -> float:
        return _moved(offsets, starts, time)

    out = []
    for seg in segments:
        words = tuple(_word_back(offsets, starts, w) for w in seg.words)
        start = words[0].start if words else moved(seg.start)
        end = words[-1].end if words else moved(seg.end)
        out.append(replace(seg, words=words, start=start, end=end))
    return out


def _word_back(
    offsets: Sequence[tuple[float, float, float]], starts: Sequence[float], word: AsrWord
) -> AsrWord:
    piece = offsets[_piece(offsets, starts, (word.start + word.end) / 2)]
    start = _within(piece, word.start)
    return replace(word, start=start, end=max(start, _within(piece, word.end)))


def _piece(
    offsets: Sequence[tuple[float, float, float]], starts: Sequence[float], time: float
) -> int:
    """Index of the piece holding ``time``; in the gap between two, the nearer one."""
    index = max(0, bisect.bisect_right(starts, time + 1e-6) - 1)
    joined, _, length = offsets[index]
    beyond = time - (joined + length)
    if beyond > 0 and index + 1 < len(offsets) and offsets[index + 1][0] - time < beyond:
        return index + 1
    return index


def _within(piece: tuple[float, float, float], time: float) -> float:
    """Original time of ``time``, clamped into ``piece`` (``joined, original, length``)."""
    joined, original, length = piece
    return round(original + min(max(time - joined, 0.0), length), 3)


def _moved(
    offsets: Sequence[tuple[float, float, float]], starts: Sequence[float], time: float
) -> float:
    return _within(offsets[_piece(offsets, starts, time)], time)
