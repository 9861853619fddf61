"""Package-level checks: public API, frozen values, import rules of protocol/."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Any

import pytest

import protocol

PACKAGE_DIR = Path(protocol.__file__).parent
MODULES = sorted(f"protocol.{info.name}" for info in pkgutil.iter_modules([str(PACKAGE_DIR)]))
FORBIDDEN_ROOTS = {
    # our other packages
    "ingest", "transcribe", "diarize", "storage", "worker", "api", "cli", "synth",
    # web, queue and storage libraries
    "fastapi", "starlette", "celery", "kombu", "redis", "sqlalchemy", "minio", "boto3",
    "requests", "httpx", "pydantic", "pydantic_settings", "psycopg", "psycopg2",
}  # fmt: skip


def test_public_api_is_importable() -> None:
    for name in protocol.__all__:
        assert hasattr(protocol, name), name
    assert len(set(protocol.__all__)) == len(protocol.__all__)


@pytest.mark.parametrize("module_name", ["protocol", *MODULES])
def test_every_module_declares_all(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert isinstance(module.__all__, list) and module.__all__
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ lists missing {name}"


@pytest.mark.parametrize("module_name", ["protocol", *MODULES])
def test_imports_are_stdlib_or_own(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    assert not roots & FORBIDDEN_ROOTS
    # document and signature libraries: pure computation, no web, queue or storage
    documents = {"fpdf", "docx", "fontTools", "cryptography"}
    allowed = set(sys.stdlib_module_names) | {"protocol", "numpy", "__future__"} | documents
    assert roots <= allowed, roots - allowed


def test_model_values_are_frozen_and_hashable() -> None:
    word = protocol.Word(0.0, 1.0, " a", 0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        word.text = "b"  # type: ignore[misc]
    segment = protocol.Segment(0.0, 1.0, "S1", "ru", "a", (word,), ("overlap",))
    assert hash(segment) == hash(protocol.Segment(0.0, 1.0, "S1", "ru", "a", (word,), ("overlap",)))
    for name in ("Word", "AsrSegment", "Turn", "Speaker", "Segment", "RecordingInfo",
                 "PipelineInfo", "Protocol", "MergeConfig", "FlagConfig"):  # fmt: skip
        cls: Any = getattr(protocol, name)
        frozen = cls.__dataclass_params__.frozen
        assert dataclasses.is_dataclass(cls) and frozen, name


def test_protocol_defaults_to_current_schema() -> None:
    recording = protocol.RecordingInfo("00" * 32, 1.0, 1, "a.wav", "wav")
    pipeline = protocol.PipelineInfo("0.1.0", "m", "channels", ("kk",))
    made = protocol.Protocol(recording, pipeline, (), (), "2025-01-01T00:00:00Z")
    assert made.schema == protocol.SCHEMA == "courtrec.protocol/1"


def test_errors_share_one_base() -> None:
    for name in ("ProtocolFormatError", "ProtocolInputError", "UnknownFormatError"):
        assert issubclass(getattr(protocol, name), protocol.ProtocolError)
