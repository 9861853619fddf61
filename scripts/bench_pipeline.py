"""Benchmark the whole pipeline against bare faster-whisper on the same file and model.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_pipeline.py                      # 5 and 30 min, mix
    .venv/bin/python scripts/bench_pipeline.py --minutes 5 --mode mix multi4
    .venv/bin/python scripts/bench_pipeline.py --input hearing.mp3 --json out.json

The question it answers is the issue's: does everything the pipeline adds around
Whisper (ingest, diarization, per-chunk language, merge) stay cheap? So both runs share
one process, one loaded ``WhisperModel`` and the same decoding settings, models are loaded
(and timed) before anything is measured, and a short warm-up runs first. Targets from the
issue: pipeline real-time factor <= 0.12 and pipeline wall time <= 1.5x bare. The script
prints PASS or MISS; it never fails on a miss, because timings on a shared 2-core machine
are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    BENCH_DIR,
    BenchHearing,
    RssSampler,
    StepClock,
    bare_transcribe,
    format_table,
    load_engines,
    machine_summary,
    max_rss_mb,
    print_header,
    setup_logging,
    synth_hearing,
    verdict,
    write_json,
)

logger = logging.getLogger(__name__)

TARGET_RTF = 0.12
"""Pipeline wall time per second of audio (issue target)."""
TARGET_RATIO = 1.5
"""Pipeline wall time over bare faster-whisper wall time (issue target)."""
WARMUP_SECONDS = 30.0
STEP_ORDER = ("probe", "normalize", "diarize", "transcribe", "merge", "other")


@dataclass(frozen=True)
class Recording:
    """One file to benchmark.

    Attributes:
        name: Label in tables and on the figure.
        mono: What bare faster-whisper transcribes (the mix, or the input file).
        runs: ``(mode, path, channel_map)`` for each pipeline run.
        duration: Audio seconds.

    """

    name: str
    mono: Path
    runs: tuple[tuple[str, Path, dict[int, str]], ...]
    duration: float


@dataclass
class PipelineRun:
    """Measurements of one ``process_recording`` call."""

    mode: str
    phase: RssSampler
    steps: dict[str, float]
    lead_ins: dict[str, float]
    windows: tuple[float, float, float]
    segments: int
    speakers: int
    diarizer: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "mode": self.mode,
            **self.phase.as_dict(),
            "steps_s": {k: round(v, 3) for k, v in self.steps.items()},
            "lead_ins_s": {k: round(v, 3) for k, v in self.lead_ins.items()},
            "transcribe_windows_first_pass": self.windows[0],
            "transcribe_windows_total": self.windows[1],
            "transcribe_second_pass_s": round(self.windows[2], 3),
            "segments": self.segments,
            "speakers": self.speakers,
            "diarizer": self.diarizer,
        }


@dataclass
class Result:
    """Everything measured on one recording."""

    recording: Recording
    bare: RssSampler
    bare_language: str
    bare_segments: int
    runs: list[PipelineRun] = field(default_factory=list)
    round: int = 0
    rounds: int = 1

    @property
    def label(self) -> str:
        """The recording's name, with the round when there are several."""
        name = self.recording.name
        return f"{name} #{self.round + 1}" if self.rounds > 1 else name


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes",
        type=float,
        nargs="+",
        default=[5.0, 30.0],
        help="lengths of synthetic hearings to benchmark (default: 5 30)",
    )
    parser.add_argument(
        "--input", type=Path, nargs="+", default=None, help="benchmark these files instead"
    )
    parser.add_argument(
        "--mode",
        nargs="+",
        choices=("mix", "multi4"),
        default=["mix"],
        help="pipeline input for synthetic hearings: the mono mix (ML diarization) and/or "
        "multi4.wav with its channel map (channel attribution); default: mix",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic hearings")
    parser.add_argument(
        "--bare-language",
        default="auto",
        help="language of the bare run: 'auto' (detected per segment, faster-whisper's "
        "multilingual mode), 'once' (detected once per file) or a code such as 'ru'",
    )
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.png"))
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=1,
        help="rounds per recording; bare and pipeline swap order every round, and the "
        "verdict is taken on the median ratio (the machine's speed drifts by ~10%%)",
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up run")
    parser.add_argument("--fresh", action="store_true", help="re-synthesise cached hearings")
    parser.add_argument("--verbose", "-v", action="store_true", help="show library logs")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def bare_options(choice: str) -> dict[str, Any]:
    """Translate ``--bare-language`` into faster-whisper arguments."""
    if choice == "auto":
        return {"language": None, "multilingual": True}
    if choice == "once":
        return {"language": None, "multilingual": False}
    return {"language": choice, "multilingual": False}


def synthetic_recording(minutes: float, seed: int, modes: Sequence[str], fresh: bool) -> Recording:
    """Synthesise (or reuse) a hearing of about ``minutes`` and describe its runs."""
    from synth import long_script

    name = f"long{minutes:g}min_seed{seed}"
    hearing = synth_hearing(name, long_script(minutes * 60, seed), BENCH_DIR, fresh)
    return _recording_of(hearing, f"{minutes:g} min", modes)


def _recording_of(hearing: BenchHearing, label: str, modes: Sequence[str]) -> Recording:
    runs = []
    for mode in modes:
        if mode == "mix":
            runs.append(("mix", hearing.mix, {}))
        else:
            runs.append(("multi4", hearing.multi4, hearing.channel_map))
    return Recording(label, hearing.mix, tuple(runs), hearing.duration)


def input_recordings(paths: Sequence[Path]) -> list[Recording]:
    """Describe user-supplied files: bare and pipeline both read each file as it is.

    Files are labelled by name, or by parent directory and name when two share a name
    (``real5/mix.wav``, ``real30/mix.wav``).
    """
    from ingest import probe

    names = [path.name for path in paths]
    result = []
    for path in paths:
        label = path.name if names.count(path.name) == 1 else f"{path.parent.name}/{path.name}"
        result.append(Recording(label, path, (("input", path, {}),), probe(path).duration))
    return result


def run_pipeline(engines: Any, mode: str, path: Path, channel_map: dict[int, str]) -> PipelineRun:
    """Run ``process_recording`` once, timing its steps through the progress hook."""
    from worker.pipeline import HearingOptions, process_recording

    clock = StepClock()
    options = HearingOptions(languages=("kk", "ru"), channel_map=channel_map)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, RssSampler() as phase:
        started = time.perf_counter()
        protocol = process_recording(path, Path(tmp), engines, options, hook=clock.hook)
        finished = time.perf_counter()
    return PipelineRun(
        mode=mode,
        phase=phase,
        steps=clock.split(started, finished),
        lead_ins=clock.lead_ins(started),
        windows=clock.growth("transcribe"),
        segments=len(protocol.segments),
        speakers=len(protocol.speakers),
        diarizer=protocol.pipeline.diarizer,
    )


def warm_up(engines: Any, config: Any, modes: Sequence[str], bare: dict[str, Any]) -> RssSampler:
    """Run every code path once on a short hearing, so first-call costs are not timed.

    First calls pay for lazy initialisation (CTranslate2 buffers, torch kernels, Silero
    VAD session); a worker pays those once per process, so they belong with model
    loading, not with every recording. The 30 s hearing never reaches the UMAP + HDBSCAN
    clustering of recordings over 20 minutes, whose numba compilation (about 10 s, and
    30 s more past 4,096 embeddings) ``load_engines`` does and times on its own, as a
    worker does at start-up. Before 2026-12-03 that compilation was inside the first
    recording over 20 minutes of each run.
    """
    from synth import long_script

    hearing = synth_hearing("warmup", long_script(WARMUP_SECONDS, 1), BENCH_DIR)
    with RssSampler() as phase:
        bare_transcribe(engines.whisper._model, hearing.mix, config, **bare)
        for mode, path, channel_map in _recording_of(hearing, "warmup", modes).runs:
            run_pipeline(engines, mode, path, channel_map)
    logger.info("warm-up done in %.1f s", phase.wall_s)
    return phase


def measure(
    engines: Any,
    config: Any,
    recording: Recording,
    bare: dict[str, Any],
    round_: tuple[int, int] = (0, 1),
) -> Result:
    """Time bare faster-whisper and each pipeline run on one recording.

    Args:
        engines: Loaded models.
        config: The transcription config (the bare run decodes with it).
        recording: What to run.
        bare: faster-whisper language arguments.
        round_: ``(index, count)``, index from 0; odd indexes (rounds #2, #4, ...) run the
            pipeline first, so a drift of the machine's speed does not always favour
            the same side.

    """
    pipeline_runs: list[PipelineRun] = []

    def run_all_pipelines() -> None:
        for mode, path, channel_map in recording.runs:
            logger.info("%s: pipeline on %s (%s)", recording.name, path.name, mode)
            pipeline_runs.append(run_pipeline(engines, mode, path, channel_map))

    if round_[0] % 2:
        run_all_pipelines()
    logger.info("%s: bare faster-whisper on %s", recording.name, recording.mono.name)
    with RssSampler() as phase:
        run = bare_transcribe(engines.whisper._model, recording.mono, config, **bare)
    if not round_[0] % 2:
        run_all_pipelines()
    return Result(
        recording,
        phase,
        run.language,
        len(run.segments),
        pipeline_runs,
        round=round_[0],
        rounds=round_[1],
    )


def _print_progress(res: Result) -> None:
    """Print one line per run as soon as a recording is done (long runs can be cut off)."""
    dur = res.recording.duration
    parts = [f"bare {res.bare.wall_s:.1f} s (RTF {res.bare.wall_s / dur:.3f})"]
    parts += [
        f"pipeline {run.mode} {run.phase.wall_s:.1f} s (RTF {run.phase.wall_s / dur:.3f}, "
        f"{run.phase.wall_s / res.bare.wall_s:.2f}x bare)"
        for run in res.runs
    ]
    print(f"done {res.label} ({dur:.0f} s audio): " + "; ".join(parts), flush=True)


def report(
    results: Sequence[Result], loads: dict[str, RssSampler], warmup: RssSampler | None
) -> None:
    """Print load times, the comparison table, the step split, memory and the verdicts."""
    phases = dict(loads)
    if warmup is not None:
        phases[f"warm-up ({WARMUP_SECONDS:.0f} s hearing)"] = warmup
    print("\nModel loading and warm-up (once per process, not in any recording's time)")
    rows = [(name, f"{p.wall_s:.1f}", f"{p.peak_mb:.0f}") for name, p in phases.items()]
    print(format_table(("phase", "wall s", "peak RSS MiB"), rows))

    print("\nWall time, bare faster-whisper vs pipeline (same process, model and settings)")
    rows = []
    for res in results:
        rows.append(_time_row(res, "bare", res.bare))
        rows.extend(_time_row(res, f"pipeline ({run.mode})", run.phase) for run in res.runs)
    headers = ("recording", "audio s", "run", "wall s", "RTF", "x bare", "CPU/wall", "load 1m")
    print(format_table(headers, rows))
    print("(CPU/wall: CPU seconds of this process per wall second; 2.0 = both cores busy.")
    print(" load 1m: load average at start/end; above ~2 means other processes competed.)")

    pairs = [(res, run) for res in results for run in res.runs]
    print("\nPipeline time per step, seconds (share of the pipeline's wall time)")
    rows = [(res.label, run.mode, *_step_cells(run)) for res, run in pairs]
    print(format_table(("recording", "mode", *STEP_ORDER), rows))
    print("Inside those steps, seconds (hash is in normalize; read+VAD+plan, decode and")
    print("decode again are in transcribe; windows = first pass + units decoded again):")
    rows = [(res.label, run.mode, *_detail_cells(run)) for res, run in pairs]
    headers = (
        "recording", "mode", "hash", "read+VAD+plan", "decode", "decode again",
        "windows", "segments", "speakers", "diarizer",
    )  # fmt: skip
    print(format_table(headers, rows))

    print("\nMemory: resident set size of this process, MiB (sampled every 20 ms)")
    rows = []
    for res in results:
        rows.append(_memory_row(res.label, "bare", res.bare))
        rows.extend(_memory_row(res.label, f"pipeline ({run.mode})", run.phase) for run in res.runs)
    print(format_table(("recording", "run", "RSS at start", "peak in phase", "VmHWM after"), rows))
    print(
        f"ru_maxrss overall: {max_rss_mb():.0f} MiB (this process; ffmpeg and espeak-ng run "
        "as child processes and are not included)"
    )

    print(f"\nTargets (issue): pipeline RTF <= {TARGET_RTF}, pipeline <= {TARGET_RATIO}x bare")
    rows = []
    for res, run in pairs:
        rtf = run.phase.wall_s / res.recording.duration
        ratio = run.phase.wall_s / res.bare.wall_s
        rows.append(
            (res.label, run.mode, f"{rtf:.3f}", verdict(rtf <= TARGET_RTF),
             f"{ratio:.2f}", verdict(ratio <= TARGET_RATIO))
        )  # fmt: skip
    headers = ("recording", "mode", "RTF", f"RTF <= {TARGET_RTF}", "x bare", f"<= {TARGET_RATIO}x")
    print(format_table(headers, rows))


def report_medians(results: Sequence[Result]) -> None:
    """Median wall times and ratio over the rounds of each recording, with the verdicts."""
    groups: dict[tuple[str, str], list[tuple[float, float]]] = {}
    durations: dict[str, float] = {}
    for res in results:
        durations[res.recording.name] = res.recording.duration
        for run in res.runs:
            key = (res.recording.name, run.mode)
            groups.setdefault(key, []).append((res.bare.wall_s, run.phase.wall_s))
    print(f"\nMedian over rounds (targets: RTF <= {TARGET_RTF}, <= {TARGET_RATIO}x bare)")
    rows = []
    for (name, mode), pairs in groups.items():
        ratios = [pipe / bare for bare, pipe in pairs]
        rtf = statistics.median(pipe for _b, pipe in pairs) / durations[name]
        ratio = statistics.median(ratios)
        rows.append(
            (name, mode, str(len(pairs)),
             f"{statistics.median(b for b, _p in pairs):.1f}",
             f"{statistics.median(p for _b, p in pairs):.1f}",
             " ".join(f"{r:.2f}" for r in ratios),
             f"{rtf:.3f}", verdict(rtf <= TARGET_RTF),
             f"{ratio:.2f}", verdict(ratio <= TARGET_RATIO))
        )  # fmt: skip
    headers = (
        "recording", "mode", "rounds", "bare s", "pipeline s", "x bare per round",
        "RTF", f"RTF <= {TARGET_RTF}", "x bare", f"<= {TARGET_RATIO}x",
    )  # fmt: skip
    print(format_table(headers, rows))


def _time_row(res: Result, run: str, phase: RssSampler) -> tuple[str, ...]:
    first = run == "bare"
    dur = res.recording.duration
    return (
        res.label if first else "",
        f"{dur:.0f}" if first else "",
        run,
        f"{phase.wall_s:.1f}",
        f"{phase.wall_s / dur:.3f}",
        f"{phase.wall_s / res.bare.wall_s:.2f}",
        f"{phase.cpu_s / phase.wall_s:.2f}",
        f"{phase.load_avg[0]:.1f}/{phase.load_avg[1]:.1f}",
    )


def _step_cells(run: PipelineRun) -> list[str]:
    total = run.phase.wall_s
    return [
        f"{run.steps.get(s, 0.0):.1f} ({100 * run.steps.get(s, 0.0) / total:.0f}%)"
        for s in STEP_ORDER
    ]


def _decode_s(run: PipelineRun) -> float:
    """Transcribe time after the first progress call: batched decoding and guards."""
    return run.steps.get("transcribe", 0.0) - run.lead_ins.get("transcribe", 0.0)


def _second_pass_s(run: PipelineRun) -> float:
    """Decode time after the progress total grew (units decoded again on their own)."""
    return run.windows[2]


def _detail_cells(run: PipelineRun) -> list[str]:
    return [
        f"{run.lead_ins.get('normalize', 0.0):.1f}",
        f"{run.lead_ins.get('transcribe', 0.0):.1f}",
        f"{_decode_s(run) - _second_pass_s(run):.1f}",
        f"{_second_pass_s(run):.1f}",
        f"{run.windows[0]:.0f}+{run.windows[1] - run.windows[0]:.0f}",
        str(run.segments),
        str(run.speakers),
        run.diarizer,
    ]


def _memory_row(name: str, run: str, phase: RssSampler) -> tuple[str, ...]:
    return (name, run, f"{phase.start_mb:.0f}", f"{phase.peak_mb:.0f}", f"{phase.hwm_mb:.0f}")


_COLOURS = {
    "probe+normalize": "#9ecae1",
    "diarize": "#fdae6b",
    "transcribe: read+VAD+plan": "#a1d99b",
    "transcribe: decode": "#31a354",
    "transcribe: decode again": "#006d2c",
    "merge+other": "#bcbddc",
}


def _parts(run: PipelineRun) -> dict[str, float]:
    """Group the steps into the stacks drawn on the figure."""
    steps = run.steps
    return {
        "probe+normalize": steps.get("probe", 0.0) + steps.get("normalize", 0.0),
        "diarize": steps.get("diarize", 0.0),
        "transcribe: read+VAD+plan": run.lead_ins.get("transcribe", 0.0),
        "transcribe: decode": _decode_s(run) - _second_pass_s(run),
        "transcribe: decode again": _second_pass_s(run),
        "merge+other": steps.get("merge", 0.0) + steps.get("other", 0.0),
    }


def draw(results: Sequence[Result], out: Path, title: str) -> None:
    """Draw bare vs pipeline real-time factors with the pipeline split by step.

    The y axis is the real-time factor (wall time / audio time) rather than seconds, so
    recordings of different lengths share one axis and the RTF target is one line; each
    bar is labelled with its wall time in seconds, and a dotted tick over each pipeline
    bar marks 1.5x that recording's bare time.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = [(res, run) for res in results for run in res.runs]
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * len(pairs) + 3), 4.8), dpi=120)
    width = 0.38
    for i, (res, run) in enumerate(pairs):
        dur = res.recording.duration
        first = i == 0
        bare = res.bare.wall_s / dur
        ax.bar(i - width / 2, bare, width, color="#636363", label="bare" if first else None)
        ax.text(i - width / 2, bare, f"{res.bare.wall_s:.0f} s", ha="center", va="bottom")
        bottom = 0.0
        for name, seconds in _parts(run).items():
            label = f"pipeline: {name}" if first else None
            ax.bar(i + width / 2, seconds / dur, width, bottom, color=_COLOURS[name], label=label)
            bottom += seconds / dur
        ax.text(i + width / 2, bottom, f"{run.phase.wall_s:.0f} s", ha="center", va="bottom")
        ax.hlines(
            TARGET_RATIO * bare, i, i + width, colors="#d62728", linestyles=":",
            label=f"{TARGET_RATIO}x bare (target)" if first else None,
        )  # fmt: skip
    ax.axhline(TARGET_RTF, color="#d62728", linestyle="--", label=f"RTF {TARGET_RTF} (target)")
    ax.set_xticks(range(len(pairs)))
    ax.set_xticklabels([f"{res.label}\n{run.mode}" for res, run in pairs])
    ax.set_ylabel("real-time factor (wall time / audio time)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    logger.info("wrote %s", out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    args = parse_args(argv)
    setup_logging(args.verbose)
    summary = machine_summary()
    print_header("Pipeline benchmark: bare faster-whisper vs process_recording", summary)
    print("command: " + " ".join(["python", *sys.argv]))
    bare = bare_options(args.bare_language)

    if args.input:
        recordings = input_recordings(args.input)
    else:
        recordings = [
            synthetic_recording(m, args.seed, args.mode, args.fresh) for m in args.minutes
        ]
    engines, config, loads = load_engines()
    print(
        f"model {engines.whisper.model_name}, {config.device}/{config.compute_type}, "
        f"beam {config.beam_size}, batch {config.batch_size}, "
        f"cpu_threads {config.cpu_threads or 'all'}; bare language: {args.bare_language}"
    )
    modes = sorted({mode for rec in recordings for mode, _p, _m in rec.runs} - {"input"})
    warmup = None if args.no_warmup else warm_up(engines, config, modes or ["mix"], bare)
    results: list[Result] = []
    for rec in recordings:
        for index in range(args.repeat):
            results.append(measure(engines, config, rec, bare, (index, args.repeat)))
            _print_progress(results[-1])
        if args.json:  # keep what is done if a long run is interrupted
            write_json(args.json, _as_json(summary, loads, warmup, results, args))
    report(results, loads, warmup)
    if args.repeat > 1:
        report_medians(results)
    draw(
        results,
        args.out,
        f"commit {summary['commit']}, {summary['cores']} CPU cores, {summary['date_utc']}",
    )
    print(f"\nfigure: {args.out}")
    if args.json:
        write_json(args.json, _as_json(summary, loads, warmup, results, args))
        print(f"json: {args.json}")
    return 0


def _as_json(
    summary: dict[str, Any],
    loads: dict[str, RssSampler],
    warmup: RssSampler | None,
    results: Sequence[Result],
    args: argparse.Namespace,
) -> dict[str, Any]:
    return {
        "machine": summary,
        "targets": {"rtf": TARGET_RTF, "ratio": TARGET_RATIO},
        "bare_language": args.bare_language,
        "loads": {name: p.as_dict() for name, p in loads.items()},
        "warmup": warmup.as_dict() if warmup else None,
        "ru_maxrss_mb": round(max_rss_mb(), 1),
        "recordings": [
            {
                "name": res.recording.name,
                "round": res.round,
                "file": str(res.recording.mono),
                "duration_s": round(res.recording.duration, 3),
                "bare": {
                    **res.bare.as_dict(),
                    "language": res.bare_language,
                    "segments": res.bare_segments,
                },
                "pipeline": [run.as_dict() for run in res.runs],
            }
            for res in results
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
