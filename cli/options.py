"""Parsing of command-line values into engine options, with one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

from protocol import FORMATS

__all__ = [
    "OptionError",
    "parse_channel_map",
    "parse_formats",
    "parse_languages",
    "read_vocabulary",
]

_ROLE = re.compile(r"^[^\W\d_][\w\- ]{0,39}$")
MAX_VOCABULARY_TERMS = 200
MAX_VOCABULARY_BYTES = 64 * 1024


class OptionError(ValueError):
    """A command-line value that cannot be used; the message is shown as is."""


def parse_formats(value: str) -> tuple[str, ...]:
    """``"json,txt"`` -> ``("json", "txt")``, rejecting unknown formats."""
    formats = tuple(
        dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip())
    )
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise OptionError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(FORMATS)}"
        )
    return formats


def parse_languages(value: str) -> tuple[str, ...]:
    """``"kk,ru"`` -> ``("kk", "ru")``; ``"any"`` -> ``()`` (no restriction)."""
    if value.strip().lower() == "any":
        return ()
    codes = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    bad = [code for code in codes if not re.fullmatch(r"[a-z]{2,3}", code)]
    if bad or not codes:
        raise OptionError(f"languages must be ISO 639-1 codes like kk,ru (got {value!r})")
    return codes


def parse_channel_map(value: str) -> dict[int, str]:
    """``"1=judge,2=plaintiff"`` -> ``{1: "judge", 2: "plaintiff"}``."""
    mapping: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        channel, sep, role = item.partition("=")
        if not sep or not channel.strip().isdigit():
            raise OptionError(f"channel map entries look like 1=judge (got {item!r})")
        number, role = int(channel), role.strip().lower()
        if number < 1:
            raise OptionError("channels are numbered from 1")
        if not _ROLE.match(role):
            raise OptionError(f"role {role!r} must be a word like judge, plaintiff, witness")
        if number in mapping:
            raise OptionError(f"channel {number} appears twice in the channel map")
        mapping[number] = role
    if not mapping:
        raise OptionError("the channel map is empty")
    return mapping


def read_vocabulary(path: Path) -> tuple[str, ...]:
    """One term per line (names, legal terms, article numbers); blank lines and # ignored."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OptionError(f"cannot read vocabulary file {path}: {exc.strerror}") from exc
    if len(raw) > MAX_VOCABULARY_BYTES:
        raise OptionError(f"vocabulary file is larger than {MAX_VOCABULARY_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OptionError("vocabulary file must be UTF-8 text") from exc
    terms = tuple(
        dict.fromkeys(
            line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
        )
    )
    if len(terms) > MAX_VOCABULARY_TERMS:
        raise OptionError(f"vocabulary has {len(terms)} terms; at most {MAX_VOCABULARY_TERMS}")
    return terms
