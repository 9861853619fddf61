"""On a real server (uvicorn in a subprocess), over raw sockets: what the test client
cannot show. The limit answers 413 before a body is read (or at the limit when it has no
Content-Length); a client that hangs up mid-body leaves nothing behind; memory does not
grow with the size of what is streamed through."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from api.tus import encode_upload_metadata
from scripts.bench_upload import ApiServer, GeneratedFile, read_status_mb, seed_recorder
from tests.api.helpers import HEARING

MIB = 1024 * 1024
LIMIT = 4 * MIB


@dataclass(frozen=True)
class Server:
    api: ApiServer
    token: str
    room: str
    objects: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One API process with a 4 MiB limit for the tests of this module."""
    base = tmp_path_factory.mktemp("server")
    env = {
        "CR_DATA_DIR": str(base / "data"),
        "CR_BROKER_URL": "memory://",
        "CR_MAX_UPLOAD_BYTES": str(LIMIT),
        "CR_BODY_IDLE_TIMEOUT_S": "5",
    }
    room, token = seed_recorder(env)
    with ApiServer(env, base / "api.log") as api:
        yield Server(api, token, room, base / "data" / "objects")


def request_head(server: Server, extra: str) -> bytes:
    query = urlencode({**HEARING, "court": "bench-court", "courtroom": server.room})
    return (
        f"POST /api/v1/recordings?{query} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n"
        f"X-Content-SHA256: {'0' * 64}\r\nContent-Type: audio/wav\r\n{extra}\r\n"
    ).encode()


def read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    return int(data.split(b" ", 2)[1])


def stored_files(objects: Path) -> list[Path]:
    return [
        p
        for p in objects.rglob("*")
        if p.is_file() and not p.name.startswith("check-") and ".meta" not in p.parts
    ]


def test_content_length_over_the_limit_is_answered_before_the_body(server: Server):
    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(request_head(server, f"Content-Length: {100 * LIMIT}\r\n"))
        assert read_status(sock) == 413  # not one byte of the body was sent


def test_expect_100_continue_lets_a_refused_client_skip_the_body(server: Server):
    """uvicorn sends 100 Continue only when the app reads the body; a refusal comes first."""
    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(
            request_head(server, f"Content-Length: {LIMIT}\r\nExpect: 100-continue\r\n").replace(
                b"courtroom=", b"courtroom=other-"
            )
        )
        assert read_status(sock) == 403
    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(request_head(server, "Content-Length: 3\r\nExpect: 100-continue\r\n"))
        assert read_status(sock) == 100  # accepted so far: now send the body
        sock.sendall(b"abc")
        sock.settimeout(10)
        assert b" 400 " in sock.recv(4096)  # header says 000...0, the body hashes otherwise


def test_a_chunked_body_is_stopped_at_the_limit(server: Server):
    sent = 0
    status = None
    chunk = b"x" * (256 * 1024)
    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(request_head(server, "Transfer-Encoding: chunked\r\n"))
        sock.settimeout(0.05)
        try:
            while sent < 200 * LIMIT:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                try:
                    if sock.recv(1, socket.MSG_PEEK):
                        break
                except TimeoutError:
                    continue
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(10)
        status = read_status(sock)
    assert status == 413
    assert sent < 50 * LIMIT  # the server answered long before the sender was done
    time.sleep(0.5)
    assert stored_files(server.objects) == []


def test_a_client_hanging_up_mid_body_leaves_nothing(server: Server):
    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(request_head(server, f"Content-Length: {LIMIT - 1}\r\n"))
        sock.sendall(b"y" * (LIMIT // 2))
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while stored_files(server.objects) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored_files(server.objects) == []
    assert httpx.get(f"{server.api.url}/healthz").status_code == 200


def test_memory_does_not_grow_with_the_body(tmp_path):
    env = {"CR_DATA_DIR": str(tmp_path / "data"), "CR_BROKER_URL": "memory://"}
    room, token = seed_recorder(env)
    with ApiServer(env, tmp_path / "api.log") as api:
        hwm = []
        for size in (8 * MIB, 200 * MIB):
            file = GeneratedFile(seed=size, size=size)
            response = httpx.post(
                f"{api.url}/api/v1/recordings",
                params={**HEARING, "court": "bench-court", "courtroom": room},
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Content-SHA256": file.sha256(),
                    "Content-Length": str(size),
                },
                content=file.chunks(),
                timeout=120,
            )
            assert response.status_code == 201, response.text
            assert response.json()["size"] == size
            hwm.append(read_status_mb(api.pid, "VmHWM"))
    assert hwm[1] - hwm[0] < 50, f"peak memory grew from {hwm[0]:.0f} to {hwm[1]:.0f} MiB"


def test_a_tus_piece_cut_off_mid_body_keeps_what_arrived(server: Server):
    """tus's point: after a broken connection the upload continues from what arrived."""
    data = GeneratedFile(seed=77, size=3 * MIB)
    body = b"".join(data.chunks())
    base = server.api.url
    auth = {"Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0"}
    metadata = encode_upload_metadata(
        {**HEARING, "court": "bench-court", "courtroom": server.room, "sha256": data.sha256()}
    )
    created = httpx.post(
        f"{base}/api/v1/uploads",
        headers={**auth, "Upload-Length": str(len(body)), "Upload-Metadata": metadata},
    )
    assert created.status_code == 201, created.text
    path = created.headers["location"]

    with socket.create_connection(("127.0.0.1", server.api.port), timeout=10) as sock:
        sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {server.token}\r\nTus-Resumable: 1.0.0\r\n"
                "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body[: MIB + 5]
        )
        time.sleep(0.5)  # the bytes reach the server, then the connection breaks

    offset = 0
    deadline = time.monotonic() + 10
    while offset == 0 and time.monotonic() < deadline:
        head = httpx.head(f"{base}{path}", headers=auth)
        offset = int(head.headers["upload-offset"])
        time.sleep(0.1)
    assert 0 < offset <= MIB + 5
    rest = httpx.patch(
        f"{base}{path}",
        headers={
            **auth,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
        content=body[offset:],
    )
    assert rest.status_code == 204, rest.text
    assert rest.headers["recording-location"].startswith("/api/v1/recordings/")
