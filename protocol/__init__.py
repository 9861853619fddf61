"""Court-hearing protocol: domain model, merge of words and turns, flags, exports.

This package is pure logic on frozen dataclasses: it imports nothing else of
the project and no web, queue or storage library, so storage, the API and the
worker can all depend on it without pulling each other in.
"""

from __future__ import annotations

import logging

from protocol.build import build_protocol
from protocol.codec import protocol_from_dict, protocol_from_json, protocol_to_dict
from protocol.errors import (
    DocumentError,
    ProtocolEditError,
    ProtocolError,
    ProtocolFormatError,
    ProtocolInputError,
    UnknownFormatError,
)
from protocol.exports import FORMATS, MEDIA_TYPES, export
from protocol.flags import (
    DEFAULT_FLAG_CONFIG,
    HALLUCINATION_SUSPECT,
    KNOWN_FLAGS,
    LANGUAGE_UNCERTAIN,
    LOW_CONFIDENCE,
    NO_SPEAKER,
    OVERLAP,
    REPETITION,
    FlagConfig,
    apply_flags,
)
from protocol.merge import DEFAULT_MERGE_CONFIG, MergeConfig, merge
from protocol.model import (
    SCHEMA,
    AsrSegment,
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Turn,
    Word,
    join_words,
    utc_now_iso,
)
from protocol.speakers import UNKNOWN_SPEAKER

__all__ = [
    "DEFAULT_FLAG_CONFIG",
    "DEFAULT_MERGE_CONFIG",
    "FORMATS",
    "HALLUCINATION_SUSPECT",
    "KNOWN_FLAGS",
    "LANGUAGE_UNCERTAIN",
    "LOW_CONFIDENCE",
    "MEDIA_TYPES",
    "NO_SPEAKER",
    "OVERLAP",
    "REPETITION",
    "SCHEMA",
    "UNKNOWN_SPEAKER",
    "AsrSegment",
    "DocumentError",
    "FlagConfig",
    "MergeConfig",
    "PipelineInfo",
    "Protocol",
    "ProtocolEditError",
    "ProtocolError",
    "ProtocolFormatError",
    "ProtocolInputError",
    "RecordingInfo",
    "Segment",
    "Speaker",
    "Turn",
    "UnknownFormatError",
    "Word",
    "apply_flags",
    "build_protocol",
    "export",
    "join_words",
    "merge",
    "protocol_from_dict",
    "protocol_from_json",
    "protocol_to_dict",
    "utc_now_iso",
]

logger = logging.getLogger(__name__)
