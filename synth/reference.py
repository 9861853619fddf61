"""Ground-truth files for scoring: RTTM for diarization, JSON for transcripts.

RTTM is what diarization scorers (pyannote.metrics, dscore) read; the JSON keeps the
text and language of every turn plus the full text per language for WER/CER.
"""

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from synth.errors import ReferenceFormatError, ScriptError, SynthError
from synth.model import LANGUAGES, SynthTurn

__all__ = ["REFERENCE_SCHEMA", "read_reference", "rttm_line", "write_reference", "write_rttm"]

logger = logging.getLogger(__name__)

REFERENCE_SCHEMA = "courtrec.synth-reference/1"
_URI = re.compile(r"^\S+$")
_TURN_FIELDS = ("start", "end", "speaker", "role", "language", "text", "channel")


def rttm_line(turn: SynthTurn, uri: str) -> str:
    """Format one turn as an RTTM ``SPEAKER`` line (times in seconds, millisecond precision)."""
    duration = turn.end - turn.start
    return f"SPEAKER {uri} 1 {turn.start:.3f} {duration:.3f} <NA> <NA> {turn.speaker} <NA> <NA>"


def write_rttm(turns: Iterable[SynthTurn], path: Path, uri: str) -> Path:
    """Write one RTTM ``SPEAKER`` line per turn to ``path``.

    Args:
        turns: Ground-truth turns; the speaker column is ``SynthTurn.speaker``.
        path: Output file.
        uri: Recording identifier of the RTTM file; whitespace would break the format.

    Returns:
        ``path``, for chaining into printed output.

    Raises:
        ScriptError: ``uri`` is empty or contains whitespace.
        SynthError: The file cannot be written.

    """
    if not _URI.match(uri):
        raise ScriptError(f"RTTM uri must be non-empty without spaces: {uri!r}")
    text = "".join(rttm_line(turn, uri) + "\n" for turn in turns)
    _write_text(path, text)
    return path


def write_reference(turns: Iterable[SynthTurn], path: Path) -> Path:
    """Write the turns and the reference text per language as JSON.

    ``text`` joins each language's turns in time order, the form WER scripts compare
    against a transcript restricted to that language.

    Returns:
        ``path``.

    Raises:
        SynthError: The file cannot be written.

    """
    ordered = sorted(turns, key=lambda t: t.start)
    payload = {
        "schema": REFERENCE_SCHEMA,
        "turns": [{name: getattr(t, name) for name in _TURN_FIELDS} for t in ordered],
        "text": {
            lang: " ".join(t.text for t in ordered if t.language == lang)
            for lang in LANGUAGES
            if any(t.language == lang for t in ordered)
        },
    }
    _write_text(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path


def read_reference(path: Path) -> tuple[SynthTurn, ...]:
    """Read the turns back from a file written by ``write_reference``.

    Raises:
        ReferenceFormatError: The file is missing, not JSON, or not this schema.

    """
    try:
        payload: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceFormatError(f"cannot read reference {path}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("schema") != REFERENCE_SCHEMA:
        raise ReferenceFormatError(f"{path} is not a {REFERENCE_SCHEMA} file")
    try:
        return tuple(SynthTurn(**{k: row[k] for k in _TURN_FIELDS}) for row in payload["turns"])
    except (KeyError, TypeError) as exc:
        raise ReferenceFormatError(f"malformed turn in {path}: {exc}") from exc


def _write_text(path: Path, text: str) -> None:
    """Write UTF-8 text, translating OS errors into the package's error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SynthError(f"cannot write {path}: {exc}") from exc
