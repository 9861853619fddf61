"""ingest.normalize against real ffmpeg on media generated in the test."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import ingest
from ingest import (
    FfmpegError,
    MediaInfo,
    NormalizedAudio,
    SilentMediaError,
    TruncatedMediaError,
)

RATE = 16000


def ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(out)],
        check=True,
        capture_output=True,
    )
    return out


def sine(freq: int = 440, seconds: float = 3.0) -> list[str]:
    # lavfi's sine peaks at 1/8 of full scale (-18 dBFS).
    return ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=44100:duration={seconds}"]


def has_encoder(name: str) -> bool:
    listing = subprocess.run(
        ["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=True
    ).stdout
    return f" {name} " in listing


VIDEO_CODEC = "libx264" if has_encoder("libx264") else "mpeg4"
VIDEO = ["-f", "lavfi", "-i", "testsrc=size=128x96:rate=10:duration=3"]


def read(path: Path) -> np.ndarray:
    samples, rate = sf.read(path, dtype="float64")
    assert rate == RATE
    return np.asarray(samples)


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[int(np.argmax(spectrum))])


def rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def assert_16k_mono_s16(path: Path, seconds: float) -> None:
    details = sf.info(path)
    assert (details.samplerate, details.channels, details.subtype) == (RATE, 1, "PCM_16")
    assert details.format == "WAV"
    assert details.duration == pytest.approx(seconds, abs=0.1)


def run(path: Path, outdir: Path, **kwargs: object) -> NormalizedAudio:
    return ingest.normalize(path, outdir, ingest.probe(path), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("normalize-media")


# --- every accepted container/codec ------------------------------------------------

FORMATS = {
    "pcm.wav": ["-c:a", "pcm_s16le"],
    "float.wav": ["-c:a", "pcm_f32le"],
    "audio.w64": ["-c:a", "pcm_s24le"],
    "audio.flac": ["-c:a", "flac"],
    "audio.mp3": ["-c:a", "libmp3lame"],
    "opus.ogg": ["-c:a", "libopus"],
    "vorbis.ogg": ["-c:a", "libvorbis"],
    "audio.m4a": ["-c:a", "aac"],
    "adts.aac": ["-c:a", "aac"],
    "audio.aiff": ["-c:a", "pcm_s16be"],
    "audio.caf": ["-c:a", "pcm_s16le"],
    "audio.wma": ["-c:a", "wmav2"],
    "audio.mka": ["-c:a", "flac"],
    "audio.webm": ["-c:a", "libopus"],
    "video.mp4": [*VIDEO, "-c:v", VIDEO_CODEC, "-c:a", "aac", "-shortest"],
    "video.mkv": [*VIDEO, "-c:v", VIDEO_CODEC, "-c:a", "libopus", "-shortest"],
    "video.webm": [*VIDEO, "-c:v", "libvpx", "-c:a", "libopus", "-shortest"],
    "video.ts": [*VIDEO, "-c:v", "mpeg2video", "-c:a", "mp2", "-shortest"],
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_probes_and_normalizes(media: Path, tmp_path: Path, name: str) -> None:
    extra = FORMATS[name]
    # Audio input first so "-shortest" and the mapping keep audio as stream a:0.
    source = ffmpeg(media / name, *sine(440), *extra)
    info = ingest.probe(source)
    assert info.channels == 1
    assert info.has_video == name.startswith("video")

    audio = ingest.normalize(source, tmp_path / "out", info)

    assert audio.mix == tmp_path / "out" / "mix.wav"
    assert audio.channels == ()
    assert audio.sample_rate == RATE
    assert audio.duration == pytest.approx(info.duration, abs=0.1)
    assert_16k_mono_s16(audio.mix, info.duration)
    assert dominant_hz(read(audio.mix)) == pytest.approx(440, abs=2)
    # lavfi's sine peaks at 1/8 of full scale: -18 dBFS (lossy codecs wobble a little).
    assert audio.peak_dbfs == pytest.approx(-18.1, abs=1.0)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mix.wav"]


def test_stereo_aac_in_mp4_gets_channel_files(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(
        media / "stereo.mp4",
        *sine(300),
        *sine(1200),
        *VIDEO,
        "-filter_complex",
        "[0][1]amerge=inputs=2[a]",
        "-map",
        "[a]",
        "-map",
        "2",
        "-c:a",
        "aac",
        "-c:v",
        VIDEO_CODEC,
        "-shortest",
    )
    audio = run(source, tmp_path)
    assert [p.name for p in audio.channels] == ["ch1.wav", "ch2.wav"]
    assert dominant_hz(read(audio.channels[0])) == pytest.approx(300, abs=2)
    assert dominant_hz(read(audio.channels[1])) == pytest.approx(1200, abs=2)


# --- channels ---------------------------------------------------------------------


def test_stereo_wav_with_tone_on_left_only(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(
        media / "left-only.wav",
        *sine(440),
        "-filter_complex",
        "[0]pan=stereo|c0=c0|c1=0*c0[a]",
        "-map",
        "[a]",
    )
    audio = run(source, tmp_path)

    left, right, mix = (read(p) for p in (*audio.channels, audio.mix))
    assert [p.name for p in audio.channels] == ["ch1.wav", "ch2.wav"]
    for path in (*audio.channels, audio.mix):
        assert_16k_mono_s16(path, 3.0)
    assert rms_dbfs(left) == pytest.approx(-21.1, abs=0.5)  # sine at -18 dBFS peak
    assert rms_dbfs(right) == -math.inf
    # The mix averages the channels: the tone at half amplitude.
    assert rms_dbfs(mix) == pytest.approx(rms_dbfs(left) - 6.02, abs=0.2)
    assert audio.peak_dbfs == pytest.approx(-24.1, abs=0.3)


def test_four_channel_flac_splits_per_channel(media: Path, tmp_path: Path) -> None:
    freqs = (300, 700, 1100, 1900)
    inputs = [arg for freq in freqs for arg in sine(freq)]
    source = ffmpeg(
        media / "quad.flac",
        *inputs,
        "-filter_complex",
        "[0][1][2][3]amerge=inputs=4[a]",
        "-map",
        "[a]",
        "-c:a",
        "flac",
    )
    info = ingest.probe(source)
    assert info.channels == 4

    audio = ingest.normalize(source, tmp_path, info)

    assert [p.name for p in audio.channels] == ["ch1.wav", "ch2.wav", "ch3.wav", "ch4.wav"]
    for path, freq in zip(audio.channels, freqs, strict=True):
        assert_16k_mono_s16(path, 3.0)
        assert dominant_hz(read(path)) == pytest.approx(freq, abs=2)
    mix_spectrum = np.abs(np.fft.rfft(read(audio.mix)))
    bins = np.fft.rfftfreq(len(read(audio.mix)), 1 / RATE)
    strongest = sorted(float(bins[i]) for i in np.argsort(mix_spectrum)[-4:])
    assert strongest == pytest.approx(freqs, abs=2)


def test_sixteen_unlabelled_channels(media: Path, tmp_path: Path) -> None:
    # Courtroom recorders write many channels with no speaker layout in the header.
    t = np.arange(2 * 8000) / 8000
    seats = np.stack([0.3 * np.sin(2 * np.pi * 100 * (k + 1) * t) for k in range(16)], axis=1)
    source = media / "sixteen.wav"
    sf.write(source, seats, 8000, subtype="PCM_16")

    audio = run(source, tmp_path)

    assert len(audio.channels) == 16
    for k, path in enumerate(audio.channels):
        assert dominant_hz(read(path)) == pytest.approx(100 * (k + 1), abs=2)


def test_one_quiet_seat_among_many_is_not_silence(media: Path, tmp_path: Path) -> None:
    # One microphone at -45 dBFS, seven dead ones: the averaged mix is ~-63 dBFS.
    t = np.arange(3 * 16000) / 16000
    seats = np.zeros((len(t), 8))
    seats[:, 3] = 10 ** (-45 / 20) * np.sin(2 * np.pi * 500 * t)
    source = media / "quiet-seat.wav"
    sf.write(source, seats, 16000, subtype="PCM_16")

    audio = run(source, tmp_path)

    assert audio.peak_dbfs < -60
    assert dominant_hz(read(audio.channels[3])) == pytest.approx(500, abs=2)


# --- progress ---------------------------------------------------------------------


def test_progress_hook_increases_to_the_duration(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "progress.flac", *sine(440, seconds=30))
    info = ingest.probe(source)
    calls: list[tuple[str, float, float]] = []

    ingest.normalize(source, tmp_path, info, hook=lambda *call: calls.append(call))

    assert len(calls) >= 2
    assert {step for step, _, _ in calls} == {"normalize"}
    assert {total for _, _, total in calls} == {info.duration}
    done = [completed for _, completed, _ in calls]
    assert done[0] == 0.0
    assert done == sorted(done) and len(set(done)) == len(done)
    assert done[-1] == pytest.approx(info.duration)


def test_cancelling_from_the_hook_leaves_nothing(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "cancel.flac", *sine(440, seconds=30))
    info = ingest.probe(source)

    class Cancelled(Exception):
        pass

    def hook(step: str, completed: float, total: float) -> None:
        if completed > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        ingest.normalize(source, tmp_path / "out", info, hook=hook)
    assert list((tmp_path / "out").iterdir()) == []


# --- failures leave nothing behind ---------------------------------------------------


def assert_fails_cleanly(
    source: Path, outdir: Path, error: type[Exception], info: MediaInfo | None = None
) -> str:
    info = info or ingest.probe(source)
    with pytest.raises(error) as caught:
        ingest.normalize(source, outdir, info)
    assert list(outdir.iterdir()) == [], "a failure must leave nothing in outdir"
    message = str(caught.value)
    assert "\n" not in message and str(source.parent) not in message
    assert caught.value.path == source  # type: ignore[attr-defined]
    return message


def test_digital_silence(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "silence.wav", "-f", "lavfi", "-i", "anullsrc=d=3")
    assert "silent" in assert_fails_cleanly(source, tmp_path, SilentMediaError)


def test_near_silence_below_minus_60_dbfs(media: Path, tmp_path: Path) -> None:
    # 1/8 full scale times 0.004 ≈ -66 dBFS peak.
    source = ffmpeg(media / "hum.wav", *sine(50), "-af", "volume=0.004")
    message = assert_fails_cleanly(source, tmp_path, SilentMediaError)
    assert "-66" in message or "-65" in message


def test_silent_multichannel(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(
        media / "silent-quad.wav", "-f", "lavfi", "-i", "anullsrc=channel_layout=4.0:d=3"
    )
    assert_fails_cleanly(source, tmp_path, SilentMediaError)


def truncated_copy(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


@pytest.mark.parametrize(
    ("name", "codec"),
    [("cut.mp3", "libmp3lame"), ("cut.flac", "flac"), ("cut.mkv", "libopus")],
)
def test_truncated_files_that_probe_at_full_length(
    media: Path, tmp_path: Path, name: str, codec: str
) -> None:
    full = ffmpeg(media / f"full-{name}", *sine(440, seconds=20), "-c:a", codec)
    cut = truncated_copy(full, media / name)
    info = ingest.probe(cut)
    assert info.duration == pytest.approx(20.0, abs=0.1), "headers still declare 20 s"

    message = assert_fails_cleanly(cut, tmp_path, TruncatedMediaError, info)
    assert "of its 20.0 s" in message


def test_mp3_without_length_header_cut_in_half_is_what_it_is(media: Path, tmp_path: Path) -> None:
    # With no Xing header ffprobe estimates the length from the file size, so half a
    # file is simply a shorter recording: nothing declares the missing part.
    full = ffmpeg(media / "plain.mp3", *sine(440, seconds=20), "-write_xing", "0")
    cut = truncated_copy(full, media / "plain-cut.mp3")
    audio = run(cut, tmp_path)
    assert audio.duration == pytest.approx(10.0, abs=0.5)


def test_ffmpeg_failure_is_translated(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "ok.wav", *sine(440))
    info = ingest.probe(source)
    lying = MediaInfo(**{**info.__dict__, "format_name": "flac"})  # forces the wrong demuxer
    message = assert_fails_cleanly(source, tmp_path, FfmpegError, lying)
    assert message.startswith("the audio could not be decoded: ")
    assert len(message) > len("the audio could not be decoded: ")


def test_outdir_is_created_and_output_is_deterministic(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "again.ogg", *sine(440), "-c:a", "libvorbis", "-ac", "2")
    first = run(source, tmp_path / "a" / "b")
    second = run(source, tmp_path / "c")
    for one, two in zip((first.mix, *first.channels), (second.mix, *second.channels), strict=True):
        assert one.read_bytes() == two.read_bytes()


def test_existing_outputs_are_replaced(media: Path, tmp_path: Path) -> None:
    source = ffmpeg(media / "replace.wav", *sine(440))
    (tmp_path / "mix.wav").write_bytes(b"stale")
    audio = run(source, tmp_path)
    assert_16k_mono_s16(audio.mix, 3.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]


def test_normalize_reads_the_probed_demuxer_only(media: Path, tmp_path: Path) -> None:
    # A file swapped for a playlist after probing is still refused at decode time.
    source = ffmpeg(media / "swap.wav", *sine(440))
    info = ingest.probe(source)
    source.write_text("#EXTM3U\n#EXTINF:3.0,\nok.wav\n#EXT-X-ENDLIST\n")
    assert_fails_cleanly(source, tmp_path, FfmpegError, info)
