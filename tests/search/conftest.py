"""Search fixtures: the database fixtures of tests/db (SQLite and PostgreSQL), plus a
small set of courts and hearings with known text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

import storage.search  # noqa: F401 - registers the search tables on Base.metadata
from protocol import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker
from storage.db import NewRecording, create_court, create_courtroom, create_recording, new_id
from tests.db.conftest import (  # noqa: F401 - fixtures used by the search tests
    T0,
    Db,
    db,
    fresh_url,
    postgres,
    postgres_engine,
    sqlite_template,
)

SPEAKERS = (
    Speaker("S1", "Judge", "judge", 1),
    Speaker("S2", "Plaintiff", "plaintiff", 2),
    Speaker("S3", "Witness Ivanova", "witness", 3),
    Speaker("S4", "Speaker 4", None, None),
)


@dataclass(frozen=True)
class Line:
    """One segment to put into a protocol: speaker id, language, text."""

    speaker: str
    language: str
    text: str


def make_protocol(lines: Sequence[Line], sha256: str = "ab" * 32) -> Protocol:
    segments = tuple(
        Segment(
            start=i * 6.0,
            end=i * 6.0 + 5.0,
            speaker=line.speaker,
            language=line.language,
            text=line.text,
        )
        for i, line in enumerate(lines)
    )
    return Protocol(
        recording=RecordingInfo(sha256, len(lines) * 6.0, 1, "hearing.wav", "wav"),
        pipeline=PipelineInfo("test", "whisper-base", "channels", ("kk", "ru")),
        speakers=SPEAKERS,
        segments=segments,
        created_at="2025-03-14T09:30:00Z",
    )


def ru(text: str, speaker: str = "S1") -> Line:
    return Line(speaker, "ru", text)


def kk(text: str, speaker: str = "S1") -> Line:
    return Line(speaker, "kk", text)


@dataclass(frozen=True)
class Courts:
    """Two courts with one courtroom each (ids as the database gave them)."""

    court_a: int
    room_a: int
    court_b: int
    room_b: int


@pytest.fixture
def courts(db: Db) -> Courts:  # noqa: F811 - the imported fixture
    with db.session() as session:
        a = create_court(session, "almaty-2", "Almaty District Court No. 2")
        room_a = create_courtroom(session, a.id, "r1", "Room 1")
        b = create_court(session, "astana-1", "Astana City Court")
        room_b = create_courtroom(session, b.id, "r1", "Room 1")
    return Courts(a.id, room_a.id, b.id, room_b.id)


def add_recording(
    session: Session,
    courtroom_id: int,
    *,
    case_number: str = "2-100/2025",
    started: datetime = T0,
) -> str:
    """Create a recording row (no protocol indexed yet) and return its id."""
    recording, _ = create_recording(
        session,
        NewRecording(
            courtroom_id=courtroom_id,
            device_id=None,
            case_number=case_number,
            hearing_started_at=started,
            sha256="ab" * 32,
            size_bytes=1000,
            original_key=f"originals/{new_id()}",
            source_name="hearing.wav",
            languages=("kk", "ru"),
        ),
    )
    return recording.id


def day(n: int) -> datetime:
    """T0 plus ``n`` days."""
    return T0 + timedelta(days=n)
