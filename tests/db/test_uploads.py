"""Resumable uploads: offsets move by compare-and-set, completion links a recording."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from storage.db import (
    UploadInfo,
    advance_upload,
    complete_upload,
    create_recording,
    create_upload,
    delete_upload,
    expired_uploads,
    get_upload,
)
from storage.errors import ConflictError, NotFoundError
from tests.db.conftest import T0, Db, Room
from tests.db.test_recordings import SHA, hearing

META = {"case_number": "2-1234/2025", "languages": ["kk", "ru"], "filename": "h.mp3"}


@pytest.fixture
def upload(db: Db, room: Room) -> UploadInfo:
    with db.session() as session:
        return create_upload(
            session,
            courtroom_id=room.courtroom.id,
            device_id=room.device.id,
            length=300,
            metadata=META,
            expected_sha256=SHA.upper(),
            now=T0,
        )


def test_create_and_head(db: Db, upload: UploadInfo) -> None:
    assert (upload.offset, upload.length, upload.chunk_count) == (0, 300, 0)
    assert upload.metadata == META and upload.expected_sha256 == SHA
    assert upload.expires_at == T0 + timedelta(hours=24)
    assert not upload.complete
    with db.session() as session:
        assert get_upload(session, upload.id) == upload
        with pytest.raises(NotFoundError):
            get_upload(session, "missing")


def test_offset_moves_only_from_the_expected_value(db: Db, upload: UploadInfo) -> None:
    with db.session() as session:
        moved = advance_upload(session, upload.id, 0, 100, now=T0 + timedelta(minutes=1))
    assert (moved.offset, moved.chunk_count) == (100, 1)
    assert moved.updated_at == T0 + timedelta(minutes=1)
    with db.session() as session:
        with pytest.raises(ConflictError, match="offset 100, not 0"):
            advance_upload(session, upload.id, 0, 100)  # a retried first piece
        with pytest.raises(ValueError):
            advance_upload(session, upload.id, 100, 301)  # beyond the length
        with pytest.raises(ValueError):
            advance_upload(session, upload.id, 100, 100)
        with pytest.raises(NotFoundError):
            advance_upload(session, "missing", 0, 1)
        keep_alive = T0 + timedelta(days=2)
        moved = advance_upload(session, upload.id, 100, 300, expires_at=keep_alive)
    assert moved.complete and moved.chunk_count == 2 and moved.expires_at == keep_alive


def test_concurrent_pieces_at_one_offset_one_wins(db: Db, upload: UploadInfo) -> None:
    racers = 4
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def patch() -> None:
        try:
            barrier.wait(5)
            with db.session() as session:
                advance_upload(session, upload.id, 0, 150)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        except BaseException as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=patch) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict"] * (racers - 1) + ["ok"]
    with db.session() as session:
        final = get_upload(session, upload.id)
    assert (final.offset, final.chunk_count) == (150, 1)


def test_completion(db: Db, room: Room, upload: UploadInfo) -> None:
    with db.session() as session:
        recording, _ = create_recording(session, hearing(room))
        other, _ = create_recording(session, hearing(room, case_number="other"))
        with pytest.raises(ConflictError, match="not complete"):
            complete_upload(session, upload.id, recording.id)
        advance_upload(session, upload.id, 0, 300)
        done = complete_upload(session, upload.id, recording.id)
        assert done.recording_id == recording.id
        assert complete_upload(session, upload.id, recording.id) == done  # retried request
        with pytest.raises(ConflictError, match="already made"):
            complete_upload(session, upload.id, other.id)
        with pytest.raises(ConflictError, match="complete"):
            advance_upload(session, upload.id, 300, 300 + 1)


def test_expired_uploads_are_listed_and_deleted(db: Db, room: Room, upload: UploadInfo) -> None:
    with db.session() as session:
        fresh = create_upload(
            session,
            courtroom_id=room.courtroom.id,
            length=10,
            metadata={},
            now=T0 + timedelta(hours=12),
        )
        finished = create_upload(
            session, courtroom_id=room.courtroom.id, length=0, metadata={}, now=T0
        )
        recording, _ = create_recording(session, hearing(room))
        complete_upload(session, finished.id, recording.id)
    with db.session() as session:
        assert expired_uploads(session, T0 + timedelta(hours=23)) == []
        assert [u.id for u in expired_uploads(session, T0 + timedelta(hours=25))] == [upload.id]
        assert delete_upload(session, upload.id)
        assert not delete_upload(session, upload.id)
        assert get_upload(session, fresh.id) == fresh
    with db.session() as session:
        with pytest.raises(NotFoundError):
            get_upload(session, upload.id)
        with pytest.raises(ValueError):
            create_upload(session, courtroom_id=room.courtroom.id, length=-1, metadata={})
        with pytest.raises(NotFoundError):
            create_upload(session, courtroom_id=999, length=1, metadata={})
