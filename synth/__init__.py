"""Synthetic courtroom hearings spoken by espeak-ng, with known text and speaker turns.

Used by the demo (``make run``), integration tests and benchmarks: a hearing script in
Russian and Kazakh becomes ``mix.wav``, ``stereo.wav`` and ``multi4.wav`` plus exact
ground truth (turns, text per language, RTTM). Imports nothing else of the project.
"""

import logging

from synth.errors import (
    EspeakError,
    EspeakNotFoundError,
    ReferenceFormatError,
    ScriptError,
    SynthError,
)
from synth.hearing import ProgressHook, synthesize
from synth.model import (
    LANGUAGES,
    MAX_SEATS,
    HearingScript,
    Language,
    Speaker,
    SynthHearing,
    SynthTurn,
    Utterance,
    Voice,
)
from synth.reference import read_reference, write_reference, write_rttm
from synth.scripts import court_cast, demo_script, long_script

__all__ = [
    "LANGUAGES",
    "MAX_SEATS",
    "EspeakError",
    "EspeakNotFoundError",
    "HearingScript",
    "Language",
    "ProgressHook",
    "ReferenceFormatError",
    "ScriptError",
    "Speaker",
    "SynthError",
    "SynthHearing",
    "SynthTurn",
    "Utterance",
    "Voice",
    "court_cast",
    "demo_script",
    "long_script",
    "read_reference",
    "synthesize",
    "write_reference",
    "write_rttm",
]

logger = logging.getLogger(__name__)
