"""Read how much audio a WAV header declares.

ffmpeg's WAV demuxer quietly clamps a data chunk that claims more bytes than the file
holds, so ffprobe reports the length of what is *there* and a half-copied WAV looks
complete. Comparing the header's declared size with the file catches that cut.

Only chunk headers are read (a few bytes each, at most :data:`MAX_CHUNKS` of them),
never the audio. Sizes ``0`` and ``0xFFFFFFFF`` mean "unknown" (a recorder streaming
to disk or one that crashed before finalising its header): that is not truncation,
the audio present is all there ever was.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["MAX_CHUNKS", "WavHeader", "read_wav_header"]

logger = logging.getLogger(__name__)

MAX_CHUNKS = 256
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
_CHUNK = struct.Struct("<4sI")


@dataclass(frozen=True)
class WavHeader:
    """The parts of a WAV header that declare the amount of audio.

    Attributes:
        byte_rate: Average bytes of audio per second (``fmt `` chunk).
        data_bytes: Bytes the ``data`` chunk declares (``ds64`` for RF64).
        data_offset: Where the audio starts in the file.

    """

    byte_rate: int
    data_bytes: int
    data_offset: int

    @property
    def declared_seconds(self) -> float:
        """Seconds of audio the header declares."""
        return self.data_bytes / self.byte_rate


def read_wav_header(path: Path) -> WavHeader | None:
    """Return the declared amount of audio of a RIFF/RF64/BW64 WAV file.

    Args:
        path: A file ffprobe identified as WAV.

    Returns:
        The header, or ``None`` when it declares no usable size (unknown-size
        markers, a missing ``fmt `` or ``data`` chunk, a zero byte rate, or a layout
        this reader does not know, such as big-endian RIFX).

    Raises:
        OSError: If the file cannot be read.

    """
    with path.open("rb") as stream:
        return _parse(stream)


def _parse(stream: BinaryIO) -> WavHeader | None:
    """Walk the chunk list up to the ``data`` chunk."""
    head = stream.read(12)
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        return None
    byte_rate = 0
    ds64_data_bytes: int | None = None
    for _ in range(MAX_CHUNKS):
        raw = stream.read(_CHUNK.size)
        if len(raw) < _CHUNK.size:
            return None
        chunk_id, size = _CHUNK.unpack(raw)
        body_start = stream.tell()
        if chunk_id == b"ds64":
            ds64_data_bytes = _ds64_data_bytes(stream.read(min(size, 16)))
        elif chunk_id == b"fmt ":
            byte_rate = _fmt_byte_rate(stream.read(min(size, 16)))
        elif chunk_id == b"data":
            return _header(byte_rate, size, ds64_data_bytes, body_start)
        stream.seek(body_start + size + (size & 1))
    logger.debug("no data chunk within the first %d WAV chunks", MAX_CHUNKS)
    return None


def _ds64_data_bytes(body: bytes) -> int | None:
    """Return the 64-bit data size of an RF64 ``ds64`` chunk."""
    if len(body) < 16:
        return None
    return int(struct.unpack_from("<Q", body, 8)[0])


def _fmt_byte_rate(body: bytes) -> int:
    """Return the average byte rate of a ``fmt `` chunk (0 when too short)."""
    if len(body) < 12:
        return 0
    return int(struct.unpack_from("<I", body, 8)[0])


def _header(
    byte_rate: int, size: int, ds64_data_bytes: int | None, offset: int
) -> WavHeader | None:
    """Combine what the walk found, treating unknown sizes as no declaration."""
    if size == 0xFFFFFFFF and ds64_data_bytes is not None:
        size = ds64_data_bytes
    if size in _UNKNOWN_SIZES or byte_rate <= 0 or size >= 0xFFFFFFFFFFFFFFFF:
        return None
    return WavHeader(byte_rate=byte_rate, data_bytes=size, data_offset=offset)
