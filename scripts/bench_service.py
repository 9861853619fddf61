"""Benchmark the service: upload-to-protocol time against the CLI, and worker scaling.

In one run, on the same file:

1. ``courtrec transcribe FILE`` (the core pipeline's CLI, a fresh process as a user runs
   it, model loading included) — wall time;
2. the embedded service (``courtrec serve`` + ``courtrec worker``, models already loaded
   by the worker): time from the first byte of the upload to the protocol downloaded;
3. a batch of recordings with N=1 and then N=2 worker processes: jobs per minute.

Usage::

    python scripts/bench_service.py --input data/bench/real5/mix.wav --batch 4
    (add --out docs/bench-service.png to redraw the figure)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CR_")}
    env["CR_DATA_DIR"] = str(data)
    env["CR_MODELS_DIR"] = os.environ.get("CR_MODELS_DIR", str(ROOT / "data" / "models"))
    return env


def run_cli(media: Path, scratch: Path) -> float:
    env = base_env(scratch / "cli-data")
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "cli", "transcribe", str(media), "-o", str(scratch / "cli-out")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


class System:
    """An embedded API plus ``workers`` worker processes (one reaper among them)."""

    def __init__(self, data: Path, workers: int) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_env(data)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers = workers

    def start(self) -> str:
        """Register a device, start the processes, wait until ready; return the token."""
        self.data.mkdir(parents=True, exist_ok=True)
        token = self._device()
        log = (self.data / "service.log").open("ab")
        self.procs.append(self._spawn(["serve", "--port", str(self.port)], log))
        for n in range(self.workers):
            self.procs.append(self._spawn(["worker", *(["--beat"] if n == 0 else [])], log))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        time.sleep(20)  # workers load their models before the first job
        return token

    def _spawn(self, args: list[str], log) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [PYTHON, "-m", "cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _device(self) -> str:
        def admin(*args: str) -> str:
            done = subprocess.run(
                [PYTHON, "-m", "cli", "admin", *args],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
            )
            return done.stdout

        admin("create-court", "bench", "Bench court")
        admin("create-courtroom", "bench", "r1", "Room 1")
        out = admin("create-device", "bench", "r1", "bench recorder")
        return out.split("token: ", 1)[1].split()[0]

    def stop(self) -> None:
        """Stop every process of the system."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def upload(system: System, token: str, media: Path, case: str, start: datetime) -> str:
    body = media.read_bytes()
    created = httpx.post(
        f"{system.url}/api/v1/recordings",
        params={
            "court": "bench",
            "courtroom": "r1",
            "case_number": case,
            "hearing_started_at": start.isoformat(),
            "languages": "kk,ru",
        },
        headers={
            "Authorization": f"Bearer {token}",
            "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
        },
        content=body,
        timeout=300,
    )
    created.raise_for_status()
    return str(created.json()["status_url"])


def wait_all(system: System, token: str, urls: list[str], timeout: float = 3600) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    pending = set(urls)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for url in list(pending):
            status = httpx.get(system.url + url, headers=auth, timeout=10).json()
            if status["status"] == "failed":
                raise RuntimeError(f"{url} failed: {status['error']}")
            if status["status"] == "done":
                httpx.get(system.url + url + "/protocol", headers=auth, timeout=30)
                pending.discard(url)
        time.sleep(0.5)
    if pending:
        raise RuntimeError(f"not done in time: {sorted(pending)}")


def end_to_end(media: Path, scratch: Path) -> float:
    system = System(scratch / "e2e", workers=1)
    token = system.start()
    try:
        start = time.perf_counter()
        url = upload(system, token, media, "2-1/2026", datetime.now(UTC))
        wait_all(system, token, [url])
        return time.perf_counter() - start
    finally:
        system.stop()


def batch(media: Path, scratch: Path, workers: int, count: int) -> float:
    system = System(scratch / f"batch{workers}", workers=workers)
    token = system.start()
    try:
        start = time.perf_counter()
        hearing = datetime.now(UTC)
        urls = [
            upload(system, token, media, f"2-{n}/2026", hearing + timedelta(hours=n))
            for n in range(count)
        ]
        wait_all(system, token, urls)
        return time.perf_counter() - start
    finally:
        system.stop()


def plot(results: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = ["CLI (fresh process)", "service: upload → protocol"]
    values = [results["cli_s"], results["service_s"]]
    left.barh(names, values, color=["#888888", "#3b75af"])
    for y, v in enumerate(values):
        left.text(v, y, f" {v:.1f} s", va="center")
    left.set_xlabel("seconds")
    left.set_title(
        f"{results['duration_s'] / 60:.0f}-minute recording (ratio {results['ratio']:.2f})"
    )
    counts = [str(n) for n in results["batch"]]
    rates = [results["batch"][n]["jobs_per_min"] for n in results["batch"]]
    right.bar(counts, rates, color="#3b75af")
    for x, v in enumerate(rates):
        right.text(x, v, f"{v:.2f}", ha="center", va="bottom")
    right.set_xlabel("worker processes")
    right.set_ylabel("jobs per minute")
    right.set_title(f"batch of {results['batch_size']} recordings, 2 cores")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def duration_of(media: Path) -> float:
    import soundfile as sf

    return float(sf.info(str(media)).duration)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help="recording for both runs")
    parser.add_argument("--batch-input", type=Path, help="recording for the batch (default: input)")
    parser.add_argument("--batch", type=int, default=4, help="recordings in the batch")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench-service.png")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-service-"))
    try:
        results: dict = {"input": str(args.input), "duration_s": duration_of(args.input)}
        results["cli_s"] = run_cli(args.input, scratch)
        print(f"CLI transcribe: {results['cli_s']:.1f} s", flush=True)
        results["service_s"] = end_to_end(args.input, scratch)
        results["ratio"] = results["service_s"] / results["cli_s"]
        print(
            f"service upload -> protocol: {results['service_s']:.1f} s "
            f"(ratio {results['ratio']:.2f} against the CLI)",
            flush=True,
        )
        media = args.batch_input or args.input
        results["batch_size"] = args.batch
        results["batch"] = {}
        for workers in args.workers:
            wall = batch(media, scratch, workers, args.batch)
            rate = args.batch / (wall / 60)
            results["batch"][workers] = {"wall_s": wall, "jobs_per_min": rate}
            print(f"{workers} worker(s): {args.batch} jobs in {wall:.1f} s = {rate:.2f} jobs/min")
        plot(results, args.out)
        print(f"figure: {args.out}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
