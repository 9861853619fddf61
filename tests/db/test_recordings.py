"""Recordings: creation, dedupe of repeated uploads (also when they race), listing."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select

import storage.db.repo.recordings as recordings_module
from storage.db import (
    NewRecording,
    RecordingStatus,
    create_court,
    create_courtroom,
    create_device,
    create_recording,
    get_recording,
    list_recordings,
    new_id,
)
from storage.db.models import Recording
from storage.errors import ConflictError, NotFoundError
from tests.db.conftest import T0, Db, Room

SHA = "ab" * 32


def hearing(room: Room, **changes: object) -> NewRecording:
    base = NewRecording(
        courtroom_id=room.courtroom.id,
        device_id=room.device.id,
        case_number="2-1234/2025",
        hearing_started_at=T0,
        sha256=SHA,
        size_bytes=1_000_000,
        original_key=f"originals/{new_id()}",
        source_name="hearing.mp3",
        languages=("kk", "ru"),
        channel_map={"0": "judge", "1": "prosecutor"},
        min_speakers=2,
        max_speakers=4,
        vocabulary=("Ivanova", "IIN"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def count(db: Db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Recording)) or 0


def test_create_and_read_back(db: Db, room: Room) -> None:
    new = hearing(room)
    with db.session() as session:
        created, is_new = create_recording(session, new, now=T0 + timedelta(hours=2))
    assert is_new
    assert created.status is RecordingStatus.QUEUED
    assert created.queued_at == created.created_at == T0 + timedelta(hours=2)
    assert created.languages == ("kk", "ru") and created.vocabulary == ("Ivanova", "IIN")
    assert created.channel_map == {"0": "judge", "1": "prosecutor"}
    assert (created.num_speakers, created.min_speakers, created.max_speakers) == (None, 2, 4)
    assert created.attempts == 0 and created.progress == 0.0
    assert len(created.id) == 32
    with db.session() as session:
        assert get_recording(session, created.id) == created
        with pytest.raises(NotFoundError):
            get_recording(session, "nope")


def test_same_bytes_of_same_hearing_return_the_existing_recording(db: Db, room: Room) -> None:
    almaty = timezone(timedelta(hours=5))
    with db.session() as session:
        first, _ = create_recording(session, hearing(room))
    with db.session() as session:
        # Same instant written in local time, hash in upper case, another file name: same.
        again, is_new = create_recording(
            session,
            hearing(
                room,
                hearing_started_at=T0.astimezone(almaty),
                sha256=SHA.upper(),
                source_name="copy.mp3",
            ),
        )
    assert not is_new and again == first
    with db.session() as session:
        _, other_bytes = create_recording(session, hearing(room, sha256="cd" * 32))
        _, other_case = create_recording(session, hearing(room, case_number="2-9999/2025"))
        _, other_time = create_recording(
            session, hearing(room, hearing_started_at=T0 + timedelta(hours=1))
        )
    assert other_bytes and other_case and other_time
    assert count(db) == 4


def test_racing_uploads_make_one_recording(db: Db, room: Room) -> None:
    """Threads with their own sessions create the same recording at the same moment."""
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            barrier.wait(5)
            with db.session() as session:
                info, created = create_recording(session, hearing(room))
            results.append((info.id, created))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len({rid for rid, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (threads_n - 1) + [True]
    assert count(db) == 1


def test_second_upload_waits_for_the_first_and_returns_it(
    db: Db, room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    """The first upload's transaction is open while the second one inserts.

    On PostgreSQL the second insert blocks on the unique key, fails when the first commits,
    and the second upload reads the winner (the unique-violation path). On SQLite the
    second transaction waits for the write lock and then finds the row before inserting.
    Either way: one recording.
    """
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with db.session() as session:
                outcome["result"] = create_recording(session, hearing(room))
        except BaseException as exc:
            outcome["error"] = exc

    caplog.set_level(logging.INFO, logger="storage.db.repo.recordings")
    with db.session() as session:
        first, _ = create_recording(session, hearing(room))
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # blocked behind the open transaction
    thread.join(30)
    assert "error" not in outcome
    assert outcome["result"] == (first, False)
    assert count(db) == 1
    expected = "concurrent upload" if db.backend == "postgresql" else "repeated"
    assert expected in caplog.text


def test_unique_violation_is_caught_and_the_winner_reread(
    db: Db, room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookup before the insert misses the winner (it committed just after)."""
    with db.session() as session:
        winner, _ = create_recording(session, hearing(room))
    real = recordings_module._duplicate_of
    calls = []

    def miss_first_time(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(recordings_module, "_duplicate_of", miss_first_time)
    with db.session() as session:
        loser, created = create_recording(session, hearing(room))
        assert (loser, created) == (winner, False)
        # The savepoint kept the transaction usable.
        assert get_recording(session, winner.id) == winner
    assert len(calls) == 2
    assert count(db) == 1


def test_invalid_recordings_are_refused(db: Db, room: Room) -> None:
    with db.session() as session:
        for bad in (
            hearing(room, sha256="xyz"),
            hearing(room, size_bytes=-1),
            hearing(room, case_number=" "),
            hearing(room, min_speakers=3, max_speakers=2),
            hearing(room, hearing_started_at=T0.replace(tzinfo=None)),
        ):
            with pytest.raises(ValueError):
                create_recording(session, bad)
        with pytest.raises(NotFoundError):
            create_recording(session, hearing(room, courtroom_id=999))
        with pytest.raises(NotFoundError):
            create_recording(session, hearing(room, device_id=999))
        other_room = create_courtroom(session, room.courtroom.court_id, "r4", "Room 4")
        with pytest.raises(ConflictError, match="another courtroom"):
            create_recording(session, hearing(room, courtroom_id=other_room.id))


def test_list_recordings_by_court_courtroom_case_and_status(db: Db, room: Room) -> None:
    with db.session() as session:
        other_court = create_court(session, "other", "Other court")
        other_room = create_courtroom(session, other_court.id, "r1", "Room 1")
        other_device, _ = create_device(session, other_room.id, "recorder")
        a, _ = create_recording(session, hearing(room), now=T0)
        b, _ = create_recording(
            session, hearing(room, case_number="2-5/2025"), now=T0 + timedelta(minutes=1)
        )
        c, _ = create_recording(
            session,
            hearing(room, courtroom_id=other_room.id, device_id=other_device.id),
            now=T0 + timedelta(minutes=2),
        )
    with db.session() as session:
        assert [r.id for r in list_recordings(session)] == [c.id, b.id, a.id]
        assert [r.id for r in list_recordings(session, court_id=room.courtroom.court_id)] == [
            b.id,
            a.id,
        ]
        assert [r.id for r in list_recordings(session, courtroom_id=other_room.id)] == [c.id]
        assert [r.id for r in list_recordings(session, case_number="2-5/2025")] == [b.id]
        assert len(list_recordings(session, status="queued")) == 3
        assert list_recordings(session, status=RecordingStatus.DONE) == []
        assert [r.id for r in list_recordings(session, limit=1, offset=1)] == [b.id]
