"""The real-speech montage used by the benchmarks."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import numpy as np
import soundfile as sf

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_real_montage.py"


def load_script():
    spec = importlib.util.spec_from_file_location("make_real_montage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_montage_lays_real_clips_on_their_seats(tmp_path):
    reference = load_script().build(tmp_path, seconds=40, seed=3)
    turns = reference["turns"]
    assert turns and {t["language"] for t in turns} <= {"ru", "kk"}
    assert all(a["end"] < b["start"] for a, b in itertools.pairwise(turns))
    multi, rate = sf.read(tmp_path / "multi4.wav", dtype="float32")
    assert rate == 16000 and multi.shape[1] == 4 and len(multi) == 40 * rate
    for turn in turns:
        piece = multi[int(turn["start"] * rate) : int(turn["end"] * rate)]
        energy = np.mean(piece**2, axis=0)
        assert int(np.argmax(energy)) == turn["channel"] - 1
    assert json.loads((tmp_path / "reference.json").read_text())["seed"] == 3


def test_montage_reference_names_each_voice_in_json_and_rttm(tmp_path):
    """accuracy.py --montage scores DER by voice: the RTTM and the turns must agree."""
    from scripts._common import montage_hearing, parse_rttm

    outdir = tmp_path / "m60"
    load_script().build(outdir, seconds=60, seed=3)
    hearing = montage_hearing(outdir)
    assert hearing.duration == 60.0
    assert hearing.turns and all(t.speaker for t in hearing.turns)
    assert len({t.speaker for t in hearing.turns}) > 1
    rttm = parse_rttm((outdir / "reference.rttm").read_text(encoding="utf-8"))["m60"]
    assert [who for _, _, who in rttm] == [t.speaker for t in hearing.turns]
    assert [s for s, _, _ in rttm] == [round(t.start, 3) for t in hearing.turns]
