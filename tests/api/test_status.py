"""GET /api/v1/recordings/{id}, its protocol, and the health probes."""

from __future__ import annotations

import io
import json

import pytest

from protocol import export, protocol_from_json
from storage.db import claim, fail, finish, report_progress
from tests.api.conftest import Api
from tests.api.helpers import HEARING, make_protocol, media, sha256_of
from tests.api.people import seed_people
from worker.contracts import protocol_key

WORKER = "worker-1:42"


@pytest.fixture
def recording(api: Api) -> dict:
    response = api.upload(media(50_000, seed=8), source_name="зал-3.wav")
    assert response.status_code == 201
    return response.json()


def done(api: Api, recording: dict) -> str:
    """Play the worker: claim, store protocol v1, finish (as the worker does)."""
    rid = recording["id"]
    text = export(make_protocol(recording["sha256"]), "json")
    key = protocol_key(rid, 1)
    stored = api.store.put_stream(key, io.BytesIO(text.encode()), content_type="application/json")

    def work(session):
        assert claim(session, rid, WORKER)
        report_progress(session, rid, WORKER, "transcribe", 0.4)
        finish(session, rid, WORKER, key, 12.5, stored.sha256)

    api.state.transaction(work)
    return text


@pytest.fixture
def judge(api: Api) -> dict[str, str]:
    """Authorization of a judge of the devices' court (protocol text is for people)."""
    return seed_people(api).auth("judge")


def status(api: Api, rid: str, token: str | None = None):
    return api.client.get(f"/api/v1/recordings/{rid}", headers=api.auth(token))


def test_a_queued_recording_shows_its_state_and_metadata(api: Api, recording: dict):
    response = status(api, recording["id"])
    assert response.status_code == 200
    body = response.json()
    rid = recording["id"]
    assert body["status"] == "queued"
    assert (body["step"], body["progress"], body["attempts"], body["error"]) == (None, 0, 0, None)
    assert (body["court"], body["courtroom"], body["case_number"]) == (
        "almaty-district-2",
        "r3",
        "2-1234/2025",
    )
    assert body["courtroom_name"] == "Room 3"
    listed = api.client.get("/api/v1/recordings", headers=api.auth()).json()["items"]
    assert [(r["id"], r["courtroom_name"]) for r in listed] == [(rid, "Room 3")]
    assert body["languages"] == ["kk", "ru"]
    assert body["source_name"] == "зал-3.wav"
    assert (body["sha256"], body["size"]) == (recording["sha256"], 50_000)
    assert body["links"] == {
        "self": f"/api/v1/recordings/{rid}",
        "protocol": f"/api/v1/recordings/{rid}/protocol",
    }
    assert body["created_at"].endswith("Z") or "+00:00" in body["created_at"]


def test_processing_shows_step_and_percent_and_the_protocol_is_409(
    api: Api, recording: dict, judge: dict[str, str]
):
    rid = recording["id"]

    def work(session):
        claim(session, rid, WORKER)
        report_progress(session, rid, WORKER, "diarize", 0.375)

    api.state.transaction(work)
    body = status(api, rid).json()
    assert (body["status"], body["step"], body["progress"], body["attempts"]) == (
        "processing",
        "diarize",
        37.5,
        1,
    )
    assert body["started_at"] is not None
    protocol = api.client.get(f"/api/v1/recordings/{rid}/protocol", headers=judge)
    assert protocol.status_code == 409
    assert "processing (step diarize, 38 %)" in protocol.json()["detail"]


def test_queued_protocol_is_409(api: Api, recording: dict, judge: dict[str, str]):
    response = api.client.get(recording["protocol_url"], headers=judge)
    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_a_failed_job_shows_a_reason_a_person_understands(
    api: Api, recording: dict, judge: dict[str, str]
):
    rid = recording["id"]
    reason = "The file is not audio or video that can be read (no audio stream found)."

    def work(session):
        claim(session, rid, WORKER)
        fail(session, rid, WORKER, "bad_media", reason)

    api.state.transaction(work)
    body = status(api, rid).json()
    assert body["status"] == "failed"
    assert body["error"] == {"code": "bad_media", "message": reason}
    assert body["finished_at"] is not None
    protocol = api.client.get(recording["protocol_url"], headers=judge)
    assert protocol.status_code == 409
    assert reason in protocol.json()["detail"]


def test_a_done_recording_serves_its_protocol_in_every_format(
    api: Api, recording: dict, judge: dict[str, str]
):
    rid = recording["id"]
    text = done(api, recording)
    body = status(api, rid).json()
    assert (body["status"], body["progress"], body["duration_s"]) == ("done", 100, 12.5)

    device = api.client.get(f"/api/v1/recordings/{rid}/protocol", headers=api.auth())
    assert device.status_code == 403  # recorders upload; protocol text is for people
    as_json = api.client.get(f"/api/v1/recordings/{rid}/protocol", headers=judge)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.content == text.encode()  # served as stored
    assert json.loads(as_json.content)["recording"]["sha256"] == recording["sha256"]
    case = HEARING["case_number"].replace("/", "_")
    assert (
        as_json.headers["content-disposition"] == f'attachment; filename="protocol-{case}-v1.json"'
    )

    protocol = protocol_from_json(text)
    for fmt, media_type in [
        ("txt", "text/plain"),
        ("srt", "application/x-subrip"),
        ("vtt", "text/vtt"),
    ]:
        response = api.client.get(
            f"/api/v1/recordings/{rid}/protocol", params={"format": fmt}, headers=judge
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert response.text == export(protocol, fmt)
        assert f'filename="protocol-{case}-v1.{fmt}"' in response.headers["content-disposition"]
    assert "Суд идёт." in response.text

    bad = api.client.get(
        f"/api/v1/recordings/{rid}/protocol", params={"format": "xlsx"}, headers=judge
    )
    assert bad.status_code == 422
    assert "format" in bad.json()["detail"]


@pytest.mark.parametrize("rid", ["0" * 32, "not-an-id", "..%2F..%2Fetc%2Fpasswd"])
def test_unknown_recordings_are_404(api: Api, rid: str):
    response = status(api, rid)
    assert response.status_code == 404
    assert list(response.json()) == ["detail"]
    protocol = api.client.get(f"/api/v1/recordings/{rid}/protocol", headers=api.auth())
    assert protocol.status_code == 404


def test_a_well_formed_unknown_id_says_so(api: Api):
    assert status(api, "0" * 32).json() == {"detail": "no such recording"}


def test_another_courtrooms_recording_looks_like_an_unknown_one(api: Api, recording: dict):
    for token in (api.stack.neighbour_token, api.stack.stranger_token):
        response = status(api, recording["id"], token)
        assert response.status_code == 404
        assert response.json() == status(api, "0" * 32, token).json()
        protocol = api.client.get(recording["protocol_url"], headers=api.auth(token))
        assert protocol.status_code == 404


def test_health_probes(api: Api):
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "store": "ok"}


def test_sha256_helper_matches_the_stored_hash(api: Api, recording: dict):
    assert recording["sha256"] == sha256_of(media(50_000, seed=8))
