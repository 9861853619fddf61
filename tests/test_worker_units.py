"""Pure logic of the worker: progress, backoff, options from upload metadata, time limit."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from storage.db import RecordingInfo, RecordingStatus
from worker.celery_app import retry_delay
from worker.deadline import JobTimeLimitError, time_limit
from worker.heartbeat import overall_progress
from worker.jobs import hearing_options


def test_overall_progress_runs_from_zero_to_one_through_the_steps():
    assert overall_progress("download", 0, 1) == 0.0
    assert overall_progress("store", 1, 1) == pytest.approx(1.0)
    middle = overall_progress("transcribe", 5, 10)
    assert overall_progress("diarize", 1, 1) < middle < overall_progress("merge", 0, 1)
    assert overall_progress("transcribe", 0, 0) == overall_progress("transcribe", 0, 1)


def test_retry_delay_doubles_up_to_a_cap():
    assert [retry_delay(10, n) for n in range(4)] == [10, 20, 40, 80]
    assert retry_delay(10, 20) == 600


def test_time_limit_interrupts_a_job_and_is_disarmed_afterwards():
    with pytest.raises(JobTimeLimitError), time_limit(0.2):
        time.sleep(2)
    with time_limit(0.2) as armed:
        assert armed
    time.sleep(0.3)  # no stray alarm after the block


def _recording(**fields) -> RecordingInfo:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    values = dict(
        id="r1",
        courtroom_id=1,
        device_id=1,
        case_number="2-1/2026",
        hearing_started_at=now,
        languages=("ru",),
        channel_map={"1": "judge", "3": "witness"},
        num_speakers=None,
        min_speakers=2,
        max_speakers=4,
        vocabulary=("Иванова",),
        source_name="a.wav",
        original_key="originals/r1",
        sha256="0" * 64,
        size_bytes=1,
        status=RecordingStatus.QUEUED,
        step=None,
        progress=0.0,
        error_code=None,
        error=None,
        attempts=0,
        worker_id=None,
        task_id=None,
        created_at=now,
        updated_at=now,
    )
    values.update(fields)
    names = RecordingInfo.__dataclass_fields__
    return RecordingInfo(
        **{k: v for k, v in values.items() if k in names},
        **{k: None for k in names if k not in values},
    )


def test_hearing_options_follow_the_upload_metadata():
    options = hearing_options(_recording())
    assert options.languages == ("ru",)
    assert dict(options.channel_map) == {1: "judge", 3: "witness"}
    assert (options.hints.min_speakers, options.hints.max_speakers) == (2, 4)
    assert options.vocabulary == ("Иванова",)
    assert hearing_options(_recording(languages=(), channel_map=None)).languages == ("kk", "ru")


def test_reaper_removes_abandoned_uploads_and_keeps_live_ones(tmp_path):
    import io
    from datetime import timedelta

    from storage.db import (
        create_court,
        create_courtroom,
        create_upload,
        get_upload,
        make_engine,
        make_sessionmaker,
        session_scope,
        sqlite_url,
        upgrade,
    )
    from storage.errors import NotFoundError
    from storage.objects import FilesystemStore
    from worker.reaper import expire_uploads

    engine = make_engine(sqlite_url(tmp_path / "db.sqlite"))
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    store = FilesystemStore(tmp_path / "objects")
    now = datetime.now(UTC)
    with session_scope(sessions) as s:
        room = create_courtroom(s, create_court(s, "c", "Court").id, "r", "Room").id
        old = create_upload(
            s,
            courtroom_id=room,
            length=10,
            metadata={},
            ttl=timedelta(hours=1),
            now=now - timedelta(hours=2),
        )
        live = create_upload(s, courtroom_id=room, length=10, metadata={}, now=now)
    for upload in (old, live):
        store.put_stream(f"uploads/{upload.id}/{0:020d}", io.BytesIO(b"piece"))
    assert expire_uploads(sessions, store, now) == 1
    assert list(store.list(f"uploads/{old.id}/")) == []
    assert list(store.list(f"uploads/{live.id}/")) == [f"uploads/{live.id}/{0:020d}"]
    with session_scope(sessions) as s:
        with pytest.raises(NotFoundError):
            get_upload(s, old.id)
        assert get_upload(s, live.id).id == live.id
