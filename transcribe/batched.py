"""Batched decoding with a language chosen per chunk from that chunk's own encoder output.

faster-whisper's :class:`BatchedInferencePipeline` gives every chunk of a call one language
(or detects an unrestricted one per chunk). This subclass replaces only the step that builds
the prompts: it reads the language probabilities from the encoder output that decoding
uses anyway, restricts them to the hearing's languages and puts each chunk's own language
token into its prompt. Tied to faster-whisper 1.2.x internals (pinned in pyproject.toml);
tests/test_transcribe_engine.py exercises it against the real model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from faster_whisper import BatchedInferencePipeline

from transcribe.language import LanguageChoice, choose_language, language_token

__all__ = ["PerChunkLanguagePipeline"]


class PerChunkLanguagePipeline(BatchedInferencePipeline):
    """Batched pipeline whose chunks each get their own (restricted) language.

    Attributes:
        allowed: Languages a chunk may be decoded as; ``None`` allows all.
        choices: The language chosen for each chunk, in decoding order (= chunk order).

    """

    def __init__(self, model: Any, allowed: tuple[str, ...] | None) -> None:
        super().__init__(model)
        self.allowed = allowed
        self.choices: list[LanguageChoice] = []

    def generate_segment_batched(
        self, features: np.ndarray, tokenizer: Any, options: Any
    ) -> tuple[Any, list[dict[str, Any]]]:
        """Encode a batch, choose each chunk's language, decode with per-chunk prompts."""
        whisper = self.model
        encoder_output = whisper.encode(features)
        detected = whisper.model.detect_language(encoder_output)
        choices = [choose_language(probs, self.allowed) for probs in detected]
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
            item = list(prompt)
            item[slot] = tokenizer.tokenizer.token_to_id(language_token(choice.code))
            prompts.append(item)
        results = whisper.model.generate(
            encoder_output,
            prompts,
            beam_size=options.beam_size,
            patience=options.patience,
            length_penalty=options.length_penalty,
            max_length=whisper.max_length,
            suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            sampling_temperature=options.temperatures[0],
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
        )
        return encoder_output, [_scored(result, options.length_penalty) for result in results]


def _scored(result: Any, length_penalty: float) -> dict[str, Any]:
    """Shape one CTranslate2 result the way the batched pipeline expects it."""
    tokens = result.sequences_ids[0]
    cumulative = result.scores[0] * (len(tokens) ** length_penalty)
    return {
        "avg_logprob": cumulative / (len(tokens) + 1),
        "no_speech_prob": result.no_speech_prob,
        "tokens": tokens,
    }
