"""Errors raised by the synthetic-hearing package.

Every failure leaves this package as a ``SynthError`` so that callers (the demo, the
benchmarks, the tests) can catch one class and print one line instead of a traceback
from ``subprocess`` or ``soundfile``.
"""

import logging

__all__ = [
    "EspeakError",
    "EspeakNotFoundError",
    "ReferenceFormatError",
    "ScriptError",
    "SynthError",
]

logger = logging.getLogger(__name__)


class SynthError(Exception):
    """Base class of every error this package raises."""


class EspeakNotFoundError(SynthError):
    """espeak-ng is not installed, so no speech can be produced at all."""


class EspeakError(SynthError):
    """espeak-ng ran but failed or produced unusable audio for one utterance."""


class ScriptError(SynthError):
    """A hearing script, voice, speaker or utterance is inconsistent or out of range."""


class ReferenceFormatError(SynthError):
    """A reference JSON file written by ``write_reference`` cannot be read back."""
