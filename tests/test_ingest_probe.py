"""ingest.probe against real ffprobe on media generated in the test."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

import ingest
from ingest import (
    EmptyMediaError,
    IngestError,
    MediaLimits,
    MediaNotFoundError,
    MediaTooLargeError,
    MediaTooLongError,
    NoAudioError,
    NotMediaError,
    TooManyChannelsError,
    TruncatedMediaError,
    UnsupportedFormatError,
)

SINE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3"]
VIDEO = ["-f", "lavfi", "-i", "testsrc=size=128x96:rate=10:duration=3"]


def ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(out)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe-media")


@pytest.fixture(scope="module")
def wav(media: Path) -> Path:
    return ffmpeg(media / "tone.wav", *SINE)


def rejected(path: Path, error: type[IngestError], limits: MediaLimits | None = None) -> str:
    """Probe, expect ``error``, and check what every rejection must satisfy."""
    with pytest.raises(error) as caught:
        ingest.probe(path, limits or MediaLimits())
    message = str(caught.value)
    assert message and "\n" not in message
    assert str(path.parent) not in message, "messages must not leak server paths"
    assert caught.value.path == path
    return message


def test_wav_is_described(wav: Path) -> None:
    info = ingest.probe(wav)
    assert info.path == wav
    assert info.format_name == "wav"
    assert info.codec == "pcm_s16le"
    assert info.channels == 1
    assert info.sample_rate == 44100
    assert info.duration == pytest.approx(3.0, abs=0.01)
    assert info.size_bytes == wav.stat().st_size
    assert info.has_video is False


def test_video_with_audio_is_flagged(media: Path) -> None:
    mp4 = ffmpeg(media / "clip.mp4", *VIDEO, *SINE, "-c:v", "mpeg4", "-c:a", "aac", "-shortest")
    info = ingest.probe(mp4)
    assert info.has_video is True
    assert info.codec == "aac"
    assert info.format_name.startswith("mov")


def test_cover_art_is_not_video(media: Path, wav: Path) -> None:
    cover = ffmpeg(media / "cover.png", *VIDEO, "-frames:v", "1")
    mp3 = ffmpeg(
        media / "with-cover.mp3",
        "-i",
        str(wav),
        "-i",
        str(cover),
        "-map",
        "0",
        "-map",
        "1",
        "-c:a",
        "libmp3lame",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
    )
    info = ingest.probe(mp3)
    assert info.codec == "mp3"
    assert info.has_video is False


def test_first_audio_stream_is_used(media: Path) -> None:
    two_streams = ffmpeg(
        media / "two-streams.mka",
        *SINE,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=880:duration=3",
        "-filter_complex",
        "[1]pan=stereo|c0=c0|c1=c0[st]",
        "-map",
        "0",
        "-map",
        "[st]",
        "-c:a",
        "flac",
    )
    assert ingest.probe(two_streams).channels == 1


def test_duration_falls_back_to_container(media: Path) -> None:
    # Matroska declares duration only on the container.
    mka = ffmpeg(media / "tone.mka", *SINE, "-c:a", "libopus")
    assert ingest.probe(mka).duration == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("name", ["concat:x|y.wav", "-i.wav", "http:evil.wav", "über ton.wav"])
def test_odd_file_names_are_only_file_names(media: Path, wav: Path, name: str) -> None:
    odd = media / name
    odd.write_bytes(wav.read_bytes())
    assert ingest.probe(odd).duration == pytest.approx(3.0, abs=0.01)


# --- rejections -------------------------------------------------------------------


def test_missing_file(media: Path) -> None:
    rejected(media / "nope.wav", MediaNotFoundError)


def test_directory(media: Path) -> None:
    folder = media / "folder.wav"
    folder.mkdir()
    rejected(folder, NotMediaError)


def test_empty_file(media: Path) -> None:
    empty = media / "empty.wav"
    empty.touch()
    assert "empty" in rejected(empty, EmptyMediaError)


@pytest.mark.parametrize("name", ["notes.txt", "notes.nfo", "notes.wav", "notes.mp3"])
def test_text_is_not_media(media: Path, name: str) -> None:
    text = media / name
    text.write_text("Судебное заседание открыто.\nThis is a text file, not a recording.\n" * 20)
    rejected(text, NotMediaError)


@pytest.mark.parametrize("name", ["noise.bin", "noise.mp3", "noise.wav", "noise.m4a"])
def test_random_bytes_are_not_media(media: Path, name: str) -> None:
    garbage = media / name
    garbage.write_bytes(random.Random(name).randbytes(64 * 1024))
    rejected(garbage, NotMediaError)


def test_video_without_audio(media: Path) -> None:
    silent_video = ffmpeg(media / "no-audio.mp4", *VIDEO, "-c:v", "mpeg4")
    assert "no audio" in rejected(silent_video, NoAudioError)


def test_image_is_refused(media: Path) -> None:
    png = ffmpeg(media / "picture.png", *VIDEO, "-frames:v", "1")
    assert "image" in rejected(png, UnsupportedFormatError)


def test_ffconcat_list_is_refused_not_followed(media: Path, wav: Path) -> None:
    playlist = media / "list.ffconcat"
    playlist.write_text(f"ffconcat version 1.0\nfile {wav.name}\nfile '{wav}'\n")
    assert "concat" in rejected(playlist, UnsupportedFormatError)


@pytest.mark.parametrize("name", ["playlist.m3u8", "playlist.wav"])
def test_hls_playlist_is_refused_not_followed(media: Path, wav: Path, name: str) -> None:
    playlist = media / name
    playlist.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n"
        f"#EXTINF:3.0,\n{wav.name}\n#EXTINF:3.0,\nfile:{wav}\n#EXT-X-ENDLIST\n"
    )
    assert "hls" in rejected(playlist, UnsupportedFormatError)


def test_sdp_is_refused_without_opening_sockets(media: Path) -> None:
    sdp = media / "stream.sdp"
    sdp.write_text(
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=court\nc=IN IP4 127.0.0.1\nt=0 0\n"
        "m=audio 5004 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
    )
    rejected(sdp, UnsupportedFormatError)


def test_truncated_wav_is_caught_from_its_header(media: Path) -> None:
    full = ffmpeg(media / "long.wav", "-f", "lavfi", "-i", "sine=duration=20", "-ar", "16000")
    cut = media / "cut.wav"
    cut.write_bytes(full.read_bytes()[:200_000])  # 6.2 s of a declared 20 s
    message = rejected(cut, TruncatedMediaError)
    assert "20.0 s" in message


def test_wav_of_unknown_length_is_not_truncated(media: Path) -> None:
    # Recorders streaming to disk write 0 or 0xFFFFFFFF as the data size.
    data = bytearray(ffmpeg(media / "stream.wav", *SINE).read_bytes())
    at = data.find(b"data")
    for marker in (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"):
        data[at + 4 : at + 8] = marker
        stream = media / f"stream-{marker.hex()}.wav"
        stream.write_bytes(bytes(data))
        assert ingest.probe(stream).duration == pytest.approx(3.0, abs=0.01)


def test_unfinished_mp4_is_truncated(media: Path) -> None:
    m4a = ffmpeg(media / "full.m4a", "-f", "lavfi", "-i", "sine=duration=10", "-c:a", "aac")
    half = media / "half.m4a"
    half.write_bytes(m4a.read_bytes()[: m4a.stat().st_size // 2])
    assert "moov" in rejected(half, TruncatedMediaError)


# --- limits -----------------------------------------------------------------------


def test_too_long(wav: Path) -> None:
    message = rejected(wav, MediaTooLongError, MediaLimits(max_duration_s=2.0))
    assert "3.0 s" in message and "2.0 s" in message


def test_too_short(media: Path, wav: Path) -> None:
    rejected(wav, EmptyMediaError, MediaLimits(min_duration_s=5.0))
    blip = ffmpeg(media / "blip.wav", "-f", "lavfi", "-i", "sine=duration=0.2")
    assert "too short" in rejected(blip, EmptyMediaError)


def test_too_large_is_refused_before_ffprobe(wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(path: Path) -> None:
        raise AssertionError("ffprobe must not run on an oversized file")

    monkeypatch.setattr("ingest.probing.run_ffprobe", forbidden)
    assert "KiB" in rejected(wav, MediaTooLargeError, MediaLimits(max_bytes=1000))


def test_too_many_channels(media: Path) -> None:
    quad = ffmpeg(
        media / "quad.wav",
        *SINE,
        "-filter_complex",
        "[0]pan=4.0|c0=c0|c1=c0|c2=c0|c3=c0",
    )
    assert ingest.probe(quad).channels == 4
    message = rejected(quad, TooManyChannelsError, MediaLimits(max_channels=2))
    assert "4" in message and "2" in message


def test_default_limits_match_the_contract() -> None:
    limits = MediaLimits()
    assert limits.max_bytes == 8 * 1024**3
    assert limits.max_duration_s == 12 * 3600
    assert limits.max_channels == 16
    assert limits.min_duration_s == 0.5


@pytest.mark.parametrize(
    "kwargs",
    [{"max_bytes": 0}, {"max_channels": 0}, {"min_duration_s": -1}, {"max_duration_s": 0.1}],
)
def test_nonsense_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        MediaLimits(**kwargs)  # type: ignore[arg-type]
