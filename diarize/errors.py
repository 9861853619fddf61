"""Errors of the diarization engine; callers show the message as one line."""

__all__ = ["DiarizeError", "DiarizerUnavailableError", "InvalidHintError"]


class DiarizeError(Exception):
    """Base class of everything this package raises."""


class DiarizerUnavailableError(DiarizeError):
    """The ML diarizer or its bundled weights cannot be loaded."""


class InvalidHintError(DiarizeError):
    """Speaker-count hints or a channel map that contradict themselves or the recording."""
