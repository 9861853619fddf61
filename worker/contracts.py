"""Names shared between the API and the worker; the API imports nothing else of ours here.

The API enqueues work by task name (``celery.send_task``) so it never imports the worker's
heavy code; these constants are the whole contract.
"""

__all__ = [
    "PIPELINE_STEPS",
    "PROCESS_QUEUE",
    "TASK_PROCESS",
    "TASK_REAP",
    "audio_key",
    "correction_key",
    "export_key",
    "original_key",
    "party_copy_key",
    "protocol_key",
]

PIPELINE_STEPS = ("download", "probe", "normalize", "diarize", "transcribe", "merge", "store")
"""Steps of one recording, in order, as reported in job progress."""

TASK_PROCESS = "recordings.process"
"""Process one recording: ``send_task(TASK_PROCESS, args=[recording_id])``."""

TASK_REAP = "recordings.reap"
"""Re-queue jobs whose worker died and re-send jobs whose broker message was lost."""

PROCESS_QUEUE = "recordings"
"""Queue the processing tasks go to (GPU workers may listen on another)."""


def original_key(recording_id: str) -> str:
    """Object key of a recording's original bytes (write-once evidence)."""
    return f"originals/{recording_id}"


def protocol_key(recording_id: str, version: int) -> str:
    """Object key of a protocol version's JSON."""
    return f"protocols/{recording_id}/v{version}.json"


def export_key(recording_id: str, version: int, fmt: str) -> str:
    """Object key of a protocol version's export in ``fmt`` (txt, srt, vtt)."""
    return f"protocols/{recording_id}/v{version}.{fmt}"


def correction_key(recording_id: str, version: int, sha256: str) -> str:
    """Object key of a corrected version's JSON (version 2 and later).

    The key carries the document's hash: a save whose database row never committed
    (an outage between the two writes) leaves an object no later save collides with.
    """
    return f"protocols/{recording_id}/v{version}-{sha256[:16]}.json"


def party_copy_key(recording_id: str, version: int, sha256: str) -> str:
    """Object key of an approved version's copy for parties (personal data masked)."""
    return f"protocols/{recording_id}/v{version}-party-{sha256[:16]}.json"


def audio_key(recording_id: str) -> str:
    """Object key of the normalized audio (16 kHz mono WAV) kept for playback."""
    return f"audio/{recording_id}/mix.wav"
