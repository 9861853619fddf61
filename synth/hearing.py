"""Synthesise a whole hearing: speak, trim, lay out, and write mix, stereo and multi4 WAVs."""

import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from synth.dsp import music_stretch, resample, trim_silence
from synth.errors import EspeakError, ScriptError
from synth.espeak import espeak_binary, speak
from synth.model import MAX_SEATS, HearingScript, SynthHearing, Voice
from synth.render import MicSetup, peak_gain, write_wav
from synth.timeline import lay_out

__all__ = ["MUSIC_LEVEL", "ProgressHook", "synthesize"]

logger = logging.getLogger(__name__)

ProgressHook = Callable[[str, float, float], None]
"""``hook(step, completed, total)``, the progress protocol every long step shares."""

MUSIC_LEVEL = 0.5
"""Peak of the noise stretch relative to the median peak of the speech clips."""

_ClipKey = tuple[str, Voice, str]


def synthesize(
    script: HearingScript,
    outdir: Path,
    *,
    sample_rate: int = 16000,
    bleed_db: float = -24.0,
    noise_floor_db: float = -60.0,
    seed: int = 0,
    hook: ProgressHook | None = None,
) -> SynthHearing:
    """Speak ``script`` with espeak-ng and write ``mix.wav``, ``stereo.wav``, ``multi4.wav``.

    Each utterance is synthesised once (repeated sentences by the same voice are
    reused), resampled, trimmed to its audible span and placed after its pause, so
    the returned turns are exact to the sample. Output is deterministic for a script
    and seed.

    Args:
        script: What is said, by whom, where the noise stretch goes.
        outdir: Directory for the three WAV files; created if missing.
        sample_rate: Rate of every output file.
        bleed_db: Level (<= 0 dB) at which each microphone picks up other seats.
        noise_floor_db: RMS of the independent noise floor on every channel.
        seed: Seed of the noise floor and of the noise stretch.
        hook: Optional progress hook called as clips are synthesised.

    Returns:
        Paths, duration and ground truth of the hearing.

    Raises:
        EspeakNotFoundError: espeak-ng is not installed.
        EspeakError: espeak-ng failed on an utterance.
        ScriptError: An argument is out of range.
        SynthError: An output file cannot be written.

    """
    _check_args(sample_rate, bleed_db, noise_floor_db)
    espeak_binary()  # fail fast with the install hint before creating anything
    began = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    clips = _speak_all(script, sample_rate, hook)
    music = _music(script, clips, sample_rate, seed)
    layout = lay_out(script, clips, sample_rate, music)
    gain = peak_gain(layout)
    paths = {name: outdir / f"{name}.wav" for name in ("mix", "stereo", "multi4")}
    for name, channels in (("mix", 1), ("stereo", 2), ("multi4", MAX_SEATS)):
        setup = MicSetup(channels, bleed_db, noise_floor_db, seed)
        write_wav(paths[name], layout, setup, sample_rate, gain)
    duration = layout.n_samples / sample_rate
    logger.info(
        "synthesised %r: %.1f s of audio, %d turns, in %.2f s",
        script.title, duration, len(layout.turns), time.perf_counter() - began,
    )  # fmt: skip
    return SynthHearing(
        mix=paths["mix"],
        stereo=paths["stereo"],
        multi4=paths["multi4"],
        duration=duration,
        turns=layout.turns,
        speakers=script.speakers,
        channel_map_4=tuple(sorted((s.channel, s.role) for s in script.speakers)),
        noise=layout.noise,
        sample_rate=sample_rate,
    )


def _check_args(sample_rate: int, bleed_db: float, noise_floor_db: float) -> None:
    """Reject settings that would produce nonsense files instead of failing later."""
    if not 8000 <= sample_rate <= 48000:
        raise ScriptError(f"sample_rate must be 8000-48000 Hz, got {sample_rate}")
    if not (math.isfinite(bleed_db) and bleed_db <= 0.0):
        raise ScriptError(f"bleed_db must be <= 0, got {bleed_db}")
    if not (math.isfinite(noise_floor_db) and noise_floor_db < 0.0):
        raise ScriptError(f"noise_floor_db must be < 0, got {noise_floor_db}")


def _speak_all(
    script: HearingScript, sample_rate: int, hook: ProgressHook | None
) -> list[np.ndarray]:
    """Return one trimmed clip per utterance, running espeak-ng calls in parallel.

    espeak-ng is single-threaded and each call is short, so a thread pool of
    subprocesses brings a 30-minute benchmark hearing from tens of seconds to a few.
    """
    keys: list[_ClipKey] = [
        (u.text, script.speaker(u.speaker).voice, u.language) for u in script.utterances
    ]
    unique = list(dict.fromkeys(keys))
    done: dict[_ClipKey, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        jobs = [(key, Path(tmp) / f"u{i}.wav", sample_rate) for i, key in enumerate(unique)]
        workers = min(8, os.cpu_count() or 1, len(jobs))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for count, (key, clip) in enumerate(pool.map(_clip, jobs), start=1):
                done[key] = clip
                if hook is not None:
                    hook("synthesize", float(count), float(len(jobs)))
    return [done[key] for key in keys]


def _clip(job: tuple[_ClipKey, Path, int]) -> tuple[_ClipKey, np.ndarray]:
    """Speak one unique utterance, resample it and trim it to its audible span."""
    (text, voice, language), scratch, sample_rate = job
    raw = speak(text, voice, language, scratch)
    clip = trim_silence(resample(raw.samples, raw.sample_rate, sample_rate))
    if clip.size == 0:
        raise EspeakError(f"espeak-ng produced no audible speech for {text[:40]!r}")
    return (text, voice, language), np.ascontiguousarray(clip, dtype=np.float32)


def _music(
    script: HearingScript, clips: list[np.ndarray], sample_rate: int, seed: int
) -> np.ndarray | None:
    """Build the noise stretch at a level below typical speech, or None if not asked for."""
    if script.noise_after is None:
        return None
    rng = np.random.default_rng([seed, 7])
    stretch = music_stretch(round(script.noise_s * sample_rate), sample_rate, rng)
    level = float(np.median([np.abs(c).max() for c in clips])) * MUSIC_LEVEL
    return (stretch * level).astype(np.float32)
