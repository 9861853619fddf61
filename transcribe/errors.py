"""Errors of the transcription engine.

Callers (the CLI, the worker) catch :class:`TranscribeError` and show its message as one
line; nothing from faster-whisper or CTranslate2 leaks past this package untranslated.
"""

__all__ = [
    "ModelIntegrityError",
    "ModelNotFoundError",
    "TranscribeError",
    "UnsupportedLanguageError",
]


class TranscribeError(Exception):
    """Base class of everything this package raises."""


class ModelNotFoundError(TranscribeError):
    """The configured model is neither a local directory nor available offline."""


class ModelIntegrityError(TranscribeError):
    """Assembled model files do not match their published SHA-256."""


class UnsupportedLanguageError(TranscribeError):
    """A declared hearing language is not one the model can decode."""
