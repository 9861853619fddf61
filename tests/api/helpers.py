"""Helpers of the API tests: a recording enqueuer, generated bodies, tus, protocols."""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from api.queue import QueueError
from api.tus import encode_upload_metadata
from protocol import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker, Word

HEARING = {
    "court": "almaty-district-2",
    "courtroom": "r3",
    "case_number": "2-1234/2025",
    "hearing_started_at": "2025-03-14T09:30:00+05:00",
}
"""Metadata of an upload by the room's device (its own court and courtroom)."""

TUS = {"Tus-Resumable": "1.0.0"}


@dataclass
class RecordingEnqueuer:
    """Test double of the Celery client: remembers what it was asked to send."""

    sent: list[str] = field(default_factory=list)
    fail: bool = False

    def enqueue(self, recording_id: str) -> str:
        if self.fail:
            raise QueueError("broker down (test)")
        self.sent.append(recording_id)
        return f"task-{recording_id}"

    def close(self) -> None:
        pass


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media(size: int, seed: int = 1) -> bytes:
    """Pseudo-random bytes standing in for a recording (the API does not parse media)."""
    return random.Random(seed).randbytes(size)


class CountingBody:
    """A request body generated chunk by chunk that counts what the server pulled."""

    def __init__(self, size: int, chunk: int = 64 * 1024, seed: int = 3) -> None:
        self.size = size
        self.chunk = chunk
        self.sent = 0
        self._random = random.Random(seed)

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.size:
            n = min(self.chunk, self.size - self.sent)
            self.sent += n
            yield self._random.randbytes(n)


def tus_metadata(data: bytes | None = None, *, sha256: str | None = None, **fields: str) -> str:
    values = {**HEARING, **fields}
    values["sha256"] = sha256 if sha256 is not None else sha256_of(data or b"")
    return encode_upload_metadata(values)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def make_protocol(sha256: str) -> Protocol:
    """A small real protocol of two speakers in both languages."""
    return Protocol(
        recording=RecordingInfo(sha256, 12.5, 2, "зал 3.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "channels", ("kk", "ru")),
        speakers=(Speaker("S1", "Judge", "judge", 1), Speaker("S2", "Witness", "witness", 2)),
        segments=(
            Segment(
                0.5,
                2.0,
                "S1",
                "ru",
                "Суд идёт.",
                (Word(0.5, 1.0, " Суд", 0.97), Word(1.0, 2.0, " идёт.", 0.95)),
            ),
            Segment(3.0, 5.0, "S2", "kk", "Түсіндім.", (Word(3.0, 5.0, " Түсіндім.", 0.9),)),
        ),
        created_at="2025-03-14T10:00:00Z",
    )
