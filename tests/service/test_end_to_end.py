"""The whole service end to end: a recorder uploads over HTTP, a worker writes the protocol.

Distributed mode on real servers (PostgreSQL, Redis, SeaweedFS S3, uvicorn, a Celery
worker process), and the embedded mode as ``make run`` starts it (``courtrec up``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from scripts.seaweedfs import free_ports
from storage.db import create_device, create_user, get_courtroom, session_scope
from tests.service.harness import ROOT, Service, WorkerProcess, courtroom

pytestmark = pytest.mark.slow


class ApiProcess:
    """``python -m cli serve`` on a free port."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = service.data_dir / "api.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> ApiProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.service.env(),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def upload(api: ApiProcess, token: str, media, case: str, **params) -> httpx.Response:
    body = media.read_bytes()
    query = {
        "court": "test",
        "courtroom": "r1",
        "case_number": case,
        "hearing_started_at": datetime(2026, 11, 25, 10, 0, tzinfo=UTC).isoformat(),
        "languages": "kk,ru",
        **params,
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
    }
    return httpx.post(
        f"{api.url}/api/v1/recordings", params=query, headers=headers, content=body, timeout=120
    )


def wait_done(api: ApiProcess, token: str, status_url: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = httpx.get(
            api.url + status_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        seen.append((status["status"], status.get("step"), status.get("progress")))
        if status["status"] in ("done", "failed"):
            return {**status, "seen": seen}
        time.sleep(0.5)
    raise AssertionError(f"not done: {seen[-5:]}")


def test_distributed_upload_to_protocol_on_postgres_redis_and_s3(
    tmp_path, postgres_url, short_hearing
):
    from scripts.seaweedfs import SeaweedServer
    from tests.objects.helpers import ACCESS_KEY, SECRET_KEY

    seaweed = SeaweedServer(tmp_path / "seaweed", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    seaweed.start(timeout=45)
    service = Service(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        broker_url="redis://127.0.0.1:6379/11",
        store_env={
            "CR_STORE__BACKEND": "s3",
            "CR_STORE__ENDPOINT": seaweed.endpoint,
            "CR_STORE__ACCESS_KEY": ACCESS_KEY,
            "CR_STORE__SECRET_KEY": SECRET_KEY,
            "CR_STORE__SECURE": "false",
            "CR_STORE__REGION": "us-east-1",
        },
    )
    service.data_dir.mkdir()
    sessions = service.sessions()
    room = courtroom(sessions)
    with session_scope(sessions) as session:
        _, token = create_device(session, room, "recorder")
        court_id = get_courtroom(session, room).court_id
        create_user(session, "judge", "judge password 1", "judge", court_id)
    api = ApiProcess(service).start()
    worker = WorkerProcess(service).start()
    try:
        created = upload(
            api, token, short_hearing.stereo, "2-10/2026", channel_map="1=judge,2=witness"
        )
        assert created.status_code == 201, created.text
        status = wait_done(api, token, created.json()["status_url"])
        assert status["status"] == "done", (status, worker.tail())
        progress = [p for s, _, p in status["seen"] if s == "processing"]
        assert progress and progress == sorted(progress) and 0 <= progress[0] < 100
        signed_in = httpx.post(
            f"{api.url}/api/v1/auth/token",
            data={"username": "judge", "password": "judge password 1"},
        )
        assert signed_in.status_code == 200, signed_in.text
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        protocol = httpx.get(api.url + created.json()["protocol_url"], headers=auth).json()
        assert protocol["schema"] == "courtrec.protocol/1"
        assert (
            protocol["recording"]["sha256"]
            == hashlib.sha256(short_hearing.stereo.read_bytes()).hexdigest()
        )
        roles = {s["role"] for s in protocol["speakers"]}
        assert {"judge", "witness"} <= roles
        srt = httpx.get(
            api.url + created.json()["protocol_url"], params={"format": "srt"}, headers=auth
        )
        assert srt.status_code == 200 and "-->" in srt.text
        audio = httpx.get(
            api.url + created.json()["status_url"] + "/audio",
            headers={**auth, "Range": "bytes=0-43"},
        )
        assert audio.status_code == 206 and audio.content[:4] == b"RIFF"
        size = int(audio.headers["Content-Range"].rsplit("/", 1)[1])
        assert abs(size - 44 - protocol["recording"]["duration"] * 32000) < 32000  # 16 kHz s16
        again = upload(
            api, token, short_hearing.stereo, "2-10/2026", channel_map="1=judge,2=witness"
        )
        assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    finally:
        worker.stop()
        api.stop()
        seaweed.kill()


def test_embedded_system_as_make_run_starts_it(tmp_path):
    port = free_ports(1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CR_")}
    env.update(
        {
            "CR_DATA_DIR": str(tmp_path / "data"),
            "CR_MODELS_DIR": str(Service(tmp_path, "", "").env()["CR_MODELS_DIR"]),
        }
    )
    run = subprocess.run(
        [sys.executable, "-m", "cli", "up", "--port", str(port), "--exit-after-demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    out = run.stdout
    assert f"http://127.0.0.1:{port}" in out
    assert "device token: crd_" in out
    assert "admin login:  admin / " in out
    assert "done" in out
    assert "Judge" in out or "Speaker" in out  # the protocol's text export
    assert (tmp_path / "data" / "courtrec.db").is_file()
    assert any((tmp_path / "data" / "objects").rglob("*"))
