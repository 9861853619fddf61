"""Decode again, together, the stretches the first pass got wrong.

A speaker unit in another language than its window, or speech the decoder left without
words, is decoded again in its own language. Decoding each such stretch in its own 30 s
window would cost a full encoder pass per stretch, so stretches of one language are cut
out of the recording and joined (with short silences between them) into packed windows,
like faster-whisper packs speech, and word times are mapped back afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from transcribe.chunking import Span, Window

__all__ = ["Assembly", "RedoPiece", "assemble"]

SAMPLE_RATE = 16000
JOIN_GAP_S = 0.4
"""Silence between joined stretches: enough for Whisper to end a sentence, short enough
not to invite invented text."""


@dataclass(frozen=True)
class RedoPiece:
    """A stretch of the recording to decode again, and the language to decode it in."""

    span: Span
    language: str
    probability: float


@dataclass(frozen=True)
class Assembly:
    """Joined audio, its windows with their languages, and where each piece came from.

    Attributes:
        audio: The joined 16 kHz samples.
        windows: Windows over ``audio``; their units are the joined pieces.
        languages: One piece per window gives the window's language and probability.
        offsets: ``(joined_start, original_start, duration)`` per piece, by joined start.
    """

    audio: np.ndarray
    windows: tuple[Window, ...]
    languages: tuple[RedoPiece, ...]
    offsets: tuple[tuple[float, float, float], ...]


def assemble(audio: np.ndarray, pieces: Sequence[RedoPiece], max_s: float = 28.0) -> Assembly:
    """Join the pieces of each language into packed windows over a new audio array."""
    chunks: list[np.ndarray] = []
    windows: list[Window] = []
    languages: list[RedoPiece] = []
    offsets: list[tuple[float, float, float]] = []
    cursor = 0.0
    gap = np.zeros(int(JOIN_GAP_S * SAMPLE_RATE), dtype=np.float32)
    for language in sorted({p.language for p in pieces}):
        group = sorted((p for p in pieces if p.language == language), key=lambda p: p.span.start)
        units: list[Span] = []
        for piece in group:
            samples = audio[int(piece.span.start * SAMPLE_RATE) : int(piece.span.end * SAMPLE_RATE)]
            length = len(samples) / SAMPLE_RATE
            if units and cursor + length - units[0].start > max_s:
                windows.append(_window(units))
                languages.append(_language_of(group, language))
                units = []
            offsets.append((cursor, piece.span.start, length))
            units.append(Span(cursor, cursor + length))
            chunks += [samples, gap]
            cursor += length + JOIN_GAP_S
        if units:
            windows.append(_window(units))
            languages.append(_language_of(group, language))
    joined = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return Assembly(joined, tuple(windows), tuple(languages), tuple(offsets))


def _window(units: Sequence[Span]) -> Window:
    return Window(Span(units[0].start, units[-1].end), tuple(units))


def _language_of(group: Sequence[RedoPiece], language: str) -> RedoPiece:
    best = max(group, key=lambda p: p.probability)
    return RedoPiece(best.span, language, min(p.probability for p in group))
