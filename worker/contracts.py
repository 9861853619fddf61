"""Names shared between the API and the worker; the API imports nothing else of ours here.

The API enqueues work by task name (``celery.send_task``) so it never imports the worker's
heavy code; these constants are the whole contract.
"""

__all__ = [
    "PIPELINE_STEPS",
    "PROCESS_QUEUE",
    "TASK_PROCESS",
    "TASK_REAP",
    "export_key",
    "original_key",
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
