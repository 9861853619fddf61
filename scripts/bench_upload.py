"""Benchmark direct uploads: throughput over loopback and the API process's memory.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_upload.py                         # 20 files x 500 MB
    .venv/bin/python scripts/bench_upload.py --files 2 --mb 50       # a quick run
    .venv/bin/python scripts/bench_upload.py --out docs/bench_upload.png --json out.json

It starts the API with uvicorn in a subprocess (embedded mode: SQLite, filesystem store
and the SQLite broker under a temporary data directory, unless ``CR_...`` variables in
the environment say otherwise), registers a recorder, and sends N recordings of M MB at
once with httpx, as N courtroom recorders would. Bodies are generated chunk by chunk
(never held in memory); each file's SHA-256 is computed by generating it once before
the timed phase, because the header must carry it before the body.

While the uploads run, the API process's ``VmRSS`` is sampled from ``/proc/<pid>/status``
(psutil is not needed); ``VmHWM`` is the process's lifetime peak. The claim to check:
memory stays flat whatever the file size (the body is streamed to the store through a
bounded buffer). The figures are printed and, with ``--out``, plotted (RSS over time
against upload progress). The data directory is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

__all__ = [
    "ApiServer",
    "GeneratedFile",
    "UploadResult",
    "main",
    "read_status_mb",
    "seed_recorder",
]

logger = logging.getLogger("bench_upload")

MB = 1_000_000
CHUNK = 1024 * 1024
HEARING = {
    "court": "bench-court",
    "case_number": "BENCH-1/2025",
    "hearing_started_at": "2025-03-14T09:30:00+05:00",
}


# -- the API process --------------------------------------------------------------------


def read_status_mb(pid: int, field_name: str) -> float | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status`` in MiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiServer:
    """``uvicorn --factory api.app:create_app`` in a subprocess on a free loopback port.

    Args:
        env: Extra environment (``CR_...`` settings) on top of this process's.
        log_path: Where the server's output goes.

    """

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.port = _free_port()
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until ``/healthz`` answers."""
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API exited at start-up; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the API did not answer within {timeout:g} s; see {self.log_path}")

    def stop(self) -> None:
        """Ask the server to stop (SIGINT, as Ctrl-C), then kill it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ApiServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def seed_recorder(env: Mapping[str, str]) -> tuple[str, str]:
    """Register a court, a courtroom of this run and its recorder; return (room, token).

    Runs the migrations first, with the same settings the server will read.
    """
    from api.settings import ApiSettings
    from storage.db import (
        create_court,
        create_courtroom,
        create_device,
        find_court,
        make_engine,
        make_sessionmaker,
        session_scope,
        upgrade,
    )

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        settings = ApiSettings()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    room = f"room-{secrets.token_hex(3)}"
    try:
        upgrade(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            court = find_court(session, HEARING["court"]) or create_court(
                session, HEARING["court"], "Benchmark court"
            )
            courtroom = create_courtroom(session, court.id, room, "Benchmark room")
            _, token = create_device(session, courtroom.id, "benchmark recorder")
    finally:
        engine.dispose()
    return room, token


# -- generated recordings -----------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedFile:
    """A file of ``size`` bytes made chunk by chunk from a seed (never held whole).

    Each 1 MiB chunk is a random block of the file with the chunk's number in front, so
    chunks differ and generating costs little next to sending.
    """

    seed: int
    size: int

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, in chunks of at most 1 MiB."""
        block = random.Random(self.seed).randbytes(CHUNK)
        sent = 0
        index = 0
        while sent < self.size:
            n = min(CHUNK, self.size - sent)
            chunk = (index.to_bytes(8, "big") + block[8:])[:n]
            yield chunk
            sent += n
            index += 1

    def sha256(self) -> str:
        """Hash of the file, by generating it once."""
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()


@dataclass
class UploadResult:
    """One upload's outcome and timing."""

    index: int
    size: int
    sent: int = 0
    started: float = 0.0
    finished: float = 0.0
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the API stored it (201)."""
        return self.status == 201

    @property
    def seconds(self) -> float:
        """Wall time of the request."""
        return self.finished - self.started


@dataclass
class Samples:
    """RSS of the API and bytes sent so far, over time."""

    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    sent_mb: list[float] = field(default_factory=list)
    done: list[int] = field(default_factory=list)


# -- the run ---------------------------------------------------------------------------


async def _body(file: GeneratedFile, result: UploadResult) -> AsyncIterator[bytes]:
    for chunk in file.chunks():
        result.sent += len(chunk)
        yield chunk
        await asyncio.sleep(0)  # let the other uploads' generators run


async def _upload(
    client: httpx.AsyncClient,
    url: str,
    token: str,
    room: str,
    file: GeneratedFile,
    sha256: str,
    result: UploadResult,
) -> None:
    params = {**HEARING, "courtroom": room, "source_name": f"bench-{result.index}.bin"}
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Content-SHA256": sha256,
        "Content-Length": str(file.size),
        "Content-Type": "application/octet-stream",
    }
    result.started = time.perf_counter()
    try:
        response = await client.post(
            f"{url}/api/v1/recordings", params=params, headers=headers, content=_body(file, result)
        )
        result.status = response.status_code
        if response.status_code != 201:
            result.error = response.text[:200]
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.finished = time.perf_counter()


async def _run_uploads(
    url: str,
    token: str,
    room: str,
    files: list[GeneratedFile],
    hashes: list[str],
    results: list[UploadResult],
) -> None:
    timeout = httpx.Timeout(connect=10.0, read=600.0, write=600.0, pool=600.0)
    limits = httpx.Limits(max_connections=len(files) + 1)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        await asyncio.gather(
            *(
                _upload(client, url, token, room, f, h, r)
                for f, h, r in zip(files, hashes, results, strict=True)
            )
        )


def _sample(pid: int, results: list[UploadResult], samples: Samples, stop: threading.Event) -> None:
    """Every 0.1 s, and once more when stopped: RSS, bytes sent, uploads answered."""
    start = time.perf_counter()
    while True:
        stopped = stop.wait(0.1)
        rss = read_status_mb(pid, "VmRSS")
        if rss is None:
            return
        samples.times.append(time.perf_counter() - start)
        samples.rss_mb.append(rss)
        samples.sent_mb.append(sum(r.sent for r in results) / MB)
        samples.done.append(sum(1 for r in results if r.finished))
        if stopped:
            return


def _hashes(files: list[GeneratedFile]) -> list[str]:
    """Hash every file by generating it (threads: hashlib releases the GIL)."""
    out: list[str] = [""] * len(files)

    def work(i: int) -> None:
        out[i] = files[i].sha256()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def _warm_up(url: str, token: str, room: str) -> None:
    """One small upload, so the baseline includes everything a first request loads."""
    file = GeneratedFile(seed=10_000, size=256 * 1024)
    result = UploadResult(-1, file.size)
    asyncio.run(_run_uploads(url, token, room, [file], [file.sha256()], [result]))
    if not result.ok:
        raise RuntimeError(f"warm-up upload failed: {result.status} {result.error}")


def _plot(out: Path, samples: Samples, total_mb: float, files: int, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(samples.times, samples.rss_mb, color="tab:red", label="API RSS (MiB)")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("API resident memory (MiB)", color="tab:red")
    ax.set_ylim(0, max(samples.rss_mb or [1]) * 1.3)
    right = ax.twinx()
    progress = [100 * s / total_mb for s in samples.sent_mb] if total_mb else []
    right.plot(samples.times, progress, color="tab:blue", label="bytes sent (%)")
    finished = [100 * d / files for d in samples.done]
    right.plot(
        samples.times, finished, color="tab:green", linestyle="--", label="uploads answered (%)"
    )
    right.set_ylabel("progress (%)")
    right.set_ylim(0, 105)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right")
    ax.set_title(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the API, upload, sample, and return the figures."""
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-"))
    env = {"CR_DATA_DIR": str(data_dir / "data")}
    room, token = seed_recorder(env)
    files = [GeneratedFile(seed=i + 1, size=args.mb * MB) for i in range(args.files)]
    print(f"hashing {args.files} x {args.mb} MB (generated, not stored) ...", flush=True)
    hashes = _hashes(files)
    try:
        with ApiServer(env, data_dir / "api.log") as server:
            _warm_up(server.url, token, room)
            before_rss = read_status_mb(server.pid, "VmRSS") or 0.0
            before_hwm = read_status_mb(server.pid, "VmHWM") or 0.0
            samples = Samples()
            results = [UploadResult(i, f.size) for i, f in enumerate(files)]
            stop = threading.Event()
            sampler = threading.Thread(
                target=_sample, args=(server.pid, results, samples, stop), daemon=True
            )
            print(f"uploading {args.files} x {args.mb} MB concurrently ...", flush=True)
            sampler.start()
            wall0 = time.perf_counter()
            asyncio.run(_run_uploads(server.url, token, room, files, hashes, results))
            wall = time.perf_counter() - wall0
            stop.set()
            sampler.join()
            after_rss = read_status_mb(server.pid, "VmRSS") or 0.0
            after_hwm = read_status_mb(server.pid, "VmHWM") or 0.0
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    total_mb = sum(r.sent for r in results) / MB
    ok = [r for r in results if r.ok]
    figures = {
        "files": args.files,
        "mb_each": args.mb,
        "uploaded_mb": round(total_mb, 1),
        "wall_s": round(wall, 2),
        "throughput_mb_s": round(total_mb / wall, 1) if wall else 0.0,
        "upload_s": [round(r.seconds, 2) for r in results],
        "failures": [f"#{r.index}: {r.status} {r.error}" for r in results if not r.ok],
        "rss_before_mb": round(before_rss, 1),
        "rss_after_mb": round(after_rss, 1),
        "rss_peak_sampled_mb": round(max(samples.rss_mb or [0.0]), 1),
        "vmhwm_before_mb": round(before_hwm, 1),
        "vmhwm_after_mb": round(after_hwm, 1),
        "stored": len(ok),
    }
    if args.out:
        title = f"{args.files} concurrent uploads x {args.mb} MB: API memory vs progress"
        _plot(Path(args.out), samples, total_mb, args.files, title)
    return figures


def _report(figures: dict[str, Any]) -> None:
    times = figures["upload_s"]
    print()
    print(
        f"uploads        {figures['stored']}/{figures['files']} stored, "
        f"{figures['files']} x {figures['mb_each']} MB = {figures['uploaded_mb']} MB"
    )
    print(f"wall time      {figures['wall_s']} s")
    print(f"throughput     {figures['throughput_mb_s']} MB/s aggregate")
    if times:
        print(
            f"per upload     min {min(times):.1f} s, median {statistics.median(times):.1f} s, "
            f"max {max(times):.1f} s"
        )
    print(f"failures       {len(figures['failures'])}")
    for failure in figures["failures"]:
        print(f"  {failure}")
    print(
        f"API RSS        before {figures['rss_before_mb']} MiB, peak (sampled) "
        f"{figures['rss_peak_sampled_mb']} MiB, after {figures['rss_after_mb']} MiB"
    )
    print(
        f"API VmHWM      before {figures['vmhwm_before_mb']} MiB, "
        f"after {figures['vmhwm_after_mb']} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20, help="concurrent uploads (20)")
    parser.add_argument("--mb", type=int, default=500, help="size of each file in MB (500)")
    parser.add_argument("--out", help="write a PNG plot of RSS and progress here")
    parser.add_argument("--json", help="write the figures as JSON here")
    parser.add_argument("--data-dir", help="data directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    figures = run(args)
    _report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0 if not figures["failures"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
