"""Benchmark protocol exports (json, txt, srt, vtt, docx, pdf) on a three-hour hearing.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_export.py                       # 3 h, 2,500 segments
    .venv/bin/python scripts/bench_export.py --segments 4000 --repeat 5
    .venv/bin/python scripts/bench_export.py --plot docs/bench-export.png --json out.json

It generates, in memory and deterministically (``--seed``), a hearing of ``--hours``
hours with ``--segments`` segments: six speakers with courtroom roles (judge,
prosecutor, defence under a typed name, defendant, witness, clerk), each segment in
Russian or Kazakh (about 40 % Kazakh; every lower-case Kazakh letter and the capitals
that begin words occur), 3 to 30 words with word timestamps, 3 % flagged
``low_confidence``. Segments are spread evenly over the time line, so the last one
ends near the hearing's end.

Each format is rendered ``--repeat`` times through the code the service uses
(``protocol.exports.export`` for the text formats, ``export_docx`` and
``export_pdf`` for the documents), after one untimed warm-up run, and the median
and minimum wall times are printed with the output size (and the PDF's page
count). Finding and checking the font is timed separately: it happens once per
process. Timings on a shared 2-core machine are figures to read, not pass/fail
results.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from _common import format_table, git_commit  # noqa: E402

from protocol.document import DocumentHeader  # noqa: E402
from protocol.docx_export import export_docx  # noqa: E402
from protocol.exports import FORMATS, export  # noqa: E402
from protocol.fonts import FontSet, find_fonts  # noqa: E402
from protocol.model import (  # noqa: E402
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
)
from protocol.pdf_export import export_pdf  # noqa: E402

__all__ = ["FormatTiming", "hearing", "main", "measure"]

logger = logging.getLogger("bench_export")


def _words(text: str) -> list[str]:
    return text.split()


SPEAKERS = (
    Speaker("S1", "Judge", "judge", 1),
    Speaker("S2", "Prosecutor", "prosecutor", 2),
    Speaker("S3", "Ахметов Б. К.", "defence", 3),
    Speaker("S4", "Defendant", "defendant", 4),
    Speaker("S5", "Witness", "witness", 5),
    Speaker("S6", "Clerk", "clerk", 6),
)


SPEAKER_WEIGHTS = (30, 15, 15, 15, 20, 5)  # the judge speaks most
KAZAKH_SHARE = 0.4
FLAGGED_SHARE = 0.03

RU_WORDS = _words(
    """
суд заседание продолжается стороны ходатайство приобщить материалам дела прошу
уважаемый поддерживаю возражаю свидетель показания договор займа расписка сумма
тенге ответчик истец обвинение защита вопрос ответ подтверждаю видел слышал была
было документы экспертиза заключение перерыв объявляется решение удовлетворить
отказать рассмотреть вправе разъясняю права обязанности ответственность ложные
    """
)
KK_WORDS = _words(
    """
сот отырыс жалғасады тараптар өтініш іс материалдарына қосу сұраймын құрметті
қолдаймын қарсымын куәгер айғақтар шарт қарыз қолхат сома теңге жауапкер талапкер
айыптау қорғау сұрақ жауап растаймын көрдім естідім құжаттар сараптама қорытынды
үзіліс жарияланады шешім қанағаттандыру бас тарту қарау құқылы түсіндіремін
әріптер ғимарат қатысушы жаңа өтінемін ұсынамын үкім һәм ілгері Әділет Ғалым Қазақстан
Өскемен Ұлттық Үміт Іле
    """
)


def _text(rng: random.Random, words: list[str], count: int) -> str:
    picked = [rng.choice(words) for _ in range(count)]
    picked[0] = picked[0][:1].upper() + picked[0][1:]
    return " ".join(picked) + rng.choice((".", ".", ".", "?", ","))


def hearing(hours: float, segments: int, seed: int) -> Protocol:
    """Generate a hearing protocol deterministically.

    Args:
        hours: Length of the hearing.
        segments: Number of segments, spread evenly over the time line.
        seed: Random seed; the same seed gives the same protocol.

    Returns:
        The protocol.

    """
    rng = random.Random(seed)
    slot = hours * 3600 / segments
    made = []
    for index in range(segments):
        language = "kk" if rng.random() < KAZAKH_SHARE else "ru"
        count = rng.randint(3, 30)
        text = _text(rng, KK_WORDS if language == "kk" else RU_WORDS, count)
        start = round(index * slot + rng.uniform(0, slot * 0.1), 3)
        step = slot * 0.85 / count
        words = tuple(
            Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), f" {w}", 0.9)
            for i, w in enumerate(text.split())
        )
        flags = ("low_confidence",) if rng.random() < FLAGGED_SHARE else ()
        speaker = rng.choices(SPEAKERS, SPEAKER_WEIGHTS)[0].id
        made.append(Segment(start, words[-1].end, speaker, language, text, words, flags))
    return Protocol(
        recording=RecordingInfo("5e" * 32, hours * 3600, 6, "hearing.wav", "wav"),
        pipeline=PipelineInfo("bench", "whisper-base", "channels", ("kk", "ru")),
        speakers=SPEAKERS,
        segments=tuple(made),
        created_at="2025-03-15T09:00:00Z",
    )


def header() -> DocumentHeader:
    """A signed, approved version's header, so the footer carries a signature."""
    return DocumentHeader(
        court_name="Специализированный межрайонный экономический суд г. Алматы",
        courtroom="Зал № 3",
        case_number="2-7514/2025",
        hearing_started_at=datetime(2025, 3, 15, 4, 0, tzinfo=UTC),
        version=2,
        protocol_sha256="3f" * 32,
        signature="MEUCIQDx3k9Zp0Yv1Qw8Rj2Lh5Tn7Bc4Fa6Gd0Ke3Jm9Ps2UwIgQ2b+V/5nXh8Lr1Tk4Yc7Wd0Za3M=",
        signing_key_id="court-almaty-2025",
        approved_by="Судья Нұрланова Ә. Ғ.",
        approved_at=datetime(2025, 3, 16, 6, 15, tzinfo=UTC),
    )


@dataclass(frozen=True)
class FormatTiming:
    """Timings of one format.

    Attributes:
        fmt: Format name.
        median_s: Median wall time of the timed runs.
        min_s: Fastest run.
        size_bytes: Output size (UTF-8 for text formats).
        pages: Page count (PDF only).

    """

    fmt: str
    median_s: float
    min_s: float
    size_bytes: int
    pages: int | None = None


Renderer = Callable[[Protocol], bytes]


def _text_renderer(fmt: str) -> Renderer:
    def render(protocol: Protocol) -> bytes:
        return export(protocol, fmt).encode("utf-8")

    return render


def _renderers(fonts: FontSet, doc_header: DocumentHeader) -> dict[str, Renderer]:
    renderers = {fmt: _text_renderer(fmt) for fmt in FORMATS}
    renderers["docx"] = lambda protocol: export_docx(protocol, doc_header)
    renderers["pdf"] = lambda protocol: export_pdf(protocol, doc_header, fonts)
    return renderers


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def measure(protocol: Protocol, fonts: FontSet, repeat: int) -> list[FormatTiming]:
    """Render every format ``repeat`` times after one warm-up run.

    Args:
        protocol: The hearing.
        fonts: Fonts for the PDF.
        repeat: Timed runs per format.

    Returns:
        One timing per format, in the order json, txt, srt, vtt, docx, pdf.

    """
    results = []
    for fmt, render in _renderers(fonts, header()).items():
        output = render(protocol)  # warm-up: imports, caches
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            output = render(protocol)
            times.append(time.perf_counter() - began)
        pages = _pdf_pages(output) if fmt == "pdf" else None
        results.append(FormatTiming(fmt, statistics.median(times), min(times), len(output), pages))
        logger.info("%s: median %.3f s", fmt, statistics.median(times))
    return results


def _time_fonts() -> tuple[FontSet, float]:
    began = time.perf_counter()
    fonts = find_fonts()
    return fonts, time.perf_counter() - began


def report(protocol: Protocol, timings: list[FormatTiming], font_s: float) -> dict[str, Any]:
    """Print the table and return the figures for JSON and the plot."""
    words = sum(len(s.words) for s in protocol.segments)
    title = "Protocol export benchmark"
    print(title)
    print("=" * len(title))
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}, python "
        f"{platform.python_version()}, fpdf2 {metadata.version('fpdf2')}, python-docx "
        f"{metadata.version('python-docx')}"
    )
    print(
        f"hearing: {protocol.recording.duration / 3600:g} h, {len(protocol.segments):,} "
        f"segments, {words:,} words, {len(protocol.speakers)} speakers"
    )
    print(f"find_fonts (cold, once per process): {font_s:.3f} s\n")
    rows = [
        (
            t.fmt,
            f"{t.median_s:.3f}",
            f"{t.min_s:.3f}",
            f"{t.size_bytes / 1e6:.2f}",
            t.pages if t.pages is not None else "",
        )
        for t in timings
    ]
    print(format_table(("format", "median s", "min s", "size MB", "pages"), rows))
    return {
        "hours": protocol.recording.duration / 3600,
        "segments": len(protocol.segments),
        "words": words,
        "find_fonts_s": round(font_s, 4),
        "formats": [t.__dict__ for t in timings],
        "commit": git_commit(),
    }


def plot(figures: dict[str, Any], out: Path) -> None:
    """Bar chart of median export time per format, labelled with the output size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    formats = figures["formats"]
    names = [f["fmt"] for f in formats]
    seconds = [f["median_s"] for f in formats]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.bar(names, seconds, color="#1f618d")
    for bar, item in zip(bars, formats, strict=True):
        label = f"{item['size_bytes'] / 1e6:.2f} MB"
        if item["pages"]:
            label += f"\n{item['pages']} pages"
        ax.annotate(
            label,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_ylabel("median wall time (s)")
    ax.set_ylim(0, max(seconds) * 1.25)
    ax.set_title(
        f"Export of a {figures['hours']:g}-hour hearing "
        f"({figures['segments']:,} segments, {figures['words']:,} words)"
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=3.0, help="hearing length (3)")
    parser.add_argument("--segments", type=int, default=2500, help="segments (2500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per format (3)")
    parser.add_argument("--plot", default="docs/bench-export.png", help="PNG figure path")
    parser.add_argument("--json", help="write the figures as JSON here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    fonts, font_s = _time_fonts()
    protocol = hearing(args.hours, args.segments, args.seed)
    figures = report(protocol, measure(protocol, fonts, args.repeat), font_s)
    figures["command"] = " ".join(sys.argv)
    if args.plot:
        plot(figures, Path(args.plot))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
