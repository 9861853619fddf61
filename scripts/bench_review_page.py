"""Benchmark the review page on a three-hour hearing: time to interactive and tab memory.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_review_page.py                 # 3 h, 2,000 segments, 3 runs
    .venv/bin/python scripts/bench_review_page.py --runs 5 --json out.json
    .venv/bin/python scripts/bench_review_page.py --hours 1 --segments 700 --plot ''

Set-up (once): a deterministic protocol of ``--hours`` hours with ``--segments`` segments
(:func:`bench_export.hearing`: six speakers with roles, Russian and Kazakh, word timings,
3 % flagged), and ``--hours`` of 16 kHz mono WAV silence made by ffmpeg (``anullsrc``;
about 345 MB for 3 hours) in a temporary directory. The real app runs under uvicorn on a
loopback port with a SQLite file and the filesystem store (``tests/web/conftest.py``'s
:class:`LiveServer`); the WAV is uploaded through the API with a recorder's token, and
the hearing is finished the way the worker finishes one (protocol version 1 and the
audio stored, the job done, the text indexed). The temporary directory, WAV included,
is deleted at the end.

Each run launches a fresh Debian Chromium (headless, ``/usr/bin/chromium``; every
request to a host other than the app's is aborted and fails the run), signs in as a
judge through the sign-in form, leaves for ``about:blank`` and then loads
``/#/hearing/<id>`` as a new document. Measured, in milliseconds from the navigation
start of that document (``performance.now()`` = 0):

- **segments in DOM**: every ``[data-testid=segment]`` is in the document
  (a MutationObserver installed before the page's scripts run);
- **first frame after**: the first animation frame after that, i.e. the list painted;
- **TTI** (time to interactive): as soon as the last segment's last word exists,
  Playwright clicks it (a trusted click, queued behind whatever the main thread is
  doing, after Playwright scrolls it into view) and TTI is the moment the player's
  ``currentTime`` equals that word's ``data-start`` (``seeking`` event, or an
  animation-frame poll if the audio had no metadata yet). It therefore includes the
  page's own work, Playwright's scroll-and-click round trip (a few tens of ms) and the
  seek;
- **longest task**: the longest main-thread task (``PerformanceObserver('longtask')``,
  tasks over 50 ms) up to TTI, and **blocking**: the sum of their parts over 50 ms;
- **JS heap**: ``JSHeapUsedSize`` of CDP ``Performance.getMetrics`` after a forced
  garbage collection, with the DOM node count;
- **renderer RSS**: resident memory (``VmRSS`` in ``/proc``) of the tab's renderer
  process, found with CDP ``SystemInfo.getProcessInfo`` (the largest renderer of the
  browser, which has only this tab);
- **seek / highlight while playing**: with the audio playing, clicks on words of
  ``--clicks`` segments spread over the hearing (trusted clicks again); from the click
  event's timestamp to the player's ``seeking`` event, and to the clicked segment getting
  the ``current`` class. Medians per run.

The table shows the median of the runs, with min and max; ``--plot`` draws the medians.
Timings on a shared 2-core machine are figures to read, not pass/fail results.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from _common import format_table, git_commit  # noqa: E402
from bench_export import hearing  # noqa: E402

from tests.web.conftest import (  # noqa: E402
    PASSWORDS,
    LiveServer,
    NetworkGuard,
    launch_browser,
    make_silence_wav,
    seed_people,
)

__all__ = ["main", "measure_run"]

logger = logging.getLogger("bench_review_page")

SEGMENT = "[data-testid=segment]"
WORD = "[data-testid=word]"
PLAYER = "[data-testid=player]"
CASE = "2-7514/2025"

# Installed before the page's own scripts; records times in performance.now() units.
INIT_SCRIPT = """
(() => {
  const b = window.__bench = {
    expected: %(expected)d, dom: null, frame: null, seekDone: null, seekTarget: null,
    clicks: [], seeks: [], highlights: [], longtasks: [],
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { b.longtaskError = String(e); }
  const sel = '[data-testid=segment]';
  const check = () => {
    if (b.dom !== null) return;
    if (document.querySelectorAll(sel).length >= b.expected) {
      b.dom = performance.now();
      requestAnimationFrame(() => setTimeout(() => { b.frame = performance.now(); }, 0));
    }
  };
  new MutationObserver((records) => {
    check();
    for (const r of records) {
      if (r.type === 'attributes' && r.target.classList && r.target.classList.contains('current')
          && r.target.matches && r.target.matches(sel)) {
        b.highlights.push([performance.now(), r.target.getAttribute('data-bench') || '']);
      }
    }
  }).observe(document, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['class'],
  });
  const poll = () => {
    if (b.seekTarget === null || b.seekDone !== null) return;
    const a = document.querySelector('[data-testid=player]');
    if (a && Math.abs(a.currentTime - b.seekTarget) < 0.05) b.seekDone = performance.now();
    else requestAnimationFrame(poll);
  };
  document.addEventListener('click', (e) => {
    if (!e.isTrusted) return;
    b.clicks.push([e.timeStamp, performance.now()]);
    if (b.seekTarget !== null && b.seekDone === null) requestAnimationFrame(poll);
  }, true);
  document.addEventListener('seeking', (e) => {
    const now = performance.now();
    b.seeks.push([now, e.target.currentTime]);
    if (b.seekTarget !== null && b.seekDone === null
        && Math.abs(e.target.currentTime - b.seekTarget) < 0.05) b.seekDone = now;
  }, true);
})();
"""


def _renderer_rss_mb(browser: Any) -> float | None:
    """Resident memory of the browser's largest renderer process, in MB."""
    session = browser.new_browser_cdp_session()
    try:
        info = session.send("SystemInfo.getProcessInfo")
    finally:
        session.detach()
    best = None
    for process in info.get("processInfo", []):
        if process.get("type") != "renderer":
            continue
        try:
            status = Path(f"/proc/{process['id']}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                kb = int(line.split()[1])
                best = max(best or 0, kb)
    return None if best is None else best / 1024


def _sign_in(page: Any, username: str) -> None:
    page.goto("/")
    page.fill("[data-testid=login-username]", username)
    page.fill("[data-testid=login-password]", PASSWORDS[username])
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=login-submit]", state="detached")


def _tagged_words(page: Any, indexes: list[int]) -> list[float]:
    """Tag the segments at ``indexes`` (``data-bench``) and return their middle word's start."""
    return page.evaluate(
        """([sel, word, indexes]) => {
          const all = document.querySelectorAll(sel);
          return indexes.map((i) => {
            all[i].setAttribute('data-bench', String(i));
            const words = all[i].querySelectorAll(word);
            return parseFloat(words[Math.floor(words.length / 2)].getAttribute('data-start'));
          });
        }""",
        [SEGMENT, WORD, indexes],
    )


def measure_run(
    playwright: Any, url: str, recording_id: str, expected: int, clicks: int, timeout_s: float
) -> dict[str, Any]:
    """One cold load of the review page in a fresh browser; returns the figures."""
    browser = launch_browser(playwright, ["--enable-precise-memory-info"])
    guard = NetworkGuard(url)
    try:
        context = browser.new_context(base_url=url, viewport={"width": 1366, "height": 768})
        context.set_default_timeout(timeout_s * 1000)
        guard.install(context)
        page = context.new_page()
        page.add_init_script(INIT_SCRIPT % {"expected": expected})
        _sign_in(page, "judge")
        page.goto("about:blank")
        began = time.perf_counter()
        page.goto(f"/#/hearing/{recording_id}", wait_until="commit")
        page.wait_for_function("() => window.__bench && window.__bench.dom !== null", polling=50)
        last = page.locator(SEGMENT).last.locator(WORD).last
        target = float(last.get_attribute("data-start"))
        page.evaluate("t => { window.__bench.seekTarget = t }", target)
        last.click()
        page.wait_for_function("() => window.__bench.seekDone !== null", polling=50)
        page.wait_for_function("() => window.__bench.frame !== null", polling=50)
        wall_s = time.perf_counter() - began
        bench = page.evaluate(
            "() => { const b = window.__bench; return {dom: b.dom, frame: b.frame,"
            " seekDone: b.seekDone, clicks: b.clicks, longtasks: b.longtasks,"
            " longtaskError: b.longtaskError || null} }"
        )
        tti = bench["seekDone"]
        tasks = [d for start, d in bench["longtasks"] if start <= tti]
        resources = page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/protocol'))"
            ".map(e => [e.name, e.responseEnd - e.startTime, e.encodedBodySize])"
        )

        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        rss = _renderer_rss_mb(browser)

        seek_ms, highlight_ms = _playback_clicks(page, expected, clicks)
        problems = guard.problems()
        if problems:
            raise RuntimeError("; ".join(problems))
        return {
            "dom_ms": bench["dom"],
            "frame_ms": bench["frame"],
            "tti_ms": tti,
            "click_at_ms": bench["clicks"][-1][0] if bench["clicks"] else None,
            "click_to_seek_at_load_ms": tti - bench["clicks"][-1][0] if bench["clicks"] else None,
            "longest_task_ms": max(tasks, default=0.0),
            "long_tasks": len(tasks),
            "blocking_ms": sum(max(0.0, d - 50) for d in tasks),
            "js_heap_mb": metrics["JSHeapUsedSize"] / 2**20,
            "js_heap_total_mb": metrics["JSHeapTotalSize"] / 2**20,
            "dom_nodes": int(metrics["Nodes"]),
            "renderer_rss_mb": rss,
            "seek_ms": seek_ms,
            "highlight_ms": highlight_ms,
            "protocol_fetch_ms": resources[0][1] if resources else None,
            "protocol_bytes": resources[0][2] if resources else None,
            "wall_s": wall_s,
            "longtask_error": bench["longtaskError"],
        }
    finally:
        browser.close()


def _playback_clicks(page: Any, segments: int, clicks: int) -> tuple[float, float]:
    """Median click→seeking and click→highlight times while the audio plays."""
    page.eval_on_selector(PLAYER, "a => a.play()")
    page.wait_for_function(
        f"() => document.querySelector('{PLAYER}').currentTime > 0.5", polling=50
    )
    step = segments // (clicks + 1)
    indexes = [step * (k + 1) for k in range(clicks)]
    starts = _tagged_words(page, indexes)
    seeks, highlights = [], []
    for index, start in zip(indexes, starts, strict=True):
        page.evaluate(
            "() => { const b = window.__bench; b.seeks = []; b.highlights = []; b.clicks = [] }"
        )
        word = page.locator(SEGMENT).nth(index).locator(WORD)
        word.nth(word.count() // 2).click()
        page.wait_for_function(
            "([t, i]) => { const b = window.__bench;"
            " return b.seeks.some(s => Math.abs(s[1] - t) < 0.3)"
            " && b.highlights.some(h => h[1] === i) }",
            arg=[start, str(index)],
            polling=50,
        )
        got = page.evaluate(
            "() => { const b = window.__bench; return [b.clicks, b.seeks, b.highlights] }"
        )
        clicked = got[0][-1][0]
        seek = next(s[0] for s in got[1] if abs(s[1] - start) < 0.3)
        light = next(h[0] for h in got[2] if h[1] == str(index))
        seeks.append(seek - clicked)
        highlights.append(light - clicked)
    page.eval_on_selector(PLAYER, "a => a.pause()")
    return statistics.median(seeks), statistics.median(highlights)


def prepare(workdir: Path, hours: float, segments: int, seed: int) -> tuple[LiveServer, str]:
    """Start the app in ``workdir``, upload the silent WAV and finish the hearing."""
    began = time.perf_counter()
    wav = make_silence_wav(workdir / "hearing.wav", hours * 3600)
    logger.info("WAV %.0f MB in %.1f s", wav.stat().st_size / 1e6, time.perf_counter() - began)
    server = LiveServer(workdir / "data").start()
    try:
        token, _ = seed_people(server)
        rid = server.upload(
            token, wav, case_number=CASE, hearing_started_at="2025-03-15T09:00:00+05:00"
        )
        with wav.open("rb") as audio:
            server.finish(rid, hearing(hours, segments, seed), audio)
    except BaseException:
        server.stop()
        raise
    wav.unlink()  # the store keeps its own copies
    logger.info("hearing %s ready in %.1f s", rid, time.perf_counter() - began)
    return server, rid


ROWS = (
    # key, label, unit, format
    ("dom_ms", "segments in DOM", "ms", "{:.0f}"),
    ("frame_ms", "first frame after", "ms", "{:.0f}"),
    ("click_at_ms", "  last word's click event", "ms", "{:.0f}"),
    ("click_to_seek_at_load_ms", "  its click -> seek", "ms", "{:.0f}"),
    ("tti_ms", "TTI (click last word -> seek)", "ms", "{:.0f}"),
    ("longest_task_ms", "longest task (to TTI)", "ms", "{:.0f}"),
    ("blocking_ms", "blocking time (to TTI)", "ms", "{:.0f}"),
    ("long_tasks", "long tasks (to TTI)", "", "{:.0f}"),
    ("protocol_fetch_ms", "protocol JSON fetch", "ms", "{:.0f}"),
    ("seek_ms", "click -> seeking (playing)", "ms", "{:.1f}"),
    ("highlight_ms", "click -> highlight (playing)", "ms", "{:.1f}"),
    ("js_heap_mb", "JS heap used (after GC)", "MB", "{:.1f}"),
    ("js_heap_total_mb", "JS heap total", "MB", "{:.1f}"),
    ("renderer_rss_mb", "renderer RSS", "MB", "{:.0f}"),
    ("dom_nodes", "DOM nodes", "", "{:,.0f}"),
)


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median, min and max of each figure over the runs."""
    out = {}
    for key, *_ in ROWS:
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            out[key] = {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
            }
    return out


def report(figures: dict[str, Any]) -> None:
    title = "Review page benchmark"
    print(title)
    print("=" * len(title))
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {figures['commit']}, python "
        f"{platform.python_version()}, chromium {figures['chromium']}, "
        f"{figures['runs']} runs (fresh browser each)"
    )
    print(
        f"hearing: {figures['hours']:g} h, {figures['segments']:,} segments, "
        f"{figures['words']:,} words; protocol JSON {figures['protocol_mb']:.2f} MB\n"
    )
    summary = figures["summary"]
    rows = []
    for key, label, unit, fmt in ROWS:
        if key not in summary:
            rows.append((label, unit, "n/a", "", ""))
            continue
        s = summary[key]
        rows.append(
            (label, unit, fmt.format(s["median"]), fmt.format(s["min"]), fmt.format(s["max"]))
        )
    print(format_table(("figure", "unit", "median", "min", "max"), rows))
    print(
        "\nTimes are from the navigation start of /#/hearing/<id> loaded as a new document. "
        "TTI: a trusted click on the last segment's last word, dispatched by Playwright as "
        "soon as it exists, has moved the player to that word's start."
    )


def plot(figures: dict[str, Any], out: Path) -> None:
    """Two panels: load times (ms) and memory (MB), medians with min-max whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = figures["summary"]
    times = [
        ("dom_ms", "segments\nin DOM"),
        ("frame_ms", "first frame\nafter"),
        ("tti_ms", "TTI"),
        ("longest_task_ms", "longest\ntask"),
        ("seek_ms", "seek\n(playing)"),
        ("highlight_ms", "highlight\n(playing)"),
    ]
    memory = [
        ("js_heap_mb", "JS heap\n(after GC)"),
        ("renderer_rss_mb", "renderer\nRSS"),
    ]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(10, 4.5), gridspec_kw={"width_ratios": [3, 1.2]}
    )
    for ax, items, color, unit in (
        (left, times, "#1f618d", "ms"),
        (right, memory, "#b9770e", "MB"),
    ):
        present = [(k, label) for k, label in items if k in summary]
        medians = [summary[k]["median"] for k, _ in present]
        low = [summary[k]["median"] - summary[k]["min"] for k, _ in present]
        high = [summary[k]["max"] - summary[k]["median"] for k, _ in present]
        bars = ax.bar(
            [label for _, label in present], medians, color=color, yerr=[low, high], capsize=3
        )
        for bar, value in zip(bars, medians, strict=True):
            ax.annotate(
                f"{value:,.0f}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
        ax.set_ylabel(unit)
        tops = [summary[k]["max"] for k, _ in present]
        ax.set_ylim(0, max([*tops, 1]) * 1.15)
        ax.grid(axis="y", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    left.set_title("Review page load and response (median of runs)", fontsize=10)
    right.set_title("Tab memory", fontsize=10)
    fig.suptitle(
        f"{figures['hours']:g}-hour hearing, {figures['segments']:,} segments, "
        f"{figures['words']:,} words; Chromium {figures['chromium'].split('.')[0]}, "
        f"{figures['runs']} runs",
        fontsize=11,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=3.0, help="hearing length (3)")
    parser.add_argument("--segments", type=int, default=2000, help="segments (2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="cold page loads (3)")
    parser.add_argument("--clicks", type=int, default=8, help="word clicks while playing (8)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per wait, seconds")
    parser.add_argument("--plot", default="docs/bench-review-page.png", help="PNG figure path")
    parser.add_argument("--json", help="write the figures as JSON here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from playwright.sync_api import sync_playwright

    protocol = hearing(args.hours, args.segments, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        server, rid = prepare(Path(tmp), args.hours, args.segments, args.seed)
        try:
            with sync_playwright() as playwright:
                runs = []
                for n in range(args.runs):
                    run = measure_run(
                        playwright, server.url, rid, args.segments, args.clicks, args.timeout
                    )
                    logger.info("run %d: %s", n + 1, run)
                    runs.append(run)
                probe = launch_browser(playwright)
                chromium = probe.version
                probe.close()
        finally:
            server.stop()
    from protocol import export

    figures = {
        "hours": args.hours,
        "segments": len(protocol.segments),
        "words": sum(len(s.words) for s in protocol.segments),
        "protocol_mb": len(export(protocol, "json").encode()) / 1e6,
        "runs": args.runs,
        "chromium": chromium,
        "commit": git_commit(),
        "summary": {},
        "per_run": runs,
        "command": " ".join(sys.argv),
    }
    figures["summary"] = summarize(runs)
    report(figures)
    if args.plot:
        plot(figures, Path(args.plot))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
