"""faster-whisper engine: VAD, chunk planning, language per chunk, batched decoding.

faster-whisper's batched pipeline decodes many chunks at once (measured here: 21 s instead
of 178 s sequential for 308 s of audio), but it gives every chunk of a call the same
language, or detects one unrestricted. Courtroom speech switches between Kazakh and
Russian from one speaker to the next, so :class:`_PerChunkLanguagePipeline` reads the
language probabilities from the same encoder pass that decoding uses (no extra cost),
restricts them to the hearing's declared languages and sets each chunk's language token.
"""

from __future__ import annotations

import bisect
import itertools
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
from transcribe.chunking import Span, Window, plan_windows
from transcribe.config import COURT_LANGUAGES, TranscribeConfig
from transcribe.errors import TranscribeError, UnsupportedLanguageError
from transcribe.guards import clamp_words_to_speech, cut_loops
from transcribe.language import LanguageChoice
from transcribe.models import resolve_model
from transcribe.redo import RedoPiece, assemble
from transcribe.timeline import compress_pauses, map_back
from transcribe.types import AsrWord, ChunkResult, Transcript, TranscriptSegment, UnitLanguage

__all__ = ["ProgressHook", "WhisperEngine"]

logger = logging.getLogger(__name__)

ProgressHook = Callable[[str, float, float], None]
SAMPLE_RATE = 16000
MIN_EMPTY_UNIT_S = 0.5
"""A unit of speech this long that got no word is decoded again."""
MAX_WORD_S = 2.0
"""Longest plausible spoken word (Kazakh compounds included), for coverage checks."""
MIN_UNCOVERED_TAIL_S = 2.0
"""Speech this long after a unit's last word (decoder stopped early or looped) is decoded
again."""


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

    def detect_speech(self, wav: Path) -> tuple[Span, ...]:
        """Speech regions of a normalized WAV; the pipeline shares them with diarization."""
        return self.speech_spans(_read_wav(wav))

    def transcribe(
        self,
        wav: Path,
        *,
        languages: Sequence[str] | None = COURT_LANGUAGES,
        vocabulary: Sequence[str] = (),
        speaker_changes: Sequence[float] = (),
        speech: Sequence[Span] | None = None,
        hook: ProgressHook = _no_progress,
    ) -> Transcript:
        """Transcribe a 16 kHz mono WAV.

        Args:
            wav: Normalized audio (``ingest.normalize`` output).
            languages: Languages the hearing may use; detection is restricted to them.
                Empty or ``None`` allows every language the model knows.
            vocabulary: Names and terms of the hearing; passed as Whisper hotwords so
                decoding prefers their spelling.
            speaker_changes: Times where the speaker changes; the language of each stretch
                between them is checked, and stretches in another language than their
                window are decoded again on their own.
            speech: Speech regions from :meth:`detect_speech` when the caller has them
                already; ``None`` runs the VAD here.
            hook: Progress callback ``hook("transcribe", windows_done, windows_total)``.

        Returns:
            Segments in time order, each with its own language.

        """
        allowed = self._check_languages(languages)
        original = _read_wav(wav)
        speech = tuple(speech) if speech is not None else self.speech_spans(original)
        cuts = sorted({*speaker_changes, *_pause_cuts(speech, self.config.unit_pause_s)})
        timeline = compress_pauses(original, speech, self.config.max_pause_s)
        audio = timeline.audio
        duration = len(audio) / SAMPLE_RATE
        windows = plan_windows(
            [timeline.forward_span(span) for span in speech],
            [timeline.forward(cut) for cut in cuts],
            max_s=self.config.chunk_max_s,
            split_gap_s=self.config.split_gap_s,
            duration=duration,
        )
        speech_duration = sum(span.duration for span in speech)
        logger.info(
            "%s: %.1f s audio, %.1f s speech (%.1f s with short pauses) in %d windows",
            wav.name,
            len(original) / SAMPLE_RATE,
            speech_duration,
            duration,
            len(windows),
        )
        hook("transcribe", 0, len(windows))
        if not windows:
            return Transcript((), (), self.model_name, 0.0)
        progress = _Progress(hook, len(windows))
        segments, chunks = self._decode(audio, windows, allowed, vocabulary, progress)
        redo = _units_to_redo(windows, chunks, segments, self.config.switch_probability)
        if redo:
            joined = assemble(audio, redo, self.config.chunk_max_s)
            logger.info(
                "decoding %d stretches again in %d packed windows", len(redo), len(joined.windows)
            )
            progress.total += len(joined.windows)
            redone, _ = self._decode(
                joined.audio, joined.windows, allowed, vocabulary, progress, joined.languages
            )
            # One decoded segment may hold stretches from far apart; split it there, so
            # the speech between them keeps its first-pass words.
            back = _split_at_pauses(map_back(redone, joined.offsets), self.config.split_gap_s)
            segments = _replace_units(segments, [p.span for p in redo], back)
        hook("transcribe", progress.total, progress.total)
        segments = _split_at_pauses(map_back(segments, timeline.offsets), self.config.split_gap_s)
        return Transcript(
            segments=tuple(
                sorted((_clamped(seg, speech) for seg in segments), key=lambda g: g.start)
            ),
            chunks=tuple(
                replace(c, start=timeline.backward(c.start), end=timeline.backward(c.end), units=())
                for c in sorted(chunks, key=lambda c: c.start)
            ),
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
        windows: Sequence[Window],
        allowed: tuple[str, ...] | None,
        vocabulary: Sequence[str],
        progress: _Progress,
        forced: Sequence[RedoPiece] | None = None,
    ) -> tuple[list[TranscriptSegment], list[ChunkResult]]:
        """Decode windows in batches; loops are cut (and flagged) where they start."""
        hotwords = ", ".join(vocabulary) or None
        languages = (
            [LanguageChoice(p.language, p.probability, 0.0) for p in forced] if forced else None
        )
        pipeline = PerChunkLanguagePipeline(self._model, allowed, windows, forced=languages)
        fps = self._model.frames_per_second
        offsets = {int(w.span.start * fps): i for i, w in enumerate(windows)}
        raw, _info = pipeline.transcribe(
            audio,
            language=(allowed or ("en",))[0],
            clip_timestamps=[{"start": w.span.start, "end": w.span.end} for w in windows],
            batch_size=self.config.batch_size,
            beam_size=self.config.beam_size,
            word_timestamps=True,
            hotwords=hotwords,
        )
        by_window: dict[int, list[Any]] = {}
        for seg in raw:
            index = offsets.get(seg.seek, _nearest_window(windows, seg.start))
            if index not in by_window:
                progress.advance()
            by_window.setdefault(index, []).append(seg)
        segments: list[TranscriptSegment] = []
        chunks: list[ChunkResult] = []
        for index, window in enumerate(windows):
            choice = pipeline.choices[index]
            found = [_to_segment(seg, choice) for seg in by_window.get(index, [])]
            found = _split_by_units(cut_loops(found), window, pipeline.unit_languages[index])
            segments.extend(found)
            chunks.append(
                ChunkResult(
                    start=round(window.span.start, 3),
                    end=round(window.span.end, 3),
                    language=choice.code,
                    language_probability=round(choice.probability, 4),
                    units=tuple(
                        UnitLanguage(round(u.start, 3), round(u.end, 3), dict(d) if d else {})
                        for u, d in zip(
                            window.units,
                            pipeline.unit_languages[index] or [None] * len(window.units),
                            strict=True,
                        )
                    ),
                )
            )
        return segments, chunks


def _nearest_window(windows: Sequence[Window], start: float) -> int:
    """Index of the window a segment start falls in (fallback when ``seek`` is rounded)."""
    return min(range(len(windows)), key=lambda i: abs(windows[i].span.start - start))


class _Progress:
    """Counts decoded windows for the progress hook (the total grows with re-decodes)."""

    def __init__(self, hook: ProgressHook, total: int) -> None:
        self.hook = hook
        self.total = total
        self.done = 0

    def advance(self) -> None:
        self.done += 1
        self.hook("transcribe", min(self.done, self.total), self.total)


def _split_at_pauses(
    segments: Sequence[TranscriptSegment], gap_s: float
) -> list[TranscriptSegment]:
    """Split segments where their words are far apart in the recording.

    Shortened pauses let one decoded segment run across what was a long silence; the
    protocol should show two utterances there, each with its own times.
    """
    out: list[TranscriptSegment] = []
    for seg in segments:
        parts: list[list[AsrWord]] = []
        for word in seg.words:
            if parts and word.start - parts[-1][-1].end < gap_s:
                parts[-1].append(word)
            else:
                parts.append([word])
        if len(parts) <= 1:
            out.append(seg)
            continue
        out.extend(
            replace(
                seg,
                words=tuple(part),
                text="".join(w.text for w in part).strip(),
                start=part[0].start,
                end=part[-1].end,
            )
            for part in parts
        )
    return out


def _pause_cuts(speech: Sequence[Span], min_pause_s: float) -> list[float]:
    """Midpoints of long pauses, where language can switch without a new speaker.

    Diarization misses short turns and similar voices, and one person may switch
    language after a pause.
    """
    return [
        round((a.end + b.start) / 2, 3)
        for a, b in itertools.pairwise(speech)
        if b.start - a.end >= min_pause_s
    ]


def _split_by_units(
    segments: Sequence[TranscriptSegment],
    window: Window,
    found: Sequence[dict[str, float] | None],
) -> list[TranscriptSegment]:
    """Split a window's segments at its speaker units; each part gets its unit's confidence.

    The batched decoder returns one segment per window; a unit's own language
    probability says more about its part than the window's vote does.
    """
    if len(window.units) < 2:
        return list(segments)
    out: list[TranscriptSegment] = []
    for seg in segments:
        groups: dict[int, list[AsrWord]] = {}
        for word in seg.words:
            middle = (word.start + word.end) / 2
            index = min(
                range(len(window.units)),
                key=lambda i: _distance(window.units[i], middle),
            )
            groups.setdefault(index, []).append(word)
        if len(groups) <= 1 and not any(found):
            out.append(seg)
            continue
        for index in sorted(groups):
            words = tuple(groups[index])
            dist = found[index] if index < len(found) else None
            probability = dist.get(seg.language, 0.0) if dist else seg.language_probability
            out.append(
                replace(
                    seg,
                    words=words,
                    text="".join(w.text for w in words).strip(),
                    start=words[0].start,
                    end=words[-1].end,
                    language_probability=round(probability, 4),
                )
            )
    return out


def _distance(span: Span, time: float) -> float:
    return (
        0.0 if span.start <= time <= span.end else min(abs(span.start - time), abs(span.end - time))
    )


def _unit_results(
    window: Window, found: Sequence[dict[str, float] | None]
) -> tuple[UnitLanguage, ...]:
    dists = list(found) or [None] * len(window.units)
    return tuple(
        UnitLanguage(round(u.start, 3), round(u.end, 3), dict(d) if d else {})
        for u, d in zip(window.units, dists, strict=True)
    )


def _units_to_redo(
    windows: Sequence[Window],
    chunks: Sequence[ChunkResult],
    segments: Sequence[TranscriptSegment],
    threshold: float,
) -> list[RedoPiece]:
    """Speaker units the first pass got wrong: another language, or no words at all.

    Whisper often stops decoding a window at a pause before a change of speaker or
    language, or loops (the loop is cut), leaving the rest without text; decoding those
    stretches again recovers words the bare model loses.
    """
    # A decoder that stopped early stretches its last word to the end of the window;
    # no word lasts that long, so coverage counts at most MAX_WORD_S of each.
    spans = [(w.start, min(w.end, w.start + MAX_WORD_S)) for seg in segments for w in seg.words]
    middles = sorted((start + end) / 2 for start, end in spans)
    ends = sorted(end for _, end in spans)
    redo = []
    for window, chunk in zip(windows, chunks, strict=True):
        for unit, found in zip(window.units, chunk.units, strict=True):
            language, probability = _unit_language(found, chunk)
            lo = bisect.bisect_left(middles, unit.start)
            empty = lo >= len(middles) or middles[lo] > unit.end
            if (empty and unit.duration >= MIN_EMPTY_UNIT_S) or _switched(found, chunk, threshold):
                redo.append(RedoPiece(unit, language, probability))
                continue
            last = ends[bisect.bisect_right(ends, unit.end) - 1] if ends else unit.start
            if unit.start <= last and unit.end - last >= MIN_UNCOVERED_TAIL_S:
                redo.append(RedoPiece(Span(last, unit.end), language, probability))
    return redo


def _unit_language(found: UnitLanguage, chunk: ChunkResult) -> tuple[str, float]:
    """The unit's own most likely language, else its window's."""
    if not found.probabilities:
        return chunk.language, chunk.language_probability
    code = max(found.probabilities, key=lambda c: found.probabilities[c])
    return code, found.probabilities[code]


def _switched(found: UnitLanguage, chunk: ChunkResult, threshold: float) -> bool:
    if not found.probabilities:
        return False
    code = max(found.probabilities, key=lambda c: found.probabilities[c])
    return code != chunk.language and found.probabilities[code] >= threshold


def _replace_units(
    segments: Sequence[TranscriptSegment],
    units: Sequence[Span],
    redone: Sequence[TranscriptSegment],
) -> list[TranscriptSegment]:
    """Drop words of the first pass that the re-decoded stretches replace; add the new ones.

    A first-pass word goes if its middle lies in a re-decoded stretch, or if most of it
    lies under the new words (loops stretch single words over seconds of speech).
    """
    covered = [Span(seg.start, seg.end) for seg in redone if seg.words]

    def inside(word: AsrWord) -> bool:
        middle = (word.start + word.end) / 2
        if any(u.start <= middle <= u.end for u in units):
            return True
        length = max(word.end - word.start, 1e-3)
        shared = sum(max(0.0, min(word.end, c.end) - max(word.start, c.start)) for c in covered)
        return shared > 0.5 * length

    kept: list[TranscriptSegment] = []
    for seg in segments:
        words = tuple(w for w in seg.words if not inside(w))
        if words == seg.words:
            kept.append(seg)
        elif words:
            text = "".join(w.text for w in words).strip()
            kept.append(
                replace(seg, words=words, text=text, start=words[0].start, end=words[-1].end)
            )
    return kept + list(redone)


def _to_segment(seg: Any, choice: LanguageChoice, offset: float = 0.0) -> TranscriptSegment:
    words = tuple(
        AsrWord(
            round(float(w.start) + offset, 3),
            round(float(w.end) + offset, 3),
            w.word,
            round(float(w.probability), 4),
        )
        for w in (seg.words or ())
    )
    # Whisper's segment end is the padded window end; the words say where speech is.
    start = words[0].start if words else round(float(seg.start) + offset, 3)
    end = words[-1].end if words else round(float(seg.end) + offset, 3)
    return TranscriptSegment(
        start=start,
        end=end,
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
    # The segment spans its words: they are where the speech is.
    return replace(seg, words=words, start=words[0].start, end=words[-1].end)


def _read_wav(path: Path) -> np.ndarray:
    """Read a 16 kHz mono WAV as float32 (what Whisper's feature extractor takes)."""
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    except (RuntimeError, OSError) as exc:
        raise TranscribeError(f"cannot read {path.name}: {exc}") from exc
    if rate != SAMPLE_RATE or audio.ndim != 1:
        raise TranscribeError(f"{path.name} must be 16 kHz mono, got {rate} Hz, {audio.ndim} dims")
    return np.ascontiguousarray(audio)
