"""Run espeak-ng for one utterance and read back its audio.

espeak-ng is called as a subprocess with an argument list (never a shell) and the text
on stdin, so neither quotes nor a leading ``-`` in a sentence can change the command.
"""

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from synth.errors import EspeakError, EspeakNotFoundError
from synth.model import Voice

__all__ = [
    "LANGUAGE_VOICES",
    "EspeakClip",
    "espeak_binary",
    "espeak_command",
    "espeak_voice_name",
    "speak",
]

logger = logging.getLogger(__name__)

LANGUAGE_VOICES: dict[str, str] = {"ru": "ru", "kk": "kk"}
"""espeak-ng voice that pronounces each language."""

_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class EspeakClip:
    """Audio of one utterance as espeak-ng produced it.

    Attributes:
        samples: Mono float32 samples in [-1, 1].
        sample_rate: espeak-ng's native rate (22050 Hz for its own voices).

    """

    samples: np.ndarray
    sample_rate: int


def espeak_binary() -> str:
    """Return the path of espeak-ng, failing with instructions when it is missing.

    Raises:
        EspeakNotFoundError: espeak-ng is not on PATH.

    """
    path = shutil.which("espeak-ng")
    if path is None:
        raise EspeakNotFoundError(
            "espeak-ng is not installed; install it (Debian/Ubuntu: apt-get install "
            "espeak-ng) to synthesise hearings"
        )
    return path


def espeak_voice_name(voice: Voice, language: str) -> str:
    """Return the ``-v`` argument for ``voice`` speaking ``language``.

    The speaker's own base voice is kept when it already speaks ``language`` (for
    dialect voices such as ``ru-lv``); otherwise the language's voice is used with the
    speaker's variant, so timbre stays with the person and pronunciation with the text.
    """
    base = voice.espeak_voice
    if base.split("-", 1)[0] != language:
        base = LANGUAGE_VOICES[language]
    return base if voice.variant is None else f"{base}+{voice.variant}"


def espeak_command(binary: str, voice: Voice, language: str, out: Path) -> list[str]:
    """Build the espeak-ng argument list writing a WAV to ``out``; text comes on stdin."""
    return [
        binary,
        "-v", espeak_voice_name(voice, language),
        "-p", str(voice.pitch),
        "-s", str(voice.speed),
        "-a", str(voice.amplitude),
        "-b", "1",  # input is UTF-8
        "-w", str(out),
        "--stdin",
    ]  # fmt: skip


def speak(text: str, voice: Voice, language: str, out: Path) -> EspeakClip:
    """Synthesise ``text`` into the WAV file ``out`` and return its samples.

    Args:
        text: One utterance; sent on stdin, never on the command line.
        voice: Voice and prosody.
        language: ``"ru"`` or ``"kk"``.
        out: Scratch WAV path espeak-ng writes to.

    Raises:
        EspeakNotFoundError: espeak-ng is missing.
        EspeakError: espeak-ng failed, timed out or wrote no audio.

    """
    cmd = espeak_command(espeak_binary(), voice, language, out)
    try:
        subprocess.run(
            cmd,
            input=text.encode("utf-8"),
            capture_output=True,
            check=True,
            timeout=_TIMEOUT_S,
        )
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode("utf-8", "replace").strip()
        raise EspeakError(
            f"espeak-ng failed ({exc.returncode}) on {text[:40]!r}: {stderr}"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EspeakError(f"espeak-ng timed out on {text[:40]!r}") from exc
    except OSError as exc:
        raise EspeakNotFoundError(f"cannot run espeak-ng: {exc}") from exc
    return _read_clip(out, text)


def _read_clip(path: Path, text: str) -> EspeakClip:
    """Read espeak-ng's WAV as mono float32, translating soundfile's errors."""
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, OSError) as exc:
        raise EspeakError(f"espeak-ng wrote no readable audio for {text[:40]!r}") from exc
    mono = samples.mean(axis=1).astype(np.float32)
    if mono.size == 0 or not np.any(mono):
        raise EspeakError(f"espeak-ng produced silence for {text[:40]!r}")
    return EspeakClip(samples=mono, sample_rate=int(rate))
