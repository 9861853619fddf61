"""The API answers every request Schemathesis derives from its OpenAPI document as documented.

Runs ``scripts/api_fuzz.py`` with a small budget (5 cases per operation, variant and
mode, a fixed seed): every operation, all checks, no failures allowed. The full run is
``.venv/bin/python scripts/api_fuzz.py`` (25 cases, a random seed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.api_fuzz import main, run_fuzz


def _field(out: str, name: str) -> str:
    found = re.search(rf"^{name}: (.*)$", out, re.MULTILINE)
    assert found is not None, f"no {name!r} line in:\n{out}"
    return found.group(1)


def test_the_api_survives_schemathesis_with_all_checks(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--max-examples", "5", "--seed", "20260314"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert _field(out, "Failures").startswith("0 cases"), out
    operations = int(_field(out, "Operations tested").split()[0])
    assert operations >= 28, out
    cases = int(_field(out, "Cases run").split()[0])
    assert cases >= 5 * operations, out
    # the seeded objects were met, not only refusals: real answers from the id-taking routes
    statuses = _field(out, "Status codes")
    assert "200:" in statuses and "201:" in statuses, out


def test_the_fuzzer_reports_a_server_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself: an endpoint that crashes is a failure, with a curl to replay it."""

    def broken(**_fields: object) -> None:
        raise RuntimeError("deliberately broken for the test")

    monkeypatch.setattr("api.routes.session.MeOut", broken)
    lines: list[str] = []
    report = run_fuzz(tmp_path, max_examples=3, seed=1, only=r"^GET /api/v1/me$", out=lines.append)
    assert report.operations == ["GET /api/v1/me"]
    group = report.failures[("GET /api/v1/me", "not_a_server_error")]
    assert group.cases >= 1
    assert "RuntimeError" in group.examples[0] or "500" in group.examples[0]
    assert "curl" in group.examples[0]
