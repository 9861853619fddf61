"""POST /api/v1/recordings: streamed body, SHA-256 check, limits, dedupe, bad input."""

from __future__ import annotations

import pytest

from storage.db import RecordingStatus, get_recording
from tests.api.conftest import Api, running, sqlite_stack
from tests.api.helpers import HEARING, CountingBody, media, sha256_of
from worker.contracts import original_key

MB = 1024 * 1024


def recording_row(api: Api, recording_id: str):
    return api.state.transaction(lambda s: get_recording(s, recording_id))


def test_upload_streams_to_a_worm_original_records_and_enqueues(stack_api: Api):
    data = media(6 * MB + 123)  # over the S3 part size: a multipart write
    before = stack_api.keys()

    response = stack_api.upload(data, channel_map="1=judge,2=prosecutor", languages="kk")

    assert response.status_code == 201, response.text
    body = response.json()
    rid = body["id"]
    assert body == {
        "id": rid,
        "status": "queued",
        "status_url": f"/api/v1/recordings/{rid}",
        "protocol_url": f"/api/v1/recordings/{rid}/protocol",
        "sha256": sha256_of(data),
        "size": len(data),
    }
    assert response.headers["location"] == body["status_url"]
    assert stack_api.keys() - before == {original_key(rid)}  # staging removed
    stat = stack_api.store.stat(original_key(rid))
    assert (stat.size, stat.sha256, stat.worm) == (len(data), sha256_of(data), True)
    assert stack_api.store.read_range(original_key(rid), 0, 64) == data[:64]
    row = recording_row(stack_api, rid)
    assert row.status == RecordingStatus.QUEUED
    assert (row.case_number, row.languages, dict(row.channel_map or {})) == (
        "2-1234/2025",
        ("kk",),
        {"1": "judge", "2": "prosecutor"},
    )
    assert stack_api.stack.queue.sent == [rid]


def test_same_bytes_of_the_same_hearing_return_the_existing_recording(stack_api: Api):
    data = media(200_000)
    first = stack_api.upload(data)
    assert first.status_code == 201
    keys = stack_api.keys()

    body = CountingBody(5 * MB)  # a repeat is answered before its body is read
    again = stack_api.upload(body, sha256=sha256_of(data), headers={"Content-Length": str(5 * MB)})

    assert again.status_code == 200
    assert again.json() == first.json()
    assert body.sent < 5 * MB
    assert stack_api.keys() == keys
    assert stack_api.stack.queue.sent == [first.json()["id"]]
    # Same bytes, another hearing time: another recording.
    other = stack_api.upload(data, hearing_started_at="2025-03-15T09:30:00+05:00")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_hash_mismatch_is_refused_and_nothing_is_kept(stack_api: Api):
    data = media(300_000)
    before = stack_api.keys()

    response = stack_api.upload(data, sha256="ab" * 32)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "ab" * 32 in detail and sha256_of(data) in detail
    assert stack_api.keys() == before
    assert stack_api.stack.queue.sent == []


@pytest.mark.parametrize(
    ("header", "fragment"),
    [(None, "is required"), ("xyz", "64 hexadecimal"), ("a" * 63, "64 hexadecimal")],
)
def test_missing_or_malformed_sha256_header_is_400(api: Api, header, fragment):
    headers = api.auth()
    if header is not None:
        headers["X-Content-SHA256"] = header
    response = api.client.post("/api/v1/recordings", params=HEARING, content=b"x", headers=headers)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_uppercase_sha256_header_is_accepted(api: Api):
    data = b"some bytes of a hearing"
    response = api.upload(data, sha256=sha256_of(data).upper())
    assert response.status_code == 201
    assert response.json()["sha256"] == sha256_of(data)


def test_empty_body_is_400_and_stores_nothing(api: Api):
    response = api.upload(b"")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]
    chunked = api.upload(iter([b""]), sha256=sha256_of(b""))  # no Content-Length at all
    assert chunked.status_code == 400
    assert api.keys() == set()


def test_content_length_over_the_limit_is_413_before_the_body_is_read(
    tmp_path, api_sqlite_template
):
    stack = sqlite_stack(tmp_path, api_sqlite_template, max_upload_bytes=1 * MB)
    with running(stack) as api:
        body = CountingBody(4 * MB)
        response = api.upload(body, sha256="0" * 64, headers={"Content-Length": str(4 * MB)})
        assert response.status_code == 413
        assert "limit" in response.json()["detail"]
        assert body.sent == 0  # the test client reads a body only when the app asks
        assert api.keys() == set()


def test_chunked_body_over_the_limit_is_413(tmp_path, api_sqlite_template):
    """That reading stops at the limit is checked on a real server (test_server.py)."""
    stack = sqlite_stack(tmp_path, api_sqlite_template, max_upload_bytes=1 * MB)
    with running(stack) as api:
        response = api.upload(CountingBody(3 * MB), sha256="0" * 64)  # no Content-Length
        assert response.status_code == 413
        assert api.keys() == set()
        exact = media(1 * MB)
        assert api.upload(iter([exact]), sha256=sha256_of(exact)).status_code == 201  # at the limit


def test_unknown_fields_are_422_and_nothing_is_read(api: Api):
    body = CountingBody(2 * MB)
    response = api.upload(body, sha256="0" * 64, headers={"Content-Length": str(2 * MB)}, foo="1")
    assert response.status_code == 422
    assert response.json()["detail"] == "invalid request: foo: unknown field"
    assert body.sent == 0


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("case_number", "../../etc/passwd", "case number must start"),
        ("case_number", "2-1/2025/../../x", "'..'"),
        ("case_number", "2-1\x002025", "control characters"),
        ("case_number", "2-1\n2025", "control characters"),
        ("case_number", "x" * 65, "at most 64"),
        ("case_number", "2-1;rm -rf", "only letters"),
        ("court", "almaty/../x", "code"),
        ("courtroom", "r3\u202e", "control characters"),
        ("hearing_started_at", "2025-03-14T09:30:00", "timezone"),
        ("hearing_started_at", "yesterday", "hearing_started_at"),
        ("languages", "kk,en", "languages"),
        ("channel_map", "1=judge,17=witness", "1..16"),
        ("channel_map", "1=judge,1=clerk", "twice"),
        ("channel_map", "1=hacker", "channel_map"),
        ("speakers", "0", "speakers"),
        ("speakers", "21", "speakers"),
        ("vocabulary", "ok,bad\x07term", "control characters"),
        ("vocabulary", ",".join(f"t{i}" for i in range(201)), "at most 200"),
        ("source_name", "rec\x00.wav", "control characters"),
    ],
)
def test_hostile_or_invalid_metadata_is_422_with_a_clear_message(api: Api, field, value, fragment):
    response = api.upload(b"bytes", **{field: value})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("invalid request: ")
    assert fragment in detail
    assert "\x00" not in detail and "\u202e" not in detail  # input is never echoed
    assert api.keys() == set()


def test_inconsistent_speaker_bounds_are_422(api: Api):
    response = api.upload(b"bytes", min_speakers="5", max_speakers="3")
    assert response.status_code == 422
    assert "min_speakers must not exceed max_speakers" in response.json()["detail"]


def test_source_name_is_reduced_to_a_base_name_and_never_a_key(api: Api):
    response = api.upload(b"bytes", source_name="C:\\rec\\..\\..\\etc/passwd")
    assert response.status_code == 201
    rid = response.json()["id"]
    assert recording_row(api, rid).source_name == "passwd"
    assert api.keys() == {original_key(rid)}


def test_unescaped_plus_in_the_hearing_time_is_understood(api: Api):
    url = "/api/v1/recordings?" + "&".join(
        [
            "court=almaty-district-2",
            "courtroom=r3",
            "case_number=2-1234%2F2025",
            "hearing_started_at=2025-03-14T09:30:00+05:00",  # '+' decodes as a space
        ]
    )
    headers = api.auth(**{"X-Content-SHA256": sha256_of(b"abc")})
    response = api.client.post(url, content=b"abc", headers=headers)
    assert response.status_code == 201, response.text
    row = recording_row(api, response.json()["id"])
    assert row.hearing_started_at.isoformat() == "2025-03-14T04:30:00+00:00"


def test_non_media_bytes_are_accepted_and_kept_as_evidence(api: Api):
    text = b"this is not audio at all"
    response = api.upload(text, headers={"Content-Type": "text/plain"})
    assert response.status_code == 201
    rid = response.json()["id"]
    stat = api.store.stat(original_key(rid))
    assert (stat.worm, stat.content_type) == (True, "text/plain")
    assert api.stack.queue.sent == [rid]
