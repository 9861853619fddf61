"""Batched decoding with a language chosen per chunk from that chunk's own encoder output.

faster-whisper's :class:`BatchedInferencePipeline` gives every chunk of a call one language
(or detects an unrestricted one per chunk). This subclass replaces only the step that builds
the prompts: it reads the language probabilities from the encoder output that decoding
uses anyway, restricts them to the hearing's languages and puts each chunk's own language
token into its prompt. Tied to faster-whisper 1.2.x internals (pinned in pyproject.toml);
tests/test_transcribe_engine.py exercises it against the real model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline

from transcribe.chunking import Window
from transcribe.language import LanguageChoice, choose_language, language_token, restricted, vote

__all__ = ["MAX_TOKENS_PER_SECOND", "MIN_UNIT_S", "PerChunkLanguagePipeline"]

FRAME_S = 0.02
"""Whisper encoder frame: 30 s in 1500 frames."""
MIN_UNIT_S = 1.0
"""Below a second of speech the language step guesses; such units follow their window."""

MAX_TOKENS_PER_SECOND = 16.0
"""Fast Russian or Kazakh speech is ~3 words/s and ~3 Whisper tokens per Cyrillic word, so
16 tokens per second of audio leaves ample room; only a looping decode reaches it."""


class PerChunkLanguagePipeline(BatchedInferencePipeline):
    """Batched pipeline whose chunks each get their own (restricted) language.

    Attributes:
        allowed: Languages a chunk may be decoded as; ``None`` allows all.
        forced: A language per window, when it is already known (re-decoding).
        choices: The language chosen for each chunk, in decoding order (= chunk order).

    """

    def __init__(
        self,
        model: Any,
        allowed: tuple[str, ...] | None,
        windows: Sequence[Window],
        tokens_per_second: float = MAX_TOKENS_PER_SECOND,
        forced: Sequence[LanguageChoice] | None = None,
    ) -> None:
        super().__init__(model)
        self.allowed = allowed
        self.windows = tuple(windows)
        self.forced = tuple(forced) if forced is not None else None
        self.tokens_per_second = tokens_per_second
        self.choices: list[LanguageChoice] = []
        self.unit_languages: list[tuple[dict[str, float] | None, ...]] = []

    def generate_segment_batched(
        self, features: np.ndarray, tokenizer: Any, options: Any
    ) -> tuple[Any, list[dict[str, Any]]]:
        """Encode a batch, choose each chunk's language, decode with per-chunk prompts."""
        whisper = self.model
        encoder_output = whisper.encode(features)
        first = len(self.choices)
        choices = []
        own = _WindowDetection(whisper.model, encoder_output)
        for item in range(len(features)):
            if self.forced is not None:
                self.unit_languages.append(())
                choices.append(self.forced[first + item])
                continue
            window = self.windows[first + item] if first + item < len(self.windows) else None
            units = self._unit_languages(encoder_output, item, window)
            self.unit_languages.append(units)
            choices.append(self._window_language(own, item, window, units))
        self.choices.extend(choices)
        prompt = whisper.get_prompt(
            tokenizer,
            previous_tokens=[],
            without_timestamps=options.without_timestamps,
            hotwords=options.hotwords,
        )
        slot = prompt.index(tokenizer.language)
        prompts = []
        for choice in choices:
            tokens = list(prompt)
            tokens[slot] = tokenizer.tokenizer.token_to_id(language_token(choice.code))
            prompts.append(tokens)
        results = whisper.model.generate(
            encoder_output,
            prompts,
            beam_size=options.beam_size,
            patience=options.patience,
            length_penalty=options.length_penalty,
            max_length=self._max_length(len(prompt), first, len(choices)),
            suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            sampling_temperature=options.temperatures[0],
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
        )
        return encoder_output, [_scored(result, options.length_penalty) for result in results]

    def _unit_languages(
        self, encoder_output: Any, item: int, window: Window | None
    ) -> tuple[dict[str, float] | None, ...]:
        """Language distribution of each speaker unit, from slices of the encoder output.

        Each encoder frame covers 20 ms and mostly represents its own stretch of audio, so
        the decoder's language step on a unit's frames tells that unit's language without
        another 30 s encoder pass. Units under ``MIN_UNIT_S`` are too short to tell.
        """
        if window is None or len(window.units) < 2 or encoder_output.device != "cpu":
            return ()
        frames = np.asarray(encoder_output)[item]
        found: list[dict[str, float] | None] = []
        for unit in window.units:
            if unit.duration < MIN_UNIT_S:
                found.append(None)
                continue
            lo = max(0, int((unit.start - window.span.start) / FRAME_S))
            hi = min(len(frames), int(np.ceil((unit.end - window.span.start) / FRAME_S)))
            piece = ctranslate2.StorageView.from_array(np.ascontiguousarray(frames[None, lo:hi]))
            found.append(restricted(self.model.model.detect_language(piece)[0], self.allowed))
        return tuple(found)

    def _window_language(
        self,
        own: _WindowDetection,
        item: int,
        window: Window | None,
        units: tuple[dict[str, float] | None, ...],
    ) -> LanguageChoice:
        """The window's language: a vote of its units, else its own detection.

        The window's own detection runs only when there is no vote. It is one
        ``detect_language`` call per window: on a batch of 8 full windows CTranslate2
        took 490 ms against 200 ms for the 8 one by one (same probabilities), and
        faster-whisper's multilingual mode makes the batched call for every batch.
        """
        if window is not None and any(units):
            weighted = [
                (unit.duration, dist)
                for unit, dist in zip(window.units, units, strict=True)
                if dist is not None
            ]
            return vote(weighted)
        return choose_language(own(item), self.allowed)

    def _max_length(self, prompt_length: int, first: int, count: int) -> int:
        """Cap decoding by the batch's longest chunk.

        A looping decoder otherwise runs to Whisper's 448-token limit on every looping
        chunk, which costs more than decoding the whole rest of the batch.
        """
        durations = [w.span.duration for w in self.windows[first : first + count]]
        if not durations:
            return int(self.model.max_length)
        budget = prompt_length + int(max(durations) * self.tokens_per_second) + 16
        return int(min(self.model.max_length, budget))


class _WindowDetection:
    """Language probabilities of single windows of a batch, computed when asked for."""

    def __init__(self, whisper: Any, encoder_output: Any) -> None:
        self._whisper = whisper
        self._output = encoder_output
        self._batch: list[Any] | None = None

    def __call__(self, item: int) -> list[tuple[str, float]]:
        if self._output.device == "cpu" and self._output.shape[0] > 1:
            frames = np.asarray(self._output)[item : item + 1]
            piece = ctranslate2.StorageView.from_array(frames)
            return list(self._whisper.detect_language(piece)[0])
        # One window, or a GPU's output (not viewable as an array): the whole batch
        # once, as faster-whisper does.
        if self._batch is None:
            self._batch = list(self._whisper.detect_language(self._output))
        return list(self._batch[item])


def _scored(result: Any, length_penalty: float) -> dict[str, Any]:
    """Shape one CTranslate2 result the way the batched pipeline expects it."""
    tokens = result.sequences_ids[0]
    cumulative = result.scores[0] * (len(tokens) ** length_penalty)
    return {
        "avg_logprob": cumulative / (len(tokens) + 1),
        "no_speech_prob": result.no_speech_prob,
        "tokens": tokens,
    }
