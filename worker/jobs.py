"""One processing job: claim it in the database, process the original, store the protocol.

The Celery task is a thin shell around :func:`run_job`. The database is the truth about
what is done, so the job is safe to run more than once (a redelivered message, a reaper's
re-send): ``claim`` lets one worker in, a done or failed job is left alone, and a worker
that was presumed dead and replaced stops without writing. Faults are sorted at this
boundary into permanent ones (bad media, contradictory hints: the job fails with a
sentence a person understands) and transient ones (storage or database away: the job
goes back to the queue and the task retries with a backoff).
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from diarize import DiarizeError, SpeakerHints
from ingest import MIX_NAME, IngestError, probe
from protocol import Protocol, export
from storage.db import (
    RecordingInfo,
    RecordingStatus,
    claim,
    fail,
    finish,
    get_recording,
    release,
    session_scope,
)
from storage.errors import (
    ConflictError,
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
    StorageUnavailableError,
)
from storage.search import index_protocol
from transcribe import COURT_LANGUAGES, TranscribeError
from worker.contracts import audio_key, protocol_key
from worker.deadline import JobTimeLimitError, time_limit
from worker.heartbeat import Heartbeat, JobLostError, ProgressReporter
from worker.pipeline import HearingOptions, process_recording
from worker.runtime import Runtime

__all__ = ["JobOutcome", "TransientJobError", "hearing_options", "run_job"]

logger = logging.getLogger(__name__)

BAD_MEDIA = "bad_media"
BAD_OPTIONS = "bad_options"
TIME_LIMIT = "time_limit"
ORIGINAL_ALTERED = "original_altered"
ORIGINAL_MISSING = "original_missing"
INTERNAL = "internal_error"


class TransientJobError(Exception):
    """Storage or database unavailable: retry the task later."""


@dataclass(frozen=True)
class JobOutcome:
    """What happened to one task run.

    Attributes:
        recording_id: The recording.
        result: ``done``, ``failed``, or ``skipped`` (done before, failed before, held by
            a live worker, or taken over while running).
        detail: Why, for the log.

    """

    recording_id: str
    result: str
    detail: str = ""


def hearing_options(recording: RecordingInfo) -> HearingOptions:
    """The pipeline options a recording's upload metadata asks for."""
    channel_map: Mapping[str, str] = recording.channel_map or {}
    return HearingOptions(
        languages=tuple(recording.languages) or COURT_LANGUAGES,
        channel_map={int(channel): role for channel, role in channel_map.items()},
        hints=SpeakerHints(
            num_speakers=recording.num_speakers,
            min_speakers=recording.min_speakers,
            max_speakers=recording.max_speakers,
        ),
        vocabulary=tuple(recording.vocabulary),
    )


def run_job(runtime: Runtime, recording_id: str, worker: str, task_id: str | None) -> JobOutcome:
    """Process one recording if this worker gets it.

    Raises:
        TransientJobError: Storage or database unavailable; the job was given back.

    """
    try:
        skipped = _claim(runtime, recording_id, worker, task_id)
    except StorageUnavailableError as exc:
        raise TransientJobError(str(exc)) from exc
    if skipped is not None:
        logger.info("recording %s skipped: %s", recording_id, skipped)
        return JobOutcome(recording_id, "skipped", skipped)
    sessions = runtime.sessions
    with Heartbeat(sessions, recording_id, worker, runtime.settings.jobs.heartbeat_s) as beat:
        hook = ProgressReporter(sessions, recording_id, worker, beat)
        try:
            return _process(runtime, recording_id, worker, hook)
        except JobLostError as exc:
            return JobOutcome(recording_id, "skipped", f"taken over: {exc}")
        except StorageUnavailableError as exc:
            _release(runtime, recording_id, worker)
            raise TransientJobError(str(exc)) from exc
        except ObjectNotFoundError:
            message = "The original recording is missing from storage; it was not processed."
            return _fail(runtime, recording_id, worker, ORIGINAL_MISSING, message)
        except Exception as exc:  # a bug must not leave the job looping between workers
            logger.exception("recording %s: unexpected error", recording_id)
            message = f"Processing failed unexpectedly ({type(exc).__name__}); see the worker log."
            return _fail(runtime, recording_id, worker, INTERNAL, message)


def _claim(runtime: Runtime, recording_id: str, worker: str, task_id: str | None) -> str | None:
    """Claim the job; return why it was skipped, or ``None`` when this worker holds it."""
    timeout = timedelta(seconds=runtime.settings.jobs.heartbeat_timeout_s)
    with session_scope(runtime.sessions) as session:
        recording = get_recording(session, recording_id)
        if recording.status in (RecordingStatus.DONE, RecordingStatus.FAILED):
            return f"already {recording.status}"
        if claim(session, recording_id, worker, task_id, heartbeat_timeout=timeout):
            return None
        return f"held by live worker {get_recording(session, recording_id).worker_id}"


def _process(
    runtime: Runtime, recording_id: str, worker: str, hook: ProgressReporter
) -> JobOutcome:
    settings = runtime.settings
    workdir = settings.data_dir / "work" / recording_id
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        with session_scope(runtime.sessions) as session:
            recording = get_recording(session, recording_id)
        hook("download", 0, 1)
        source = workdir / "original"
        stored = runtime.store.download(recording.original_key, source)
        if stored.sha256 != recording.sha256:
            return _fail(runtime, recording_id, worker, ORIGINAL_ALTERED, _altered(recording))
        hook("download", 1, 1)
        return _transcribe(runtime, recording, source, workdir, worker, hook)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _transcribe(
    runtime: Runtime,
    recording: RecordingInfo,
    source: Path,
    workdir: Path,
    worker: str,
    hook: ProgressReporter,
) -> JobOutcome:
    settings = runtime.settings
    limits = settings.media_limits()
    try:
        duration = probe(source, limits).duration
        allowed = settings.jobs.time_limit_base_s + settings.jobs.time_limit_factor * duration
        with time_limit(allowed):
            protocol = process_recording(
                source,
                workdir / "audio",
                runtime.engines,
                hearing_options(recording),
                limits=limits,
                hook=hook,
            )
    except IngestError as exc:
        message = f"The recording cannot be used: {exc}"
        return _fail(runtime, recording.id, worker, BAD_MEDIA, message)
    except (DiarizeError, TranscribeError) as exc:
        return _fail(runtime, recording.id, worker, BAD_OPTIONS, f"Processing failed: {exc}")
    except JobTimeLimitError:
        message = (
            f"Processing took longer than the {allowed / 60:.0f} minutes allowed for a "
            f"{duration / 60:.0f}-minute recording."
        )
        return _fail(runtime, recording.id, worker, TIME_LIMIT, message)
    hook("store", 0, 1)
    key, digest = _store_protocol(runtime, recording.id, protocol)
    audio = _store_audio(runtime, recording.id, workdir / "audio" / MIX_NAME)
    with session_scope(runtime.sessions) as session:
        try:
            finish(
                session,
                recording.id,
                worker,
                key,
                protocol.recording.duration,
                digest,
                audio_key=audio,
            )
            index_protocol(session, recording.id, 1, protocol)  # searchable once done
        except ConflictError as exc:
            raise JobLostError(str(exc)) from exc
    logger.info("recording %s done: %d segments", recording.id, len(protocol.segments))
    return JobOutcome(recording.id, "done", f"{len(protocol.segments)} segments")


def _store_protocol(runtime: Runtime, recording_id: str, protocol: Protocol) -> tuple[str, str]:
    """Write protocol version 1 once; a crash after the write leaves it for the next try.

    The write is atomic (nothing or all), so an existing object is a complete protocol of
    an earlier attempt that died before recording it in the database; it is kept and used.
    """
    key = protocol_key(recording_id, 1)
    data = export(protocol, "json").encode("utf-8")
    try:
        stored = runtime.store.put_stream(
            key, io.BytesIO(data), length=len(data), content_type="application/json", worm=True
        )
        return key, stored.sha256
    except ObjectExistsError:
        with runtime.store.open_read(key) as stream:
            digest = hashlib.sha256(stream.read()).hexdigest()
        logger.warning("recording %s: kept protocol v1 written by an earlier attempt", recording_id)
        return key, digest


def _store_audio(runtime: Runtime, recording_id: str, mix: Path) -> str | None:
    """Keep the normalized audio for playback next to the protocol (write-once).

    Judges and parties listen to it in the browser with seeking (HTTP ranges), which the
    original container may not allow. An object left by an earlier attempt is the same
    decode of the same original and is kept.
    """
    if not mix.is_file():
        logger.warning("recording %s: no normalized audio to keep for playback", recording_id)
        return None
    key = audio_key(recording_id)
    try:
        runtime.store.put_file(key, mix, content_type="audio/wav", worm=True)
    except ObjectExistsError:
        logger.info("recording %s: kept the audio stored by an earlier attempt", recording_id)
    return key


def _altered(recording: RecordingInfo) -> str:
    return (
        "The stored original does not match the SHA-256 recorded at upload "
        f"({recording.sha256}); it was not processed. Report this to an administrator."
    )


def _fail(runtime: Runtime, recording_id: str, worker: str, code: str, message: str) -> JobOutcome:
    logger.warning("recording %s failed (%s): %s", recording_id, code, message)
    with session_scope(runtime.sessions) as session:
        try:
            fail(session, recording_id, worker, code, message)
        except ConflictError as exc:
            raise JobLostError(str(exc)) from exc
    return JobOutcome(recording_id, "failed", message)


def _release(runtime: Runtime, recording_id: str, worker: str) -> None:
    try:
        with session_scope(runtime.sessions) as session:
            release(session, recording_id, worker)
    except StorageError as exc:  # the reaper re-queues it once the heartbeat is stale
        logger.warning("recording %s not released: %s", recording_id, exc)
