"""Build the one ffmpeg command that writes the mix and every channel file.

One decode pass feeds all outputs: the first audio stream is resampled once to 16 kHz,
split with ``asplit``, and each branch is reduced to mono with ``pan``:

* the mix is the *average* of all channels (``pan=mono|c0<c0+c1+...``; ``<`` makes
  the gains sum to 1). Averaging can never clip, whatever the number of microphones,
  and ``pan`` works on channel counts without a named layout (16-channel WAVs from
  courtroom recorders usually have none), where ffmpeg's automatic downmix refuses;
* channel file *k* is input channel *k* at gain 1 (``pan=mono|c0<c{k-1}``).

ffmpeg-python over-escapes ``=`` inside filter arguments, which breaks ``pan``; the
``<`` form avoids ``=`` altogether and gives the same gains here.

Outputs are bit-exact (no encoder tag, no copied metadata) so the same input always
gives byte-identical WAVs, and use RF64 only if a file outgrows 4 GiB (37 hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ffmpeg

from ingest.ffprobe import file_url
from ingest.formats import PROTOCOL_WHITELIST, demuxer_whitelist

__all__ = ["SAMPLE_RATE", "normalize_command"]

SAMPLE_RATE = 16000


def normalize_command(
    source: Path,
    demuxer: str,
    channels: int,
    mix: Path,
    channel_files: Sequence[Path],
) -> list[str]:
    """Return the ffmpeg argv that decodes ``source`` into 16 kHz mono WAVs.

    Args:
        source: The recording.
        demuxer: Demuxer to force (the one probe detected), so the file is read
            the way it was checked.
        channels: Channel count of the first audio stream.
        mix: Where to write the mono mix.
        channel_files: Where to write each channel; empty for mono input, else one
            path per channel.

    Returns:
        The argv, starting with ``ffmpeg``.

    Raises:
        ValueError: If ``channel_files`` does not match ``channels``.

    """
    if channel_files and len(channel_files) != channels:
        raise ValueError(f"{len(channel_files)} channel files for {channels} channels")
    source_node = ffmpeg.input(
        file_url(source),
        f=demuxer,
        protocol_whitelist=PROTOCOL_WHITELIST,
        format_whitelist=demuxer_whitelist(),
    )
    audio = source_node["a:0"].filter("aresample", SAMPLE_RATE)
    if channel_files:
        branches = audio.filter_multi_output("asplit", len(channel_files) + 1)
        inputs = "+".join(f"c{index}" for index in range(channels))
        outputs = [_wav_output(branches[0].filter("pan", f"mono|c0<{inputs}"), mix)]
        outputs += [
            _wav_output(branches[index + 1].filter("pan", f"mono|c0<c{index}"), target)
            for index, target in enumerate(channel_files)
        ]
    else:
        outputs = [_wav_output(audio, mix)]
    graph = ffmpeg.merge_outputs(*outputs).global_args(
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1"
    )
    return list(ffmpeg.compile(graph.overwrite_output()))


def _wav_output(stream: Any, target: Path) -> Any:
    """Return an ffmpeg-python output writing ``stream`` as 16 kHz mono s16 WAV."""
    return stream.filter(
        "aformat", sample_fmts="s16", sample_rates=SAMPLE_RATE, channel_layouts="mono"
    ).output(
        file_url(target),
        f="wav",
        acodec="pcm_s16le",
        ar=SAMPLE_RATE,
        ac=1,
        map_metadata=-1,
        fflags="+bitexact",
        rf64="auto",
        **{"flags:a": "+bitexact"},
    )
