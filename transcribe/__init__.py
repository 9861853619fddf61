"""Transcription engine: faster-whisper with VAD, per-chunk language and ASR guards.

Importing the package is cheap; ``WhisperEngine`` (which loads faster-whisper) is imported
from ``transcribe.engine`` by the processes that decode.
"""

from transcribe.chunking import Span, Window, plan_windows
from transcribe.config import COURT_LANGUAGES, TranscribeConfig
from transcribe.errors import (
    ModelIntegrityError,
    ModelNotFoundError,
    TranscribeError,
    UnsupportedLanguageError,
)
from transcribe.language import LanguageChoice, choose_language
from transcribe.models import BUNDLED_SHA256, ResolvedModel, assemble_bundled_model, resolve_model
from transcribe.types import AsrWord, ChunkResult, Transcript, TranscriptSegment

__all__ = [
    "BUNDLED_SHA256",
    "COURT_LANGUAGES",
    "AsrWord",
    "ChunkResult",
    "LanguageChoice",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ResolvedModel",
    "Span",
    "TranscribeConfig",
    "TranscribeError",
    "Transcript",
    "TranscriptSegment",
    "UnsupportedLanguageError",
    "Window",
    "assemble_bundled_model",
    "choose_language",
    "plan_windows",
    "resolve_model",
]
