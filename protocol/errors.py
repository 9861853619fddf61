"""Errors raised by the protocol package.

Callers (worker, storage, API, CLI) catch :class:`ProtocolError` to handle every
failure of this package in one place; the subclasses exist so that a caller can
tell a damaged stored protocol apart from a programming error upstream.
"""

from __future__ import annotations

__all__ = [
    "DocumentError",
    "ProtocolEditError",
    "ProtocolError",
    "ProtocolFormatError",
    "ProtocolInputError",
    "UnknownFormatError",
]


class ProtocolError(Exception):
    """Base class of every error this package raises."""


class ProtocolFormatError(ProtocolError):
    """A serialized protocol is not valid JSON or does not match the schema.

    Raised when reading stored or uploaded protocols, so the message names the
    offending field: a person fixing the file needs to know where to look.
    """


class ProtocolInputError(ProtocolError):
    """Inputs to :func:`protocol.merge` cannot be placed on the time line.

    Non-finite times would end up as ``NaN`` in evidence files, so they are
    rejected instead of silently producing an unreadable protocol.
    """


class UnknownFormatError(ProtocolError, ValueError):
    """An export was requested in a format this package does not write.

    It is also a :class:`ValueError` because the caller passed a bad argument,
    which lets generic argument-validation code handle it.
    """


class ProtocolEditError(ProtocolError, ValueError):
    """A correction cannot be applied to the protocol it names.

    For example a segment number that does not exist, a split point outside the
    segment or an unknown speaker. The message says which edit and why, because a
    judge's client shows it to the judge.
    """


class DocumentError(ProtocolError):
    """A DOCX or PDF document cannot be produced (for example its font is missing).

    A court document with boxes instead of Kazakh letters is worse than none, so a
    missing or incomplete font is an error, not a fallback.
    """
