"""The real Celery client: messages reach Redis and the embedded broker; a dead broker
does not fail an upload (the job stays queued in the database for the reaper)."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator

import pytest
import redis

from scripts.seaweedfs import free_ports
from storage.db import RecordingStatus, get_recording
from tests.api.conftest import Stack, running, sqlite_stack
from tests.api.helpers import media
from worker.contracts import PROCESS_QUEUE, TASK_PROCESS

REDIS_DB = 13
"""A database of the local Redis used by these tests only; keys get a per-run prefix too."""


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"courtrec-api-test-{secrets.token_hex(4)}:"
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379: {exc}", pytrace=False)
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def celery_stack(tmp_path, template, broker_url: str, **options) -> Stack:
    stack = sqlite_stack(tmp_path, template)
    stack.settings = stack.settings.model_copy(update={"broker_url": broker_url, **options})
    return stack


def test_the_task_reaches_the_redis_queue(tmp_path, api_sqlite_template, redis_prefix):
    stack = celery_stack(
        tmp_path,
        api_sqlite_template,
        f"redis://127.0.0.1:6379/{REDIS_DB}",
        broker_transport_options={"global_keyprefix": redis_prefix},
    )
    with running(stack, celery=True) as api:
        response = api.upload(media(5000))
    assert response.status_code == 201
    rid = response.json()["id"]

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    messages = client.lrange(f"{redis_prefix}{PROCESS_QUEUE}", 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert message["headers"]["task"] == TASK_PROCESS
    assert (args, kwargs) == ([rid], {})
    assert message["properties"]["delivery_info"]["routing_key"] == PROCESS_QUEUE


@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")
def test_the_task_reaches_the_embedded_broker(tmp_path, api_sqlite_template):
    stack = celery_stack(tmp_path, api_sqlite_template, "")  # sqla+sqlite under data_dir
    with running(stack, celery=True) as api:
        response = api.upload(media(5000))
    assert response.status_code == 201
    broker = stack.settings.data_dir / "broker.db"
    with sqlite3.connect(broker) as db:
        rows = db.execute(
            "SELECT m.payload FROM kombu_message m JOIN kombu_queue q ON q.id = m.queue_id "
            "WHERE q.name = ?",
            (PROCESS_QUEUE,),
        ).fetchall()
    assert len(rows) == 1
    message = json.loads(rows[0][0])
    assert message["headers"]["task"] == TASK_PROCESS
    assert json.loads(base64.b64decode(message["body"]))[0] == [response.json()["id"]]


def test_a_dead_broker_leaves_the_job_queued_and_the_upload_succeeds(
    tmp_path, api_sqlite_template, caplog
):
    port = free_ports(1)[0]  # nobody listens there
    stack = celery_stack(
        tmp_path, api_sqlite_template, f"redis://127.0.0.1:{port}/0", enqueue_timeout_s=1.0
    )
    with running(stack, celery=True) as api, caplog.at_level(logging.WARNING, logger="api.queue"):
        started = time.monotonic()
        response = api.upload(media(5000))
        elapsed = time.monotonic() - started
        assert response.status_code == 201
        rid = response.json()["id"]
        row = api.state.transaction(lambda s: get_recording(s, rid))
    assert row.status == RecordingStatus.QUEUED
    assert row.task_id is None
    assert elapsed < 10
    assert any("stays queued" in record.getMessage() for record in caplog.records)
