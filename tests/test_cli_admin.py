"""``courtrec admin``: accounts, case parties, and the audit trail of what admins change."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from storage.db import (
    AuditQuery,
    list_audit,
    list_party_cases,
    make_engine,
    make_sessionmaker,
    session_scope,
    sqlite_url,
)


@pytest.fixture
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("CR_DATABASE_URL", "CR_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["admin", *args])
        assert (result.exit_code == 0) == ok, result.output
        # storage errors reach cli.main.main, which prints them as one line (tested there)
        return result.output + str(result.exception or "")

    return run


def _session(tmp_path: Path):
    engine = make_engine(sqlite_url(tmp_path / "data" / "courtrec.db"))
    return engine, make_sessionmaker(engine)


def test_parties_join_and_leave_cases_and_every_change_is_audited(admin, tmp_path: Path):
    admin("create-court", "almaty-2", "Almaty District Court No. 2")
    admin("create-courtroom", "almaty-2", "r3", "Room 3")
    admin("create-user", "aliya", "--role", "party", "--password", "a long password 1")
    out = admin(
        "add-party", "aliya", "--court", "almaty-2", "--case-number", "2-1/2026",
        "--party-role", "plaintiff",
    )  # fmt: skip
    assert "plaintiff in case 2-1/2026" in out
    assert "2-1/2026\tplaintiff" in admin("list", "parties")
    admin("add-party", "aliya", "--court", "almaty-2", "--case-number", "2-2/2026",
          "--party-role", "defendant")  # fmt: skip
    admin("remove-party", "aliya", "--court", "almaty-2", "--case-number", "2-1/2026")
    admin("remove-party", "aliya", "--court", "almaty-2", "--case-number", "2-1/2026", ok=False)
    admin("add-party", "aliya", "--court", "nowhere", "--case-number", "1", "--party-role",
          "plaintiff", ok=False)  # fmt: skip

    engine, sessions = _session(tmp_path)
    try:
        with session_scope(sessions) as session:
            cases = [c.case_number for c in list_party_cases(session, 1)]
            actions = [
                e.action
                for e in list_audit(
                    session, AuditQuery(action="admin.*", newest_first=False)
                ).events
            ]
            actors = {
                e.actor_kind for e in list_audit(session, AuditQuery(action="admin.*")).events
            }
    finally:
        engine.dispose()
    assert cases == ["2-2/2026"]
    assert actions == [
        "admin.court_create",
        "admin.courtroom_create",
        "admin.user_create",
        "admin.case_party_add",
        "admin.case_party_add",
        "admin.case_party_remove",
    ]
    assert actors == {"system"}


def test_a_judge_cannot_be_made_a_party_of_a_case(admin):
    admin("create-court", "astana-1", "Astana Court No. 1")
    admin("create-user", "judge", "--role", "judge", "--court", "astana-1",
          "--password", "a long password 2")  # fmt: skip
    out = admin("add-party", "judge", "--court", "astana-1", "--case-number", "3-1/2026",
                "--party-role", "plaintiff", ok=False)  # fmt: skip
    assert "not a party" in out
