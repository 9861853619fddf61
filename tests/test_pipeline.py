"""The whole pipeline on generated and real hearings, with the real models."""

from __future__ import annotations

import jiwer
import pytest

from diarize import SpeakerHints
from tests.conftest import normalise
from worker.pipeline import HearingOptions

pytestmark = pytest.mark.slow

BOUNDARY_TOLERANCE_S = 0.3


def overlap(a_start, a_end, b_start, b_end):
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def segments_of(protocol, turn):
    """Segments that overlap a reference turn by most of their length."""
    return [
        seg
        for seg in protocol.segments
        if overlap(seg.start, seg.end, turn.start, turn.end) > 0.5 * (seg.end - seg.start)
    ]


def role_of(protocol, speaker_id):
    return next(s.role for s in protocol.speakers if s.id == speaker_id)


def normalized(path, workdir):
    from ingest import normalize, probe

    return normalize(path, workdir, probe(path))


def test_seat_channel_turns_match_the_script(engines, short_hearing, tmp_path):
    audio = normalized(short_hearing.multi4, tmp_path)
    result = engines.diarizer.diarize(
        audio.mix, audio.channels, channel_map=short_hearing.channel_roles()
    )
    assert result.method == "channels"
    merged = []  # consecutive reference turns of one seat form one diarized turn
    for turn in short_hearing.turns:
        if merged and merged[-1][2] == turn.role and turn.start - merged[-1][1] < 1.0:
            merged[-1] = (merged[-1][0], turn.end, turn.role)
        else:
            merged.append((turn.start, turn.end, turn.role))
    assert [(t.role) for t in result.turns] == [role for _, _, role in merged]
    for found, (start, end, _) in zip(result.turns, merged, strict=True):
        assert abs(found.start - start) < BOUNDARY_TOLERANCE_S
        assert abs(found.end - end) < BOUNDARY_TOLERANCE_S
    assert not result.overlaps


def test_protocol_segments_carry_the_seat_roles(run_pipeline, short_hearing):
    protocol = run_pipeline(
        short_hearing.multi4, HearingOptions(channel_map=short_hearing.channel_roles())
    )
    assert {s.role for s in protocol.speakers} == {"judge", "plaintiff", "defendant"}
    assert {s.label for s in protocol.speakers} == {"Judge", "Plaintiff", "Defendant"}
    for turn in short_hearing.turns:
        for seg in segments_of(protocol, turn):
            assert role_of(protocol, seg.speaker) == turn.role


def test_segments_are_ordered_and_split_at_speaker_changes(run_pipeline, short_hearing):
    protocol = run_pipeline(
        short_hearing.multi4, HearingOptions(channel_map=short_hearing.channel_roles())
    )
    starts = [seg.start for seg in protocol.segments]
    assert starts == sorted(starts)
    for seg in protocol.segments:
        assert seg.end >= seg.start
        assert seg.words and all(seg.start <= w.start <= w.end <= seg.end + 1e-6 for w in seg.words)
    # Speakers are numbered in order of first speech.
    first = []
    for seg in protocol.segments:
        if seg.speaker not in first:
            first.append(seg.speaker)
    assert first == [f"S{i}" for i in range(1, len(first) + 1)]


def test_noise_stretch_is_not_transcribed_as_speech(run_pipeline, short_hearing):
    protocol = run_pipeline(
        short_hearing.multi4, HearingOptions(channel_map=short_hearing.channel_roles())
    )
    start, end = short_hearing.noise
    inside = [
        seg
        for seg in protocol.segments
        if overlap(seg.start, seg.end, start, end) > 1.0
        and "hallucination_suspect" not in seg.flags
    ]
    assert not inside, [seg.text for seg in inside]


def test_stereo_without_map_uses_channels_as_speakers(run_pipeline, short_hearing):
    protocol = run_pipeline(short_hearing.stereo)
    # Seats 1 and 3 share the left channel, seat 2 the right: two channel speakers.
    assert [s.channel for s in protocol.speakers] == [1, 2]
    assert all(s.role is None and s.label.startswith("Speaker ") for s in protocol.speakers)
    plaintiff = next(t for t in short_hearing.turns if t.role == "plaintiff")
    found = segments_of(protocol, plaintiff)
    assert found and {seg.speaker for seg in found} == {"S2"}


def test_mono_mix_falls_back_to_ml_diarization(run_pipeline, engines, short_hearing, tmp_path):
    hints = SpeakerHints(num_speakers=3)
    protocol = run_pipeline(short_hearing.mix, HearingOptions(hints=hints))
    assert protocol.pipeline.diarizer.startswith("senko")
    assert 2 <= len(protocol.speakers) <= 3
    assert all(s.role is None and s.label.startswith("Speaker ") for s in protocol.speakers)
    # The diarizer's turns: each person maps onto one speaker, distinct people onto
    # distinct speakers.
    audio = normalized(short_hearing.mix, tmp_path)
    result = engines.diarizer.diarize(audio.mix, hints=hints)
    assert result.speaker_count == 3
    majority = {}
    for turn in short_hearing.turns:
        time_by_speaker = {}
        for found in result.turns:
            shared = overlap(found.start, found.end, turn.start, turn.end)
            time_by_speaker[found.speaker] = time_by_speaker.get(found.speaker, 0) + shared
        best = max(time_by_speaker, key=time_by_speaker.get)
        assert time_by_speaker[best] > 0.7 * (turn.end - turn.start)
        majority.setdefault(turn.role, set()).add(best)
    assert all(len(ids) == 1 for ids in majority.values()), majority
    assert len({next(iter(ids)) for ids in majority.values()}) == 3


def test_real_speech_text_language_and_roles(run_pipeline, real_hearing):
    protocol = run_pipeline(
        real_hearing.multi4, HearingOptions(channel_map=real_hearing.channel_map)
    )
    assert [s.role for s in protocol.speakers] == ["judge", "plaintiff", "defendant", "witness"]
    by_role = {}
    for turn in real_hearing.turns:
        found = segments_of(protocol, turn)
        assert found, turn
        by_role[turn.role] = (turn, found)
    # Language per segment: the Kazakh judge and both Russian speakers are recognised.
    # (The defendant's 1.9 s Kazakh clip is too short for Whisper base to tell reliably.)
    for role in ("judge", "plaintiff", "witness"):
        turn, found = by_role[role]
        assert {seg.language for seg in found} == {turn.language}, (role, found)
    # Text: Russian close to the reference, Kazakh recognisably so.
    witness_turn, witness = by_role["witness"]
    hyp = normalise(" ".join(seg.text for seg in witness))
    assert jiwer.cer(normalise(witness_turn.text), hyp) < 0.15
    judge_turn, judge = by_role["judge"]
    kazakh = " ".join(seg.text for seg in judge)
    assert jiwer.cer(normalise(judge_turn.text), normalise(kazakh)) < 0.5
    assert set("әғқңөұүһі") & set(kazakh.lower())


def test_declared_single_language_is_respected(run_pipeline, real_hearing):
    protocol = run_pipeline(
        real_hearing.multi4, HearingOptions(languages=("ru",), channel_map=real_hearing.channel_map)
    )
    assert {seg.language for seg in protocol.segments} == {"ru"}
    assert protocol.pipeline.languages == ("ru",)


def test_protocol_records_evidence_fields(run_pipeline, real_hearing):
    import hashlib

    protocol = run_pipeline(
        real_hearing.multi4, HearingOptions(channel_map=real_hearing.channel_map)
    )
    assert protocol.recording.sha256 == hashlib.sha256(real_hearing.multi4.read_bytes()).hexdigest()
    assert protocol.recording.channels == 4
    assert protocol.recording.duration == pytest.approx(real_hearing.duration, abs=0.05)
    assert protocol.pipeline.asr_model == "whisper-base-ct2"
    assert protocol.pipeline.diarizer == "channel-energy"


def reference_overlaps(rttm_path):
    """Spans where two or more reference speakers talk at once."""
    events = []
    for line in rttm_path.read_text().splitlines():
        parts = line.split()
        start, duration = float(parts[3]), float(parts[4])
        events += [(start, 1), (start + duration, -1)]
    spans, active, opened = [], 0, None
    for time, delta in sorted(events):
        active += delta
        if active >= 2 and opened is None:
            opened = time
        elif active < 2 and opened is not None:
            spans.append((opened, time))
            opened = None
    return spans


def test_ml_diarization_marks_real_overlapping_speech(engines, tmp_path):
    from tests.realspeech import evalset_dir

    diar = evalset_dir() / "diar"
    audio = normalized(diar / "tst00.wav", tmp_path)
    result = engines.diarizer.diarize(audio.mix)
    assert result.overlaps
    truth = reference_overlaps(diar / "tst00.rttm")
    found = sum(end - start for start, end in result.overlaps)
    correct = sum(overlap(s, e, ts, te) for s, e in result.overlaps for ts, te in truth)
    assert correct / found > 0.6
    assert 2 <= result.speaker_count <= 6


def test_overlaps_found_beside_the_decoder_reach_the_protocol(engines, run_pipeline, tmp_path):
    """The pipeline detects overlaps while Whisper decodes; its segments still get the flag."""
    from tests.realspeech import evalset_dir

    wav = evalset_dir() / "diar" / "tst00.wav"
    audio = normalized(wav, tmp_path)
    alone = engines.diarizer.find_overlaps(audio.mix)
    deferred = engines.diarizer.diarize(audio.mix, defer_overlaps=True)
    assert alone and not deferred.overlaps
    protocol = run_pipeline(wav, HearingOptions(languages=()))
    flagged = [seg for seg in protocol.segments if "overlap" in seg.flags]
    assert flagged
    assert all(any(overlap(seg.start, seg.end, s, e) > 0 for s, e in alone) for seg in flagged)
