"""The ``courtrec`` command as a user runs it: real processes, real media, real models."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realspeech import RATE

SRT_TIME = r"\d{2}:\d{2}:\d{2},\d{3}"
VTT_TIME = r"\d{2}:\d{2}:\d{2}\.\d{3}"


def courtrec(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
    )


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *map(str, args)], check=True)


def assert_one_line_error(result, outdir: Path):
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("courtrec:")]
    assert len(lines) == 1 and lines[0].startswith("courtrec: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists() or not any(outdir.iterdir()), list(outdir.iterdir())


def parse_srt(text: str):
    cues = [block for block in text.strip().split("\n\n") if block.strip()]
    times = []
    for number, block in enumerate(cues, start=1):
        lines = block.splitlines()
        assert lines[0] == str(number)
        match = re.fullmatch(f"({SRT_TIME}) --> ({SRT_TIME})", lines[1])
        assert match, lines[1]
        assert len(lines) >= 3 and lines[2].strip()
        times.append(match.groups())
    return times


def parse_vtt(text: str):
    assert text.startswith("WEBVTT")
    cues = re.findall(f"^({VTT_TIME}) --> ({VTT_TIME})\n<v ([^>]+)>(.+)$", text, flags=re.M)
    assert cues
    return cues


@pytest.fixture(scope="module")
def media(real_hearing, tmp_path_factory):
    """The real-speech hearing in several containers and codecs."""
    root = tmp_path_factory.mktemp("media")
    src = real_hearing.multi4
    files = {
        "mp4": root / "hearing.mp4",
        "flac": root / "hearing.flac",
        "opus": root / "hearing.ogg",
        "mkv": root / "hearing.mkv",
    }
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size=160x120:rate=10:duration={real_hearing.duration}",
        "-i",
        src,
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "256k",
        "-shortest",
        files["mp4"],
    )
    ffmpeg("-i", src, "-c:a", "flac", files["flac"])
    ffmpeg(
        "-i", src, "-af", "pan=stereo|c0=c0|c1=c1", "-c:a", "libopus", "-b:a", "64k", files["opus"]
    )
    ffmpeg("-i", src, "-c:a", "libvorbis", files["mkv"])
    return files


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mp4", "flac", "mkv"])
def test_transcribes_containers_with_channel_map(media, real_hearing, tmp_path, kind):
    channel_map = ",".join(f"{ch}={role}" for ch, role in real_hearing.channel_map.items())
    result = courtrec("transcribe", media[kind], "-o", tmp_path, "--channel-map", channel_map)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"hearing.{ext}" for ext in ("json", "srt", "txt", "vtt")]
    protocol = json.loads((tmp_path / "hearing.json").read_text(encoding="utf-8"))
    assert protocol["schema"] == "courtrec.protocol/1"
    assert protocol["recording"]["channels"] == 4
    assert [s["role"] for s in protocol["speakers"]] == [
        "judge",
        "plaintiff",
        "defendant",
        "witness",
    ]
    assert {seg["language"] for seg in protocol["segments"]} <= {"kk", "ru"}
    assert all(
        {"start", "end", "speaker", "language", "text", "words", "flags"} <= set(seg)
        for seg in protocol["segments"]
    )
    srt = parse_srt((tmp_path / "hearing.srt").read_text(encoding="utf-8"))
    assert len(srt) == len(protocol["segments"])
    vtt = parse_vtt((tmp_path / "hearing.vtt").read_text(encoding="utf-8"))
    assert {voice for _, _, voice, _ in vtt} == {"Judge", "Plaintiff", "Defendant", "Witness"}
    txt = (tmp_path / "hearing.txt").read_text(encoding="utf-8")
    assert protocol["recording"]["sha256"] in txt and "Judge" in txt
    # Not a terminal: progress comes as plain log lines.
    assert "transcribe: 100%" in result.stderr


@pytest.mark.slow
def test_opus_stereo_and_selected_formats(media, tmp_path):
    result = courtrec(
        "transcribe", media["opus"], "-o", tmp_path, "--format", "srt,vtt", "--language", "kk,ru"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hearing.srt", "hearing.vtt"]
    assert parse_srt((tmp_path / "hearing.srt").read_text(encoding="utf-8"))


def write_wav(path: Path, samples):
    import soundfile as sf

    sf.write(path, samples, RATE, subtype="PCM_16")


@pytest.fixture
def bad_inputs(tmp_path):
    import numpy as np

    files = {}
    files["text"] = tmp_path / "notes.wav"
    files["text"].write_text("This is not a recording.\n" * 20)
    files["empty"] = tmp_path / "empty.mp3"
    files["empty"].write_bytes(b"")
    files["random"] = tmp_path / "random.mp4"
    files["random"].write_bytes(np.random.default_rng(1).bytes(50_000))
    files["silent"] = tmp_path / "silent.wav"
    write_wav(files["silent"], np.zeros(RATE * 3, dtype=np.float32))
    tone = tmp_path / "tone.wav"
    write_wav(
        tone, (0.3 * np.sin(np.arange(RATE * 20) * 2 * np.pi * 440 / RATE)).astype(np.float32)
    )
    files["truncated"] = tmp_path / "truncated.wav"
    files["truncated"].write_bytes(tone.read_bytes()[:200_000])
    files["playlist"] = tmp_path / "list.m3u8"
    files["playlist"].write_text(f"#EXTM3U\n#EXTINF:20,\n{tone}\n")
    files["concat"] = tmp_path / "list.ffconcat"
    files["concat"].write_text(f"ffconcat version 1.0\nfile '{tone}'\n")
    return files


@pytest.mark.parametrize(
    "kind", ["text", "empty", "random", "silent", "truncated", "playlist", "concat"]
)
def test_bad_input_is_one_line_error_and_no_output(bad_inputs, tmp_path, kind):
    outdir = tmp_path / "out"
    result = courtrec("transcribe", bad_inputs[kind], "-o", outdir)
    assert_one_line_error(result, outdir)


def test_missing_file(tmp_path):
    result = courtrec("transcribe", tmp_path / "nope.wav", "-o", tmp_path / "out")
    assert result.returncode == 2 and "no such file" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "unknown format"),
        (["--channel-map", "one=judge"], "channel map entries"),
        (["--channel-map", "1=judge,1=clerk"], "appears twice"),
        (["--speakers", "2", "--max-speakers", "3"], "either --speakers"),
        (["--language", "kazakh"], "ISO 639-1"),
        (["--device", "tpu"], "cpu or cuda"),
    ],
)
def test_bad_options_are_usage_errors(bad_inputs, tmp_path, args, message):
    result = courtrec("transcribe", bad_inputs["silent"], "-o", tmp_path / "out", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_channel_map_on_mono_is_rejected(tmp_path):
    import numpy as np

    path = tmp_path / "mono.wav"
    write_wav(path, (0.3 * np.sin(np.arange(RATE * 3) * 2 * np.pi * 300 / RATE)).astype(np.float32))
    outdir = tmp_path / "out"
    result = courtrec("transcribe", path, "-o", outdir, "--channel-map", "1=judge,2=clerk")
    assert_one_line_error(result, outdir)
    assert "channel" in result.stderr
