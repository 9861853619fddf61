"""An S3 server that freezes, crashes and comes back: errors are quick and transient.

This test has a SeaweedFS of its own (the session's one is shared by the other tests).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator

import pytest

from scripts.seaweedfs import SeaweedServer
from storage.errors import ObjectExistsError, StorageUnavailableError
from storage.objects import ObjectStore, open_store
from tests.objects.helpers import ACCESS_KEY, SECRET_KEY, s3_config, sha256_of

QUICK_S = 5.0
"""Read timeout 1 s, one retry for GET/HEAD: an outage must be reported well within this."""

DATA = b"an original recording" * 1000


@pytest.fixture
def own_server(tmp_path) -> Iterator[SeaweedServer]:
    server = SeaweedServer(tmp_path / "seaweedfs", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    server.start(timeout=45)
    yield server
    server.kill()


def assert_unavailable_quickly(call: Callable[[], object]) -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError):
        call()
    elapsed = time.monotonic() - started
    assert elapsed < QUICK_S, f"took {elapsed:.1f} s"


def put(store: ObjectStore, key: str, data: bytes, **kwargs) -> object:
    return store.put_stream(key, io.BytesIO(data), length=len(data), **kwargs)


def wait_until_usable(store: ObjectStore, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            store.check()
            store.read_range("originals/rec.wav", 0, 1)
            return
        except StorageUnavailableError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_outage_is_reported_quickly_and_the_store_recovers(own_server):
    store = open_store(
        s3_config(own_server, "courtrec-outage", connect_timeout_s=1.0, read_timeout_s=1.0)
    )
    stored = put(store, "originals/rec.wav", DATA, worm=True, content_type="audio/wav")

    own_server.pause()  # frozen: the kernel accepts connections, nobody answers
    try:
        assert_unavailable_quickly(lambda: store.stat("originals/rec.wav"))
        assert_unavailable_quickly(lambda: store.read_range("originals/rec.wav", 0, 10))
        assert_unavailable_quickly(lambda: put(store, "derived/during-freeze", b"x"))
        assert_unavailable_quickly(lambda: list(store.list("originals/")))
        assert_unavailable_quickly(store.check)
    finally:
        own_server.resume()
    assert store.stat("originals/rec.wav").sha256 == sha256_of(DATA)

    own_server.kill()  # crashed: connections refused
    assert_unavailable_quickly(store.check)
    assert_unavailable_quickly(lambda: put(store, "derived/during-crash", b"x"))
    with pytest.raises(StorageUnavailableError), store.open_read("originals/rec.wav") as stream:
        stream.read()

    own_server.start()  # same ports, same data directory
    wait_until_usable(store)

    info = store.stat("originals/rec.wav")
    assert (info.size, info.sha256, info.worm) == (len(DATA), sha256_of(DATA), True)
    assert stored == store.download("originals/rec.wav", own_server.base_dir / "copy.wav")
    with pytest.raises(ObjectExistsError):
        store.delete("originals/rec.wav")
    put(store, "derived/after-restart", b"works again")
    assert store.read_range("derived/after-restart", 0, 5) == b"works"
