"""Plain data describing a synthetic hearing: what is said, by whom, and what came out.

The dataclasses are frozen and validate themselves on construction, because a script
with a typo (an unknown speaker, a pitch of 150) should fail at the line that builds it,
not halfway through a benchmark after minutes of synthesis.
"""

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from synth.errors import ScriptError

__all__ = [
    "LANGUAGES",
    "MAX_SEATS",
    "HearingScript",
    "Language",
    "Speaker",
    "SynthHearing",
    "SynthTurn",
    "Utterance",
    "Voice",
]

logger = logging.getLogger(__name__)

Language = Literal["ru", "kk"]
"""Languages espeak-ng speaks for us; the pipeline under test expects exactly these."""

LANGUAGES: tuple[str, ...] = ("ru", "kk")

MAX_SEATS = 4
"""Seat microphones in the multichannel output (``multi4.wav``)."""

# espeak-ng receives voice names as one argv item; restricting the alphabet keeps a
# script from smuggling options such as "--path" into the command line.
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SPEAKER_NAME = re.compile(r"^\S+$")


@dataclass(frozen=True)
class Voice:
    """How one person sounds: an espeak-ng voice plus prosody settings.

    Attributes:
        espeak_voice: Base espeak-ng voice (``"ru"``, ``"kk"``, ``"ru-lv"``). It is used
            for utterances in its own language; an utterance in another language uses
            that language's voice with the same variant and prosody, so a bilingual
            judge keeps one timbre while pronunciation follows the sentence.
        pitch: espeak-ng ``-p`` (0-99); distinct pitches make distinct speakers.
        speed: espeak-ng ``-s`` in words per minute (80-450).
        amplitude: espeak-ng ``-a`` (0-200); 100 is espeak's default loudness.
        variant: espeak-ng variant appended as ``voice+variant`` (``"m3"``, ``"f2"``);
            variants change the formants, which pitch alone does not.

    """

    espeak_voice: str
    pitch: int
    speed: int
    amplitude: int = 100
    variant: str | None = None

    def __post_init__(self) -> None:
        if not _VOICE_NAME.match(self.espeak_voice):
            raise ScriptError(f"bad espeak-ng voice name {self.espeak_voice!r}")
        if self.variant is not None and not _VOICE_NAME.match(self.variant):
            raise ScriptError(f"bad espeak-ng variant name {self.variant!r}")
        if not 0 <= self.pitch <= 99:
            raise ScriptError(f"pitch must be 0-99, got {self.pitch}")
        if not 80 <= self.speed <= 450:
            raise ScriptError(f"speed must be 80-450 words per minute, got {self.speed}")
        if not 0 < self.amplitude <= 200:
            raise ScriptError(f"amplitude must be 1-200, got {self.amplitude}")


@dataclass(frozen=True)
class Utterance:
    """One sentence said by one speaker, in one language.

    Attributes:
        speaker: Name of a ``Speaker`` of the same script.
        text: What is said; it is also the reference transcript, so write it the way a
            court clerk would.
        language: ``"ru"`` or ``"kk"``; selects espeak-ng's pronunciation rules.
        pause_before_s: Silence before this utterance starts, in seconds.

    """

    speaker: str
    text: str
    language: Language
    pause_before_s: float = 0.6

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ScriptError(f"language must be one of {LANGUAGES}, got {self.language!r}")
        if not self.text.strip():
            raise ScriptError(f"empty text for speaker {self.speaker!r}")
        if not (math.isfinite(self.pause_before_s) and self.pause_before_s >= 0):
            raise ScriptError(f"pause_before_s must be >= 0, got {self.pause_before_s}")


@dataclass(frozen=True)
class Speaker:
    """A participant of the hearing sitting at one microphone.

    Attributes:
        name: Unique label, used in RTTM files, so it must not contain whitespace.
        role: Procedural role (``"judge"``, ``"plaintiff"``...), what a channel map names.
        voice: How this person sounds.
        channel: 1-based seat microphone (1..4) the person speaks into.

    """

    name: str
    role: str
    voice: Voice
    channel: int

    def __post_init__(self) -> None:
        if not _SPEAKER_NAME.match(self.name):
            raise ScriptError(f"speaker name must be non-empty without spaces: {self.name!r}")
        if not self.role.strip():
            raise ScriptError(f"speaker {self.name!r} has an empty role")
        if not 1 <= self.channel <= MAX_SEATS:
            raise ScriptError(f"channel must be 1-{MAX_SEATS}, got {self.channel}")


@dataclass(frozen=True)
class HearingScript:
    """Everything needed to synthesise one hearing, and nothing random.

    Attributes:
        title: Human-readable title, printed by the demo.
        speakers: Participants; names and channels are unique.
        utterances: What is said, in order.
        noise_after: Index of the utterance after which a non-speech stretch (music-like
            chord plus noise) is inserted, or None; ASR must not transcribe it.
        noise_s: Length of that stretch in seconds.

    """

    title: str
    speakers: tuple[Speaker, ...]
    utterances: tuple[Utterance, ...]
    noise_after: int | None = None
    noise_s: float = 4.0

    def __post_init__(self) -> None:
        _check_speakers(self.speakers)
        if not self.utterances:
            raise ScriptError("a hearing needs at least one utterance")
        known = {s.name for s in self.speakers}
        for utt in self.utterances:
            if utt.speaker not in known:
                raise ScriptError(f"utterance by unknown speaker {utt.speaker!r}")
        if self.noise_after is not None:
            if not 0 <= self.noise_after < len(self.utterances):
                raise ScriptError(f"noise_after {self.noise_after} is not an utterance index")
            if not (math.isfinite(self.noise_s) and self.noise_s > 0):
                raise ScriptError(f"noise_s must be > 0, got {self.noise_s}")

    def speaker(self, name: str) -> Speaker:
        """Return the speaker called ``name`` (validated to exist at construction)."""
        for spk in self.speakers:
            if spk.name == name:
                return spk
        raise ScriptError(f"unknown speaker {name!r}")


def _check_speakers(speakers: tuple[Speaker, ...]) -> None:
    """Reject empty, duplicate-name or duplicate-channel speaker lists.

    Channels must be unique because the channel map of a recording names one role per
    channel; two people on one microphone could not be told apart by channel.
    """
    if not speakers:
        raise ScriptError("a hearing needs at least one speaker")
    names = [s.name for s in speakers]
    if len(set(names)) != len(names):
        raise ScriptError(f"duplicate speaker names in {names}")
    channels = [s.channel for s in speakers]
    if len(set(channels)) != len(channels):
        raise ScriptError(f"two speakers share a channel in {channels}")


@dataclass(frozen=True)
class SynthTurn:
    """Where one utterance's audible speech lies in the output, to the sample.

    Attributes:
        start: Start in seconds (a whole number of samples).
        end: End in seconds, exclusive.
        speaker: Speaker name.
        role: Speaker role.
        language: Language of the text.
        text: Reference text.
        channel: Seat microphone (1-based) of the speaker in ``multi4.wav``.

    """

    start: float
    end: float
    speaker: str
    role: str
    language: str
    text: str
    channel: int

    @property
    def duration(self) -> float:
        """Length of the turn in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class SynthHearing:
    """The files written for one hearing and the ground truth about them.

    Attributes:
        mix: Mono WAV with every speaker summed.
        stereo: Two-channel WAV; a speaker on seat ``c`` is on channel
            ``((c - 1) % 2) + 1`` (odd seats left, even seats right), with bleed.
        multi4: Four-channel WAV, one seat microphone per channel, with bleed.
        duration: Length of every WAV in seconds.
        turns: Ground-truth speech spans, sorted and non-overlapping.
        speakers: The script's speakers.
        channel_map_4: ``(channel, role)`` pairs for ``multi4.wav``.
        noise: ``(start, end)`` of the non-speech stretch in seconds, or None.
        sample_rate: Sample rate of every WAV.

    """

    mix: Path
    stereo: Path
    multi4: Path
    duration: float
    turns: tuple[SynthTurn, ...]
    speakers: tuple[Speaker, ...]
    channel_map_4: tuple[tuple[int, str], ...]
    noise: tuple[float, float] | None
    sample_rate: int = 16000

    def channel_roles(self) -> dict[int, str]:
        """Return ``channel_map_4`` as a dict, the shape recordings' channel maps have."""
        return dict(self.channel_map_4)
