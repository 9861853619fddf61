"""Storage outages: the API answers 503 with Retry-After, keeps no half-written state,
and works again when the store or database is back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from scripts.seaweedfs import SeaweedServer, free_ports
from tests.api.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, Api, running, s3_settings, sqlite_stack
from tests.api.helpers import TUS, media, sha256_of, tus_metadata
from worker.contracts import original_key

KB = 1024


@pytest.fixture
def own_seaweed(tmp_path) -> Iterator[SeaweedServer]:
    """A SeaweedFS of this test's own, to stop and start."""
    server = SeaweedServer(
        tmp_path / "seaweedfs", access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY
    )
    server.start(timeout=60)
    yield server
    server.kill()


def wait_ready(api: Api, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while api.client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "store did not come back"
        time.sleep(0.3)


def test_store_outage_is_503_and_uploads_work_again_afterwards(
    tmp_path, api_sqlite_template, own_seaweed
):
    stack = sqlite_stack(tmp_path, api_sqlite_template, store=s3_settings(own_seaweed, "outage"))
    with running(stack) as api:
        stored = api.upload(media(64 * KB, seed=20))
        assert stored.status_code == 201
        data = media(64 * KB, seed=21)
        url = api.tus_create(len(data), tus_metadata(data)).headers["location"]
        assert api.tus_patch(url, 0, data[: 20 * KB]).status_code == 204

        own_seaweed.kill()
        failed = api.upload(media(10 * KB, seed=22))
        assert failed.status_code == 503
        assert failed.json() == {"detail": "storage is temporarily unavailable; retry later"}
        assert int(failed.headers["retry-after"]) > 0
        piece = api.tus_patch(url, 20 * KB, data[20 * KB :])
        assert piece.status_code == 503
        assert piece.headers["tus-resumable"] == "1.0.0"
        ready = api.client.get("/readyz")
        assert ready.status_code == 503 and "object store" in ready.json()["detail"]
        # The database still answers: the status of a stored recording is shown.
        status = api.client.get(stored.json()["status_url"], headers=api.auth())
        assert status.status_code == 200

        own_seaweed.start()
        wait_ready(api)
        assert api.tus_head(url).headers["upload-offset"] == str(20 * KB)
        done = api.tus_patch(url, 20 * KB, data[20 * KB :])
        assert done.status_code == 204
        again = api.upload(media(10 * KB, seed=22))
        assert again.status_code == 201
        assert api.store.stat(original_key(again.json()["id"])).sha256 == sha256_of(
            media(10 * KB, seed=22)
        )
        assert api.keys("staging/", "uploads/") == set()


def test_database_outage_is_503(tmp_path, api_sqlite_template):
    port = free_ports(1)[0]
    stack = sqlite_stack(tmp_path, api_sqlite_template)
    stack.settings = stack.settings.model_copy(
        update={"database_url": f"postgresql://nobody@127.0.0.1:{port}/x", "auto_migrate": False}
    )
    with running(stack) as api:
        response = api.upload(b"bytes")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        ready = api.client.get("/readyz")
        assert ready.status_code == 503 and "database" in ready.json()["detail"]
        assert api.client.get("/healthz").status_code == 200
        tus = api.client.options("/api/v1/uploads", headers=TUS)
        assert tus.status_code == 204
