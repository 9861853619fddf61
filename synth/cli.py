"""``python -m synth OUTDIR [--long SECONDS]``: write a synthetic hearing and its truth.

Prints one ``name: value`` line per output so people can read it and benchmark
scripts can parse it with ``line.split(": ", 1)``.
"""

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from synth.errors import SynthError
from synth.hearing import synthesize
from synth.reference import write_reference, write_rttm
from synth.scripts import demo_script, long_script

__all__ = ["main", "parse_args"]

logger = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m synth",
        description="Synthesise a courtroom hearing with espeak-ng, with known turns.",
    )
    parser.add_argument("outdir", type=Path, help="directory for WAV, RTTM and JSON files")
    parser.add_argument(
        "--long", type=float, metavar="SECONDS", default=None,
        help="write a long benchmark hearing of about SECONDS instead of the demo",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the long hearing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the hearing, its RTTM and reference JSON; print their paths.

    Returns:
        Process exit status: 0 on success, 1 with a one-line message on failure.

    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    began = time.perf_counter()
    try:
        script = demo_script() if args.long is None else long_script(args.long, args.seed)
        hearing = synthesize(script, args.outdir)
        uri = "demo" if args.long is None else f"long{args.long:.0f}s_seed{args.seed}"
        rttm = write_rttm(hearing.turns, args.outdir / "reference.rttm", uri)
        reference = write_reference(hearing.turns, args.outdir / "reference.json")
    except SynthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = (
        ("title", script.title),
        ("mix", hearing.mix),
        ("stereo", hearing.stereo),
        ("multi4", hearing.multi4),
        ("rttm", rttm),
        ("reference", reference),
        ("uri", uri),
        ("duration_s", f"{hearing.duration:.3f}"),
        ("turns", len(hearing.turns)),
        ("channel_map", ",".join(f"{c}={r}" for c, r in hearing.channel_map_4)),
        ("synthesis_s", f"{time.perf_counter() - began:.2f}"),
    )
    for name, value in rows:
        print(f"{name}: {value}")
    return 0
