"""Configuration of the transcription engine (built by the worker/CLI from settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["COURT_LANGUAGES", "TranscribeConfig"]

COURT_LANGUAGES = ("kk", "ru")
"""Kazakhstan's courts hear cases in Kazakh or Russian; detection is restricted to these
unless a hearing declares otherwise."""


@dataclass(frozen=True)
class TranscribeConfig:
    """How to run faster-whisper.

    Attributes:
        model: ``"base"`` (bundled, offline), a CTranslate2 Whisper directory, or a name
            already in ``cache_dir``.
        cache_dir: Where the bundled model is assembled.
        device: ``"cpu"`` or ``"cuda"``.
        compute_type: CTranslate2 quantisation; int8 is the fastest on CPU with no
            measurable WER loss for base (see docs/benchmarks.md).
        cpu_threads: 0 lets CTranslate2 use all cores.
        beam_size: Beam width. Measured on the real-speech test hearing (2 Kazakh and
            2 Russian speakers, 19 s, 2026-11-25): beam 5 gave
            WER 0.654 / CER 0.240 in 7.7-8.0 s, greedy WER 0.731 / CER 0.305 in 11.0-11.7 s,
            because greedy decoding stops early or loops more often and those units are
            decoded again. Encoder passes dominate on CPU, so the wider beam is cheap.
        batch_size: Chunks decoded together by the batched pipeline.
        chunk_max_s: Longest chunk; under Whisper's 30 s window with room for padding.
        split_gap_s: A pause this long starts a new chunk, so Whisper never has to bridge
            a long silence (where it invents text or stamps the next word early).
        vad_threshold: Silero speech probability threshold.
        min_silence_ms: Pause that separates two speech regions.
        speech_pad_ms: Padding kept around each speech region.
        language_margin: Below this probability of the chosen language (renormalised
            over the allowed ones) the segment is flagged ``language_uncertain``.
        switch_probability: A speaker unit whose own language has at least this
            probability and differs from its window's is decoded again on its own.
        unit_pause_s: Pauses this long also bound the units whose language is checked.
        max_pause_s: Longer pauses are shortened to this before decoding, so windows
            hold as much speech as faster-whisper's own batched packing.

    """

    model: str = "base"
    cache_dir: Path = Path("data/models")
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0
    beam_size: int = 5
    batch_size: int = 8
    chunk_max_s: float = 28.0
    split_gap_s: float = 2.0
    vad_threshold: float = 0.5
    min_silence_ms: int = 160
    speech_pad_ms: int = 200
    language_margin: float = 0.7
    switch_probability: float = 0.65
    unit_pause_s: float = 0.8
    max_pause_s: float = 0.5
