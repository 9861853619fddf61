"""Give diarizer speakers stable ids and readable labels.

Diarizers name speakers arbitrarily (``SPEAKER_07``, ``ch3``); a protocol shows
them as ``S1``, ``S2``, ... in order of first speech, so the same hearing reads
the same way whichever diarizer ran, and as their courtroom role when known.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from protocol.model import Speaker, Turn

__all__ = [
    "UNKNOWN_SPEAKER",
    "name_speakers",
    "role_label",
    "speaker_metadata",
]

logger = logging.getLogger(__name__)

UNKNOWN_SPEAKER = Speaker(id="S0", label="Unknown", role=None, channel=None)
"""Speaker of speech no turn could be attributed to; such segments are flagged ``no_speaker``."""

_SEPARATORS = re.compile(r"[\s_\-]+")


def role_label(role: str) -> str:
    """Turn a role code into a title for display.

    Only the first letter of each word is raised, so abbreviations keep their
    case (``"judge"`` -> ``"Judge"``, ``"defence_lawyer"`` -> ``"Defence Lawyer"``,
    ``"судья"`` -> ``"Судья"``).

    Args:
        role: Role as given in the channel map.

    Returns:
        Readable title; empty when the role has no letters.

    """
    words = [w for w in _SEPARATORS.split(role.strip()) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words)


def speaker_metadata(turns: Iterable[Turn]) -> dict[str, tuple[str | None, int | None]]:
    """Collect role and channel per diarizer speaker.

    The earliest turn that states a role (or channel) wins, so that one stray
    turn cannot rename a speaker.

    Args:
        turns: Turns in any order.

    Returns:
        ``{speaker: (role, channel)}``.

    """
    meta: dict[str, tuple[str | None, int | None]] = {}
    for turn in sorted(turns, key=lambda t: (t.start, t.end)):
        role, channel = meta.get(turn.speaker, (None, None))
        if role is None and turn.role is not None and role_label(turn.role):
            role = turn.role
        if channel is None:
            channel = turn.channel
        meta[turn.speaker] = (role, channel)
    return meta


def name_speakers(
    order: Sequence[str | None],
    metadata: Mapping[str, tuple[str | None, int | None]],
) -> tuple[tuple[Speaker, ...], dict[str | None, str]]:
    """Assign ids in order of first speech and label the speakers.

    A speaker with a role is labelled with the role; when several speakers share
    a role they are numbered in order of first speech ("Witness 1", "Witness 2").
    Others are "Speaker N" with N the number of their id.

    Args:
        order: Distinct diarizer speakers in order of first speech; None stands for
            unattributed speech and becomes :data:`UNKNOWN_SPEAKER`.
        metadata: Role and channel per diarizer speaker.

    Returns:
        The speakers ordered by id (``S0`` first when present) and a mapping from
        diarizer speaker to id.

    """
    known = [key for key in order if key is not None]
    roles = {key: metadata.get(key, (None, None))[0] for key in known}
    role_counts = Counter(role_label(r).casefold() for r in roles.values() if r is not None)
    seen_roles: Counter[str] = Counter()
    speakers: list[Speaker] = [UNKNOWN_SPEAKER] if None in order else []
    ids: dict[str | None, str] = {None: UNKNOWN_SPEAKER.id} if None in order else {}
    for number, key in enumerate(known, start=1):
        role, channel = metadata.get(key, (None, None))
        if role is None:
            label = f"Speaker {number}"
        else:
            title = role_label(role)
            seen_roles[title.casefold()] += 1
            if role_counts[title.casefold()] > 1:
                title = f"{title} {seen_roles[title.casefold()]}"
            label = title
        speaker = Speaker(id=f"S{number}", label=label, role=role, channel=channel)
        speakers.append(speaker)
        ids[key] = speaker.id
    return tuple(speakers), ids
