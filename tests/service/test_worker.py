"""The Celery worker as deployed: a real ``courtrec worker`` process, real models.

Embedded default (SQLite database, SQLite broker, filesystem store) for the ordinary path
and the faults it must survive; Redis and PostgreSQL for the broker restart.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from protocol import protocol_from_json
from scripts.seaweedfs import free_ports
from storage.db import sqlite_url
from tests.service.harness import (
    Service,
    WorkerProcess,
    recording,
    submit,
    versions,
    wait_for,
)
from worker.contracts import protocol_key

pytestmark = pytest.mark.slow


def embedded(tmp_path) -> Service:
    data = tmp_path / "data"
    data.mkdir()
    return Service(
        data_dir=data,
        database_url=sqlite_url(data / "courtrec.db"),
        broker_url=f"sqla+sqlite:///{data / 'broker.db'}",
    )


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    service = embedded(tmp_path_factory.mktemp("embedded"))
    worker = WorkerProcess(service).start()
    yield service, worker
    worker.stop()


def test_worker_turns_an_uploaded_recording_into_a_stored_protocol(system, short_hearing):
    service, worker = system
    recording_id = submit(service, short_hearing.stereo, channel_map={"1": "judge", "2": "witness"})
    info = wait_for(service, recording_id, worker=worker)
    assert info.status == "done", info.error
    assert info.progress == pytest.approx(1.0)
    assert info.attempts == 1
    with service.store().open_read(protocol_key(recording_id, 1)) as stream:
        protocol = protocol_from_json(stream.read().decode("utf-8"))
    assert protocol.recording.sha256 == info.sha256
    assert {s.role for s in protocol.speakers} >= {"judge", "witness"}
    assert protocol.segments and all(s.language in ("kk", "ru") for s in protocol.segments)
    assert versions(service, recording_id) == 1


def test_non_media_bytes_fail_with_a_reason_and_stay_as_evidence(system, tmp_path):
    service, worker = system
    junk = tmp_path / "hearing.wav"
    junk.write_bytes(b"this is not audio at all\n" * 200)
    recording_id = submit(service, junk, case="2-2/2026")
    info = wait_for(service, recording_id, worker=worker)
    assert info.status == "failed"
    assert info.error_code == "bad_media"
    assert "cannot be used" in info.error and "Traceback" not in info.error
    assert service.store().stat(info.original_key).size == junk.stat().st_size
    assert versions(service, recording_id) == 0


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("list.ffconcat", "ffconcat version 1.0\nfile '{wav}'\nfile 'http://127.0.0.1:9/x.wav'\n"),
        ("list.m3u8", "#EXTM3U\n#EXTINF:10,\n{wav}\n#EXTINF:10,\nhttp://127.0.0.1:9/x.wav\n"),
    ],
)
def test_playlists_fail_as_bad_media_and_are_never_followed(
    system, short_hearing, tmp_path, name, body
):
    service, worker = system
    playlist = tmp_path / name
    playlist.write_text(body.format(wav=short_hearing.mix), encoding="utf-8")
    recording_id = submit(service, playlist, case=f"2-8{len(name)}/2026")
    info = wait_for(service, recording_id, worker=worker)
    assert (info.status, info.error_code) == ("failed", "bad_media"), info.error
    assert versions(service, recording_id) == 0


def test_a_done_job_sent_again_is_not_processed_twice(system, short_hearing):
    from tests.service.harness import send

    service, worker = system
    recording_id = submit(service, short_hearing.mix, case="2-3/2026")
    first = wait_for(service, recording_id, worker=worker)
    assert first.status == "done", first.error
    send(service, recording_id)
    time.sleep(5)
    again = recording(service, recording_id)
    assert (again.status, again.attempts, again.finished_at) == ("done", 1, first.finished_at)
    assert versions(service, recording_id) == 1


def test_worker_killed_mid_job_the_job_completes_exactly_once(tmp_path, demo_hearing):
    service = embedded(tmp_path)
    worker = WorkerProcess(service).start()
    try:
        recording_id = submit(service, demo_hearing.mix, case="2-4/2026")
        busy = wait_for(service, recording_id, ("processing",), worker=worker, step="transcribe")
        child = int(busy.worker_id.rsplit(":", 1)[1])
        os.kill(child, signal.SIGKILL)
        info = wait_for(service, recording_id, timeout=400, worker=worker)
        assert info.status == "done", info.error
        assert info.attempts == 2
        assert info.worker_id != busy.worker_id
        assert versions(service, recording_id) == 1
    finally:
        worker.stop()


class PrivateRedis:
    """A redis-server of this test's own, so restarting it disturbs nobody else."""

    def __init__(self) -> None:
        self.port = free_ports(1)[0]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (scripts/install-system.sh installs it)"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def test_broker_restart_with_jobs_queued_loses_none(tmp_path, short_hearing, postgres_url):
    redis = PrivateRedis()
    redis.start()
    service = Service(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        broker_url=f"redis://127.0.0.1:{redis.port}/0",
    )
    service.data_dir.mkdir()
    worker = WorkerProcess(service)
    try:
        ids = [submit(service, short_hearing.mix, case=f"2-{n}/2026") for n in (5, 6)]
        redis.stop()  # this Redis keeps nothing on disk: the queued messages are gone
        redis.start()
        worker.start()
        for recording_id in ids:
            info = wait_for(service, recording_id, timeout=300, worker=worker)
            assert info.status == "done", info.error
            assert versions(service, recording_id) == 1
    finally:
        worker.stop()
        redis.stop()


def test_object_store_away_for_a_while_jobs_retry_and_complete(tmp_path, short_hearing):
    from scripts.seaweedfs import SeaweedServer
    from tests.objects.helpers import ACCESS_KEY, SECRET_KEY

    seaweed = SeaweedServer(tmp_path / "seaweed", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    seaweed.start(timeout=45)
    service = embedded(tmp_path)
    service.store_env = {
        "CR_STORE__BACKEND": "s3",
        "CR_STORE__ENDPOINT": seaweed.endpoint,
        "CR_STORE__ACCESS_KEY": ACCESS_KEY,
        "CR_STORE__SECRET_KEY": SECRET_KEY,
        "CR_STORE__SECURE": "false",
        "CR_STORE__REGION": "us-east-1",
        "CR_STORE__CONNECT_TIMEOUT_S": "1",
        "CR_STORE__READ_TIMEOUT_S": "2",
    }
    worker = WorkerProcess(service)
    try:
        recording_id = submit(service, short_hearing.mix, case="2-7/2026")
        seaweed.pause()  # the store stops answering before the worker can fetch the original
        worker.start()
        deadline = time.monotonic() + 120
        while "retrying in" not in worker.tail(400) and time.monotonic() < deadline:
            time.sleep(1)
        assert "retrying in" in worker.tail(400), worker.tail()
        assert recording(service, recording_id).status == "queued"  # given back, not stuck
        seaweed.resume()
        info = wait_for(service, recording_id, timeout=300, worker=worker)
        assert info.status == "done", info.error
        assert versions(service, recording_id) == 1
    finally:
        worker.stop()
        seaweed.kill()
