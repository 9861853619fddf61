"""faster-whisper engine: VAD, chunk planning, language per chunk, batched decoding.

faster-whisper's batched pipeline decodes many chunks at once (measured here: 21 s instead
of 178 s sequential for 308 s of audio), but it gives every chunk of a call the same
language, or detects one unrestricted. Courtroom speech switches between Kazakh and
Russian from one speaker to the next, so :class:`_PerChunkLanguagePipeline` reads the
language probabilities from the same encoder pass that decoding uses (no extra cost),
restricts them to the hearing's declared languages and sets each chunk's language token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from transcribe.batched import PerChunkLanguagePipeline
from transcribe.chunking import Span, plan_chunks
from transcribe.config import COURT_LANGUAGES, TranscribeConfig
from transcribe.errors import TranscribeError, UnsupportedLanguageError
from transcribe.guards import clamp_words_to_speech
from transcribe.language import LanguageChoice
from transcribe.models import resolve_model
from transcribe.types import AsrWord, ChunkResult, Transcript, TranscriptSegment

__all__ = ["ProgressHook", "WhisperEngine"]

logger = logging.getLogger(__name__)

ProgressHook = Callable[[str, float, float], None]
SAMPLE_RATE = 16000


def _no_progress(step: str, completed: float, total: float) -> None:
    """Default hook: progress goes nowhere."""


class WhisperEngine:
    """A loaded Whisper model; load once per process and reuse for every recording."""

    def __init__(self, config: TranscribeConfig) -> None:
        self.config = config
        resolved = resolve_model(config.model, config.cache_dir)
        self.model_name = resolved.name
        try:
            self._model = WhisperModel(
                str(resolved.path),
                device=config.device,
                compute_type=config.compute_type,
                cpu_threads=config.cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranscribeError(f"cannot load Whisper model {resolved.path}: {exc}") from exc
        logger.info("loaded %s on %s (%s)", self.model_name, config.device, config.compute_type)

    @property
    def supported_languages(self) -> tuple[str, ...]:
        """Languages the loaded model can decode."""
        return tuple(self._model.supported_languages)

    def speech_spans(self, audio: np.ndarray) -> tuple[Span, ...]:
        """Silero VAD speech regions of 16 kHz mono audio, in seconds."""
        options = VadOptions(
            threshold=self.config.vad_threshold,
            min_silence_duration_ms=self.config.min_silence_ms,
            speech_pad_ms=self.config.speech_pad_ms,
            max_speech_duration_s=self.config.chunk_max_s,
        )
        stamps = get_speech_timestamps(audio, options)
        return tuple(Span(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps)

    def transcribe(
        self,
        wav: Path,
        *,
        languages: Sequence[str] | None = COURT_LANGUAGES,
        vocabulary: Sequence[str] = (),
        speaker_changes: Sequence[float] = (),
        hook: ProgressHook = _no_progress,
    ) -> Transcript:
        """Transcribe a 16 kHz mono WAV.

        Args:
            wav: Normalized audio (``ingest.normalize`` output).
            languages: Languages the hearing may use; detection is restricted to them.
                Empty or ``None`` allows every language the model knows.
            vocabulary: Names and terms of the hearing; passed as Whisper hotwords so
                decoding prefers their spelling.
            speaker_changes: Times where the speaker changes; no chunk crosses one.
            hook: Progress callback ``hook("transcribe", chunks_done, chunks_total)``.

        Returns:
            Segments in time order, each with its own language.

        """
        allowed = self._check_languages(languages)
        audio = _read_wav(wav)
        duration = len(audio) / SAMPLE_RATE
        speech = self.speech_spans(audio)
        chunks = plan_chunks(
            speech,
            speaker_changes,
            max_s=self.config.chunk_max_s,
            split_gap_s=self.config.split_gap_s,
            duration=duration,
        )
        speech_duration = sum(span.duration for span in speech)
        logger.info(
            "%s: %.1f s audio, %.1f s speech in %d chunks",
            wav.name,
            duration,
            speech_duration,
            len(chunks),
        )
        hook("transcribe", 0, len(chunks))
        if not chunks:
            return Transcript((), (), self.model_name, 0.0)
        segments, choices = self._decode(audio, chunks, allowed, vocabulary, hook)
        results = tuple(
            ChunkResult(c.start, c.end, ch.code, round(ch.probability, 4))
            for c, ch in zip(chunks, choices, strict=True)
        )
        return Transcript(
            segments=tuple(_clamped(seg, speech) for seg in segments),
            chunks=results,
            model_name=self.model_name,
            speech_duration=round(speech_duration, 3),
        )

    def _check_languages(self, languages: Sequence[str] | None) -> tuple[str, ...] | None:
        if not languages:
            return None
        unknown = [code for code in languages if code not in self.supported_languages]
        if unknown:
            raise UnsupportedLanguageError(
                f"the model cannot decode language(s): {', '.join(unknown)}"
            )
        return tuple(languages)

    def _decode(
        self,
        audio: np.ndarray,
        chunks: Sequence[Span],
        allowed: tuple[str, ...] | None,
        vocabulary: Sequence[str],
        hook: ProgressHook,
    ) -> tuple[list[TranscriptSegment], list[LanguageChoice]]:
        pipeline = PerChunkLanguagePipeline(self._model, allowed)
        offsets = {int(c.start * self._model.frames_per_second): i for i, c in enumerate(chunks)}
        raw, _info = pipeline.transcribe(
            audio,
            language=(allowed or ("en",))[0],
            clip_timestamps=[{"start": c.start, "end": c.end} for c in chunks],
            batch_size=self.config.batch_size,
            beam_size=self.config.beam_size,
            word_timestamps=True,
            hotwords=", ".join(vocabulary) or None,
        )
        segments: list[TranscriptSegment] = []
        seen: set[int] = set()
        for seg in raw:
            index = offsets.get(seg.seek, _nearest_chunk(chunks, seg.start))
            if index not in seen:
                seen.add(index)
                hook("transcribe", len(seen), len(chunks))
            segments.append(_to_segment(seg, pipeline.choices[index]))
        hook("transcribe", len(chunks), len(chunks))
        return segments, pipeline.choices


def _nearest_chunk(chunks: Sequence[Span], start: float) -> int:
    """Index of the chunk a segment start falls in (fallback when ``seek`` is rounded)."""
    return min(range(len(chunks)), key=lambda i: abs(chunks[i].start - start))


def _to_segment(seg: Any, choice: LanguageChoice) -> TranscriptSegment:
    words = tuple(
        AsrWord(round(w.start, 3), round(w.end, 3), w.word, round(w.probability, 4))
        for w in (seg.words or ())
    )
    return TranscriptSegment(
        start=round(seg.start, 3),
        end=round(seg.end, 3),
        text=seg.text.strip(),
        language=choice.code,
        language_probability=round(choice.probability, 4),
        words=words,
        avg_logprob=round(seg.avg_logprob, 4),
        no_speech_prob=round(seg.no_speech_prob, 4),
        compression_ratio=round(seg.compression_ratio, 4),
    )


def _clamped(seg: TranscriptSegment, speech: Sequence[Span]) -> TranscriptSegment:
    words = clamp_words_to_speech(seg.words, speech)
    if words == seg.words or not words:
        return seg
    return replace(
        seg, words=words, start=min(seg.start, words[0].start), end=max(seg.end, words[-1].end)
    )


def _read_wav(path: Path) -> np.ndarray:
    """Read a 16 kHz mono WAV as float32 (what Whisper's feature extractor takes)."""
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    except (RuntimeError, OSError) as exc:
        raise TranscribeError(f"cannot read {path.name}: {exc}") from exc
    if rate != SAMPLE_RATE or audio.ndim != 1:
        raise TranscribeError(f"{path.name} must be 16 kHz mono, got {rate} Hz, {audio.ndim} dims")
    return np.ascontiguousarray(audio)
