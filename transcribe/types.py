"""Results of the transcription engine (plain frozen data, no model objects)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AsrWord", "ChunkResult", "Transcript", "TranscriptSegment", "UnitLanguage"]


@dataclass(frozen=True)
class AsrWord:
    """One decoded word with its time span and Whisper's probability."""

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class TranscriptSegment:
    """One Whisper segment; it never spans two chunks, so it has one language."""

    start: float
    end: float
    text: str
    language: str
    language_probability: float
    words: tuple[AsrWord, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitLanguage:
    """Language probabilities of one speaker unit inside a window (empty if too short)."""

    start: float
    end: float
    probabilities: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkResult:
    """A decoded window: its span, the language chosen for it and its units' languages."""

    start: float
    end: float
    language: str
    language_probability: float
    units: tuple[UnitLanguage, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """Everything the engine produced for one recording."""

    segments: tuple[TranscriptSegment, ...]
    chunks: tuple[ChunkResult, ...]
    model_name: str
    speech_duration: float
