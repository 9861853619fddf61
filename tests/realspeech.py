"""A short hearing built from real human speech in ../shared/evalset (four speakers).

espeak-ng voices are intelligible to people but barely to Whisper base, so text and
language assertions use real recordings: two Kazakh and two Russian speakers from the
evalset, laid out one after another, as a mono mix and as four seat microphones with
bleed between them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 16000
CLIPS = (
    ("kk/kk_issai_speech_corpus_example_1", "kk", "judge"),
    ("ru/ru_golos_crowd_001ce26c", "ru", "plaintiff"),
    ("kk/kk_issai_speech_corpus_example_2", "kk", "defendant"),
    ("ru/ru_pisets_test_sound_ru", "ru", "witness"),
)
GAP_S = 1.0
BLEED_DB = -20.0


def evalset_dir() -> Path:
    """The shared evaluation set: $CR_EVALSET, else ../shared/evalset beside the repo."""
    configured = os.environ.get("CR_EVALSET")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[2] / "shared" / "evalset"
    )
    if not (path / "manifest.json").is_file():
        raise FileNotFoundError(f"evaluation set not found at {path} (set CR_EVALSET)")
    return path


@dataclass(frozen=True)
class RealTurn:
    start: float
    end: float
    role: str
    language: str
    text: str
    channel: int


@dataclass(frozen=True)
class RealHearing:
    mix: Path
    multi4: Path
    turns: tuple[RealTurn, ...]
    duration: float

    @property
    def channel_map(self) -> dict[int, str]:
        return {t.channel: t.role for t in self.turns}


def build_real_hearing(outdir: Path) -> RealHearing:
    """Write mix.wav and multi4.wav; return them with the known turns."""
    root = evalset_dir()
    rng = np.random.default_rng(7)
    pieces, turns, cursor = [], [], GAP_S
    for channel, (stem, language, role) in enumerate(CLIPS, start=1):
        audio, rate = sf.read(root / f"{stem}.wav", dtype="float32")
        assert rate == RATE
        audio = audio / max(1e-6, float(np.max(np.abs(audio)))) * 0.5
        text = (root / f"{stem}.txt").read_text(encoding="utf-8").strip()
        turns.append(RealTurn(cursor, cursor + len(audio) / RATE, role, language, text, channel))
        pieces.append((int(cursor * RATE), channel, audio))
        cursor += len(audio) / RATE + GAP_S
    total = int(cursor * RATE)
    multi = rng.normal(0, 10 ** (-65 / 20), size=(total, 4)).astype(np.float32)
    gain = 10 ** (BLEED_DB / 20)
    for offset, channel, audio in pieces:
        for ch in range(4):
            multi[offset : offset + len(audio), ch] += audio * (1.0 if ch == channel - 1 else gain)
    mix = np.mean(multi, axis=1) * 2
    outdir.mkdir(parents=True, exist_ok=True)
    sf.write(outdir / "real_mix.wav", mix, RATE, subtype="PCM_16")
    sf.write(outdir / "real_multi4.wav", multi, RATE, subtype="PCM_16")
    return RealHearing(
        outdir / "real_mix.wav", outdir / "real_multi4.wav", tuple(turns), total / RATE
    )
