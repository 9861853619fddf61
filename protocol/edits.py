"""Corrections a judge or clerk makes to a protocol, as data.

A correction is a small frozen value (``SetText``, ``NameSpeaker``, ...) rather
than a function call, so that the same list can be validated, stored next to the
protocol version it produced, shown in an audit log and replayed. Applying
corrections never mutates the protocol: :func:`apply_edits` returns a new one.

Rules shared by all operations:

* Segment numbers are 1-based positions in ``protocol.segments``, the ids
  :mod:`protocol.codec` writes. Edits apply in order and each one sees the
  protocol as the previous edits left it, so after a split or merge the later
  segments are renumbered (like a list of commands, not a patch).
* Review flags are kept as they are: an edit records what a person decided, the
  flags record what the recogniser was unsure of, and the version history shows
  who edited what. (There is no ``edited`` flag because :mod:`protocol.flags`
  lists every flag the project sets.)
* Speakers are never removed, even when an edit leaves one without segments: a
  name a judge gave must not vanish because a segment moved, and later edits in
  the same list may still refer to the speaker.
* Word timings are kept wherever the words still back the text (see
  :class:`SetText`), so that every segment's words, when it has any, join to
  exactly its text; splitting, redaction and playback rely on that.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from protocol.errors import ProtocolEditError
from protocol.model import Protocol, Segment, Speaker, Word, join_words, normalize_text

__all__ = [
    "MAX_EDITS",
    "MAX_LABEL_LENGTH",
    "MAX_TEXT_LENGTH",
    "OPS",
    "TYPED_WORD_PROBABILITY",
    "AddSpeaker",
    "Edit",
    "MergeSegments",
    "NameSpeaker",
    "SetLanguage",
    "SetSpeaker",
    "SetText",
    "SplitSegment",
    "apply_edits",
    "edit_from_dict",
    "edit_to_dict",
    "edits_from_list",
    "next_speaker_id",
]

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 10_000
"""Longest segment text an edit may produce, in characters (a few minutes of speech)."""

MAX_LABEL_LENGTH = 200
"""Longest speaker label or role, in characters."""

MAX_EDITS = 1_000
"""Most edits :func:`edits_from_list` accepts in one list, so one request stays cheap."""

TYPED_WORD_PROBABILITY = 1.0
"""Probability given to words a person typed: no recogniser doubted them."""

_SPEAKER_ID = re.compile(r"S([0-9]+)")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class SetText:
    """Replace the text of one segment.

    Word timings are re-aligned to the new text with :mod:`difflib`: words that
    are unchanged keep their exact timings; corrected words share evenly the time
    span of the words they replace, and inserted words the gap between their
    neighbours, with probability :data:`TYPED_WORD_PROBABILITY` since a person
    typed them. This keeps audio playback and splitting working after a
    correction; dropping all timings would break both for one fixed comma. A
    segment without words stays without words.

    Attributes:
        segment: 1-based segment number.
        text: New text; whitespace is normalised, it must not be empty.

    """

    op: ClassVar[str] = "set_text"
    segment: int
    text: str


@dataclass(frozen=True)
class SetSpeaker:
    """Attribute one segment to another existing speaker.

    The speaker must exist; to attribute speech to a new person, add them first
    with :class:`AddSpeaker` (whose id is predictable, see :func:`next_speaker_id`).
    Creating speakers implicitly would turn a typo into a new person.

    Attributes:
        segment: 1-based segment number.
        speaker: Id of an existing speaker (``"S2"``).

    """

    op: ClassVar[str] = "set_speaker"
    segment: int
    speaker: str


@dataclass(frozen=True)
class NameSpeaker:
    """Name a speaker once for the whole hearing ("Speaker 2" → "Witness Ivanova").

    Attributes:
        speaker: Id of an existing speaker.
        label: New label shown in the protocol.
        role: New courtroom role; None keeps the current role (a channel map's role
            must not be lost by renaming) and an empty string removes it.

    """

    op: ClassVar[str] = "name_speaker"
    speaker: str
    label: str
    role: str | None = None


@dataclass(frozen=True)
class AddSpeaker:
    """Add a speaker the diarizer missed; its id is :func:`next_speaker_id`.

    Attributes:
        label: Label shown in the protocol.
        role: Courtroom role, if known.

    """

    op: ClassVar[str] = "add_speaker"
    label: str
    role: str | None = None


@dataclass(frozen=True)
class SetLanguage:
    """Correct the detected language of one segment (Kazakh and Russian alternate).

    Attributes:
        segment: 1-based segment number.
        language: ISO 639 code of two or three lower-case letters (``"kk"``).

    """

    op: ClassVar[str] = "set_language"
    segment: int
    language: str


@dataclass(frozen=True)
class SplitSegment:
    """Split one segment in two, at a time or after a number of words.

    Give exactly one of ``at`` and ``words_before``. Splitting at a time puts
    each word on the side its midpoint falls on. Both parts keep the speaker,
    language and flags and take their text from their words. A segment without
    word timings is refused: nothing says which part of its text was said
    before the split point, and guessing would put words in the wrong mouth.

    Attributes:
        segment: 1-based segment number.
        at: Split time in seconds, strictly inside the segment.
        words_before: How many of the segment's words stay in the first part; the
            second part starts where its first word starts.

    """

    op: ClassVar[str] = "split_segment"
    segment: int
    at: float | None = None
    words_before: int | None = None


@dataclass(frozen=True)
class MergeSegments:
    """Merge a segment with the one after it.

    The merged segment spans both, takes the first segment's speaker and
    language (merging is how a judge undoes a wrong speaker change inside one
    utterance, and the first part is where the utterance began) and keeps the
    flags of both. Words are kept when both segments have them; when only one
    has, the merged segment has none, since words must back the whole text.

    Attributes:
        segment: 1-based number of the first of the two segments.

    """

    op: ClassVar[str] = "merge_segments"
    segment: int


Edit = SetText | SetSpeaker | NameSpeaker | AddSpeaker | SetLanguage | SplitSegment | MergeSegments
"""Any edit operation."""

_EDIT_TYPES: tuple[type[Any], ...] = (
    SetText,
    SetSpeaker,
    NameSpeaker,
    AddSpeaker,
    SetLanguage,
    SplitSegment,
    MergeSegments,
)

OPS: tuple[str, ...] = tuple(cls.op for cls in _EDIT_TYPES)
"""The ``op`` names :func:`edit_from_dict` accepts."""


_SHOWN_LENGTH = 40


def _shown(value: Any) -> str:
    """A rejected value as the message shows it: its repr, cut to a few dozen characters.

    Messages go back to clients (as the API's 422 detail); echoing megabytes of hostile
    input there would bloat responses and logs.
    """
    text = repr(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


class _Refused(Exception):
    """An edit cannot be applied; :func:`apply_edits` adds which edit it was."""


# Validation of values inside edits.


def _segment_index(protocol: Protocol, number: Any) -> int:
    """Turn a 1-based segment number into an index, refusing unknown numbers."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise _Refused(f"segment must be a whole number, got {_shown(number)}")
    count = len(protocol.segments)
    if not 1 <= number <= count:
        raise _Refused(f"segment {number} does not exist; the protocol has {count} segments")
    return number - 1


def _existing_speaker(protocol: Protocol, speaker_id: Any) -> int:
    """Return the position of a speaker in ``protocol.speakers``, refusing unknown ids."""
    for position, speaker in enumerate(protocol.speakers):
        if speaker.id == speaker_id:
            return position
    known = ", ".join(s.id for s in protocol.speakers) or "none"
    raise _Refused(f"speaker {_shown(speaker_id)} does not exist (known speakers: {known})")


def _clean_text(value: Any, what: str, limit: int) -> str:
    """Normalise whitespace and refuse empty, over-long or control-character text."""
    if not isinstance(value, str):
        raise _Refused(f"{what} must be a string, got {type(value).__name__}")
    text = normalize_text(value)
    if not text:
        raise _Refused(f"{what} must not be empty")
    if len(text) > limit:
        raise _Refused(f"{what} is {len(text)} characters long; at most {limit} are allowed")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise _Refused(f"{what} must not contain control characters")
    return text


def _clean_role(value: Any, current: str | None) -> str | None:
    """Resolve a role argument: None keeps ``current``, an empty string clears it."""
    if value is None:
        return current
    if isinstance(value, str) and not normalize_text(value):
        return None
    return _clean_text(value, "role", MAX_LABEL_LENGTH)


def _ms(seconds: float) -> float:
    """Round to milliseconds, the precision the JSON form keeps."""
    return round(seconds, 3)


# Word timings.


def _spaced(words: Sequence[Word]) -> list[Word]:
    """Rewrite words so each whitespace-separated token's first word starts with a space.

    Whisper's words carry their leading space; other recognisers' words are
    joined with spaces by :func:`join_words`. Bringing both to Whisper's style
    lets words from different places be concatenated without running together,
    and :func:`join_words` gives the same text before and after.
    """
    texts = [word.text for word in words]
    spaced = any(text[:1].isspace() for text in texts[1:])
    result: list[Word] = []
    for position, word in enumerate(words):
        needs_space = (position == 0 or not spaced) and not word.text[:1].isspace()
        result.append(dataclasses.replace(word, text=" " + word.text) if needs_space else word)
    return result


def _token_groups(words: Sequence[Word]) -> list[tuple[str, list[Word]]]:
    """Group spaced words into the whitespace tokens of their text (``" 50"`` + ``"%"``)."""
    groups: list[tuple[str, list[Word]]] = []
    for word in words:
        if groups and not word.text[:1].isspace():
            groups[-1][1].append(word)
        else:
            groups.append(("", [word]))
    return [(normalize_text("".join(w.text for w in members)), members) for _, members in groups]


def _typed_words(tokens: Sequence[str], start: float, end: float) -> list[Word]:
    """Make words for typed tokens, sharing ``start..end`` evenly between them."""
    step = (end - start) / len(tokens)
    return [
        Word(
            _ms(start + step * k),
            _ms(start + step * (k + 1)),
            " " + token,
            TYPED_WORD_PROBABILITY,
        )
        for k, token in enumerate(tokens)
    ]


def _gap(
    groups: Sequence[tuple[str, list[Word]]], i1: int, i2: int, segment: Segment
) -> tuple[float, float]:
    """Time span for new tokens: the replaced words, or the gap where they are inserted."""
    if i2 > i1:
        replaced = [w for _, members in groups[i1:i2] for w in members]
        return min(w.start for w in replaced), max(w.end for w in replaced)
    start = max(w.end for w in groups[i1 - 1][1]) if i1 > 0 else segment.start
    end = min(w.start for w in groups[i1][1]) if i1 < len(groups) else segment.end
    return start, max(start, end)


def _realigned_words(segment: Segment, text: str) -> tuple[Word, ...]:
    """Words backing ``text``, re-using the segment's words where the text is unchanged."""
    if not segment.words:
        return ()
    groups = _token_groups(_spaced(segment.words))
    tokens = text.split(" ")
    matcher = difflib.SequenceMatcher(None, [g[0] for g in groups], tokens, autojunk=False)
    words: list[Word] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words.extend(w for _, members in groups[i1:i2] for w in members)
        elif j2 > j1:
            words.extend(_typed_words(tokens[j1:j2], *_gap(groups, i1, i2, segment)))
    if join_words(words) != text:
        # Cannot happen for the tokens built above; dropping words is the honest fallback.
        logger.warning("re-aligned words do not reproduce the corrected text; dropping them")
        return ()
    return tuple(words)


# One handler per operation: (protocol, edit) -> new protocol.


def _with_segments(protocol: Protocol, start: int, stop: int, new: Sequence[Segment]) -> Protocol:
    """Replace ``segments[start:stop]`` with ``new``."""
    segments = protocol.segments
    return dataclasses.replace(protocol, segments=(*segments[:start], *new, *segments[stop:]))


def _with_speaker(protocol: Protocol, position: int, speaker: Speaker) -> Protocol:
    """Replace the speaker at ``position``."""
    speakers = list(protocol.speakers)
    speakers[position] = speaker
    return dataclasses.replace(protocol, speakers=tuple(speakers))


def _set_text(protocol: Protocol, edit: SetText) -> Protocol:
    index = _segment_index(protocol, edit.segment)
    text = _clean_text(edit.text, "text", MAX_TEXT_LENGTH)
    segment = protocol.segments[index]
    if text == segment.text:
        return protocol
    words = _realigned_words(segment, text)
    return _with_segments(
        protocol, index, index + 1, [dataclasses.replace(segment, text=text, words=words)]
    )


def _set_speaker(protocol: Protocol, edit: SetSpeaker) -> Protocol:
    index = _segment_index(protocol, edit.segment)
    _existing_speaker(protocol, edit.speaker)
    segment = dataclasses.replace(protocol.segments[index], speaker=edit.speaker)
    return _with_segments(protocol, index, index + 1, [segment])


def _name_speaker(protocol: Protocol, edit: NameSpeaker) -> Protocol:
    position = _existing_speaker(protocol, edit.speaker)
    current = protocol.speakers[position]
    label = _clean_text(edit.label, "label", MAX_LABEL_LENGTH)
    role = _clean_role(edit.role, current.role)
    return _with_speaker(protocol, position, dataclasses.replace(current, label=label, role=role))


def next_speaker_id(protocol: Protocol) -> str:
    """Return the id :class:`AddSpeaker` gives the next speaker it adds.

    It is one more than the highest ``S<n>`` id, so a client can add a speaker
    and attribute segments to it in the same list of edits.

    Args:
        protocol: The protocol as it is before the :class:`AddSpeaker` edit.

    Returns:
        ``"S<n+1>"``; ``"S1"`` when there is no ``S<n>`` speaker (``S0`` is the
        reserved unknown speaker, so it is never produced).

    """
    numbers = [0]
    for speaker in protocol.speakers:
        match = _SPEAKER_ID.fullmatch(speaker.id)
        if match:
            numbers.append(int(match.group(1)))
    return f"S{max(numbers) + 1}"


def _add_speaker(protocol: Protocol, edit: AddSpeaker) -> Protocol:
    label = _clean_text(edit.label, "label", MAX_LABEL_LENGTH)
    role = _clean_role(edit.role, None)
    speaker = Speaker(id=next_speaker_id(protocol), label=label, role=role, channel=None)
    return dataclasses.replace(protocol, speakers=(*protocol.speakers, speaker))


def _set_language(protocol: Protocol, edit: SetLanguage) -> Protocol:
    index = _segment_index(protocol, edit.segment)
    if not isinstance(edit.language, str) or not _LANGUAGE.fullmatch(edit.language):
        raise _Refused(
            f"language must be an ISO 639 code like 'kk' or 'ru', got {_shown(edit.language)}"
        )
    segment = dataclasses.replace(protocol.segments[index], language=edit.language)
    return _with_segments(protocol, index, index + 1, [segment])


def _split_time(segment: Segment, number: int, at: Any) -> float:
    """Validate a split time: a finite number strictly inside the segment."""
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        raise _Refused(f"split time must be a finite number of seconds, got {_shown(at)}")
    rounded = _ms(float(at))
    if not segment.start < rounded < segment.end:
        raise _Refused(
            f"split time {rounded:.3f} s is not inside segment {number} "
            f"({segment.start:.3f}–{segment.end:.3f} s)"
        )
    return rounded


def _split_words(
    segment: Segment, number: int, edit: SplitSegment
) -> tuple[float, tuple[Word, ...], tuple[Word, ...]]:
    """Work out the split time and the words of each part."""
    words = segment.words
    if edit.at is not None:
        at = _split_time(segment, number, edit.at)
        first = tuple(w for w in words if (w.start + w.end) / 2 < at)
        second = tuple(w for w in words if (w.start + w.end) / 2 >= at)
        return at, first, second
    count = edit.words_before
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count < len(words):
        raise _Refused(
            f"words_before must be a whole number from 1 to {len(words) - 1} "
            f"for segment {number}, got {_shown(count)}"
        )
    at = min(max(_ms(words[count].start), segment.start), segment.end)
    return at, words[:count], words[count:]


def _split_segment(protocol: Protocol, edit: SplitSegment) -> Protocol:
    index = _segment_index(protocol, edit.segment)
    segment = protocol.segments[index]
    if (edit.at is None) == (edit.words_before is None):
        raise _Refused("give exactly one of 'at' (seconds) and 'words_before' (a word count)")
    if not segment.words:
        raise _Refused(f"segment {edit.segment} has no word timings, so its text cannot be divided")
    at, first, second = _split_words(segment, edit.segment, edit)
    parts = [(segment.start, at, first), (at, segment.end, second)]
    texts = [join_words(words) for _, _, words in parts]
    if not all(texts):
        raise _Refused(f"splitting segment {edit.segment} at {at:.3f} s leaves one part empty")
    new = [
        dataclasses.replace(segment, start=start, end=end, text=text, words=words)
        for (start, end, words), text in zip(parts, texts, strict=True)
    ]
    return _with_segments(protocol, index, index + 1, new)


def _merge_segments(protocol: Protocol, edit: MergeSegments) -> Protocol:
    index = _segment_index(protocol, edit.segment)
    if index + 1 >= len(protocol.segments):
        raise _Refused(f"segment {edit.segment} is the last one; there is no next segment")
    first, second = protocol.segments[index], protocol.segments[index + 1]
    text = normalize_text(f"{first.text} {second.text}")
    if len(text) > MAX_TEXT_LENGTH:
        raise _Refused(f"the merged text would be longer than {MAX_TEXT_LENGTH} characters")
    both = bool(first.words) and bool(second.words)
    merged = dataclasses.replace(
        first,
        start=min(first.start, second.start),
        end=max(first.end, second.end),
        text=text,
        words=(*_spaced(first.words), *_spaced(second.words)) if both else (),
        flags=tuple(sorted(set(first.flags) | set(second.flags))),
    )
    return _with_segments(protocol, index, index + 2, [merged])


_HANDLERS: dict[type[Any], Callable[[Protocol, Any], Protocol]] = {
    SetText: _set_text,
    SetSpeaker: _set_speaker,
    NameSpeaker: _name_speaker,
    AddSpeaker: _add_speaker,
    SetLanguage: _set_language,
    SplitSegment: _split_segment,
    MergeSegments: _merge_segments,
}


def apply_edits(protocol: Protocol, edits: Sequence[Edit]) -> Protocol:
    """Apply corrections in order and return the corrected protocol.

    All edits are applied or none: the first one that cannot be applied raises,
    and the caller still holds the unchanged original. ``created_at`` is kept;
    whoever stores the result as a new version stamps it (this function stays
    pure and repeatable).

    Args:
        protocol: The protocol to correct; it is not modified.
        edits: Edits to apply one after the other; each sees the result of the
            previous ones (segment numbers shift after a split or merge).

    Returns:
        A new protocol.

    Raises:
        ProtocolEditError: An edit names an unknown segment or speaker, gives
            empty or too long text, a split point outside the segment, a
            non-finite number, or is not an edit at all. The message starts with
            ``edits[i]`` (0-based, like the JSON list) and says why.

    """
    result = protocol
    for position, edit in enumerate(edits):
        handler = _HANDLERS.get(type(edit))
        if handler is None:
            raise ProtocolEditError(
                f"edits[{position}]: {type(edit).__name__} is not an edit operation"
            )
        try:
            result = handler(result, edit)
        except _Refused as exc:
            raise ProtocolEditError(f"edits[{position}] ({edit.op}): {exc}") from None
    logger.debug("applied %d edits", len(edits))
    return result


# Plain-data form of edits, for the JSON API and the audit log.


def _read_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolEditError(f"{path}: expected a whole number, got {_shown(value)}")
    return value


def _read_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ProtocolEditError(f"{path}: expected a string, got {type(value).__name__}")
    return value


def _read_number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolEditError(f"{path}: expected a finite number, got {_shown(value)}")
    return float(value)


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "segment": _read_int,
    "text": _read_str,
    "speaker": _read_str,
    "label": _read_str,
    "role": _read_str,
    "language": _read_str,
    "at": _read_number,
    "words_before": _read_int,
}
"""How to read each field name; a field means the same in every operation."""

_BY_OP: dict[str, type[Any]] = {cls.op: cls for cls in _EDIT_TYPES}


def _field_value(data: Mapping[str, Any], field: dataclasses.Field[Any], path: str) -> Any:
    """Read one field; optional fields may be missing or null."""
    optional = field.default is not dataclasses.MISSING
    if field.name not in data:
        if optional:
            return field.default
        raise ProtocolEditError(f"{path}: missing required field {field.name!r}")
    value = data[field.name]
    if value is None and optional:
        return None
    return _READERS[field.name](value, f"{path}.{field.name}")


def edit_from_dict(data: Any, path: str = "edit") -> Edit:
    """Build an edit from JSON-like data such as ``{"op": "set_text", "segment": 3, ...}``.

    Only the shape is checked here (types, required and unknown fields);
    whether the segment or speaker exists is checked by :func:`apply_edits`.
    Unknown fields are refused so that a misspelt optional field is not
    silently ignored.

    Args:
        data: Parsed JSON, normally a dict with an ``"op"`` from :data:`OPS`.
        path: Where the data sits in the request, used in error messages.

    Returns:
        The edit.

    Raises:
        ProtocolEditError: Not an object, unknown ``op``, missing, unknown or
            mistyped field; the message names the path of the field.

    """
    if not isinstance(data, Mapping):
        raise ProtocolEditError(f"{path}: expected an object, got {type(data).__name__}")
    op = data.get("op")
    cls = _BY_OP.get(op) if isinstance(op, str) else None
    if cls is None:
        raise ProtocolEditError(f"{path}.op: unknown operation {_shown(op)}; expected one of {OPS}")
    fields = dataclasses.fields(cls)
    names = {"op", *(f.name for f in fields)}
    unknown = sorted(str(key) for key in data if key not in names)
    if unknown:
        raise ProtocolEditError(
            f"{path}: unknown field {_shown(unknown[0])} for operation {_shown(op)}"
        )
    edit: Edit = cls(**{f.name: _field_value(data, f, path) for f in fields})
    return edit


def edits_from_list(data: Any) -> tuple[Edit, ...]:
    """Build the edits of an API request body (a JSON list of edit objects).

    Args:
        data: Parsed JSON list.

    Returns:
        The edits in order.

    Raises:
        ProtocolEditError: Not a list, more than :data:`MAX_EDITS` items, or an
            item :func:`edit_from_dict` refuses (the message names ``edits[i]``).

    """
    if not isinstance(data, list):
        raise ProtocolEditError(f"edits: expected a list, got {type(data).__name__}")
    if len(data) > MAX_EDITS:
        raise ProtocolEditError(f"edits: {len(data)} edits given; at most {MAX_EDITS} at once")
    return tuple(edit_from_dict(item, f"edits[{i}]") for i, item in enumerate(data))


def edit_to_dict(edit: Edit) -> dict[str, Any]:
    """Convert an edit to JSON-compatible data that :func:`edit_from_dict` reads back.

    Args:
        edit: The edit.

    Returns:
        ``{"op": ..., field: value, ...}`` with every field, unset ones as None.

    """
    return {"op": edit.op, **{f.name: getattr(edit, f.name) for f in dataclasses.fields(edit)}}
