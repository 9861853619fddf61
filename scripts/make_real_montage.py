"""Build a long recording from the real human speech in ../shared/evalset.

Benchmarks on espeak-ng speech overstate Whisper's trouble (synthetic voices make it loop
and guess languages); this montage lays the evalset's real Russian and Kazakh clips end
to end, in a seeded order with natural pauses, as a mono mix and as four seat microphones
with bleed, so speed can also be measured on real speech. Each clip keeps its speaker's
seat. Usage::

    python scripts/make_real_montage.py OUTDIR --seconds 300 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from synth import SynthTurn, write_rttm

logger = logging.getLogger(__name__)

RATE = 16000
BLEED_DB = -20.0


def evalset_dir() -> Path:
    """$CR_EVALSET, else ../shared/evalset beside the repository."""
    configured = os.environ.get("CR_EVALSET")
    return (
        Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared/evalset"
    )


def load_clips(root: Path) -> list[tuple[np.ndarray, str, str, int, str]]:
    """The Russian and Kazakh clips of the manifest: (audio, language, text, seat, voice).

    Each clip is one person, so its file name stands for the voice in the reference.
    """
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    clips = []
    for seat, entry in enumerate(e for e in manifest if e.get("lang") in ("ru", "kk")):
        audio, rate = sf.read(root / entry["file"], dtype="float32", always_2d=False)
        if rate != RATE or audio.ndim != 1:
            raise SystemExit(f"{entry['file']}: expected 16 kHz mono")
        text = (root / entry["reference_files"][0]).read_text(encoding="utf-8").strip()
        clips.append(
            (
                audio / max(1e-6, float(np.abs(audio).max())) * 0.5,
                entry["lang"],
                text,
                seat % 4,
                Path(entry["file"]).stem,
            )
        )
    return clips


def build(outdir: Path, seconds: float, seed: int) -> dict[str, object]:
    """Write mix.wav, multi4.wav, reference.json and reference.rttm; return the reference."""
    rng = np.random.default_rng(seed)
    clips = load_clips(evalset_dir())
    total = int(seconds * RATE)
    multi = rng.normal(0, 10 ** (-65 / 20), size=(total, 4)).astype(np.float32)
    turns: list[dict[str, Any]] = []
    cursor = int(RATE * 0.5)
    while True:
        audio, language, text, seat, voice = clips[int(rng.integers(len(clips)))]
        if cursor + len(audio) > total:
            break
        for ch in range(4):
            gain = 1.0 if ch == seat else 10 ** (BLEED_DB / 20)
            multi[cursor : cursor + len(audio), ch] += audio * gain
        turns.append(
            {
                "start": cursor / RATE,
                "end": (cursor + len(audio)) / RATE,
                "language": language,
                "text": text,
                "channel": seat + 1,
                "speaker": voice,
            }
        )
        cursor += len(audio) + int(RATE * rng.uniform(0.4, 1.5))
    outdir.mkdir(parents=True, exist_ok=True)
    sf.write(outdir / "multi4.wav", multi, RATE, subtype="PCM_16")
    sf.write(outdir / "mix.wav", multi.mean(axis=1) * 2, RATE, subtype="PCM_16")
    reference = {"seconds": seconds, "seed": seed, "turns": turns}
    (outdir / "reference.json").write_text(json.dumps(reference, ensure_ascii=False, indent=1))
    write_rttm(
        (
            SynthTurn(
                t["start"],
                t["end"],
                t["speaker"],
                f"seat{t['channel']}",
                t["language"],
                t["text"],
                t["channel"],
            )
            for t in turns
        ),
        outdir / "reference.rttm",
        outdir.name,
    )
    return reference


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reference = build(args.outdir, args.seconds, args.seed)
    print(f"{args.outdir}/mix.wav, {args.outdir}/multi4.wav: {len(reference['turns'])} turns")


if __name__ == "__main__":
    main()
