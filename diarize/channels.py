"""Attribute speech to seats from per-seat microphone channels.

Courtroom recorders give each seat (judge, prosecutor, defence, witness, clerk) its own
microphone. Whoever is speaking is loudest on their own microphone; the others pick them
up as bleed, typically 10-25 dB down. Comparing frame energies across channels therefore
attributes speech far more reliably than any voice model, and two seats loud at the same
time mark overlapping speech.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.ndimage import uniform_filter1d

from diarize.config import ChannelConfig
from diarize.errors import DiarizeError
from diarize.types import SpeakerTurn

__all__ = [
    "SILENT",
    "channel_levels",
    "channels_separate_speakers",
    "label_frames",
    "overlap_spans",
    "turns_from_labels",
]

logger = logging.getLogger(__name__)

SILENT = -1


def channel_levels(paths: Sequence[Path], frame_s: float = 0.02) -> np.ndarray:
    """Frame energies in dBFS for each channel, read in blocks so memory stays flat.

    Args:
        paths: One mono WAV per channel, all the same length and rate.
        frame_s: Frame length in seconds.

    Returns:
        Array of shape ``(channels, frames)``.

    """
    rows = [_levels_of(path, frame_s) for path in paths]
    frames = min(len(row) for row in rows)
    return np.stack([row[:frames] for row in rows])


def _levels_of(path: Path, frame_s: float) -> np.ndarray:
    try:
        info = sf.info(str(path))
        frame = max(1, round(frame_s * info.samplerate))
        parts = []
        for block in sf.blocks(str(path), blocksize=frame * 2048, dtype="float32"):
            usable = len(block) - len(block) % frame
            if usable:
                power = np.mean(np.square(block[:usable].reshape(-1, frame)), axis=1)
                parts.append(10 * np.log10(power + 1e-12))
    except (RuntimeError, OSError) as exc:
        raise DiarizeError(f"cannot read channel {path.name}: {exc}") from exc
    return np.concatenate(parts) if parts else np.zeros(0)


def _active(levels: np.ndarray, config: ChannelConfig) -> np.ndarray:
    """Per channel and frame: above the channel's own noise floor and an absolute level."""
    floors = np.percentile(levels, 10, axis=1, keepdims=True)
    return (levels > floors + config.activity_db) & (levels > config.min_level_dbfs)


def label_frames(levels: np.ndarray, config: ChannelConfig) -> tuple[np.ndarray, np.ndarray]:
    """Attribute each frame to the loudest active channel.

    Args:
        levels: ``(channels, frames)`` dBFS.
        config: Thresholds.

    Returns:
        ``(labels, overlap)``: channel index per frame (``SILENT`` where nobody speaks),
        after smoothing; and a boolean mask of frames where a second channel is active
        and within ``overlap_db`` of the loudest.

    """
    active = _active(levels, config)
    masked = np.where(active, levels, -np.inf)
    order = np.argsort(masked, axis=0)
    loudest = order[-1]
    top = np.take_along_axis(masked, order[-1:], axis=0)[0]
    second = (
        np.take_along_axis(masked, order[-2:-1], axis=0)[0]
        if levels.shape[0] > 1
        else np.full(levels.shape[1], -np.inf)
    )
    # Sound as loud on three or more seats is the room (a phone, music, a door), not a seat.
    near_top = np.sum(masked >= top - config.overlap_db, axis=0)
    ambient = (near_top >= 3) if levels.shape[0] >= 3 else np.zeros(levels.shape[1], dtype=bool)
    labels = np.where(np.isfinite(top) & ~ambient, loudest, SILENT)
    width = max(1, round(config.smooth_s / config.frame_s))
    labels = _mode_filter(labels, levels.shape[0], width)
    gap = np.where(np.isfinite(second), top - np.where(np.isfinite(second), second, 0.0), np.inf)
    overlap = (gap < config.overlap_db) & ~ambient
    overlap = _mode_filter(overlap.astype(int), 2, width) == 1
    return labels, overlap


def _mode_filter(labels: np.ndarray, classes: int, width: int) -> np.ndarray:
    """Most frequent label in a sliding window (a median would invent channel numbers)."""
    if len(labels) == 0:
        return labels
    onehot = np.zeros((classes + 1, len(labels)), dtype=np.float32)
    onehot[labels + 1, np.arange(len(labels))] = 1.0  # row 0 is SILENT
    counts = uniform_filter1d(onehot, size=width, axis=1, mode="nearest")
    return np.argmax(counts, axis=0) - 1


def channels_separate_speakers(levels: np.ndarray, config: ChannelConfig) -> bool:
    """Whether channels carry different people (seat mics) rather than one mixed signal.

    A stereo copy of a mono recording, or a room recorded by two nearby microphones, has
    no channel that clearly leads; seat microphones have one leading channel most of the
    time, and more than one channel leads at some point.
    """
    if levels.shape[0] < 2:
        return False
    active = _active(levels, config).any(axis=0)
    if active.sum() < 10:
        return False
    ordered = np.sort(levels[:, active], axis=0)
    dominance = ordered[-1] - ordered[-2]
    clear = dominance >= config.dominance_db
    leaders = np.argmax(levels[:, active], axis=0)[clear]
    counts = np.bincount(leaders, minlength=levels.shape[0])
    leading_channels = int(np.sum(counts >= max(5, 0.05 * clear.sum())))
    share = float(clear.mean())
    logger.info(
        "channel dominance: %.0f%% of speech frames, %d leading channels",
        share * 100,
        leading_channels,
    )
    return share >= config.separable_fraction and leading_channels >= 2


def turns_from_labels(
    labels: np.ndarray,
    config: ChannelConfig,
    channel_map: Mapping[int, str] | None = None,
) -> tuple[SpeakerTurn, ...]:
    """Turn per-frame channel labels into speaker turns.

    Args:
        labels: Channel index (0-based) per frame or ``SILENT``.
        config: Frame length, bridging and minimum-turn thresholds.
        channel_map: 1-based channel -> role.

    Returns:
        Turns in time order; speaker ``"chN"`` with the mapped role.

    """
    runs = _runs(labels)
    runs = _bridge(runs, int(config.bridge_s / config.frame_s))
    runs = _absorb_short(runs, int(config.min_turn_s / config.frame_s))
    roles = channel_map or {}
    return tuple(
        SpeakerTurn(
            start=round(start * config.frame_s, 3),
            end=round(end * config.frame_s, 3),
            speaker=f"ch{label + 1}",
            role=roles.get(label + 1),
            channel=label + 1,
        )
        for label, start, end in runs
        if label != SILENT
    )


def overlap_spans(overlap: np.ndarray, config: ChannelConfig) -> tuple[tuple[float, float], ...]:
    """Spans of at least ``min_overlap_s`` where two seats speak at once."""
    spans = []
    for value, start, end in _runs(overlap.astype(int)):
        if value and (end - start) * config.frame_s >= config.min_overlap_s:
            spans.append((round(start * config.frame_s, 3), round(end * config.frame_s, 3)))
    return tuple(spans)


Run = tuple[int, int, int]  # label, first frame, end frame (exclusive)


def _runs(values: np.ndarray) -> list[Run]:
    if len(values) == 0:
        return []
    edges = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(values)]))
    return [(int(values[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def _merge_same(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1][0] == run[0]:
            merged[-1] = (run[0], merged[-1][1], run[2])
        else:
            merged.append(run)
    return merged


def _bridge(runs: list[Run], max_gap: int) -> list[Run]:
    """Fill short silences between two runs of the same speaker."""
    out = list(runs)
    for i in range(1, len(out) - 1):
        label, start, end = out[i]
        if label == SILENT and end - start <= max_gap and out[i - 1][0] == out[i + 1][0]:
            out[i] = (out[i - 1][0], start, end)
    return _merge_same(out)


def _absorb_short(runs: list[Run], min_len: int) -> list[Run]:
    """Give speech runs shorter than ``min_len`` to the longer neighbouring speaker."""
    out = list(runs)
    for i, (label, start, end) in enumerate(out):
        if label == SILENT or end - start >= min_len:
            continue
        neighbours = [out[j] for j in (i - 1, i + 1) if 0 <= j < len(out) and out[j][0] != SILENT]
        if neighbours:
            best = max(neighbours, key=lambda run: run[2] - run[1])
            out[i] = (best[0], start, end)
    return _merge_same(out)
