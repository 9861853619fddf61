"""The access matrix (OWASP API1): every caller x every hearing x every endpoint with an id.

Four hearings and an id nobody has:

* ``A``: almaty-2, courtroom r3, the case of ``party``; done, v1 approved, with audio;
* ``B``: almaty-2, courtroom r3, the case of ``other_party``; done, not approved, audio;
* ``C``: astana-1, courtroom r1; done, approved by the astana judge, with audio;
* ``Q``: almaty-2, courtroom r3, the case of ``party``; still queued (no protocol);
* ``Z``: a well-formed id of no recording (what "hidden" must look like).

Each protocol carries a word of its own (альфа, бета, гамма) so that search hits and
downloaded text can be attributed to one hearing.

The expected answers are written out below as tables, independently of
:mod:`api.policy` (never computed from it). ``H`` means hidden: 404 with exactly the
detail of an unknown id, so ids cannot be probed; a plain ``404`` is the 404 of a caller
who sees the recording but asks for something it lacks (an unsigned version, missing
audio) and must *not* carry that detail. Every mismatch is collected and reported as
``caller object endpoint``, so one run shows them all.

Reads run on one app for the whole module; the calls that change state (corrections and
approvals) run on a fresh app of their own, see :func:`test_corrections_and_approvals`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from api.tokens import TokenIssuer
from protocol import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker, Word
from storage.db import get_protocol_version
from storage.errors import NotFoundError
from tests.api.conftest import Api, running, sqlite_stack
from tests.api.helpers import HEARING, media
from tests.api.people import OTHER_CASE, People, finish_recording, seed_people

ASTANA_CASE = "3-1/2026"
WORDS = {"A": "альфа", "B": "бета", "C": "гамма"}
COMMON_WORD = "суд"  # in every protocol
AUDIO = {name: media(8_000, seed=300 + i) for i, name in enumerate("ABCQ")}
OBJECTS = ("A", "B", "C", "Q", "Z")
HIDDEN_DETAIL = "no such recording"

CALLERS = (
    "anonymous",
    "forged",
    "device_r3",
    "device_r4",
    "device_astana",
    "admin",
    "judge",
    "clerk",
    "astana_judge",
    "party",
    "other_party",
)

# -- the expected answers ---------------------------------------------------------------
#
# Reads. Columns: status = GET /recordings/{id}; json..vtt = GET /protocol?format=;
# sig = GET /protocol/signature; versions = GET /versions; diff = GET /diff?from=1&to=1;
# audio = GET /audio; verify = GET /verify.
#
# Notes on the cells that are not plain allow/deny:
# * judge/clerk on B sig 404: B is not approved, so there is no signature (not hidden);
# * judge/clerk on Q: protocol and signature 409 (not processed yet), versions 200 (an
#   empty chain), diff 404 (no version 1), audio 404 (no audio yet), verify 200 (the
#   original is checked);
# * admins and devices get 403 on Q too: the role is checked before readiness.

READS = """
caller        obj status json txt pdf docx srt vtt sig versions diff audio verify
anonymous     A   401    401  401 401 401  401 401 401 401      401  401   401
anonymous     B   401    401  401 401 401  401 401 401 401      401  401   401
anonymous     C   401    401  401 401 401  401 401 401 401      401  401   401
anonymous     Q   401    401  401 401 401  401 401 401 401      401  401   401
anonymous     Z   401    401  401 401 401  401 401 401 401      401  401   401
forged        A   401    401  401 401 401  401 401 401 401      401  401   401
forged        B   401    401  401 401 401  401 401 401 401      401  401   401
forged        C   401    401  401 401 401  401 401 401 401      401  401   401
forged        Q   401    401  401 401 401  401 401 401 401      401  401   401
forged        Z   401    401  401 401 401  401 401 401 401      401  401   401
device_r3     A   200    403  403 403 403  403 403 403 403      403  403   403
device_r3     B   200    403  403 403 403  403 403 403 403      403  403   403
device_r3     C   H      H    H   H   H    H   H   H   H        H    H     H
device_r3     Q   200    403  403 403 403  403 403 403 403      403  403   403
device_r3     Z   H      H    H   H   H    H   H   H   H        H    H     H
device_r4     A   H      H    H   H   H    H   H   H   H        H    H     H
device_r4     B   H      H    H   H   H    H   H   H   H        H    H     H
device_r4     C   H      H    H   H   H    H   H   H   H        H    H     H
device_r4     Q   H      H    H   H   H    H   H   H   H        H    H     H
device_r4     Z   H      H    H   H   H    H   H   H   H        H    H     H
device_astana A   H      H    H   H   H    H   H   H   H        H    H     H
device_astana B   H      H    H   H   H    H   H   H   H        H    H     H
device_astana C   200    403  403 403 403  403 403 403 403      403  403   403
device_astana Q   H      H    H   H   H    H   H   H   H        H    H     H
device_astana Z   H      H    H   H   H    H   H   H   H        H    H     H
admin         A   200    403  403 403 403  403 403 403 403      403  403   403
admin         B   200    403  403 403 403  403 403 403 403      403  403   403
admin         C   200    403  403 403 403  403 403 403 403      403  403   403
admin         Q   200    403  403 403 403  403 403 403 403      403  403   403
admin         Z   H      H    H   H   H    H   H   H   H        H    H     H
judge         A   200    200  200 200 200  200 200 200 200      200  200   200
judge         B   200    200  200 200 200  200 200 404 200      200  200   200
judge         C   H      H    H   H   H    H   H   H   H        H    H     H
judge         Q   200    409  409 409 409  409 409 409 200      404  404   200
judge         Z   H      H    H   H   H    H   H   H   H        H    H     H
clerk         A   200    200  200 200 200  200 200 200 200      200  200   200
clerk         B   200    200  200 200 200  200 200 404 200      200  200   200
clerk         C   H      H    H   H   H    H   H   H   H        H    H     H
clerk         Q   200    409  409 409 409  409 409 409 200      404  404   200
clerk         Z   H      H    H   H   H    H   H   H   H        H    H     H
astana_judge  A   H      H    H   H   H    H   H   H   H        H    H     H
astana_judge  B   H      H    H   H   H    H   H   H   H        H    H     H
astana_judge  C   200    200  200 200 200  200 200 200 200      200  200   200
astana_judge  Q   H      H    H   H   H    H   H   H   H        H    H     H
astana_judge  Z   H      H    H   H   H    H   H   H   H        H    H     H
party         A   200    200  200 200 200  200 200 200 200      403  200   200
party         B   H      H    H   H   H    H   H   H   H        H    H     H
party         C   H      H    H   H   H    H   H   H   H        H    H     H
party         Q   H      H    H   H   H    H   H   H   H        H    H     H
party         Z   H      H    H   H   H    H   H   H   H        H    H     H
other_party   A   H      H    H   H   H    H   H   H   H        H    H     H
other_party   B   H      H    H   H   H    H   H   H   H        H    H     H
other_party   C   H      H    H   H   H    H   H   H   H        H    H     H
other_party   Q   H      H    H   H   H    H   H   H   H        H    H     H
other_party   Z   H      H    H   H   H    H   H   H   H        H    H     H
"""

# Writes. edit = POST /versions (set_text on segment 1, base_version = the newest);
# approve = POST /versions/{newest}/approve (the caller's own new version for a judge;
# 1 for Q, which has none); reapprove = POST /versions/1/approve right after.
#
# * Devices get 403 on every id, Z included: both routes are for signed-in people and
#   refuse a device token before looking at the id, so nothing can be probed either.
# * judge/clerk on Q: edit 409 (nothing to correct yet), approve/reapprove 404 (no
#   version 1).
# * reapprove 409: that version (A, C) or a newer one (B) is approved already.

WRITES = """
caller        obj edit approve reapprove
anonymous     A   401  401     401
anonymous     B   401  401     401
anonymous     C   401  401     401
anonymous     Q   401  401     401
anonymous     Z   401  401     401
forged        A   401  401     401
forged        B   401  401     401
forged        C   401  401     401
forged        Q   401  401     401
forged        Z   401  401     401
device_r3     A   403  403     403
device_r3     B   403  403     403
device_r3     C   403  403     403
device_r3     Q   403  403     403
device_r3     Z   403  403     403
device_r4     A   403  403     403
device_r4     B   403  403     403
device_r4     C   403  403     403
device_r4     Q   403  403     403
device_r4     Z   403  403     403
device_astana A   403  403     403
device_astana B   403  403     403
device_astana C   403  403     403
device_astana Q   403  403     403
device_astana Z   403  403     403
admin         A   403  403     403
admin         B   403  403     403
admin         C   403  403     403
admin         Q   403  403     403
admin         Z   H    H       H
judge         A   201  200     409
judge         B   201  200     409
judge         C   H    H       H
judge         Q   409  404     404
judge         Z   H    H       H
clerk         A   201  403     403
clerk         B   201  403     403
clerk         C   H    H       H
clerk         Q   409  403     403
clerk         Z   H    H       H
astana_judge  A   H    H       H
astana_judge  B   H    H       H
astana_judge  C   201  200     409
astana_judge  Q   H    H       H
astana_judge  Z   H    H       H
party         A   403  403     403
party         B   H    H       H
party         C   H    H       H
party         Q   H    H       H
party         Z   H    H       H
other_party   A   H    H       H
other_party   B   H    H       H
other_party   C   H    H       H
other_party   Q   H    H       H
other_party   Z   H    H       H
"""

# GET /api/v1/recordings: exactly these objects (Z never exists); an int is the status.
LISTED: dict[str, int | set[str]] = {
    "anonymous": 401,
    "forged": 401,
    "device_r3": {"A", "B", "Q"},
    "device_r4": set(),
    "device_astana": {"C"},
    "admin": {"A", "B", "C", "Q"},
    "judge": {"A", "B", "Q"},
    "clerk": {"A", "B", "Q"},
    "astana_judge": {"C"},
    "party": {"A"},
    "other_party": set(),
}

# GET /api/v1/search: the hearings whose text the caller may find (Q has no text yet);
# a search for one hearing's word finds that hearing if it is here, nothing otherwise.
SEARCHABLE: dict[str, int | set[str]] = {
    "anonymous": 401,
    "forged": 401,
    "device_r3": 403,
    "device_r4": 403,
    "device_astana": 403,
    "admin": 403,
    "judge": {"A", "B"},
    "clerk": {"A", "B"},
    "astana_judge": {"C"},
    "party": {"A"},
    "other_party": set(),
}

# Filters are narrowing only: none of these may bring in anything outside the scope.
LIST_FILTERS: tuple[dict[str, str], ...] = (
    {"courtroom": "r1"},
    {"courtroom": "r3"},
    {"case_number": ASTANA_CASE},
    {"case_number": OTHER_CASE},
    {"status": "done"},
)
SEARCH_FILTERS: tuple[dict[str, str], ...] = (
    {"court": "astana-1"},
    {"court": HEARING["court"]},
    {"case_number": ASTANA_CASE},
    {"case_number": OTHER_CASE},
)

READ_REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "status": ("", {}),
    **{fmt: ("/protocol", {"format": fmt}) for fmt in ("json", "txt", "pdf", "docx", "srt", "vtt")},
    "sig": ("/protocol/signature", {}),
    "versions": ("/versions", {}),
    "diff": ("/diff", {"from": 1, "to": 1}),
    "audio": ("/audio", {}),
    "verify": ("/verify", {}),
}
TEXT_FORMATS = ("json", "txt", "srt", "vtt")


# -- the world ---------------------------------------------------------------------------


def _table(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """Parse one of the tables: (caller, object) -> endpoint -> expected answer."""
    header, *rows = (line.split() for line in text.strip().splitlines())
    endpoints = header[2:]
    table = {}
    for row in rows:
        assert len(row) == len(header), row
        table[row[0], row[1]] = dict(zip(endpoints, row[2:], strict=True))
    assert set(table) == {(c, o) for c in CALLERS for o in OBJECTS}, "table incomplete"
    return table


def _protocol(sha256: str, word: str) -> Protocol:
    return Protocol(
        recording=RecordingInfo(sha256, 12.5, 2, "hearing.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "channels", ("kk", "ru")),
        speakers=(Speaker("S1", "Judge", "judge", 1), Speaker("S2", "Witness", "witness", 2)),
        segments=(
            Segment(
                0.5,
                2.0,
                "S1",
                "ru",
                "Суд идёт.",
                (Word(0.5, 1.0, " Суд", 0.97), Word(1.0, 2.0, " идёт.", 0.95)),
            ),
            Segment(
                3.0,
                5.0,
                "S2",
                "ru",
                f"Свидетель {word}.",
                (Word(3.0, 4.0, " Свидетель", 0.9), Word(4.0, 5.0, f" {word}.", 0.9)),
            ),
        ),
        created_at="2026-03-14T10:00:00Z",
    )


@dataclass
class World:
    api: Api
    people: People
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def name_of(self, recording_id: str) -> str:
        names = {rid: name for name, rid in self.ids.items()}
        return names.get(recording_id, f"foreign:{recording_id}")

    def call(self, method: str, caller: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.api.client.request(method, url, headers=self.headers[caller], **kwargs)


def _forged_token(api: Api, user_id: int) -> str:
    """A well-formed token for a real user, signed with a secret that is not the server's."""
    other = TokenIssuer(secrets.token_hex(32), timedelta(minutes=5), api.stack.settings.auth.issuer)
    return other.issue(user_id, "judge").token


def build_world(api: Api) -> World:
    people = seed_people(api)
    world = World(api, people)
    stack = api.stack
    world.headers = {
        "anonymous": {},
        "forged": {"Authorization": f"Bearer {_forged_token(api, people.ids['judge'])}"},
        "device_r3": api.auth(stack.token),
        "device_r4": api.auth(stack.neighbour_token),
        "device_astana": api.auth(stack.stranger_token),
        **{name: people.auth(name) for name in people.tokens},
    }
    astana = {"token": stack.stranger_token, "court": "astana-1", "courtroom": "r1"}
    uploads = {
        "A": {},
        "B": {"case_number": OTHER_CASE},
        "C": {**astana, "case_number": ASTANA_CASE},
        "Q": {},
    }
    for seed, (name, params) in enumerate(uploads.items(), start=100):
        response = api.upload(media(20_000, seed=seed), **params)
        assert response.status_code == 201, response.text
        world.ids[name] = response.json()["id"]
        if name in WORDS:
            sha256 = response.json()["sha256"]
            finish_recording(api, world.ids[name], _protocol(sha256, WORDS[name]), AUDIO[name])
    world.ids["Z"] = secrets.token_hex(16)  # well-formed, unknown
    for name, judge in (("A", "judge"), ("C", "astana_judge")):
        url = f"/api/v1/recordings/{world.ids[name]}/versions/1/approve"
        approved = world.call("POST", judge, url)
        assert approved.status_code == 200, approved.text
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, api_sqlite_template: Path) -> Iterator[World]:
    """One app for the read-only tests of the module (the objects are built once)."""
    stack = sqlite_stack(tmp_path_factory.mktemp("matrix"), api_sqlite_template)
    with running(stack) as api:
        yield build_world(api)


# -- checking ----------------------------------------------------------------------------


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return ""
    return detail if isinstance(detail, str) else repr(detail)


def _answer(response: httpx.Response) -> str:
    """The status as written in the tables (``H`` for the 404 of an unknown id)."""
    if response.status_code == 404 and _detail(response) == HIDDEN_DETAIL:
        return "H"
    return str(response.status_code)


def _check(
    mismatches: list[str],
    where: str,
    expected: str,
    response: httpx.Response,
) -> None:
    got = _answer(response)
    if got != expected:
        detail = _detail(response)[:120]
        mismatches.append(f"{where}: expected {expected}, got {got} ({detail})")


def _check_content(
    mismatches: list[str],
    world: World,
    where: str,
    obj: str,
    endpoint: str,
    response: httpx.Response,
) -> None:
    """A 200 must be about the object asked for: its own word, its own audio bytes."""
    if endpoint in TEXT_FORMATS:
        text = response.content.decode("utf-8")
        foreign = [w for o, w in WORDS.items() if o != obj and w in text]
        if WORDS[obj] not in text or foreign:
            mismatches.append(f"{where}: the text is not {obj}'s (foreign words: {foreign})")
    elif endpoint == "audio" and response.content != AUDIO[obj]:
        mismatches.append(f"{where}: the audio is not {obj}'s")
    elif endpoint in ("status", "versions", "verify"):
        body = response.json()
        if body.get("id", body.get("recording_id")) != world.ids[obj]:
            mismatches.append(f"{where}: the body is about another recording")


def _report(mismatches: list[str], checked: int) -> None:
    assert not mismatches, f"{len(mismatches)} of {checked} checks failed:\n" + "\n".join(
        mismatches
    )


def _listed(world: World, caller: str, params: dict[str, str]) -> int | set[str]:
    response = world.call("GET", caller, "/api/v1/recordings", params={**params, "limit": 200})
    if response.status_code != 200:
        return response.status_code
    return {world.name_of(item["id"]) for item in response.json()["items"]}


def _found(world: World, caller: str, q: str, params: dict[str, str]) -> int | set[str]:
    response = world.call("GET", caller, "/api/v1/search", params={"q": q, **params, "limit": 100})
    if response.status_code != 200:
        return response.status_code
    body = response.json()
    found = {world.name_of(hit["recording_id"]) for hit in body["hits"]}
    if body["total"] != len(body["hits"]):  # a total must not count hidden hearings
        found.add(f"total={body['total']} but {len(body['hits'])} hits")
    return found


def _check_scope(
    mismatches: list[str],
    where: str,
    expected: int | set[str],
    got: int | set[str],
    *,
    exact: bool,
) -> None:
    if isinstance(expected, int) or isinstance(got, int):
        ok = expected == got
    else:
        ok = got == expected if exact else got <= expected
    if not ok:
        mismatches.append(f"{where}: expected {'' if exact else 'within '}{expected}, got {got}")


# -- the tests ---------------------------------------------------------------------------


def test_reads_of_every_hearing_by_every_caller(world: World) -> None:
    expected = _table(READS)
    mismatches: list[str] = []
    for (caller, obj), row in expected.items():
        for endpoint, want in row.items():
            suffix, params = READ_REQUESTS[endpoint]
            url = f"/api/v1/recordings/{world.ids[obj]}{suffix}"
            response = world.call("GET", caller, url, params=params)
            where = f"{caller} {obj} {endpoint}"
            _check(mismatches, where, want, response)
            if want == "200" and response.status_code == 200:
                _check_content(mismatches, world, where, obj, endpoint, response)
    _report(mismatches, sum(len(row) for row in expected.values()))


def test_the_recording_list_shows_only_the_callers_hearings(world: World) -> None:
    mismatches: list[str] = []
    checked = 0
    for caller in CALLERS:
        expected = LISTED[caller]
        got = _listed(world, caller, {})
        _check_scope(mismatches, f"{caller} list", expected, got, exact=True)
        for params in LIST_FILTERS:
            got = _listed(world, caller, params)
            _check_scope(mismatches, f"{caller} list {params}", expected, got, exact=False)
        checked += 1 + len(LIST_FILTERS)
    _report(mismatches, checked)


def test_search_finds_only_the_callers_hearings(world: World) -> None:
    mismatches: list[str] = []
    checked = 0
    for caller in CALLERS:
        scope = SEARCHABLE[caller]
        for obj, word in WORDS.items():
            expected = scope if isinstance(scope, int) else scope & {obj}
            got = _found(world, caller, word, {})
            _check_scope(mismatches, f"{caller} search {word!r}", expected, got, exact=True)
            checked += 1
        got = _found(world, caller, COMMON_WORD, {})
        _check_scope(mismatches, f"{caller} search {COMMON_WORD!r}", scope, got, exact=True)
        for params in SEARCH_FILTERS:
            got = _found(world, caller, COMMON_WORD, params)
            where = f"{caller} search {COMMON_WORD!r} {params}"
            _check_scope(mismatches, where, scope, got, exact=False)
        checked += 1 + len(SEARCH_FILTERS)
    _report(mismatches, checked)


# Only a judge's approval changes who sees what (the parties of the case see it from
# then on): on each object the two judges act last, after every other caller has tried
# the same three calls. A correction adds a version but changes nobody's view, and each
# edit is made on the version that is newest at that moment, so a refused or accepted
# edit never turns a later one into a 409.
WRITE_ORDER = (
    "anonymous",
    "forged",
    "device_r3",
    "device_r4",
    "device_astana",
    "admin",
    "clerk",
    "party",
    "other_party",
    "astana_judge",
    "judge",
)


def _newest(world: World, obj: str) -> int:
    def newest(session: Session) -> int:
        try:
            return get_protocol_version(session, world.ids[obj]).version
        except NotFoundError:
            return 1  # Q (no protocol) and Z (no recording)

    return world.api.state.transaction(newest)


def test_corrections_and_approvals(api: Api) -> None:
    assert sorted(WRITE_ORDER) == sorted(CALLERS)
    world = build_world(api)
    expected = _table(WRITES)
    mismatches: list[str] = []
    for obj in OBJECTS:
        base = f"/api/v1/recordings/{world.ids[obj]}"
        for caller in WRITE_ORDER:
            row = expected[caller, obj]
            edit = {
                "base_version": _newest(world, obj),
                "edits": [{"op": "set_text", "segment": 1, "text": f"Суд идёт ({caller})."}],
            }
            response = world.call("POST", caller, f"{base}/versions", json=edit)
            _check(mismatches, f"{caller} {obj} edit", row["edit"], response)
            newest = _newest(world, obj)
            response = world.call("POST", caller, f"{base}/versions/{newest}/approve")
            _check(mismatches, f"{caller} {obj} approve v{newest}", row["approve"], response)
            response = world.call("POST", caller, f"{base}/versions/1/approve")
            _check(mismatches, f"{caller} {obj} reapprove", row["reapprove"], response)

    # Positive controls of the parties' rules, after the matrix: B, approved now, is
    # other_party's to read (and still not party's); A's chain is v1 (approved when
    # built), v2 (the clerk's edit), v3 (the judge's edit, approved), and party sees the
    # approved ones only.
    after: list[tuple[str, str, dict[str, Any], str]] = [
        ("other_party", "B", {}, "200"),
        ("party", "B", {}, "H"),
        ("party", "A", {"version": 2}, "404"),  # exists, but not approved
    ]
    for caller, obj, params, want in after:
        url = f"/api/v1/recordings/{world.ids[obj]}/protocol"
        response = world.call("GET", caller, url, params=params)
        _check(mismatches, f"after approval: {caller} {obj} protocol {params}", want, response)
    newest = world.call("GET", "party", f"/api/v1/recordings/{world.ids['A']}/protocol")
    if newest.headers.get("X-Protocol-Version") != "3":
        mismatches.append(f"after approval: party A protocol {newest.status_code}, not v3")
    versions = world.call("GET", "party", f"/api/v1/recordings/{world.ids['A']}/versions")
    listed = [v["version"] for v in versions.json()["versions"]]
    if listed != [1, 3]:
        mismatches.append(f"after approval: party A versions {listed}, expected [1, 3]")
    other = _listed(world, "other_party", {})
    _check_scope(mismatches, "after approval: other_party list", {"B"}, other, exact=True)
    found = _found(world, "other_party", COMMON_WORD, {})
    _check_scope(mismatches, "after approval: other_party search", {"B"}, found, exact=True)
    _report(mismatches, sum(len(row) for row in expected.values()) + 7)
