"""Domain model of a hearing protocol.

Everything here is a frozen dataclass holding tuples, so values are hashable,
safe to share between threads and cannot be edited behind the back of the code
that hashed or stored them: a protocol is evidence. Times are seconds from the
start of the recording, as floats; exports round them to milliseconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "SCHEMA",
    "AsrSegment",
    "PipelineInfo",
    "Protocol",
    "RecordingInfo",
    "Segment",
    "Speaker",
    "Turn",
    "Word",
    "join_words",
    "normalize_text",
    "utc_now_iso",
]

logger = logging.getLogger(__name__)

SCHEMA = "courtrec.protocol/1"
"""Schema identifier written into every protocol; bump it on incompatible changes."""

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span and recogniser confidence.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        text: The word as the recogniser wrote it; Whisper keeps the leading space
            that separated it from the previous word, and it is kept here so that
            joining words reproduces the recogniser's spacing.
        probability: Recogniser probability in ``[0, 1]``.

    """

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class AsrSegment:
    """One segment as the speech recogniser produced it, before speakers are known.

    The decoder metrics are kept because they are the best evidence of Whisper
    hallucinating or looping, which :mod:`protocol.flags` turns into flags.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        language: ISO 639-1 code detected for this segment (``"kk"``, ``"ru"``).
        text: Segment text.
        words: Word-level timestamps; may be empty.
        avg_logprob: Mean token log-probability reported by the decoder.
        no_speech_prob: Decoder's probability that the window holds no speech.
        compression_ratio: gzip compression ratio of the text (loops compress well).
        flags: Flags the recogniser already set (e.g. ``language_uncertain``).

    """

    start: float
    end: float
    language: str
    text: str
    words: tuple[Word, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    """A span of time in which the diarizer heard one speaker.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        speaker: The diarizer's own label; only used to group turns, never shown.
        role: Courtroom role when known from a channel map (``"judge"``).
        channel: 1-based input channel the speaker was heard on, when known.

    """

    start: float
    end: float
    speaker: str
    role: str | None = None
    channel: int | None = None


@dataclass(frozen=True)
class Speaker:
    """A speaker as shown in the protocol.

    Attributes:
        id: Stable id ``"S1"``, ``"S2"``, ... in order of first speech; ``"S0"`` is
            reserved for speech no diarizer turn could be attributed to.
        label: Human-readable name (``"Judge"``, ``"Witness 2"``, ``"Speaker 3"``).
        role: Courtroom role, when known.
        channel: Input channel, when known.

    """

    id: str
    label: str
    role: str | None
    channel: int | None


@dataclass(frozen=True)
class Segment:
    """One stretch of speech by one speaker in one language.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        speaker: Id of a :class:`Speaker` of the same protocol.
        language: ISO 639-1 language code.
        text: Whitespace-normalised text.
        words: Word timestamps backing the text; empty when the recogniser gave none.
        flags: Sorted review flags (see :mod:`protocol.flags`).

    """

    start: float
    end: float
    speaker: str
    language: str
    text: str
    words: tuple[Word, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordingInfo:
    """What the protocol was made from, so it can be tied to the original file.

    Attributes:
        sha256: Hex SHA-256 of the original recording as ingested.
        duration: Duration in seconds.
        channels: Number of audio channels in the original.
        source_name: Original file name as uploaded.
        format_name: Container format reported by the media probe.

    """

    sha256: str
    duration: float
    channels: int
    source_name: str
    format_name: str


@dataclass(frozen=True)
class PipelineInfo:
    """How the protocol was made, so a result can be reproduced or re-run.

    Attributes:
        version: Pipeline version string.
        asr_model: Speech recognition model name or path.
        diarizer: Diarization method (``"channels"``, ``"senko"``, ...).
        languages: Languages the hearing declared, which constrained detection.

    """

    version: str
    asr_model: str
    diarizer: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Protocol:
    """A complete timestamped protocol of one recording.

    Attributes:
        recording: The source recording.
        pipeline: The pipeline that produced the protocol.
        speakers: Speakers, ordered by id.
        segments: Segments in time order.
        created_at: ISO 8601 UTC timestamp of creation (``2025-01-31T09:00:00Z``).
        schema: Schema identifier, see :data:`SCHEMA`.

    """

    recording: RecordingInfo
    pipeline: PipelineInfo
    speakers: tuple[Speaker, ...]
    segments: tuple[Segment, ...]
    created_at: str
    schema: str = SCHEMA


def normalize_text(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends.

    Args:
        text: Any text, possibly with newlines or doubled spaces.

    Returns:
        The text on one line, as shown in every export.

    """
    return _WHITESPACE.sub(" ", text).strip()


def join_words(words: Iterable[Word]) -> str:
    """Join recognised words into readable text.

    Whisper words carry their own leading space (and punctuation such as ``%``
    arrives as a word without one), so its words are concatenated as they are to
    reproduce its spacing exactly. Words from a recogniser that strips spaces
    would run together, so when no word after the first starts with whitespace
    the words are joined with single spaces instead.

    Args:
        words: Words in spoken order.

    Returns:
        Whitespace-normalised text.

    """
    texts = [word.text for word in words]
    spaced = any(text[:1].isspace() for text in texts[1:])
    return normalize_text(("" if spaced else " ").join(texts))


def utc_now_iso() -> str:
    """Return the current time as an ISO 8601 UTC string with a ``Z`` suffix.

    Returns:
        For example ``"2025-01-31T09:00:00Z"``; seconds precision is enough for a
        creation stamp and keeps it readable.

    """
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
