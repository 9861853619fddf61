"""The job state machine: claim, progress, finish, fail, stale takeover and the reaper."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.db import (
    WORKER_LOST,
    RecordingInfo,
    RecordingStatus,
    claim,
    create_recording,
    fail,
    find_stale,
    finish,
    get_protocol_version,
    get_recording,
    heartbeat,
    list_protocol_versions,
    list_queued_older_than,
    mark_queued,
    report_progress,
    requeue_stale,
)
from storage.db.models import ProtocolVersion
from storage.errors import ConflictError, NotFoundError
from tests.db.conftest import T0, Db, Room
from tests.db.test_recordings import SHA, hearing

TIMEOUT = timedelta(minutes=5)
PROTOCOL_SHA = "9f" * 32


@pytest.fixture
def queued(db: Db, room: Room) -> RecordingInfo:
    with db.session() as session:
        info, _ = create_recording(session, hearing(room), now=T0)
    return info


def state(db: Db, recording_id: str) -> RecordingInfo:
    with db.session() as session:
        return get_recording(session, recording_id)


def versions(db: Db, recording_id: str) -> int:
    with db.session() as session:
        query = select(func.count()).where(ProtocolVersion.recording_id == recording_id)
        return session.scalar(query) or 0


def test_claim_progress_finish(db: Db, queued: RecordingInfo) -> None:
    rid = queued.id
    with db.session() as session:
        assert claim(session, rid, "w1", "task-1", now=T0 + timedelta(seconds=1))
    running = state(db, rid)
    assert running.status is RecordingStatus.PROCESSING
    assert (running.worker_id, running.task_id, running.attempts) == ("w1", "task-1", 1)
    assert running.started_at == running.heartbeat_at == T0 + timedelta(seconds=1)

    with db.session() as session:
        report_progress(session, rid, "w1", "transcribe", 0.4, now=T0 + timedelta(seconds=30))
        heartbeat(session, rid, "w1", now=T0 + timedelta(seconds=40))
    running = state(db, rid)
    assert (running.step, running.progress) == ("transcribe", 0.4)
    assert running.heartbeat_at == T0 + timedelta(seconds=40)

    with db.session() as session:
        report_progress(session, rid, "w1", "merge", 7.0)  # clamped
        assert get_recording(session, rid).progress == 1.0
        with pytest.raises(ValueError):
            report_progress(session, rid, "w1", "merge", float("nan"))
        with pytest.raises(ValueError):
            report_progress(session, rid, "w1", "s" * 33, 0.5)
        with pytest.raises(ValueError):
            fail(session, rid, "w1", "", "no code")

    with db.session() as session:
        version = finish(session, rid, "w1", "protocols/p1.json", 63.5, PROTOCOL_SHA)
    assert version.version == 1 and version.author_id is None
    assert version.sha256 == PROTOCOL_SHA
    assert version.parent_sha256 == SHA  # the chain starts at the original recording
    assert version.object_key == "protocols/p1.json"
    done = state(db, rid)
    assert done.status is RecordingStatus.DONE
    assert (done.protocol_key, done.duration_s, done.progress) == ("protocols/p1.json", 63.5, 1.0)
    assert done.finished_at is not None


def test_finish_is_idempotent(db: Db, queued: RecordingInfo) -> None:
    rid = queued.id
    with db.session() as session:
        claim(session, rid, "w1")
        first = finish(session, rid, "w1", "protocols/p1.json", 10.0, PROTOCOL_SHA)
    with db.session() as session:  # the task is retried after its commit
        again = finish(session, rid, "w1", "protocols/p1.json", 10.0, PROTOCOL_SHA)
        with pytest.raises(ConflictError, match="another protocol"):
            finish(session, rid, "w1", "protocols/p2.json", 10.0, "00" * 32)
    assert again == first
    assert versions(db, rid) == 1
    with db.session() as session:
        assert list_protocol_versions(session, rid) == [first]
        assert get_protocol_version(session, rid) == first
        assert not claim(session, rid, "w2")  # a duplicate message after done is dropped
        assert not mark_queued(session, rid)
    assert state(db, rid).status is RecordingStatus.DONE


def test_live_worker_keeps_its_job(db: Db, queued: RecordingInfo) -> None:
    with db.session() as session:
        assert claim(session, queued.id, "w1", now=T0)
    with db.session() as session:
        assert not claim(session, queued.id, "w2", now=T0 + TIMEOUT - timedelta(seconds=1))
        with pytest.raises(ConflictError, match="w1"):
            report_progress(session, queued.id, "w2", "probe", 0.1)
    assert state(db, queued.id).worker_id == "w1"


def test_stale_worker_is_taken_over_and_then_refused(db: Db, queued: RecordingInfo) -> None:
    rid = queued.id
    with db.session() as session:
        assert claim(session, rid, "w1", "task-1", now=T0)
        report_progress(session, rid, "w1", "diarize", 0.2, now=T0 + timedelta(minutes=1))

    later = T0 + timedelta(minutes=1) + TIMEOUT + timedelta(seconds=1)
    with db.session() as session:
        assert find_stale(session, later, TIMEOUT) == [rid]
        assert claim(session, rid, "w2", "task-1", heartbeat_timeout=TIMEOUT, now=later)
    taken = state(db, rid)
    assert (taken.worker_id, taken.attempts, taken.step, taken.progress) == ("w2", 2, None, 0.0)

    with db.session() as session:
        with pytest.raises(ConflictError, match="w2"):
            report_progress(session, rid, "w1", "transcribe", 0.9)
        with pytest.raises(ConflictError):
            heartbeat(session, rid, "w1")
        with pytest.raises(ConflictError):
            finish(session, rid, "w1", "protocols/old.json", 10.0, "11" * 32)
        with pytest.raises(ConflictError):
            fail(session, rid, "w1", "internal", "late failure")
    assert versions(db, rid) == 0

    with db.session() as session:
        report_progress(session, rid, "w2", "transcribe", 0.5)
        version = finish(session, rid, "w2", "protocols/new.json", 10.0, PROTOCOL_SHA)
    with db.session() as session:
        with pytest.raises(ConflictError, match="done"):
            finish(session, rid, "w1", "protocols/old.json", 10.0, "11" * 32)
        assert list_protocol_versions(session, rid) == [version]
    assert state(db, rid).protocol_key == "protocols/new.json"


def test_only_one_of_racing_workers_claims(db: Db, queued: RecordingInfo) -> None:
    workers = 4
    barrier = threading.Barrier(workers)
    won: list[str] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            barrier.wait(5)
            with db.session() as session:
                if claim(session, queued.id, name):
                    won.append(name)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(won) == 1
    final = state(db, queued.id)
    assert (final.worker_id, final.attempts) == (won[0], 1)


def test_fail_then_retry(db: Db, queued: RecordingInfo) -> None:
    rid = queued.id
    with db.session() as session:
        claim(session, rid, "w1")
        report_progress(session, rid, "w1", "normalize", 0.1)
        fail(session, rid, "w1", "silent_media", "The recording\n is silent:\tno speech was found.")
        fail(session, rid, "w1", "silent_media", "repeated")  # idempotent
    failed = state(db, rid)
    assert failed.status is RecordingStatus.FAILED
    assert failed.error_code == "silent_media"
    assert failed.error == "The recording is silent: no speech was found."
    assert failed.step == "normalize"  # where it failed
    with db.session() as session:
        assert not claim(session, rid, "w2")
        with pytest.raises(ConflictError):
            fail(session, rid, "w1", "other", "another reason")
        with pytest.raises(ConflictError):
            finish(session, rid, "w1", "protocols/p.json", 1.0, PROTOCOL_SHA)

    with db.session() as session:
        assert mark_queued(session, rid, task_id="task-2", now=T0 + timedelta(hours=1))
    retried = state(db, rid)
    assert retried.status is RecordingStatus.QUEUED
    assert (retried.error_code, retried.error, retried.worker_id, retried.step) == (None,) * 4
    assert (retried.attempts, retried.task_id) == (0, "task-2")
    assert retried.queued_at == T0 + timedelta(hours=1)
    with db.session() as session:
        assert claim(session, rid, "w2")


def test_unknown_recording(db: Db) -> None:
    with db.session() as session:
        for call in (
            lambda: claim(session, "missing", "w1"),
            lambda: mark_queued(session, "missing"),
            lambda: report_progress(session, "missing", "w1", "probe", 0.0),
            lambda: finish(session, "missing", "w1", "k", 1.0, PROTOCOL_SHA),
            lambda: fail(session, "missing", "w1", "c", "m"),
        ):
            with pytest.raises(NotFoundError):
                call()


def test_reaper_requeues_dead_workers_jobs(db: Db, room: Room) -> None:
    with db.session() as session:
        dead, _ = create_recording(session, hearing(room, case_number="dead"), now=T0)
        alive, _ = create_recording(session, hearing(room, case_number="alive"), now=T0)
        claim(session, dead.id, "w-dead", "t1", now=T0)
        claim(session, alive.id, "w-alive", "t2", now=T0)
        heartbeat(session, alive.id, "w-alive", now=T0 + TIMEOUT)

    reap_at = T0 + TIMEOUT + timedelta(seconds=30)
    with db.session() as session:
        result = requeue_stale(session, reap_at, TIMEOUT)
    assert result.requeued == (dead.id,) and result.failed == ()
    requeued = state(db, dead.id)
    assert requeued.status is RecordingStatus.QUEUED
    assert (requeued.worker_id, requeued.task_id, requeued.queued_at) == (None, None, reap_at)
    assert requeued.attempts == 1  # history is kept; the next claim makes it 2
    assert state(db, alive.id).worker_id == "w-alive"

    with db.session() as session:
        with pytest.raises(ConflictError, match="queued"):
            report_progress(session, dead.id, "w-dead", "transcribe", 0.5)
        assert requeue_stale(session, reap_at, TIMEOUT).requeued == ()  # nothing left


def test_reaper_gives_up_after_max_attempts(db: Db, queued: RecordingInfo) -> None:
    rid = queued.id
    now = T0
    for attempt in range(1, 3):
        with db.session() as session:
            assert claim(session, rid, f"w{attempt}", now=now)
        now += TIMEOUT * 2
        with db.session() as session:
            assert requeue_stale(session, now, TIMEOUT, max_attempts=2).requeued == (
                (rid,) if attempt < 2 else ()
            )
    given_up = state(db, rid)
    assert given_up.status is RecordingStatus.FAILED
    assert given_up.error_code == WORKER_LOST
    assert "2 times" in (given_up.error or "")
    with db.session() as session:
        assert mark_queued(session, rid)  # an administrator's retry starts counting again
    assert state(db, rid).attempts == 0


def test_lost_broker_messages_are_found_again(db: Db, room: Room) -> None:
    with db.session() as session:
        old, _ = create_recording(session, hearing(room, case_number="old"), now=T0)
        new, _ = create_recording(
            session, hearing(room, case_number="new"), now=T0 + timedelta(minutes=9)
        )
        running, _ = create_recording(session, hearing(room, case_number="running"), now=T0)
        claim(session, running.id, "w1", now=T0)
    at = T0 + timedelta(minutes=10)
    with db.session() as session:
        assert list_queued_older_than(session, at, timedelta(minutes=5)) == [old.id]
        assert mark_queued(session, old.id, task_id="resent", now=at)  # sent again
        assert list_queued_older_than(session, at, timedelta(minutes=5)) == []
        assert not mark_queued(session, running.id)
    assert state(db, old.id).task_id == "resent"
    assert state(db, new.id).status is RecordingStatus.QUEUED
