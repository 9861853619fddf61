"""``courtrec serve``, ``courtrec worker`` and ``courtrec up`` (the embedded system).

``up`` is what ``make run`` starts: the API and one worker (with the reaper) as child
processes on the embedded default (SQLite database, SQLite broker, filesystem object
store under the data directory), the same code as the distributed system. It registers a
demo court, courtroom, recorder device and admin user once, keeps their secrets in files
readable only by the owner under the data directory, and prints what to try.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
import typer

from cli.admin import admin_session
from storage.db import (
    UserRole,
    authenticate_device,
    create_court,
    create_courtroom,
    create_device,
    create_user,
    find_court,
    find_courtroom,
    find_user,
)
from worker.settings import Settings

__all__ = ["reaper", "serve", "up", "worker"]

logger = logging.getLogger(__name__)

DEMO_COURT = "demo"
DEMO_ROOM = "room-1"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info")


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs at once (each loads models).")
    ] = None,
    beat: Annotated[
        bool, typer.Option(help="Also run the reaper schedule (one per system).")
    ] = False,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork or solo.")] = "prefork",
) -> None:
    """Run a Celery worker that processes recordings."""
    from worker.celery_app import create_celery
    from worker.contracts import PROCESS_QUEUE

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        "worker",
        "--loglevel=INFO",
        f"--queues={PROCESS_QUEUE}",
        f"--pool={pool}",
        f"--concurrency={concurrency or settings.jobs.concurrency}",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        argv += ["--beat", f"--schedule={settings.data_dir / 'celerybeat-schedule'}"]
    create_celery(settings).worker_main(argv)


def reaper() -> None:
    """Run the reaper schedule alone (Celery beat): one per distributed system."""
    from worker.celery_app import create_celery

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    create_celery(settings).Beat(
        loglevel="INFO", schedule=str(settings.data_dir / "celerybeat-schedule")
    ).run()


def _secret_file(path: Path, make: str) -> str:
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make + "\n")
    return make


@dataclass(frozen=True)
class DemoAccounts:
    """What ``courtrec up`` prints: the recorder's token and two sign-ins."""

    device_token: str
    admin_password: str
    judge_password: str


def bootstrap(settings: Settings) -> DemoAccounts:
    """Demo court, courtroom, device, admin and a judge of the demo court (idempotent)."""
    token_file = settings.data_dir / "demo-device-token"
    password_file = settings.data_dir / "admin-password"
    judge_file = settings.data_dir / "judge-password"
    with admin_session(settings) as session:
        court = find_court(session, DEMO_COURT) or create_court(session, DEMO_COURT, "Demo court")
        room = find_courtroom(session, court.id, DEMO_ROOM) or create_courtroom(
            session, court.id, DEMO_ROOM, "Courtroom 1"
        )
        token = token_file.read_text(encoding="utf-8").strip() if token_file.is_file() else ""
        if not token or authenticate_device(session, token) is None:
            token_file.unlink(missing_ok=True)
            _, token = create_device(session, room.id, "demo recorder")
            _secret_file(token_file, token)
        password = _secret_file(password_file, secrets.token_urlsafe(12))
        if find_user(session, "admin") is None:
            create_user(session, "admin", password, UserRole.ADMIN, display_name="Administrator")
        judge_password = _secret_file(judge_file, secrets.token_urlsafe(12))
        if find_user(session, "judge") is None:
            create_user(
                session,
                "judge",
                judge_password,
                UserRole.JUDGE,
                court.id,
                display_name="Demo judge",
            )
    return DemoAccounts(token, password, judge_password)


def sign_in(url: str, username: str, password: str) -> dict[str, str]:
    """Sign in through the API (OAuth2 password flow); returns the Authorization header."""
    response = httpx.post(
        f"{url}/api/v1/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args], stdout=handle, stderr=subprocess.STDOUT
    )


def _wait_ready(url: str, timeout_s: float, api: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if api.poll() is not None:
            raise RuntimeError("the API process exited; see its log")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the API did not become ready within {timeout_s:.0f} s")


def upload_demo(url: str, token: str, data_dir: Path, judge_password: str) -> str:
    """Synthesise the demo hearing, upload it as a recorder would; the judge reads it."""
    from datetime import UTC, datetime

    from synth import demo_script, synthesize

    hearing = synthesize(demo_script(), data_dir / "demo-hearing")
    body = hearing.mix.read_bytes()
    params = {
        "court": DEMO_COURT,
        "courtroom": DEMO_ROOM,
        "case_number": "2-0001/2026",
        "hearing_started_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "languages": "kk,ru",
        "source_name": hearing.mix.name,
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
        "Content-Type": "audio/wav",
    }
    created = httpx.post(
        f"{url}/api/v1/recordings", params=params, headers=headers, content=body, timeout=60
    )
    created.raise_for_status()
    status_url = url + created.json()["status_url"]
    typer.echo(f"uploaded the demo hearing: {status_url}")
    last = ""
    while True:
        status = httpx.get(status_url, headers=headers, timeout=10).json()
        line = f"  {status['status']} {status.get('step') or ''} {status.get('progress', 0):.0f}%"
        if line != last:
            typer.echo(line)
            last = line
        if status["status"] in ("done", "failed"):
            break
        time.sleep(1)
    if status["status"] == "failed":
        raise RuntimeError(f"the demo hearing failed: {status['error']['message']}")
    judge = sign_in(url, "judge", judge_password)
    text = httpx.get(f"{status_url}/protocol", params={"format": "txt"}, headers=judge, timeout=30)
    text.raise_for_status()
    return text.text


def up(
    port: Annotated[int, typer.Option(help="API port.")] = 8000,
    demo: Annotated[bool, typer.Option(help="Upload the synthetic demo hearing.")] = True,
    exit_after_demo: Annotated[bool, typer.Option(help="Stop after the demo.")] = False,
) -> None:
    """Start the embedded system: API, worker and reaper, SQLite and files under ./data."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    accounts = bootstrap(settings)
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    children = [
        _start(["serve", "--port", str(port)], logs / "api.log"),
        _start(["worker", "--beat"], logs / "worker.log"),
    ]
    try:
        _wait_ready(url, 60, children[0])
        typer.echo(f"API:          {url}  (OpenAPI docs: {url}/docs)")
        typer.echo(f"device token: {accounts.device_token}  (recorder of {DEMO_COURT}/{DEMO_ROOM})")
        typer.echo(f"judge login:  judge / {accounts.judge_password}  (court {DEMO_COURT})")
        typer.echo(f"admin login:  admin / {accounts.admin_password}  (accounts, audit log)")
        typer.echo(f"logs:         {logs}/api.log, {logs}/worker.log")
        if demo:
            typer.echo(
                upload_demo(url, accounts.device_token, settings.data_dir, accounts.judge_password)
            )
        if exit_after_demo:
            return
        typer.echo("running; press Ctrl-C to stop")
        while all(child.poll() is None for child in children):
            time.sleep(1)
        raise RuntimeError("a service process exited; see the logs")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
