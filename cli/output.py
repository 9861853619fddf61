"""Write protocol exports all-or-nothing: a failed run leaves no partial files behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from protocol import Protocol, export

__all__ = ["write_exports"]


def write_exports(
    protocol: Protocol, outdir: Path, stem: str, formats: Sequence[str]
) -> list[Path]:
    """Render every format first, then move them into place.

    Args:
        protocol: The protocol to export.
        outdir: Destination directory (created).
        stem: File name without extension (the input's name).
        formats: Export formats.

    Returns:
        The written paths.

    """
    rendered = {fmt: export(protocol, fmt) for fmt in formats}
    outdir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for fmt, text in rendered.items():
            fd, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".{fmt}.part", dir=outdir)
            staged.append((Path(name), outdir / f"{stem}.{fmt}"))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        for part, final in staged:
            os.replace(part, final)
    except BaseException:
        for part, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        raise
    return [final for _, final in staged]
