"""Mask personal data (IIN/BIN, phone numbers) in copies of a protocol for parties.

The original protocol is evidence and is never redacted; parties get a masked
copy. Masking replaces every digit of a found number with :data:`MASK` and
keeps every other character, so:

* no digit of the number is revealed (court practice is to hide it fully;
  keeping the last digits, as banks do, would still identify a person within
  a small family or village);
* the text keeps its length and shape, so a reader sees that a number was there
  and of what kind ("•••••••••••• " vs "+• ••• ••• •• ••"), and character
  positions do not move, which lets word texts be masked exactly like the
  segment text they make up.

What counts as personal data:

* IIN/BIN: 12 digits whose 12th is the check digit of the first 11 (see
  :func:`is_valid_iin`). The digits may be one run or several runs separated by
  single spaces, because speech recognisers write dictated numbers in groups
  ("880 101 300 123"). A run touching ``.``, ``,``, ``/`` or ``-`` followed by
  another digit is part of a larger number (a decimal, a date, a case number
  such as ``2-1234/2026``) and is never taken; nor is a run longer than 12.
  About one 12-digit number in eleven passes the check by chance, so a large
  amount written with 12 digits is occasionally masked too: for parties' copies
  masking too much is the safe error.
* Phone numbers in Kazakh/Russian form: ``+7``, ``8`` or ``7``, then 10 digits
  with optional spaces, hyphens and parentheses around the 3-digit code
  (``+7 701 123 45 67``, ``8 (701) 123-45-67``, ``87011234567``); without the
  trunk prefix only when written like a phone number with separators
  (``701 123 45 67``, ``(727) 123-45-67``), since a bare 10-digit run may be
  anything.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from protocol.model import Protocol, Segment, Word, join_words

__all__ = [
    "IIN",
    "MASK",
    "PHONE",
    "PersonalDataSpan",
    "find_personal_data",
    "is_valid_iin",
    "mask_text",
    "redact_protocol",
]

logger = logging.getLogger(__name__)

MASK = "•"
"""Character that replaces each digit; one character per digit keeps positions."""

IIN = "iin"
"""Kind of :class:`PersonalDataSpan` for an IIN or BIN."""

PHONE = "phone"
"""Kind of :class:`PersonalDataSpan` for a phone number."""

_IIN_LENGTH = 12
_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_DIGITS = frozenset("0123456789")
_DIGIT_RUN = re.compile(r"[0-9]+")
_GROUP_GAP = frozenset(" \u00a0\u202f\u2009")
"""Characters that may separate the digit groups of one dictated IIN (one of them, once)."""
_NUMBER_JOINERS = frozenset(".,/-")
_SEP = r"[ \-\u00a0\u202f]"
_PHONE_PATTERN = re.compile(
    rf"""
    (?<![0-9+])
    (?:
        (?:\+{_SEP}?7|8|7) {_SEP}? (?:\([0-9]{{3}}\)|[0-9]{{3}})
        {_SEP}? [0-9]{{3}} {_SEP}? [0-9]{{2}} {_SEP}? [0-9]{{2}}
    |
        (?:\([0-9]{{3}}\){_SEP}?|7[0-9]{{2}}{_SEP})
        [0-9]{{3}} {_SEP} [0-9]{{2}} {_SEP} [0-9]{{2}}
    )
    (?![0-9])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class PersonalDataSpan:
    """Where personal data was found in a text.

    Attributes:
        start: Index of the first character.
        end: Index after the last character.
        kind: :data:`IIN` or :data:`PHONE`.

    """

    start: int
    end: int
    kind: str


def is_valid_iin(digits: str) -> bool:
    """Tell whether 12 digits form a valid Kazakh IIN or BIN.

    The check digit is the weighted sum of the first 11 digits (weights 1..11)
    modulo 11; when that is 10 the weights 3..11, 1, 2 are used instead, and a
    second 10 means no valid number has these first 11 digits.

    Args:
        digits: Candidate, ASCII digits only.

    Returns:
        True when it has 12 digits and its last digit is the check digit.

    """
    if len(digits) != _IIN_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    values = [int(char) for char in digits]
    check = sum(v * w for v, w in zip(values, _FIRST_WEIGHTS, strict=False)) % 11
    if check == 10:
        check = sum(v * w for v, w in zip(values, _SECOND_WEIGHTS, strict=False)) % 11
        if check == 10:
            return False
    return check == values[11]


def _attached(text: str, start: int, end: int) -> bool:
    """Tell whether a digit run is glued to another by ``.``, ``,``, ``/`` or ``-``."""
    before = start >= 2 and text[start - 1] in _NUMBER_JOINERS and text[start - 2] in _DIGITS
    after = end + 1 < len(text) and text[end] in _NUMBER_JOINERS and text[end + 1] in _DIGITS
    return before or after


def _digit_groups(text: str) -> list[tuple[int, int]]:
    """Spans of the digit runs that may belong to an IIN; ``(-1, -1)`` breaks a chain."""
    groups: list[tuple[int, int]] = []
    for match in _DIGIT_RUN.finditer(text):
        start, end = match.span()
        groups.append((-1, -1) if _attached(text, start, end) else (start, end))
    return groups


def _chained(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """Tell whether two digit runs are separated by exactly one group gap."""
    return right[0] == left[1] + 1 and text[left[1]] in _GROUP_GAP


def _iin_at(text: str, groups: Sequence[tuple[int, int]], first: int) -> int | None:
    """Index of the last group of a valid IIN starting at group ``first``, if any."""
    digits = ""
    for last in range(first, len(groups)):
        start, end = groups[last]
        if start < 0 or (last > first and not _chained(text, groups[last - 1], groups[last])):
            return None
        digits += text[start:end]
        if len(digits) >= _IIN_LENGTH:
            return last if is_valid_iin(digits) else None
    return None


def _iin_spans(text: str) -> list[PersonalDataSpan]:
    groups = _digit_groups(text)
    spans: list[PersonalDataSpan] = []
    first = 0
    while first < len(groups):
        last = _iin_at(text, groups, first)
        if last is None:
            first += 1
            continue
        spans.append(PersonalDataSpan(groups[first][0], groups[last][1], IIN))
        first = last + 1
    return spans


def find_personal_data(text: str) -> tuple[PersonalDataSpan, ...]:
    """Find IINs/BINs and phone numbers in a text.

    Args:
        text: Any text.

    Returns:
        Non-overlapping spans in text order; where a phone number and an IIN
        overlap, the IIN is kept.

    """
    spans = _iin_spans(text)
    taken = [(s.start, s.end) for s in spans]
    for match in _PHONE_PATTERN.finditer(text):
        start, end = match.span()
        if all(end <= lo or start >= hi for lo, hi in taken):
            spans.append(PersonalDataSpan(start, end, PHONE))
    return tuple(sorted(spans, key=lambda s: s.start))


def mask_text(text: str) -> tuple[str, int]:
    """Replace the digits of every IIN/BIN and phone number with :data:`MASK`.

    Args:
        text: Any text; letters (Kazakh, Russian, Latin), punctuation and other
            numbers are left as they are.

    Returns:
        The masked text, of the same length, and the number of masked items.

    """
    spans = find_personal_data(text)
    if not spans:
        return text, 0
    chars = list(text)
    for span in spans:
        for position in range(span.start, span.end):
            if chars[position] in _DIGITS:
                chars[position] = MASK
    return "".join(chars), len(spans)


def _masked_words(words: Sequence[Word]) -> tuple[tuple[Word, ...], int]:
    """Mask words as one text, so a number split over several words is still found.

    The words are joined the way :func:`join_words` joins them (without
    normalising whitespace, so positions stay exact), masked, and cut back at
    the same positions, which :func:`mask_text` keeps.
    """
    texts = [word.text for word in words]
    separator = "" if any(text[:1].isspace() for text in texts[1:]) else " "
    masked, count = mask_text(separator.join(texts))
    if not count:
        return tuple(words), 0
    result: list[Word] = []
    position = 0
    for word in words:
        text = masked[position : position + len(word.text)]
        result.append(word if text == word.text else dataclasses.replace(word, text=text))
        position += len(word.text) + len(separator)
    return tuple(result), count


def _redact_segment(segment: Segment) -> tuple[Segment, int]:
    text, count = mask_text(segment.text)
    words, word_count = _masked_words(segment.words)
    if not count and not word_count:
        return segment, 0
    if segment.words and join_words(segment.words) == segment.text and join_words(words) != text:
        # The words backed the text but were masked differently (unusual spacing):
        # better no word timings than a word that shows what the text hides.
        logger.warning("masked words do not match the masked text; dropping the words")
        words = ()
    return dataclasses.replace(segment, text=text, words=words), max(count, word_count)


def redact_protocol(protocol: Protocol) -> tuple[Protocol, int]:
    """Make a copy of a protocol with personal data masked, for a party.

    Segment texts and word texts are masked; so is the recording's source file
    name, which clerks sometimes name after a person. Speaker labels are left as
    they are: naming the participants is part of a protocol. No flag marks the
    masked segments, since :mod:`protocol.flags` lists the flags this project
    sets and masking is not a review concern; the mask characters show it.

    Args:
        protocol: The original protocol; it is not modified.

    Returns:
        The masked protocol and the number of masked items.

    """
    total = 0
    segments: list[Segment] = []
    for segment in protocol.segments:
        masked, count = _redact_segment(segment)
        segments.append(masked)
        total += count
    source_name, count = mask_text(protocol.recording.source_name)
    total += count
    recording = dataclasses.replace(protocol.recording, source_name=source_name)
    logger.debug("redacted %d items", total)
    return dataclasses.replace(protocol, recording=recording, segments=tuple(segments)), total
