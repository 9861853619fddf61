"""Place trimmed utterance clips and the noise stretch on one sample-accurate timeline.

Positions are whole samples, and turn times are derived from them, so the ground
truth handed to metrics is exact rather than an estimate of where speech landed.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synth.errors import ScriptError
from synth.model import HearingScript, SynthTurn

__all__ = ["LEAD_S", "NOISE_GAP_S", "TAIL_S", "Layout", "Placement", "lay_out"]

logger = logging.getLogger(__name__)

LEAD_S = 1.0
"""Silence before the first utterance, as recorders start before anyone speaks."""
TAIL_S = 1.0
"""Silence after the last sound, so the end of speech is not the end of the file."""
NOISE_GAP_S = 0.5
"""Silence between the utterance named by ``noise_after`` and the noise stretch."""


@dataclass(frozen=True)
class Placement:
    """One sound at a fixed sample offset.

    Attributes:
        start: First sample index in the output.
        samples: Mono float32 samples.
        seat: 1-based seat microphone of a speaker, or None for room sound that every
            microphone picks up equally (the noise stretch).

    """

    start: int
    samples: np.ndarray
    seat: int | None

    @property
    def end(self) -> int:
        """Sample index one past the last sample."""
        return self.start + int(self.samples.size)


@dataclass(frozen=True)
class Layout:
    """The hearing as placed sounds plus the ground truth derived from the placement.

    Attributes:
        placements: Sounds in time order; none overlap.
        n_samples: Total length of the output.
        turns: One turn per utterance, in time order.
        noise: ``(start, end)`` seconds of the noise stretch, or None.

    """

    placements: tuple[Placement, ...]
    n_samples: int
    turns: tuple[SynthTurn, ...]
    noise: tuple[float, float] | None


def lay_out(
    script: HearingScript,
    clips: Sequence[np.ndarray],
    sample_rate: int,
    music: np.ndarray | None,
) -> Layout:
    """Lay ``clips`` (one trimmed clip per utterance) out with pauses and the noise stretch.

    Args:
        script: The hearing; supplies pauses, speakers and where the noise goes.
        clips: Trimmed mono clips, ``clips[i]`` speaks ``script.utterances[i]``.
        sample_rate: Rate of the clips and of the output.
        music: The noise stretch, placed after ``script.noise_after``; ignored when
            the script asks for none.

    Raises:
        ScriptError: The number of clips does not match the utterances.

    """
    if len(clips) != len(script.utterances):
        raise ScriptError(f"{len(clips)} clips for {len(script.utterances)} utterances")
    placements: list[Placement] = []
    turns: list[SynthTurn] = []
    noise: tuple[float, float] | None = None
    cursor = _samples(LEAD_S, sample_rate)
    for index, (utt, clip) in enumerate(zip(script.utterances, clips, strict=True)):
        if index > 0:
            cursor += _samples(utt.pause_before_s, sample_rate)
        speaker = script.speaker(utt.speaker)
        placements.append(Placement(start=cursor, samples=clip, seat=speaker.channel))
        end = cursor + int(clip.size)
        turns.append(
            SynthTurn(
                start=cursor / sample_rate,
                end=end / sample_rate,
                speaker=speaker.name,
                role=speaker.role,
                language=utt.language,
                text=utt.text,
                channel=speaker.channel,
            )
        )
        cursor = end
        if index == script.noise_after and music is not None and music.size:
            cursor += _samples(NOISE_GAP_S, sample_rate)
            placements.append(Placement(start=cursor, samples=music, seat=None))
            noise = (cursor / sample_rate, (cursor + music.size) / sample_rate)
            cursor += int(music.size)
    n_samples = cursor + _samples(TAIL_S, sample_rate)
    return Layout(tuple(placements), n_samples, tuple(turns), noise)


def _samples(seconds: float, sample_rate: int) -> int:
    """Convert seconds to a whole number of samples."""
    return round(seconds * sample_rate)
