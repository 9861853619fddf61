"""Device tokens: 401 for no/bad/revoked tokens, courtroom scope for uploads and reads."""

from __future__ import annotations

import pytest

from storage.db import authenticate_device, revoke_device
from tests.api.conftest import Api
from tests.api.helpers import HEARING, CountingBody, media, sha256_of

MB = 1024 * 1024


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer crd_unknown", "Bearer nottoken", "crd_x"],
)
def test_missing_or_invalid_tokens_are_401_with_a_challenge(api: Api, authorization):
    headers = {"X-Content-SHA256": "0" * 64}
    if authorization is not None:
        headers["Authorization"] = authorization
    body = CountingBody(MB)
    response = api.client.post(
        "/api/v1/recordings",
        params=HEARING,
        content=body,
        headers={**headers, "Content-Length": str(MB)},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert list(response.json()) == ["detail"]
    assert body.sent == 0
    assert api.keys() == set()


def test_a_revoked_token_stops_working_at_once(api: Api):
    assert api.upload(b"first").status_code == 201

    def revoke(session):
        device = authenticate_device(session, api.stack.token)
        revoke_device(session, device.id)

    api.state.transaction(revoke)
    response = api.upload(b"second")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    status = api.client.get("/api/v1/recordings/" + "0" * 32, headers=api.auth())
    assert status.status_code == 401


@pytest.mark.parametrize("who", ["neighbour_token", "stranger_token"])
def test_a_device_cannot_upload_for_another_courtroom(api: Api, who: str):
    token = getattr(api.stack, who)
    response = api.upload(media(1000), token=token)  # metadata names court/r3
    assert response.status_code == 403
    assert "this device records in court" in response.json()["detail"]
    assert api.keys() == set()


def test_a_device_uploads_for_its_own_courtroom(api: Api):
    data = media(1000)
    response = api.upload(data, token=api.stack.neighbour_token, courtroom="r4")
    assert response.status_code == 201
    assert response.json()["sha256"] == sha256_of(data)
    own = api.client.get(response.json()["status_url"], headers=api.auth(api.stack.neighbour_token))
    theirs = api.client.get(response.json()["status_url"], headers=api.auth())
    assert (own.status_code, theirs.status_code) == (200, 404)
    assert own.json()["courtroom"] == "r4"


def test_the_same_hearing_in_two_courtrooms_is_two_recordings(api: Api):
    data = media(1000)
    first = api.upload(data)
    second = api.upload(data, token=api.stack.neighbour_token, courtroom="r4")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
