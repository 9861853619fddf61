"""Hearing metadata of an upload: one model for both transports, strict on every string.

Direct uploads carry the metadata as query parameters (the body is the media);
resumable (tus) uploads carry the same fields in ``Upload-Metadata``. Both arrive as
``{name: text or [text, ...]}`` and go through :class:`HearingMetadata`, so a field means
the same and is checked the same whichever way it came.

The values end up in the database, in protocols, in exports and in log lines, so every
string is checked here, once: no control or format characters (NUL, newlines, bidi
overrides), bounded lengths, and a strict alphabet for codes and case numbers, which
also rules out path-like values (``../../etc/passwd``). ``source_name`` is display text
only, reduced to its base name; storage keys are always server-generated ids.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from api.errors import describe_errors

__all__ = [
    "LANGUAGES",
    "MAX_CHANNEL",
    "MAX_SPEAKERS",
    "MAX_VOCABULARY_TERMS",
    "MAX_VOCABULARY_TERM_CHARS",
    "ROLES",
    "HearingMetadata",
    "Language",
    "MetadataError",
    "Role",
    "parse_metadata",
]

logger = logging.getLogger(__name__)

Language = Literal["kk", "ru"]
LANGUAGES: tuple[str, ...] = get_args(Language)
"""Languages a hearing may declare: the pipeline constrains detection to them."""

Role = Literal[
    "judge",
    "clerk",
    "prosecutor",
    "plaintiff",
    "defendant",
    "defence",
    "witness",
    "expert",
    "interpreter",
    "other",
]
ROLES: tuple[str, ...] = get_args(Role)
"""Seats a recorder's microphone channel can belong to."""

MAX_CHANNEL = 16
"""Channels are numbered 1..16 (the ingest limit on channels)."""

MAX_SPEAKERS = 20
MAX_VOCABULARY_TERMS = 200
MAX_VOCABULARY_TERM_CHARS = 100
MAX_CODE_CHARS = 32
MAX_CASE_NUMBER_CHARS = 64
MAX_SOURCE_NAME_CHARS = 255
"""Column sizes of the database (courts.code, recordings.case_number, .source_name)."""

LIST_FIELDS = frozenset({"languages", "vocabulary"})
"""Fields that may be given more than once (``?languages=kk&languages=ru``)."""

_CODE = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")
_CASE_NUMBER = re.compile(r"(?:[^\W_]|№)(?:[^\W_]|[ ()./№-])*")
_CASE_NUMBER_CHARS = "letters, digits, spaces and - / . ( ) №"
_OFFSET_SPACE = re.compile(r"^(\S+T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class MetadataError(ValueError):
    """Metadata that cannot be used; the message names the fields (HTTP 422)."""


def _reject_hidden_characters(value: str, what: str) -> str:
    """Refuse control, format, surrogate and unassigned characters (NUL, bidi overrides)."""
    for char in value:
        if unicodedata.category(char).startswith("C"):
            raise ValueError(f"{what} must not contain control characters (U+{ord(char):04X})")
    return value


def _text(value: object, what: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    value = _reject_hidden_characters(value, what).strip()
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > max_chars:
        raise ValueError(f"{what} must be at most {max_chars} characters")
    return value


def _split_list(value: object) -> list[Any]:
    """``"kk,ru"``, ``["kk", "ru"]``, ``["kk,ru"]`` and a JSON array all give a list."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                decoded = json.loads(stripped)
            except ValueError as exc:
                raise ValueError("is not a valid JSON array") from exc
            return _split_list(decoded) if isinstance(decoded, list) else [decoded]
        return [part for part in stripped.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        items: list[Any] = []
        for item in value:
            items.extend(_split_list(item) if isinstance(item, str) else [item])
        return items
    return [value]


def _channel_map_items(value: object) -> Iterable[tuple[object, object]]:
    """``"1=judge,2=prosecutor"``, a JSON object or a mapping, as (channel, role) pairs."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("{"):
            try:
                value = json.loads(stripped)
            except ValueError as exc:
                raise ValueError("is not a valid JSON object") from exc
        else:
            pairs = []
            for item in filter(None, (part.strip() for part in stripped.split(","))):
                channel, sep, role = item.partition("=")
                if not sep:
                    raise ValueError("entries look like 1=judge,2=prosecutor")
                pairs.append((channel.strip(), role.strip()))
            return pairs
    if isinstance(value, Mapping):
        return list(value.items())
    raise ValueError("must be like 1=judge,2=prosecutor or an object")


class HearingMetadata(BaseModel):
    """What a recorder says about the hearing it uploads.

    Attributes:
        court: Code of the court (must be the device's court).
        courtroom: Code of the courtroom (must be the device's courtroom).
        case_number: Case number as the court writes it (letters incl. Cyrillic,
            digits, space, ``- / . ( ) №``).
        hearing_started_at: Start of the hearing, ISO 8601 with a time zone.
        languages: Declared languages, a subset of kk and ru (default both).
        channel_map: Microphone channel (1..16, as a string) -> seat role.
        speakers: Exact number of speakers, if known.
        min_speakers: Lower bound on the number of speakers.
        max_speakers: Upper bound on the number of speakers.
        vocabulary: Names and terms that prime recognition.
        source_name: The recorder's file name, for display only (base name).

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    court: str = Field(max_length=200, description="Court code, e.g. almaty-district-2.")
    courtroom: str = Field(max_length=200, description="Courtroom code within the court.")
    case_number: str = Field(max_length=1000, description="Case number, e.g. 2-1234/2025.")
    hearing_started_at: AwareDatetime = Field(
        description="Hearing start, ISO 8601 with a time zone (2025-03-14T09:30:00+05:00)."
    )
    languages: tuple[Language, ...] = Field(
        default=("kk", "ru"),
        description="Declared languages: kk, ru or both (comma-separated or repeated).",
    )
    channel_map: dict[str, Role] | None = Field(
        default=None,
        description="Seat of each microphone channel, e.g. 1=judge,2=prosecutor (1..16).",
    )
    speakers: Annotated[int, Field(ge=1, le=MAX_SPEAKERS)] | None = Field(
        default=None, description="Exact number of speakers, if known."
    )
    min_speakers: Annotated[int, Field(ge=1, le=MAX_SPEAKERS)] | None = None
    max_speakers: Annotated[int, Field(ge=1, le=MAX_SPEAKERS)] | None = None
    vocabulary: tuple[str, ...] = Field(
        default=(),
        description=f"Names and terms to prime recognition (at most {MAX_VOCABULARY_TERMS}).",
    )
    source_name: str = Field(
        default="",
        max_length=4096,
        description="Recorder's file name, for display only (reduced to its base name).",
    )

    @field_validator("court", "courtroom")
    @classmethod
    def _code(cls, value: str, info: Any) -> str:
        value = _text(value, info.field_name, MAX_CODE_CHARS)
        if not _CODE.fullmatch(value):
            raise ValueError("must be a code of letters, digits, '-', '_' and '.'")
        return value

    @field_validator("case_number")
    @classmethod
    def _case_number(cls, value: str) -> str:
        value = _text(value, "case number", MAX_CASE_NUMBER_CHARS)
        if not _CASE_NUMBER.fullmatch(value):
            raise ValueError(
                f"case number must start with a letter, a digit or № and contain only "
                f"{_CASE_NUMBER_CHARS}"
            )
        if ".." in value or "//" in value or "  " in value:
            raise ValueError("case number must not contain '..', '//' or double spaces")
        return value

    @field_validator("hearing_started_at", mode="before")
    @classmethod
    def _restore_plus(cls, value: object) -> object:
        """An unescaped ``+05:00`` in a query string arrives as `` 05:00``; put it back."""
        if isinstance(value, str):
            _reject_hidden_characters(value, "hearing start")
            return _OFFSET_SPACE.sub(r"\1+\2", value.strip())
        return value

    @field_validator("hearing_started_at")
    @classmethod
    def _plausible_year(cls, value: datetime) -> datetime:
        if not 1900 <= value.year <= 2200:
            raise ValueError("hearing start must be a real date")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> tuple[str, ...]:
        codes = [c.strip().lower() if isinstance(c, str) else c for c in _split_list(value)]
        if not codes:
            raise ValueError(f"name at least one of {', '.join(LANGUAGES)}")
        return tuple(dict.fromkeys(codes))

    @field_validator("channel_map", mode="before")
    @classmethod
    def _channel_map(cls, value: object) -> dict[str, object] | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        mapping: dict[str, object] = {}
        for channel, role in _channel_map_items(value):
            text = str(channel).strip()
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_CHANNEL):
                raise ValueError(f"channels are numbered 1..{MAX_CHANNEL}")
            key = str(int(text))
            if key in mapping:
                raise ValueError(f"channel {key} appears twice")
            mapping[key] = role.strip().lower() if isinstance(role, str) else role
        if not mapping:
            raise ValueError("the channel map is empty")
        return mapping

    @field_validator("vocabulary", mode="before")
    @classmethod
    def _vocabulary(cls, value: object) -> tuple[str, ...]:
        items = _split_list(value)
        if len(items) > MAX_VOCABULARY_TERMS:
            raise ValueError(f"at most {MAX_VOCABULARY_TERMS} terms")
        terms = [_text(item, "a vocabulary term", MAX_VOCABULARY_TERM_CHARS) for item in items]
        return tuple(dict.fromkeys(terms))

    @field_validator("source_name", mode="before")
    @classmethod
    def _source_name(cls, value: object) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("source name must be text")
        _reject_hidden_characters(value, "source name")
        base = re.split(r"[/\\]", value)[-1].strip()
        if base in (".", ".."):
            base = ""
        if len(base) > MAX_SOURCE_NAME_CHARS:
            raise ValueError(f"source name must be at most {MAX_SOURCE_NAME_CHARS} characters")
        return base

    @model_validator(mode="after")
    def _speaker_bounds(self) -> HearingMetadata:
        low, high, exact = self.min_speakers, self.max_speakers, self.speakers
        if low is not None and high is not None and low > high:
            raise ValueError("min_speakers must not exceed max_speakers")
        if exact is not None and (
            (low is not None and exact < low) or (high is not None and exact > high)
        ):
            raise ValueError("speakers must lie between min_speakers and max_speakers")
        return self


def _flatten(raw: Mapping[str, str | list[str]]) -> dict[str, object]:
    """Collapse one-element lists; only list fields may be repeated."""
    values: dict[str, object] = {}
    repeated: list[str] = []
    for name, value in raw.items():
        if isinstance(value, list):
            if name in LIST_FIELDS:
                values[name] = value
                continue
            if len(value) != 1:
                repeated.append(name)
                continue
            value = value[0]
        values[name] = value
    if repeated:
        names = ", ".join(sorted(_printable(name) for name in repeated))
        raise MetadataError(f"invalid request: {names}: given more than once")
    return values


def _printable(name: str) -> str:
    """A field name as it may appear in a message: hostile names are cut and escaped."""
    return repr(name[:40]) if not name.isidentifier() else name[:40]


def parse_metadata(raw: Mapping[str, str | list[str]]) -> HearingMetadata:
    """Validate metadata from query parameters or tus ``Upload-Metadata``.

    Args:
        raw: Field name -> value, or list of values when the transport repeated it.

    Raises:
        MetadataError: With every problem in one message (HTTP 422).

    """
    try:
        return HearingMetadata.model_validate(_flatten(raw))
    except ValidationError as exc:
        errors = [
            {**error, "loc": tuple(_printable(str(p)) for p in error.get("loc", ()))}
            for error in exc.errors(include_input=False)
        ]
        raise MetadataError(describe_errors(errors)) from None
