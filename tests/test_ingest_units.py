"""Pure pieces of ingest: hashing, errors, header parsing, stderr and progress parsing."""

from __future__ import annotations

import hashlib
import inspect
import pickle
import struct
from pathlib import Path

import pytest

import ingest
from ingest import IngestError, MediaNotFoundError, NotMediaError, UnsupportedFormatError
from ingest import errors as errors_module
from ingest.checks import is_silent, is_truncated
from ingest.formats import ACCEPTED_DEMUXERS, demuxer_of, demuxer_whitelist, rejected_format_error
from ingest.graph import normalize_command
from ingest.riff import read_wav_header
from ingest.runner import parse_progress_line
from ingest.stderr import clean_line, last_meaningful_line, rejected_demuxer
from ingest.units import describe_bytes, describe_dbfs, describe_seconds

# --- sha256_file ------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [1, 4096, 1024 * 1024, 10 * 1024 * 1024])
def test_sha256_matches_hashlib(tmp_path: Path, chunk_size: int) -> None:
    data = bytes(range(256)) * 13_000 + b"tail"  # not a multiple of any chunk size
    target = tmp_path / "blob.bin"
    target.write_bytes(data if chunk_size > 1 else data[:5000])
    expected = hashlib.sha256(target.read_bytes()).hexdigest()
    assert ingest.sha256_file(target, chunk_size=chunk_size) == expected


def test_sha256_of_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.touch()
    assert ingest.sha256_file(empty) == hashlib.sha256(b"").hexdigest()


def test_sha256_errors(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError):
        ingest.sha256_file(tmp_path / "missing")
    with pytest.raises(NotMediaError):
        ingest.sha256_file(tmp_path)
    with pytest.raises(ValueError):
        ingest.sha256_file(tmp_path / "x", chunk_size=0)


# --- errors -----------------------------------------------------------------------

ERROR_CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors_module, inspect.isclass)
    if issubclass(cls, IngestError)
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_has_a_one_line_default_message(cls: type[IngestError]) -> None:
    error = cls()
    assert str(error) == error.message == cls.default_message
    assert "\n" not in str(error) and str(error)[0].islower()


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_errors_survive_pickling(cls: type[IngestError]) -> None:
    error = cls("something is wrong", path=Path("/srv/objects/ab/cd"))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (str(copy), copy.message, copy.path) == (str(error), error.message, error.path)


def test_messages_are_collapsed_to_one_short_line() -> None:
    error = IngestError("first line\n  second\tline " + "x" * 500)
    assert "\n" not in str(error) and "\t" not in str(error)
    assert str(error).startswith("first line second line x")
    assert len(str(error)) <= 300


def test_every_public_error_is_exported() -> None:
    assert set(errors_module.__all__) == {cls.__name__ for cls in ERROR_CLASSES}
    assert set(errors_module.__all__) <= set(ingest.__all__)


# --- checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "declared", "truncated"),
    [
        (10.0, 20.0, True),
        (0.0, 3.0, True),
        (17.9, 20.0, True),
        (18.1, 20.0, False),  # within 10 %
        (0.5, 1.4, False),  # less than 1 s missing
        (20.0, 20.0, False),
        (25.0, 20.0, False),  # longer than declared is fine
        (3590.0, 3600.0, False),
    ],
)
def test_is_truncated(actual: float, declared: float, truncated: bool) -> None:
    assert is_truncated(actual, declared) is truncated


def test_is_silent() -> None:
    assert is_silent(float("-inf")) and is_silent(-60.1)
    assert not is_silent(-59.9) and not is_silent(0.0)


# --- formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "demuxer"),
    [
        ("wav", "wav"),
        ("mov,mp4,m4a,3gp,3g2,mj2", "mov"),
        ("matroska,webm", "matroska"),
        ("hls", None),
        ("concat", None),
        ("", None),
    ],
)
def test_demuxer_of(format_name: str, demuxer: str | None) -> None:
    assert demuxer_of(format_name) == demuxer


def test_whitelist_lists_exactly_the_accepted_demuxers() -> None:
    assert set(demuxer_whitelist().split(",")) == ACCEPTED_DEMUXERS
    assert not {"concat", "hls", "sdp", "rtp", "image2", "lavfi", "tty"} & ACCEPTED_DEMUXERS


@pytest.mark.parametrize(
    ("name", "cls", "words"),
    [
        ("tty", NotMediaError, "text"),
        ("srt", NotMediaError, "text"),
        ("concat", UnsupportedFormatError, "playlist"),
        ("hls", UnsupportedFormatError, "playlist"),
        ("sdp", UnsupportedFormatError, "playlist"),
        ("png_pipe", UnsupportedFormatError, "image"),
        ("image2", UnsupportedFormatError, "image"),
        ("gif", UnsupportedFormatError, "'gif'"),
        ("", UnsupportedFormatError, "not accepted"),
    ],
)
def test_rejected_format_error(name: str, cls: type[IngestError], words: str) -> None:
    error = rejected_format_error(name)
    assert type(error) is cls
    assert words in str(error)


# --- stderr -----------------------------------------------------------------------


def test_clean_line_hides_paths_and_context() -> None:
    path = Path("/srv/store/objects/ab/hearing.wav")
    line = "[mp3 @ 0x55d1c2a3b4c0] file:/srv/store/objects/ab/hearing.wav: Invalid data  \n"
    assert clean_line(line, path) == "hearing.wav: Invalid data"
    assert len(clean_line("x" * 1000)) == 160


def test_last_meaningful_line_skips_boilerplate() -> None:
    lines = ["[flac @ 0x1] frame CRC mismatch", "", "Conversion failed!"]
    assert last_meaningful_line(lines) == "frame CRC mismatch"
    assert last_meaningful_line(["Conversion failed!", "  "]) == ""
    assert last_meaningful_line([]) == ""


def test_rejected_demuxer() -> None:
    stderr = "[hls @ 0x563a6fa775c0] Format not on whitelist 'wav,mp3'\nfile:x: Invalid argument"
    assert rejected_demuxer(stderr) == "hls"
    assert rejected_demuxer("[matroska,webm @ 0xabc] Format not on whitelist 'x'") == "matroska"
    assert rejected_demuxer("Format not on whitelist 'wav'") == ""
    assert rejected_demuxer("Invalid data found when processing input") is None


# --- progress ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("out_time_us=1500000\n", 1.5),
        ("out_time_us=N/A", None),
        ("out_time_us=-23000", 0.0),
        ("out_time_ms=1500000", None),
        ("progress=end", None),
        ("", None),
    ],
)
def test_parse_progress_line(line: str, seconds: float | None) -> None:
    assert parse_progress_line(line) == seconds


# --- WAV header -------------------------------------------------------------------


def wav_bytes(
    data_size: int, payload: int, *, byte_rate: int = 32000, rf64_size: int | None = None
) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, byte_rate, 2, 16)
    chunks = b"LIST" + struct.pack("<I", 3) + b"abc\0"  # odd size, padded
    chunks += b"fmt " + struct.pack("<I", len(fmt)) + fmt
    head = b"RIFF"
    if rf64_size is not None:
        head = b"RF64"
        chunks = b"ds64" + struct.pack("<I", 28) + struct.pack("<QQQI", 0, rf64_size, 0, 0) + chunks
    chunks += b"data" + struct.pack("<I", data_size) + b"\0" * payload
    return head + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + chunks


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (wav_bytes(64000, 64000), 2.0),
        (wav_bytes(320000, 1000), 10.0),
        (wav_bytes(0xFFFFFFFF, 1000), None),
        (wav_bytes(0, 1000), None),
        (wav_bytes(64000, 10, byte_rate=0), None),
        (wav_bytes(0xFFFFFFFF, 10, rf64_size=6_400_000_000), 200_000.0),
        (wav_bytes(0xFFFFFFFF, 10, rf64_size=0), None),
        (b"RIFX" + b"\0" * 40, None),
        (b"not a wav at all", None),
        (b"RIFF\0\0\0\0WAVEfmt ", None),
    ],
)
def test_read_wav_header(tmp_path: Path, content: bytes, declared: float | None) -> None:
    target = tmp_path / "x.wav"
    target.write_bytes(content)
    header = read_wav_header(target)
    if declared is None:
        assert header is None
    else:
        assert header is not None and header.declared_seconds == pytest.approx(declared)


# --- command ----------------------------------------------------------------------


def test_normalize_command_is_locked_down(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = normalize_command(
        tmp_path / "-weird:name.wav", "wav", 2, out / "mix.wav", [out / "ch1.wav", out / "ch2.wav"]
    )
    joined = " ".join(command)
    assert command[0] == "ffmpeg"
    assert command[command.index("-protocol_whitelist") + 1] == "file"
    assert command[command.index("-f") + 1] == "wav"
    assert f"file:{tmp_path / '-weird:name.wav'}" in command
    assert "-nostdin" in command and "pipe:1" in joined
    assert command.count("pcm_s16le") == 3
    assert joined.count("asplit=3") == 1, "one decode pass feeds all outputs"
    with pytest.raises(ValueError):
        normalize_command(tmp_path / "a.wav", "wav", 3, out / "mix.wav", [out / "ch1.wav"])


# --- units ------------------------------------------------------------------------


def test_describe() -> None:
    assert describe_bytes(512) == "512 bytes"
    assert describe_bytes(8 * 1024**3) == "8.0 GiB"
    assert describe_bytes(1536) == "1.5 KiB"
    assert describe_seconds(4.26) == "4.3 s"
    assert describe_seconds(12 * 3600) == "12:00:00"
    assert describe_seconds(3725.9) == "1:02:05"
    assert describe_seconds(float("nan")) == "unknown"
    assert describe_dbfs(float("-inf")) == "-inf dBFS"
    assert describe_dbfs(-63.24) == "-63.2 dBFS"
