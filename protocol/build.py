"""Assemble a complete protocol from pipeline outputs in one call.

The worker and the CLI both need "merge, then wrap with recording and pipeline
info"; doing it here keeps the two from drifting apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from protocol.merge import DEFAULT_MERGE_CONFIG, MergeConfig, merge
from protocol.model import (
    AsrSegment,
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Turn,
    utc_now_iso,
)

__all__ = ["build_protocol"]

logger = logging.getLogger(__name__)


def build_protocol(
    recording: RecordingInfo,
    pipeline: PipelineInfo,
    asr_segments: Iterable[AsrSegment],
    turns: Iterable[Turn],
    overlaps: Iterable[tuple[float, float]] = (),
    *,
    created_at: str | None = None,
    config: MergeConfig = DEFAULT_MERGE_CONFIG,
) -> Protocol:
    """Merge words with turns and wrap the result as a :class:`Protocol`.

    Args:
        recording: The source recording.
        pipeline: The pipeline that made the protocol.
        asr_segments: Recogniser output.
        turns: Diarizer turns.
        overlaps: Intervals of overlapping speech.
        created_at: ISO 8601 UTC creation time; now when omitted (pass one to make
            the output reproducible).
        config: Merge settings.

    Returns:
        The protocol.

    Raises:
        ProtocolInputError: An input time is NaN or infinite.

    """
    speakers, segments = merge(asr_segments, turns, overlaps, config=config)
    return Protocol(
        recording=recording,
        pipeline=pipeline,
        speakers=speakers,
        segments=segments,
        created_at=created_at if created_at is not None else utc_now_iso(),
    )
