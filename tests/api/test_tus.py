"""Resumable uploads (tus 1.0.0) under /api/v1/uploads."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
from datetime import timedelta

import pytest

from api.resumable import piece_key
from storage.db import RecordingStatus, advance_upload, get_recording, get_upload, utc_now
from storage.db.models import Upload
from tests.api.conftest import Api, running
from tests.api.helpers import TUS, b64, media, sha256_of, tus_metadata
from worker.contracts import original_key

KB = 1024


def create(api: Api, data: bytes, **fields: str) -> str:
    response = api.tus_create(len(data), tus_metadata(data, **fields))
    assert response.status_code == 201, response.text
    return response.headers["location"]


def send(api: Api, url: str, data: bytes, start: int, end: int):
    return api.tus_patch(url, start, data[start:end])


def test_options_announce_the_protocol_without_a_token(api: Api):
    response = api.client.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["tus-resumable"] == "1.0.0"
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "termination",
        "expiration",
        "checksum",
    }
    assert int(response.headers["tus-max-size"]) == 8 * 1024**3
    assert "sha1" in response.headers["tus-checksum-algorithm"]


def test_upload_in_several_pieces_becomes_a_recording(stack_api: Api):
    data = media(5 * 1024 * KB + 777, seed=11)
    before = stack_api.keys()
    response = stack_api.tus_create(len(data), tus_metadata(data, filename="/sd/зал 3.wav"))
    assert response.status_code == 201
    url = response.headers["location"]
    upload_id = url.rsplit("/", 1)[-1]
    assert url == f"/api/v1/uploads/{upload_id}"
    assert response.headers["tus-resumable"] == "1.0.0"
    assert "GMT" in response.headers["upload-expires"]

    cuts = [0, 1_000_000, 1_000_001, 3_500_000, len(data)]
    for start, end in itertools.pairwise(cuts):
        reply = send(stack_api, url, data, start, end)
        assert reply.status_code == 204, reply.text
        assert int(reply.headers["upload-offset"]) == end
        if end < len(data):
            assert stack_api.keys("uploads/") >= {piece_key(upload_id, start)}
            head = stack_api.tus_head(url)
            assert head.status_code == 200
            assert (head.headers["upload-offset"], head.headers["upload-length"]) == (
                str(end),
                str(len(data)),
            )
            assert head.headers["cache-control"] == "no-store"
            assert "sha256" in head.headers["upload-metadata"]

    location = reply.headers["recording-location"]
    rid = location.rsplit("/", 1)[-1]
    assert location == f"/api/v1/recordings/{rid}"
    assert stack_api.keys() - before == {original_key(rid)}  # the pieces are gone
    stat = stack_api.store.stat(original_key(rid))
    assert (stat.size, stat.sha256, stat.worm) == (len(data), sha256_of(data), True)
    recording = stack_api.state.transaction(lambda s: get_recording(s, rid))
    assert (recording.status, recording.source_name) == (RecordingStatus.QUEUED, "зал 3.wav")
    assert stack_api.stack.queue.sent == [rid]

    status = stack_api.client.get(url, headers=stack_api.auth())
    assert status.status_code == 200
    assert status.json()["recording_id"] == rid
    assert status.json()["offset"] == status.json()["length"] == len(data)
    assert stack_api.client.get(location, headers=stack_api.auth()).json()["status"] == "queued"


def test_an_upload_continues_on_a_new_app_instance(stack_api: Api):
    data = media(600 * KB, seed=5)
    url = create(stack_api, data)
    assert send(stack_api, url, data, 0, 250 * KB).status_code == 204
    stack = stack_api.stack
    stack_api.client.__exit__(None, None, None)  # the API process goes away mid-upload

    with running(stack) as restarted:
        head = restarted.tus_head(url)
        assert head.status_code == 200
        offset = int(head.headers["upload-offset"])
        assert offset == 250 * KB
        reply = send(restarted, url, data, offset, len(data))
        assert reply.status_code == 204
        rid = reply.headers["recording-location"].rsplit("/", 1)[-1]
        assert restarted.store.stat(original_key(rid)).sha256 == sha256_of(data)
    stack_api.client.__enter__()  # let the fixture close it as usual


def test_offset_mismatch_is_409_and_changes_nothing(api: Api):
    data = media(100 * KB)
    url = create(api, data)
    assert send(api, url, data, 0, 40 * KB).status_code == 204
    stale = api.tus_patch(url, 0, data[: 40 * KB])  # a retry of the first piece
    ahead = api.tus_patch(url, 60 * KB, data[60 * KB :])
    assert (stale.status_code, ahead.status_code) == (409, 409)
    assert "upload is at 40960" in stale.json()["detail"]
    assert api.tus_head(url).headers["upload-offset"] == str(40 * KB)


def test_whole_file_hash_mismatch_discards_the_upload(stack_api: Api):
    data = media(300 * KB, seed=9)
    before = stack_api.keys()
    url = stack_api.tus_create(len(data), tus_metadata(sha256="cd" * 32)).headers["location"]
    assert send(stack_api, url, data, 0, 100 * KB).status_code == 204

    last = send(stack_api, url, data, 100 * KB, len(data))

    assert last.status_code == 400
    assert "SHA-256 mismatch" in last.json()["detail"]
    assert sha256_of(data) in last.json()["detail"]
    assert stack_api.keys() == before  # no pieces, no original
    assert stack_api.tus_head(url).status_code == 404
    assert stack_api.stack.queue.sent == []


def test_a_piece_past_the_length_is_413(api: Api):
    data = media(10 * KB)
    url = create(api, data)
    response = api.tus_patch(url, 0, data + b"extra")
    assert response.status_code == 413
    assert api.tus_head(url).headers["upload-offset"] == "0"
    assert api.keys("uploads/") == set()


def test_piece_checksums_are_checked(api: Api):
    data = media(20 * KB)
    url = create(api, data)
    good = base64.b64encode(hashlib.sha1(data[: 8 * KB]).digest()).decode()
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()

    mismatch = api.tus_patch(url, 0, data[: 8 * KB], **{"Upload-Checksum": f"sha1 {bad}"})
    assert mismatch.status_code == 460
    assert api.tus_head(url).headers["upload-offset"] == "0"
    assert api.keys("uploads/") == set()

    ok = api.tus_patch(url, 0, data[: 8 * KB], **{"Upload-Checksum": f"sha1 {good}"})
    assert ok.status_code == 204
    unknown = api.tus_patch(url, 8 * KB, data[8 * KB :], **{"Upload-Checksum": "crc32 AAAA"})
    assert unknown.status_code == 400


def test_termination_deletes_the_pieces(api: Api):
    data = media(50 * KB)
    url = create(api, data)
    send(api, url, data, 0, 20 * KB)
    response = api.client.delete(url, headers=api.auth(**TUS))
    assert response.status_code == 204
    assert api.tus_head(url).status_code == 404
    assert api.keys() == set()


def test_requests_need_tus_resumable(api: Api):
    response = api.client.post(
        "/api/v1/uploads", headers=api.auth(**{"Upload-Length": "10", "Tus-Resumable": "0.2.2"})
    )
    assert response.status_code == 412
    assert response.headers["tus-version"] == "1.0.0"


def test_patch_needs_the_offset_content_type(api: Api):
    data = media(10 * KB)
    url = create(api, data)
    response = api.tus_patch(url, 0, data, **{"Content-Type": "application/octet-stream"})
    assert response.status_code == 415


def test_only_the_courtroom_that_created_an_upload_may_touch_it(api: Api):
    data = media(10 * KB)
    url = create(api, data)
    stranger = api.stack.neighbour_token
    assert api.tus_head(url, token=stranger).status_code == 404
    assert api.tus_patch(url, 0, data, token=stranger).status_code == 404
    assert api.client.delete(url, headers=api.auth(stranger, **TUS)).status_code == 404
    assert api.client.get(url, headers=api.auth(stranger)).status_code == 404
    assert api.tus_head(url, token="crd_nonsense").status_code == 401


@pytest.mark.parametrize(
    ("header", "status", "fragment"),
    [
        (None, 400, "sha256"),
        ("sha256 " + b64("abc"), 400, "64 hexadecimal"),
        ("sha256 !!notbase64", 400, "base64"),
        ("sha256", 400, "sha256 must be"),
        ("bad key " + b64("x"), 400, "pairs"),
    ],
)
def test_bad_upload_metadata_is_400(api: Api, header, status, fragment):
    response = api.tus_create(10, header)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_upload_metadata_goes_through_the_same_model(api: Api):
    data = media(10)
    hostile = api.tus_create(len(data), tus_metadata(data, case_number="../../etc/passwd"))
    unknown = api.tus_create(len(data), tus_metadata(data, color="red"))
    other_room = api.tus_create(len(data), tus_metadata(data, courtroom="r4"))
    assert hostile.status_code == 422 and "case number" in hostile.json()["detail"]
    assert unknown.status_code == 422 and "color: unknown field" in unknown.json()["detail"]
    assert other_room.status_code == 403


def test_lengths_are_checked_at_creation(api: Api):
    metadata = tus_metadata(b"x")
    assert api.tus_create(0, metadata).status_code == 400
    assert api.tus_create(8 * 1024**3 + 1, metadata).status_code == 413
    no_length = api.client.post(
        "/api/v1/uploads", headers=api.auth(**TUS, **{"Upload-Metadata": metadata})
    )
    assert no_length.status_code == 400


def test_expired_uploads_are_gone(api: Api):
    data = media(10 * KB)
    url = create(api, data)
    upload_id = url.rsplit("/", 1)[-1]

    def expire(session):
        session.get(Upload, upload_id).expires_at = utc_now() - timedelta(minutes=1)

    api.state.transaction(expire)
    assert api.tus_head(url).status_code == 410
    assert api.tus_patch(url, 0, data).status_code == 410


def test_an_upload_of_stored_bytes_is_complete_at_creation(api: Api):
    data = media(30 * KB, seed=2)
    direct = api.upload(data)
    assert direct.status_code == 201

    response = api.tus_create(len(data), tus_metadata(data))

    assert response.status_code == 201
    assert response.headers["upload-offset"] == str(len(data))
    assert response.headers["recording-location"] == direct.json()["status_url"]
    head = api.tus_head(response.headers["location"])
    assert head.headers["upload-offset"] == str(len(data))
    assert api.stack.queue.sent == [direct.json()["id"]]


def test_a_completion_cut_short_is_finished_by_the_next_request(api: Api):
    """The API died after the last piece was stored and the offset moved."""
    data = media(40 * KB, seed=4)
    url = create(api, data)
    upload_id = url.rsplit("/", 1)[-1]
    store = api.store
    store.put_stream(piece_key(upload_id, 0), io.BytesIO(data), length=len(data))
    api.state.transaction(lambda s: advance_upload(s, upload_id, 0, len(data)))
    assert api.state.transaction(lambda s: get_upload(s, upload_id)).recording_id is None

    head = api.tus_head(url)

    assert head.status_code == 200
    assert head.headers["upload-offset"] == str(len(data))
    assert head.headers["recording-location"] == f"/api/v1/recordings/{upload_id}"
    assert api.keys() == {original_key(upload_id)}
    assert api.stack.queue.sent == [upload_id]
