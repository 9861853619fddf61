"""Bad input gets a clear 4xx with one sentence in ``detail``, never a 500 or a traceback.

Covers the read side of the API (search, protocol downloads, versions, diffs, approval,
audio ranges, the audit log) with the inputs a careless or hostile client sends: empty,
too long, wrong type, out of range, malformed ids, naive datetimes, bodies that are not
JSON. Upload input has its own tests (``test_direct_upload.py``, ``test_tus.py``).
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Api
from tests.api.helpers import media
from tests.api.people import People, finish_recording, seed_people

AUDIO_BYTES = 32_000
_MAX_DETAIL = 300


@pytest.fixture
def people(api: Api) -> People:
    return seed_people(api)


@pytest.fixture
def hearing(api: Api) -> str:
    """A finished hearing (protocol v1, audio) of the judge's court."""
    response = api.upload(media(30_000, seed=41))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    finish_recording(api, rid, audio=media(AUDIO_BYTES, seed=42))
    return rid


def assert_error(response: httpx.Response, status: int, *, says: str | None = None) -> str:
    """The response is ``status`` with the one error shape and a short sentence."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["detail"], body
    detail = body["detail"]
    assert isinstance(detail, str) and detail.strip(), body
    assert "\n" not in detail and "Traceback" not in detail
    assert len(detail) <= _MAX_DETAIL, f"{len(detail)} characters: {detail[:200]}..."
    if says is not None:
        assert says in detail, detail
    return detail


# -- search ----------------------------------------------------------------------------


_SEARCH_CASES: list[tuple[dict[str, object], str]] = [
    ({"q": ""}, "q"),
    ({}, "q: required"),
    ({"q": "x" * 201}, "q"),
    ({"q": "суд " * 2500}, "q"),  # 10 kB
    ({"q": "суд", "date_from": "2026-03-01T00:00:00"}, "time zone"),
    ({"q": "суд", "date_to": "2026-03-01T10:00:00"}, "time zone"),
    ({"q": "суд", "date_from": "yesterday"}, "date_from"),
    ({"q": "суд", "language": "en"}, "language"),
    ({"q": "суд", "limit": 0}, "limit"),
    ({"q": "суд", "limit": 10_000}, "limit"),
    ({"q": "суд", "limit": "many"}, "limit"),
    ({"q": "суд", "offset": -1}, "offset"),
    ({"q": "суд", "offset": 10**12}, "offset"),
    ({"q": "суд", "court": "c" * 33}, "court"),
    ({"q": "суд", "fuzzy": "perhaps"}, "fuzzy"),
]


def test_search_refuses_bad_parameters(api: Api, people: People) -> None:
    for params, says in _SEARCH_CASES:
        response = api.client.get("/api/v1/search", params=params, headers=people.auth("judge"))
        assert response.status_code == 422, (str(params)[:80], response.text[:300])
        assert_error(response, 422, says=says)


def test_search_refuses_queries_without_words(api: Api, people: People) -> None:
    for q in ('"', "   ", "***", '""'):
        response = api.client.get("/api/v1/search", params={"q": q}, headers=people.auth("judge"))
        assert_error(response, 422)


def test_the_rejected_query_is_not_echoed(api: Api, people: People) -> None:
    marker = "<script>alert(1)</script>" * 20
    response = api.client.get("/api/v1/search", params={"q": marker}, headers=people.auth("judge"))
    detail = assert_error(response, 422)
    assert "<script>" not in detail


# -- protocol downloads ------------------------------------------------------------------


_PROTOCOL_CASES: list[tuple[dict[str, object], int, str]] = [
    ({"format": "xml"}, 422, "format"),
    ({"format": ""}, 422, "format"),
    ({"version": 0}, 422, "version"),
    ({"version": -1}, 422, "version"),
    ({"version": "abc"}, 422, "version"),
    ({"version": "1.5"}, 422, "version"),
    ({"version": 10**30}, 422, "version"),
    ({"lang": "en"}, 422, "lang"),
    ({"version": 99}, 404, "version 99"),
]


def test_protocol_refuses_bad_parameters(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/protocol"
    for params, status, says in _PROTOCOL_CASES:
        response = api.client.get(url, params=params, headers=people.auth("judge"))
        assert response.status_code == status, (params, response.text[:300])
        assert_error(response, status, says=says)


def test_signature_of_an_unapproved_or_missing_version_is_404(
    api: Api, people: People, hearing: str
) -> None:
    url = f"/api/v1/recordings/{hearing}/protocol/signature"
    judge = people.auth("judge")
    assert_error(api.client.get(url, headers=judge), 404, says="not approved")
    assert_error(api.client.get(url, params={"version": 99}, headers=judge), 404)
    assert_error(api.client.get(url, params={"version": 0}, headers=judge), 422)


# -- diff --------------------------------------------------------------------------------


def test_diff_refuses_bad_parameters(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/diff"
    cases: list[tuple[dict[str, object], int]] = [
        ({}, 422),
        ({"from": 1}, 422),
        ({"to": 1}, 422),
        ({"from": "a", "to": 1}, 422),
        ({"from": 0, "to": 1}, 422),
        ({"from": 1, "to": 99}, 404),
    ]
    for params, status in cases:
        response = api.client.get(url, params=params, headers=people.auth("judge"))
        assert response.status_code == status, (params, response.text[:300])
        assert_error(response, status)


def test_diff_of_a_version_with_itself_is_empty_not_an_error(
    api: Api, people: People, hearing: str
) -> None:
    url = f"/api/v1/recordings/{hearing}/diff"
    response = api.client.get(url, params={"from": 1, "to": 1}, headers=people.auth("judge"))
    assert response.status_code == 200, response.text


# -- saving versions ---------------------------------------------------------------------


def test_a_stale_base_version_is_409(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/versions"
    edit = {"op": "set_text", "segment": 1, "text": "Суд идёт, прошу встать."}
    judge = people.auth("judge")
    saved = api.client.post(url, json={"base_version": 1, "edits": [edit]}, headers=judge)
    assert saved.status_code == 201, saved.text
    stale = api.client.post(url, json={"base_version": 1, "edits": [edit]}, headers=judge)
    assert_error(stale, 409, says="version 2")
    ahead = api.client.post(url, json={"base_version": 7, "edits": [edit]}, headers=judge)
    assert_error(ahead, 409)


_BAD_EDITS: list[tuple[dict[str, object], str]] = [
    ({"op": "rewrite_history", "segment": 1}, "unknown operation"),
    ({"segment": 1, "text": "x"}, "op"),
    ({"op": "set_text", "segment": 0, "text": "x"}, "segment 0 does not exist"),
    ({"op": "set_text", "segment": 999, "text": "x"}, "segment 999 does not exist"),
    ({"op": "set_text", "segment": -1, "text": "x"}, "does not exist"),
    ({"op": "set_text", "segment": "1", "text": "x"}, "whole number"),
    ({"op": "set_text", "segment": 1.5, "text": "x"}, "whole number"),
    ({"op": "set_text", "segment": True, "text": "x"}, "whole number"),
    ({"op": "set_text", "segment": 1, "text": ""}, "must not be empty"),
    ({"op": "set_text", "segment": 1, "text": "   "}, "must not be empty"),
    ({"op": "set_text", "segment": 1, "text": "x" * 20_000}, "at most"),
    ({"op": "set_text", "segment": 1, "text": "a\x00b"}, "control characters"),
    ({"op": "set_text", "segment": 1}, "missing required field"),
    ({"op": "set_text", "segment": 1, "text": "x", "extra": 1}, "unknown field"),
    ({"op": "set_speaker", "segment": 1, "speaker": "S9"}, "does not exist"),
    ({"op": "split_segment", "segment": 1, "at": 99.0}, "split_segment"),
    ({"op": "set_language", "segment": 1, "language": "Russian"}, "ISO 639"),
]


def test_malformed_edits_are_422(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/versions"
    for edit, says in _BAD_EDITS:
        response = api.client.post(
            url, json={"base_version": 1, "edits": [edit]}, headers=people.auth("clerk")
        )
        assert response.status_code == 422, (str(edit)[:80], response.text[:300])
        assert_error(response, 422, says=says)
    versions = api.client.get(
        f"/api/v1/recordings/{hearing}/versions", headers=people.auth("clerk")
    )
    assert [v["version"] for v in versions.json()["versions"]] == [1]  # nothing was saved


def test_edit_errors_do_not_echo_long_input(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/versions"
    for edit in (
        {"op": "x" * 5000},
        {"op": "set_text", "segment": "9" * 5000, "text": "x"},
        {"op": "set_speaker", "segment": 1, "speaker": "S" * 5000},
    ):
        response = api.client.post(
            url, json={"base_version": 1, "edits": [edit]}, headers=people.auth("clerk")
        )
        assert_error(response, 422)  # checks the detail is one short sentence


_BAD_BODIES: list[object] = [
    {"base_version": 1, "edits": []},
    {"base_version": 1},
    {"edits": [{"op": "set_text", "segment": 1, "text": "x"}]},
    {"base_version": 0, "edits": [{"op": "set_text", "segment": 1, "text": "x"}]},
    {"base_version": "one", "edits": [{"op": "set_text", "segment": 1, "text": "x"}]},
    {"base_version": 1, "edits": "set_text"},
    {"base_version": 1, "edits": ["set_text"]},
    {"base_version": 1, "edits": [{"op": "set_text", "segment": 1, "text": "x"}], "x": 1},
    {"base_version": 1, "edits": [{"op": "set_text", "segment": 1, "text": "x"}] * 501},
    {
        "base_version": 1,
        "edits": [{"op": "set_text", "segment": 1, "text": "x"}],
        "note": "n" * 501,
    },
    [],
    "edits",
    None,
]


def test_malformed_correction_bodies_are_422(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/versions"
    for body in _BAD_BODIES:
        response = api.client.post(url, json=body, headers=people.auth("judge"))
        assert response.status_code == 422, (str(body)[:80], response.text[:300])
        assert_error(response, 422)


def test_a_body_that_is_not_json_is_422(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/versions"
    cases = [
        (b"base_version=1", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b'{"base_version": 1, "edits": [', "application/json"),
        (b"<xml/>", "text/xml"),
    ]
    for content, content_type in cases:
        headers = {**people.auth("judge"), "Content-Type": content_type}
        response = api.client.post(url, content=content, headers=headers)
        assert response.status_code == 422, (content, response.text[:300])
        assert_error(response, 422)


def test_a_body_that_is_not_text_is_422_too(api: Api, people: People, hearing: str) -> None:
    """Bytes that are not UTF-8 fail before JSON parsing (FastAPI says 400; we say 422)."""
    url = f"/api/v1/recordings/{hearing}/versions"
    headers = {**people.auth("judge"), "Content-Type": "application/json"}
    for content in (b"\xff\xfe\x00", b'{"base_version": 1, "note": "\xc3"}'):
        response = api.client.post(url, content=content, headers=headers)
        assert_error(response, 422, says="body")
    admin = {**people.auth("admin"), "Content-Type": "application/json"}
    response = api.client.post("/api/v1/admin/case-parties", content=b"\x80", headers=admin)
    assert_error(response, 422, says="body")


def test_correcting_an_unfinished_recording_is_409(api: Api, people: People) -> None:
    queued = api.upload(media(5_000, seed=43)).json()["id"]
    body = {"base_version": 1, "edits": [{"op": "set_text", "segment": 1, "text": "x"}]}
    response = api.client.post(
        f"/api/v1/recordings/{queued}/versions", json=body, headers=people.auth("judge")
    )
    assert_error(response, 409)
    protocol = api.client.get(f"/api/v1/recordings/{queued}/protocol", headers=people.auth("judge"))
    assert_error(protocol, 409, says="queued")


# -- approval ----------------------------------------------------------------------------


def test_approving_a_version_that_does_not_exist_is_404(
    api: Api, people: People, hearing: str
) -> None:
    judge = people.auth("judge")
    base = f"/api/v1/recordings/{hearing}/versions"
    assert_error(api.client.post(f"{base}/7/approve", headers=judge), 404, says="version 7")
    for bad in ("0", "-1", "abc", "1.5", str(10**30)):
        assert_error(api.client.post(f"{base}/{bad}/approve", headers=judge), 422)


# -- recording ids -----------------------------------------------------------------------

_BAD_IDS = [
    "0" * 32,  # well formed, unknown
    "f" * 32,
    "xyz",
    "0" * 31,
    "0" * 33,
    "G" * 32,
    "A" * 32,  # upper-case hex is not how ids are written
    "%20" * 3,
    "..%2F..%2Fetc%2Fpasswd",
    "1 OR 1=1",
    "абв",
    "9" * 5000,
]

_ID_ROUTES = [
    ("GET", "", None),
    ("GET", "/protocol", None),
    ("GET", "/protocol/signature", None),
    ("GET", "/verify", None),
    ("GET", "/versions", None),
    ("GET", "/diff?from=1&to=1", None),
    ("GET", "/audio", None),
    ("POST", "/audio-link", None),
    ("POST", "/versions", {"base_version": 1, "edits": [{"op": "merge_segments", "segment": 1}]}),
    ("POST", "/versions/1/approve", None),
]


def test_unknown_and_malformed_recording_ids_are_404_everywhere(api: Api, people: People) -> None:
    for method, suffix, body in _ID_ROUTES:
        for recording_id in _BAD_IDS:
            response = api.client.request(
                method,
                f"/api/v1/recordings/{recording_id}{suffix}",
                json=body,
                headers=people.auth("judge"),
            )
            assert response.status_code == 404, (method, suffix, recording_id[:40], response.text)
            # a decoded %2F leaves the route table: Starlette's own 404
            says = "Not Found" if "%2F" in recording_id else "no such recording"
            assert_error(response, 404, says=says)


# -- audio ranges ------------------------------------------------------------------------


_MALFORMED_RANGES = [
    "bytes=a-b",
    "bytes=5-1",
    "bytes=0-1,5-6",
    "items=0-1",
    "bytes=-",
    "bytes",
    "bytes=",
    "bytes=--5",
    "bytes=1-2-3",
    "bytes=" + "9" * 30 + "-",
    "bytes=0-" + "1" * 300,
]


def test_malformed_ranges_are_400_and_ranges_past_the_end_416(
    api: Api, people: People, hearing: str
) -> None:
    url = f"/api/v1/recordings/{hearing}/audio"
    for range_header in _MALFORMED_RANGES:
        response = api.client.get(url, headers={**people.auth("judge"), "Range": range_header})
        assert response.status_code == 400, (range_header[:40], response.text)
        assert_error(response, 400, says="Range")
    for range_header in (f"bytes={AUDIO_BYTES}-", "bytes=99999999-", "bytes=-0"):
        response = api.client.get(url, headers={**people.auth("judge"), "Range": range_header})
        assert response.status_code == 416, (range_header, response.text)
        assert_error(response, 416, says=f"{AUDIO_BYTES} bytes")
        assert response.headers["content-range"] == f"bytes */{AUDIO_BYTES}"


def test_a_range_ending_past_the_end_is_cut_to_the_end(
    api: Api, people: People, hearing: str
) -> None:
    url = f"/api/v1/recordings/{hearing}/audio"
    response = api.client.get(url, headers={**people.auth("judge"), "Range": "bytes=100-999999"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 100-{AUDIO_BYTES - 1}/{AUDIO_BYTES}"
    assert len(response.content) == AUDIO_BYTES - 100


def test_audio_of_an_unprocessed_recording_is_404_or_409(api: Api, people: People) -> None:
    queued = api.upload(media(5_000, seed=44)).json()["id"]
    response = api.client.get(f"/api/v1/recordings/{queued}/audio", headers=people.auth("judge"))
    assert_error(response, 404, says="no playback audio")


# -- audit log ---------------------------------------------------------------------------


def test_audit_refuses_bad_filters(api: Api, people: People) -> None:
    cases: list[tuple[dict[str, object], str | None]] = [
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": -1}, "cursor"),
        ({"cursor": 2**63}, "cursor"),
        ({"since": "2026-03-01T00:00:00"}, "time zone"),
        ({"until": "2026-03-01T00:00:00"}, "time zone"),
        ({"since": "last tuesday"}, "since"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"outcome": "great"}, None),
        ({"action": "x" * 65}, "action"),
    ]
    for params, says in cases:
        response = api.client.get("/api/v1/audit", params=params, headers=people.auth("admin"))
        assert response.status_code == 422, (params, response.text[:300])
        assert_error(response, 422, says=says)


def test_audit_filters_that_match_nothing_are_an_empty_page(api: Api, people: People) -> None:
    response = api.client.get(
        "/api/v1/audit",
        params={"action": "nothing.like.this", "since": "2099-01-01T00:00:00Z"},
        headers=people.auth("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"events": [], "next_cursor": None}


# -- admin -------------------------------------------------------------------------------


def test_case_party_input_is_checked(api: Api, people: People) -> None:
    court = "almaty-district-2"
    cases: list[tuple[dict[str, str], int]] = [
        ({"username": "party", "court": court, "case_number": "1", "party_role": ""}, 422),
        ({"username": "party", "court": court}, 422),
        (
            {"username": "nobody", "court": court, "case_number": "1", "party_role": "plaintiff"},
            404,
        ),
        (
            {
                "username": "party",
                "court": "nowhere",
                "case_number": "1",
                "party_role": "plaintiff",
            },
            404,
        ),
        ({"username": "judge", "court": court, "case_number": "1", "party_role": "plaintiff"}, 409),
        ({"username": "party", "court": court, "case_number": "1", "party_role": "emperor"}, 422),
    ]
    for body, status in cases:
        response = api.client.post(
            "/api/v1/admin/case-parties", json=body, headers=people.auth("admin")
        )
        assert response.status_code == status, (body, response.text[:300])
        assert_error(response, status)


def test_removing_a_membership_that_does_not_exist_is_404(api: Api, people: People) -> None:
    response = api.client.delete(
        "/api/v1/admin/case-parties",
        params={"username": "party", "court": "almaty-district-2", "case_number": "none"},
        headers=people.auth("admin"),
    )
    assert_error(response, 404, says="no such membership")
    missing = api.client.delete("/api/v1/admin/case-parties", headers=people.auth("admin"))
    assert_error(missing, 422)
