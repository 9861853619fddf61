"""What changed between two versions of a protocol.

A judge approving a corrected protocol, or a party comparing versions, needs to
see exactly what a person changed relative to what the recogniser heard. The
diff is computed from the two protocols alone (not from the edit list), so it
also covers versions produced by re-running the pipeline.

Segments are aligned in two steps so that a 2,000-segment hearing diffs in a
small fraction of a second however its edits are scattered: unchanged segments
(segments are hashable values) that occur once in each version anchor the
alignment, kept in order by a longest increasing run (a patience diff, linear
up to a logarithm, where :class:`difflib.SequenceMatcher` over segments turned
quadratic with many scattered edits); between anchors, old and new segments are
paired by overlapping time. Word-level text diffs are computed for the paired
segments only, never across the whole hearing.
"""

from __future__ import annotations

import bisect
import difflib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protocol.model import Protocol, Segment, Speaker
from protocol.timecode import format_timestamp

__all__ = [
    "ProtocolDiff",
    "SegmentChange",
    "SpeakerChange",
    "TextPiece",
    "diff_protocols",
    "diff_text",
    "diff_to_dict",
    "diff_to_text",
]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\s*\S+")
_SEGMENT_FIELDS = ("start", "end", "speaker", "language", "text", "words", "flags")
_SPEAKER_FIELDS = ("label", "role", "channel")
_PROTOCOL_FIELDS = ("schema", "recording", "pipeline", "created_at")


@dataclass(frozen=True)
class TextPiece:
    """One piece of an inline text diff.

    Attributes:
        op: ``"equal"``, ``"delete"`` (only in the old text) or ``"insert"`` (only
            in the new text).
        text: The text of the piece with the whitespace before each of its words,
            so that concatenating the ``equal`` and ``delete`` (or ``insert``)
            pieces gives the old (or new) text; ``equal`` pieces carry the new
            text's whitespace.

    """

    op: str
    text: str


@dataclass(frozen=True)
class SpeakerChange:
    """A speaker added, removed or renamed.

    Attributes:
        kind: ``"added"``, ``"removed"`` or ``"changed"``.
        id: Speaker id.
        old: The speaker before, None when added.
        new: The speaker after, None when removed.
        fields: Names of the fields that differ (``"label"``, ``"role"``,
            ``"channel"``); empty for added and removed speakers.

    """

    kind: str
    id: str
    old: Speaker | None
    new: Speaker | None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class SegmentChange:
    """A segment inserted, deleted or changed.

    Attributes:
        kind: ``"inserted"``, ``"deleted"`` or ``"changed"``.
        old_number: 1-based number in the old protocol, None when inserted.
        new_number: 1-based number in the new protocol, None when deleted.
        old: The segment before, None when inserted.
        new: The segment after, None when deleted.
        fields: Fields that differ for a changed segment, in the order
            ``start, end, speaker, language, text, words, flags``.
        text_diff: Word-level diff of the text when it changed, else empty.

    """

    kind: str
    old_number: int | None
    new_number: int | None
    old: Segment | None
    new: Segment | None
    fields: tuple[str, ...] = ()
    text_diff: tuple[TextPiece, ...] = ()


@dataclass(frozen=True)
class ProtocolDiff:
    """Every difference between two protocols.

    Attributes:
        metadata: Top-level fields that differ (``"recording"``, ``"pipeline"``,
            ``"created_at"``, ``"schema"``).
        speakers: Speaker changes, old speakers first in their order, then added ones.
        segments: Segment changes in time order.

    """

    metadata: tuple[str, ...]
    speakers: tuple[SpeakerChange, ...]
    segments: tuple[SegmentChange, ...]

    @property
    def empty(self) -> bool:
        """True when the two protocols are equal."""
        return not (self.metadata or self.speakers or self.segments)


# Text.


def _merge_pieces(pieces: Sequence[TextPiece]) -> tuple[TextPiece, ...]:
    """Join neighbouring pieces with the same op so the diff reads in phrases."""
    merged: list[TextPiece] = []
    for piece in pieces:
        if merged and merged[-1].op == piece.op:
            merged[-1] = TextPiece(piece.op, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return tuple(merged)


def diff_text(old: str, new: str) -> tuple[TextPiece, ...]:
    """Diff two texts word by word.

    Words are compared without the whitespace around them, so a changed space
    is not a change; each piece keeps its own side's whitespace.

    Args:
        old: Old text.
        new: New text.

    Returns:
        Pieces in reading order; a replaced stretch is a ``delete`` piece
        followed by an ``insert`` piece.

    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in old_tokens], [t.strip() for t in new_tokens], autojunk=False
    )
    pieces: list[TextPiece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(TextPiece("equal", "".join(new_tokens[j1:j2])))
            continue
        if i2 > i1:
            pieces.append(TextPiece("delete", "".join(old_tokens[i1:i2])))
        if j2 > j1:
            pieces.append(TextPiece("insert", "".join(new_tokens[j1:j2])))
    return _merge_pieces(pieces)


# Speakers and segments.


def _changed_fields(old: object, new: object, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in names if getattr(old, name) != getattr(new, name))


def _speaker_changes(old: Protocol, new: Protocol) -> tuple[SpeakerChange, ...]:
    new_by_id = {s.id: s for s in new.speakers}
    old_ids = {s.id for s in old.speakers}
    changes: list[SpeakerChange] = []
    for speaker in old.speakers:
        after = new_by_id.get(speaker.id)
        if after is None:
            changes.append(SpeakerChange("removed", speaker.id, speaker, None))
        elif after != speaker:
            fields = _changed_fields(speaker, after, _SPEAKER_FIELDS)
            changes.append(SpeakerChange("changed", speaker.id, speaker, after, fields))
    for speaker in new.speakers:
        if speaker.id not in old_ids:
            changes.append(SpeakerChange("added", speaker.id, None, speaker))
    return tuple(changes)


def _overlap(a: Segment, b: Segment) -> bool:
    """Tell whether two segments share time (zero-length ones by their start)."""
    return min(a.end, b.end) > max(a.start, b.start) or a.start == b.start


def _changed(old_number: int, old: Segment, new_number: int, new: Segment) -> SegmentChange:
    fields = _changed_fields(old, new, _SEGMENT_FIELDS)
    text_diff = diff_text(old.text, new.text) if "text" in fields else ()
    return SegmentChange("changed", old_number, new_number, old, new, fields, text_diff)


def _pair_block(
    old: Sequence[Segment], new: Sequence[Segment], old_base: int, new_base: int
) -> list[SegmentChange]:
    """Pair the segments of one changed stretch by time; the rest are deleted/inserted.

    Both lists are in time order, so one pass pairs each old segment with the
    first new one it overlaps. After a merge the first old part pairs with the
    merged segment and the second shows as deleted; after a split the first
    new part pairs with the old segment and the second shows as inserted.
    """
    changes: list[SegmentChange] = []
    i = j = 0
    while i < len(old) and j < len(new):
        a, b = old[i], new[j]
        if a == b:
            i, j = i + 1, j + 1
        elif _overlap(a, b):
            changes.append(_changed(old_base + i + 1, a, new_base + j + 1, b))
            i, j = i + 1, j + 1
        elif (a.start, a.end) < (b.start, b.end):
            changes.append(SegmentChange("deleted", old_base + i + 1, None, a, None))
            i += 1
        else:
            changes.append(SegmentChange("inserted", None, new_base + j + 1, None, b))
            j += 1
    changes.extend(
        SegmentChange("deleted", old_base + k + 1, None, old[k], None) for k in range(i, len(old))
    )
    changes.extend(
        SegmentChange("inserted", None, new_base + k + 1, None, new[k]) for k in range(j, len(new))
    )
    return changes


def _unique_positions(segments: Sequence[Segment]) -> dict[int, int]:
    """Map the hash of each segment whose hash occurs exactly once to its position.

    Hashes are computed once per segment (a segment hashes all its words), and
    the caller confirms a match by equality, so a collision costs nothing but
    an anchor.
    """
    positions: dict[int, int] = {}
    repeated: set[int] = set()
    for position, segment in enumerate(segments):
        key = hash(segment)
        if key in positions:
            repeated.add(key)
        positions[key] = position
    return {key: p for key, p in positions.items() if key not in repeated}


def _increasing_run(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by old position) with rising new positions.

    Patience sorting: O(n log n), unlike a general sequence matcher that turns
    quadratic when many small edits are scattered through a long hearing.
    """
    tails: list[int] = []  # new position ending the best run of each length
    tail_index: list[int] = []  # index into pairs of that run's last pair
    previous: list[int] = []  # index of the pair before each pair in its run
    for index, (_, new_position) in enumerate(pairs):
        length = bisect.bisect_left(tails, new_position)
        if length == len(tails):
            tails.append(new_position)
            tail_index.append(index)
        else:
            tails[length] = new_position
            tail_index[length] = index
        previous.append(tail_index[length - 1] if length else -1)
    run: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def _anchors(old: Sequence[Segment], new: Sequence[Segment]) -> list[tuple[int, int]]:
    """Positions of unchanged segments, in order in both protocols (a patience diff)."""
    new_unique = _unique_positions(new)
    pairs = sorted(
        (i, new_unique[key])
        for key, i in _unique_positions(old).items()
        if key in new_unique and old[i] == new[new_unique[key]]
    )
    return _increasing_run(pairs)


def _segment_changes(old: Protocol, new: Protocol) -> tuple[SegmentChange, ...]:
    changes: list[SegmentChange] = []
    i = j = 0
    ends = (len(old.segments), len(new.segments))
    for anchor_i, anchor_j in [*_anchors(old.segments, new.segments), ends]:
        block_old, block_new = old.segments[i:anchor_i], new.segments[j:anchor_j]
        changes.extend(_pair_block(block_old, block_new, i, j))
        i, j = anchor_i + 1, anchor_j + 1
    return tuple(changes)


def diff_protocols(old: Protocol, new: Protocol) -> ProtocolDiff:
    """Compute what changed from ``old`` to ``new``.

    Args:
        old: The earlier version.
        new: The later version.

    Returns:
        The differences; :attr:`ProtocolDiff.empty` when the protocols are equal.

    """
    diff = ProtocolDiff(
        metadata=_changed_fields(old, new, _PROTOCOL_FIELDS),
        speakers=_speaker_changes(old, new),
        segments=_segment_changes(old, new),
    )
    logger.debug(
        "diff: %d speaker changes, %d segment changes", len(diff.speakers), len(diff.segments)
    )
    return diff


# Plain data for the JSON API.


def _time(seconds: float) -> float:
    return float(round(seconds, 3))


def _speaker_dict(speaker: Speaker | None) -> dict[str, Any] | None:
    if speaker is None:
        return None
    return {
        "id": speaker.id,
        "label": speaker.label,
        "role": speaker.role,
        "channel": speaker.channel,
    }


def _segment_dict(segment: Segment | None) -> dict[str, Any] | None:
    """A segment without its words: the diff says whether they changed, not how."""
    if segment is None:
        return None
    return {
        "start": _time(segment.start),
        "end": _time(segment.end),
        "speaker": segment.speaker,
        "language": segment.language,
        "text": segment.text,
        "flags": list(segment.flags),
    }


def diff_to_dict(diff: ProtocolDiff) -> dict[str, Any]:
    """Convert a diff to JSON-compatible data for the API.

    Args:
        diff: The diff.

    Returns:
        ``{"metadata": [...], "speakers": [...], "segments": [...]}``; each
        segment change has ``change``, ``old_number``, ``new_number``, ``fields``,
        ``old`` and ``new`` (segments without words, times in milliseconds
        precision) and ``text_diff`` as ``[{"op": ..., "text": ...}]``.

    """
    return {
        "metadata": list(diff.metadata),
        "speakers": [
            {
                "change": change.kind,
                "id": change.id,
                "fields": list(change.fields),
                "old": _speaker_dict(change.old),
                "new": _speaker_dict(change.new),
            }
            for change in diff.speakers
        ],
        "segments": [
            {
                "change": change.kind,
                "old_number": change.old_number,
                "new_number": change.new_number,
                "fields": list(change.fields),
                "old": _segment_dict(change.old),
                "new": _segment_dict(change.new),
                "text_diff": [{"op": p.op, "text": p.text} for p in change.text_diff],
            }
            for change in diff.segments
        ],
    }


# Human-readable text.


def _describe_speaker(speaker: Speaker) -> str:
    role = f" ({speaker.role})" if speaker.role else ""
    return f"{speaker.label!r}{role}"


def _speaker_line(change: SpeakerChange) -> str:
    if change.kind == "added" and change.new is not None:
        return f"+ speaker {change.id}: {_describe_speaker(change.new)}"
    if change.kind == "removed" and change.old is not None:
        return f"- speaker {change.id}: {_describe_speaker(change.old)}"
    parts = [
        f"{name} {getattr(change.old, name)!r} -> {getattr(change.new, name)!r}"
        for name in change.fields
    ]
    return f"~ speaker {change.id}: {'; '.join(parts)}"


def _segment_line(sign: str, segment: Segment) -> str:
    span = f"[{format_timestamp(segment.start)} – {format_timestamp(segment.end)}]"
    return f"{sign} {span} {segment.speaker} ({segment.language}): {segment.text}"


def _inline(pieces: Sequence[TextPiece]) -> str:
    """Render a text diff in wdiff style: ``[-old-]{+new+}``."""
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    out = []
    for piece in pieces:
        lead = piece.text[: len(piece.text) - len(piece.text.lstrip())]
        opening, closing = marks[piece.op]
        out.append(f"{lead}{opening}{piece.text.lstrip()}{closing}")
    return "".join(out).strip()


def _segment_lines(change: SegmentChange) -> list[str]:
    old, new = change.old, change.new
    if old is None and new is not None:
        return [f"@@ segment {change.new_number} inserted @@", _segment_line("+", new)]
    if new is None and old is not None:
        return [f"@@ segment {change.old_number} deleted @@", _segment_line("-", old)]
    if old is None or new is None:
        return []
    lines = [
        f"@@ segment {change.old_number} -> {change.new_number}: {', '.join(change.fields)} @@",
        _segment_line("-", old),
        _segment_line("+", new),
    ]
    if change.text_diff:
        lines.append(f"  {_inline(change.text_diff)}")
    return lines


def diff_to_text(diff: ProtocolDiff) -> str:
    """Render a diff as readable text, in the spirit of a unified diff.

    Args:
        diff: The diff.

    Returns:
        Lines ``+``/``-``/``~ speaker ...`` for speakers, then per segment change a
        ``@@ segment ... @@`` header, the old (``-``) and new (``+``) segment, and
        for changed text a word diff ``[-deleted-]{+inserted+}``. ``"No changes."``
        when the diff is empty. Ends with a newline.

    """
    if diff.empty:
        return "No changes.\n"
    lines: list[str] = []
    if diff.metadata:
        lines.append(f"~ protocol: {', '.join(diff.metadata)} changed")
    lines.extend(_speaker_line(change) for change in diff.speakers)
    for change in diff.segments:
        lines.extend(_segment_lines(change))
    return "\n".join(lines) + "\n"
