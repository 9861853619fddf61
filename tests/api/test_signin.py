"""Sign-in and access tokens: the OAuth2 password flow, token checks, throttling, audit.

Tokens of every other test are issued directly (:func:`tests.api.people.seed_people`);
here they come from ``POST /api/v1/auth/token`` as a client gets them, and every way a
token can be wrong (expired, forged, ``alg: none``, another audience or issuer, garbage,
its user disabled) is refused with 401 and a ``WWW-Authenticate`` challenge.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from api.settings import AuthSettings
from api.tokens import AUDIENCE, load_or_create_secret
from storage.db import find_court, remove_case_party, set_user_disabled
from tests.api.conftest import Api, Stack, running
from tests.api.helpers import HEARING, TUS, media, tus_metadata
from tests.api.people import PASSWORD, People, finish_recording, seed_people

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def people(api: Api) -> People:
    return seed_people(api)


def sign_in(api: Api, username: str, password: str = PASSWORD) -> httpx.Response:
    return api.client.post(TOKEN_URL, data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(api: Api, user_id: int, **changes: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": str(user_id),
        "role": "judge",
        "iss": api.stack.settings.auth.issuer,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return base


def real_secret(api: Api) -> str:
    """The secret the app signs with (embedded mode keeps it under the data dir)."""
    return load_or_create_secret(api.stack.settings.data_dir / "secrets" / "jwt-secret")


def unsigned(payload: dict[str, object]) -> str:
    """A JWT with ``alg: none`` and no signature, built by hand."""

    def part(value: dict[str, object]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def assert_unauthorized(response: httpx.Response, *, says: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert list(body) == ["detail"]
    if says is not None:
        assert says in body["detail"]


def approved_hearing(api: Api, people: People) -> str:
    """A finished hearing of the party's case, approved by the judge."""
    response = api.upload(media(20_000, seed=31))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    finish_recording(api, rid)
    approved = api.client.post(
        f"/api/v1/recordings/{rid}/versions/1/approve", headers=people.auth("judge")
    )
    assert approved.status_code == 200, approved.text
    return rid


# -- signing in ------------------------------------------------------------------------


def test_sign_in_gives_a_bearer_token_that_works(api: Api, people: People) -> None:
    response = sign_in(api, "judge")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "judge"
    assert 0 < body["expires_in"] <= 15 * 60
    me = api.client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text

    def court_id(session):
        court = find_court(session, HEARING["court"])
        assert court is not None
        return court.id

    almaty = api.state.transaction(court_id)
    assert me.json() == {
        "id": people.ids["judge"],
        "username": "judge",
        "display_name": "Judge",
        "role": "judge",
        "court_id": almaty,
        "cases": [],
    }


def test_a_party_sees_their_cases_on_me(api: Api, people: People) -> None:
    token = sign_in(api, "party").json()["access_token"]
    me = api.client.get("/api/v1/me", headers=bearer(token)).json()
    assert me["role"] == "party" and me["court_id"] is None
    assert [case["case_number"] for case in me["cases"]] == [HEARING["case_number"]]


def test_usernames_are_case_insensitive(api: Api, people: People) -> None:
    assert sign_in(api, "  Judge ").status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(api: Api, people: People) -> None:
    answers = []
    for username, password in [("judge", "wrong password"), ("nobody", PASSWORD)]:
        response = sign_in(api, username, password)
        assert_unauthorized(response)
        assert "access_token" not in response.text
        answers.append(response.json())
    assert answers == [{"detail": "wrong username or password"}] * 2
    for username, password in [("judge", ""), ("", PASSWORD)]:
        # an empty field is a malformed form, not a failed sign-in
        response = sign_in(api, username, password)
        assert response.status_code == 422, (username, password, response.text)
        assert list(response.json()) == ["detail"]


def test_sign_in_needs_a_form(api: Api, people: People) -> None:
    as_json = api.client.post(TOKEN_URL, json={"username": "judge", "password": PASSWORD})
    assert as_json.status_code == 422
    assert list(as_json.json()) == ["detail"]


def test_a_very_long_password_is_refused_quickly_not_crashing(api: Api, people: People) -> None:
    response = sign_in(api, "judge", "x" * 100_000)
    assert_unauthorized(response)


# -- disabled users ---------------------------------------------------------------------


def test_a_disabled_user_cannot_sign_in_and_their_token_stops_working(
    api: Api, people: People
) -> None:
    token = sign_in(api, "clerk").json()["access_token"]
    assert api.client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    api.state.transaction(lambda s: set_user_disabled(s, people.ids["clerk"], True))

    assert_unauthorized(sign_in(api, "clerk"), says="wrong username or password")
    response = api.client.get("/api/v1/me", headers=bearer(token))
    assert_unauthorized(response, says="disabled")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]

    api.state.transaction(lambda s: set_user_disabled(s, people.ids["clerk"], False))
    assert api.client.get("/api/v1/me", headers=bearer(token)).status_code == 200


# -- tokens that are not good -------------------------------------------------------------


def test_an_expired_token_is_401_saying_so(api: Api, people: People) -> None:
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    old = api.state.tokens.issue(people.ids["judge"], "judge", now=hour_ago).token
    response = api.client.get("/api/v1/me", headers=bearer(old))
    assert_unauthorized(response, says="expired")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_of_a_user_who_no_longer_exists_is_401(api: Api, people: People) -> None:
    ghost = api.state.tokens.issue(999_999, "judge").token
    assert_unauthorized(api.client.get("/api/v1/me", headers=bearer(ghost)))


def test_bad_tokens_are_401_with_a_challenge(api: Api, people: People) -> None:
    judge = people.ids["judge"]
    secret = real_secret(api)
    good = claims(api, judge)
    tokens = {
        "forged": jwt.encode(good, "another-secret-" + "x" * 40, algorithm="HS256"),
        "alg_none": unsigned(good),
        "wrong_audience": jwt.encode(
            claims(api, judge, aud="another-service"), secret, algorithm="HS256"
        ),
        "wrong_issuer": jwt.encode(
            claims(api, judge, iss="someone-else"), secret, algorithm="HS256"
        ),
        "no_expiry": jwt.encode(
            {k: v for k, v in good.items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "subject_not_a_number": jwt.encode(
            claims(api, judge, sub="judge"), secret, algorithm="HS256"
        ),
        "hs512": jwt.encode(good, secret, algorithm="HS512"),
        "garbage": "not-a-token-at-all",
        "empty_segments": "..",
        "huge": "a" * 20_000,
    }
    for kind, token in tokens.items():
        for url in ("/api/v1/me", "/api/v1/search?q=суд", f"/api/v1/recordings/{'0' * 32}"):
            response = api.client.get(url, headers=bearer(token))
            assert response.status_code == 401, (kind, url, response.text)
            assert_unauthorized(response)
            assert 'error="invalid_token"' in response.headers["www-authenticate"], kind
            assert response.json()["detail"] == "the token is not valid", kind


def test_the_real_secret_with_good_claims_is_accepted(api: Api, people: People) -> None:
    """The hand-made tokens above fail for their flaw, not for how they are made."""
    token = jwt.encode(claims(api, people.ids["judge"]), real_secret(api), algorithm="HS256")
    assert api.client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_missing_or_malformed_authorization_is_401(api: Api) -> None:
    for authorization in (None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = api.client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, authorization
        assert_unauthorized(response, says="authentication required")


# -- throttling -------------------------------------------------------------------------


@pytest.fixture
def throttled(local: Stack) -> Iterator[Api]:
    """An app that allows three failed sign-ins per username and minute."""
    settings = local.settings.model_copy(
        update={"auth": AuthSettings(login_attempts=3, login_window_s=60)}
    )
    stack = Stack(local.name, settings, token=local.token, queue=local.queue)
    with running(stack) as app:
        yield app


def test_too_many_failures_answer_429_with_retry_after(throttled: Api) -> None:
    people = seed_people(throttled)
    for _ in range(3):
        assert sign_in(throttled, "judge", "guess").status_code == 401
    blocked = sign_in(throttled, "judge")  # even the right password waits now
    assert blocked.status_code == 429, blocked.text
    assert 0 < int(blocked.headers["retry-after"]) <= 60
    assert list(blocked.json()) == ["detail"]
    assert sign_in(throttled, "JUDGE", "guess").status_code == 429  # same user, other case
    # other usernames are not affected
    assert sign_in(throttled, "clerk").status_code == 200

    log = throttled.client.get(
        "/api/v1/audit",
        params={"action": "auth.login_failed", "actor": "judge"},
        headers=people.auth("admin"),
    ).json()["events"]
    reasons = [(e["status_code"], (e["details"] or {}).get("reason")) for e in log]
    assert reasons.count((401, None)) == 3
    assert (429, "throttled") in reasons


def test_a_success_forgets_earlier_failures(throttled: Api) -> None:
    seed_people(throttled)
    for _ in range(2):
        assert sign_in(throttled, "judge", "guess").status_code == 401
    assert sign_in(throttled, "judge").status_code == 200
    for _ in range(2):
        assert sign_in(throttled, "judge", "guess").status_code == 401
    assert sign_in(throttled, "judge").status_code == 200


# -- scope follows the database ---------------------------------------------------------


def test_a_party_removed_from_a_case_stops_seeing_it_at_once(api: Api, people: People) -> None:
    rid = approved_hearing(api, people)
    token = sign_in(api, "party").json()["access_token"]
    url = f"/api/v1/recordings/{rid}/protocol"
    assert api.client.get(url, headers=bearer(token)).status_code == 200

    def remove(session):
        court = find_court(session, HEARING["court"])
        assert court is not None
        assert remove_case_party(session, people.ids["party"], court.id, HEARING["case_number"])

    api.state.transaction(remove)
    gone = api.client.get(url, headers=bearer(token))
    assert gone.status_code == 404 and gone.json() == {"detail": "no such recording"}
    assert api.client.get(f"/api/v1/recordings/{rid}", headers=bearer(token)).status_code == 404
    assert api.client.get("/api/v1/me", headers=bearer(token)).json()["cases"] == []


# -- audit -------------------------------------------------------------------------------


def test_sign_ins_are_audited(api: Api, people: People) -> None:
    assert sign_in(api, "judge").status_code == 200
    assert sign_in(api, "judge", "nope").status_code == 401
    assert sign_in(api, "nobody", "nope").status_code == 401
    log = api.client.get("/api/v1/audit", params={"action": "auth.*"}, headers=people.auth("admin"))
    assert log.status_code == 200, log.text
    events = [
        (e["action"], e["actor_name"], e["outcome"], e["status_code"], e["actor_kind"])
        for e in log.json()["events"]
    ]
    assert ("auth.login", "judge", "ok", 200, "user") in events
    assert ("auth.login_failed", "judge", "denied", 401, "anonymous") in events
    assert ("auth.login_failed", "nobody", "denied", 401, "anonymous") in events
    success = next(e for e in log.json()["events"] if e["action"] == "auth.login")
    assert success["actor_id"] == people.ids["judge"] and success["actor_role"] == "judge"
    assert success["details"] == {"provider": "local"}
    assert PASSWORD not in log.text and "nope" not in log.text


# -- the kind of token must fit the endpoint -----------------------------------------------


def test_device_tokens_are_403_on_user_endpoints(api: Api) -> None:
    for url in (
        "/api/v1/me",
        "/api/v1/search?q=суд",
        "/api/v1/audit",
        "/api/v1/admin/case-parties",
    ):
        response = api.client.get(url, headers=api.auth())
        assert response.status_code == 403, (url, response.text)
        assert "device tokens only upload" in response.json()["detail"]


def test_user_tokens_are_403_on_the_upload_endpoints(api: Api, people: People) -> None:
    data = media(1000)
    for who in ("judge", "clerk", "admin", "party"):
        direct = api.upload(data, token=people.tokens[who])
        assert direct.status_code == 403, (who, direct.text)
        assert "use a device token" in direct.json()["detail"]
        tus = api.tus_create(len(data), tus_metadata(data), token=people.tokens[who])
        assert tus.status_code == 403, (who, tus.text)
        assert "use a device token" in tus.json()["detail"]
    assert api.keys() == set()


def test_user_tokens_cannot_touch_a_devices_resumable_upload(api: Api, people: People) -> None:
    data = media(1000)
    created = api.tus_create(len(data), tus_metadata(data))
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    judge = {**people.auth("judge"), **TUS}
    for method in ("GET", "HEAD", "DELETE"):
        response = api.client.request(method, url, headers=judge)
        assert response.status_code == 403, (method, response.status_code)
    patch = api.client.patch(
        url,
        content=data,
        headers={
            **judge,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert patch.status_code == 403
    assert api.tus_head(url).status_code == 200  # the device's upload is untouched
