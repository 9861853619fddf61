"""Tests of the synthetic-hearing package against the real espeak-ng."""

import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from synth import (
    EspeakNotFoundError,
    HearingScript,
    ReferenceFormatError,
    ScriptError,
    Speaker,
    SynthHearing,
    Utterance,
    Voice,
    court_cast,
    demo_script,
    long_script,
    read_reference,
    synthesize,
    write_reference,
    write_rttm,
)
from synth.cli import main
from synth.espeak import espeak_command, espeak_voice_name
from synth.phrases import POOLS

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
BLEED_DB = -24.0


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def span(audio: np.ndarray, start: float, end: float, rate: int) -> np.ndarray:
    return audio[round(start * rate) : round(end * rate)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> SynthHearing:
    return synthesize(demo_script(), tmp_path_factory.mktemp("demo"), bleed_db=BLEED_DB)


@pytest.fixture(scope="module")
def audio(demo: SynthHearing) -> dict[str, np.ndarray]:
    return {
        name: sf.read(str(path), dtype="float32", always_2d=True)[0]
        for name, path in (("mix", demo.mix), ("stereo", demo.stereo), ("multi4", demo.multi4))
    }


def tiny_script() -> HearingScript:
    judge, plaintiff = court_cast()[:2]
    return HearingScript(
        title="tiny",
        speakers=(judge, plaintiff),
        utterances=(
            Utterance(judge.name, "Заседание открыто.", "ru"),
            Utterance(plaintiff.name, "Құрметті сот, рақмет.", "kk", 0.3),
        ),
    )


# --- the demo hearing -----------------------------------------------------------------


def test_demo_writes_three_pcm16_wavs_of_the_reported_duration(demo: SynthHearing) -> None:
    for path, channels in ((demo.mix, 1), (demo.stereo, 2), (demo.multi4, 4)):
        info = sf.info(str(path))
        assert (info.channels, info.samplerate, info.subtype) == (channels, 16000, "PCM_16")
        assert info.frames == round(demo.duration * 16000)
    assert 60.0 <= demo.duration <= 110.0
    speech = sum(t.duration for t in demo.turns)
    assert 55.0 <= speech <= 95.0
    assert 10 <= len(demo.turns) <= 14
    assert {t.role for t in demo.turns} == {"judge", "plaintiff", "defendant", "witness"}
    assert {t.language for t in demo.turns} == {"ru", "kk"}
    assert demo.channel_roles() == {1: "judge", 2: "plaintiff", 3: "defendant", 4: "witness"}


def test_demo_turns_are_sorted_disjoint_and_inside_the_recording(demo: SynthHearing) -> None:
    assert demo.turns[0].start >= 0.9
    assert demo.turns[-1].end <= demo.duration - 0.9
    for turn in demo.turns:
        assert 0.0 <= turn.start < turn.end <= demo.duration
    for prev, nxt in pairwise(demo.turns):
        assert prev.end <= nxt.start


def test_demo_turns_match_the_script(demo: SynthHearing) -> None:
    script = demo_script()
    assert [t.text for t in demo.turns] == [u.text for u in script.utterances]
    assert [t.speaker for t in demo.turns] == [u.speaker for u in script.utterances]
    for turn in demo.turns:
        assert turn.channel == script.speaker(turn.speaker).channel


def test_speech_is_inside_turns_and_gaps_are_quiet(
    demo: SynthHearing, audio: dict[str, np.ndarray]
) -> None:
    mix = audio["mix"][:, 0]
    for turn in demo.turns:
        assert rms_db(span(mix, turn.start, turn.end, 16000)) > -30.0
        # boundaries are tight: speech starts and ends right at the turn edges
        assert rms_db(span(mix, turn.start, turn.start + 0.15, 16000)) > -45.0
        assert rms_db(span(mix, turn.start - 0.1, turn.start, 16000)) < -50.0
        assert rms_db(span(mix, turn.end, turn.end + 0.1, 16000)) < -50.0
    assert demo.noise is not None
    for prev, nxt in pairwise(demo.turns):
        if prev.end < demo.noise[0] < nxt.start:
            continue
        assert rms_db(span(mix, prev.end, nxt.start, 16000)) < -50.0


def test_no_channel_is_digital_silence_and_nothing_clips(audio: dict[str, np.ndarray]) -> None:
    for data in audio.values():
        assert np.abs(data).max() < 0.95
        head = data[: 16000 // 2]  # the leading silence
        assert np.all(np.abs(head).max(axis=0) > 0)


def test_own_seat_is_loudest_by_the_bleed_level(
    demo: SynthHearing, audio: dict[str, np.ndarray]
) -> None:
    multi = audio["multi4"]
    for turn in demo.turns:
        levels = [rms_db(span(multi[:, c], turn.start, turn.end, 16000)) for c in range(4)]
        own = turn.channel - 1
        assert int(np.argmax(levels)) == own
        others = [lvl for c, lvl in enumerate(levels) if c != own]
        assert all(abs(levels[own] - lvl - abs(BLEED_DB)) < 2.0 for lvl in others)


def test_stereo_puts_odd_seats_left_and_even_seats_right(
    demo: SynthHearing, audio: dict[str, np.ndarray]
) -> None:
    stereo = audio["stereo"]
    assert stereo.shape[1] == 2
    for turn in demo.turns:
        left, right = (rms_db(span(stereo[:, c], turn.start, turn.end, 16000)) for c in (0, 1))
        louder = 0 if left > right else 1
        assert louder == (turn.channel - 1) % 2
        assert abs(left - right) > 20.0


def test_noise_stretch_is_where_reported(demo: SynthHearing, audio: dict[str, np.ndarray]) -> None:
    script = demo_script()
    assert demo.noise is not None and script.noise_after is not None
    start, end = demo.noise
    assert end - start == pytest.approx(script.noise_s, abs=1e-3)
    assert demo.turns[script.noise_after].end < start
    assert end < demo.turns[script.noise_after + 1].start
    inner = start + 0.2, end - 0.2
    assert rms_db(span(audio["mix"][:, 0], *inner, 16000)) > -35.0
    assert rms_db(span(audio["mix"][:, 0], start - 0.3, start - 0.05, 16000)) < -50.0
    assert rms_db(span(audio["mix"][:, 0], end + 0.05, end + 0.3, 16000)) < -50.0
    # room sound: every seat microphone hears it at the same level
    levels = [rms_db(span(audio["multi4"][:, c], *inner, 16000)) for c in range(4)]
    assert max(levels) - min(levels) < 0.5


def test_synthesis_is_deterministic(tmp_path: Path) -> None:
    first = synthesize(tiny_script(), tmp_path / "a")
    second = synthesize(tiny_script(), tmp_path / "b")
    assert first.turns == second.turns
    assert first.noise is None
    for name in ("mix", "stereo", "multi4"):
        a = (tmp_path / "a" / f"{name}.wav").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.wav").read_bytes()


# --- texts and scripts ----------------------------------------------------------------


def test_kazakh_text_uses_kazakh_letters_and_russian_does_not() -> None:
    phrases = [(u.language, u.text) for u in demo_script().utterances]
    phrases += [phrase for pool in POOLS.values() for phrase in pool]
    for language, text in phrases:
        has_kazakh = bool(KAZAKH_LETTERS & set(text))
        assert has_kazakh == (language == "kk"), text


def test_demo_utterances_are_single_sentences_of_court_length() -> None:
    script = demo_script()
    assert script.noise_after is not None
    assert 0 < script.noise_after < len(script.utterances) - 1
    for utt in script.utterances:
        assert 6 <= len(utt.text.split()) <= 15, utt.text
        assert len(re.findall(r"[.!?]", utt.text)) == 1, utt.text


def test_long_script_is_deterministic_varied_and_long_enough_in_text() -> None:
    assert long_script(300, seed=3) == long_script(300, seed=3)
    assert long_script(300, seed=3) != long_script(300, seed=4)
    assert sum(len(pool) for pool in POOLS.values()) >= 40
    thirty = long_script(1800, seed=0)
    texts = [u.text for u in thirty.utterances]
    assert len(set(texts)) >= 40
    assert {u.language for u in thirty.utterances} == {"ru", "kk"}
    assert all(a != b for a, b in pairwise(texts))


def test_long_script_reaches_the_target_length(tmp_path: Path) -> None:
    hearing = synthesize(long_script(60, seed=1), tmp_path)
    assert hearing.duration == pytest.approx(60, rel=0.15)
    assert hearing.noise is not None


def test_long_script_rejects_a_too_short_target() -> None:
    with pytest.raises(ScriptError):
        long_script(5, seed=0)


# --- ground-truth files ---------------------------------------------------------------


def test_rttm_lines_are_well_formed(demo: SynthHearing, tmp_path: Path) -> None:
    path = write_rttm(demo.turns, tmp_path / "demo.rttm", "demo_hearing")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(demo.turns)
    for line, turn in zip(lines, demo.turns, strict=True):
        fields = line.split(" ")
        assert len(fields) == 10
        kind, uri, chan, start, dur, na1, na2, speaker, na3, na4 = fields
        assert (kind, uri, chan, speaker) == ("SPEAKER", "demo_hearing", "1", turn.speaker)
        assert (na1, na2, na3, na4) == ("<NA>",) * 4
        assert float(start) == pytest.approx(turn.start, abs=1e-3)
        assert float(dur) == pytest.approx(turn.duration, abs=1e-3)
    with pytest.raises(ScriptError):
        write_rttm(demo.turns, tmp_path / "bad.rttm", "two words")


def test_reference_json_round_trips(demo: SynthHearing, tmp_path: Path) -> None:
    path = write_reference(demo.turns, tmp_path / "ref.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert set(payload["text"]) == {"ru", "kk"}
    assert payload["text"]["kk"].startswith("Құрметті сот")
    assert read_reference(path) == demo.turns
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ReferenceFormatError):
        read_reference(tmp_path / "bad.json")


def test_module_entry_writes_files_and_prints_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--long", "25", "--seed", "2"]) == 0
    printed = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    for name in ("mix", "stereo", "multi4", "rttm", "reference"):
        assert Path(printed[name]).is_file()
    assert float(printed["duration_s"]) == pytest.approx(25, rel=0.3)


# --- validation and errors ------------------------------------------------------------


def test_missing_espeak_gives_an_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synth.espeak.shutil.which", lambda _name: None)
    with pytest.raises(EspeakNotFoundError, match="install"):
        synthesize(tiny_script(), tmp_path)


def test_text_goes_to_stdin_not_the_command_line(tmp_path: Path) -> None:
    judge = court_cast()[0]
    cmd = espeak_command("espeak-ng", judge.voice, "ru", tmp_path / "x.wav")
    assert cmd[-1] == "--stdin"
    script = HearingScript(
        title="hostile",
        speakers=(judge,),
        utterances=(Utterance(judge.name, '--help "; rm -rf / ` $(ls)', "ru"),),
    )
    hearing = synthesize(script, tmp_path)
    assert hearing.turns[0].duration > 0.5


def test_voice_follows_the_language_and_keeps_the_variant() -> None:
    assert espeak_voice_name(Voice("ru", 30, 150, variant="m3"), "kk") == "kk+m3"
    assert espeak_voice_name(Voice("ru-lv", 30, 150), "ru") == "ru-lv"
    assert espeak_voice_name(Voice("kk", 30, 150, variant="f2"), "kk") == "kk+f2"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Voice("ru", pitch=120, speed=150),
        lambda: Voice("ru", pitch=50, speed=10),
        lambda: Voice("ru --path /x", pitch=50, speed=150),
        lambda: Utterance("a", "text", "en"),  # type: ignore[arg-type]
        lambda: Utterance("a", "  ", "ru"),
        lambda: Utterance("a", "text", "ru", pause_before_s=-1),
        lambda: Speaker("two words", "judge", Voice("ru", 50, 150), 1),
        lambda: Speaker("a", "judge", Voice("ru", 50, 150), 5),
        lambda: HearingScript("t", court_cast(), (Utterance("nobody", "text", "ru"),)),
        lambda: HearingScript("t", court_cast(), demo_script().utterances, noise_after=99),
        lambda: HearingScript("t", court_cast()[:1] * 2, (Utterance("Akhmetov", "x", "ru"),)),
    ],
)
def test_bad_script_values_are_rejected(build: object) -> None:
    with pytest.raises(ScriptError):
        build()  # type: ignore[operator]


def test_bad_synthesis_settings_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScriptError):
        synthesize(tiny_script(), tmp_path, bleed_db=6.0)
    with pytest.raises(ScriptError):
        synthesize(tiny_script(), tmp_path, sample_rate=1000)
