"""Find the TrueType font the PDF protocol embeds and prove it has every letter.

PDF's built-in fonts know only Latin-1, so a protocol in Russian and Kazakh must
embed a TrueType font. DejaVu Sans (Debian package ``fonts-dejavu-core``) has all
Russian and Kazakh letters, is free to embed and is present on most Linux hosts.
A font that lacks even one Kazakh letter would print boxes in a court document,
so the font's character map is checked before it is used, and a missing or
incomplete font is a :class:`~protocol.errors.DocumentError`, never a silent
fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from protocol.errors import DocumentError

__all__ = [
    "BOLD_FILE",
    "DEFAULT_FONT_DIRS",
    "FONT_FAMILY",
    "KAZAKH_LETTERS",
    "REGULAR_FILE",
    "REQUIRED_CHARACTERS",
    "RUSSIAN_LETTERS",
    "FontSet",
    "check_fonts",
    "find_fonts",
    "missing_characters",
]

logger = logging.getLogger(__name__)

FONT_FAMILY = "DejaVu Sans"
"""Family name of the fonts :func:`find_fonts` looks for."""

REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"

DEFAULT_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),  # openSUSE, Alpine
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
)
"""Where distributions install DejaVu Sans, searched in this order."""

RUSSIAN_LETTERS = "".join(chr(c) for c in range(0x0410, 0x0450)) + "Ёё"
KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
REQUIRED_CHARACTERS = RUSSIAN_LETTERS + KAZAKH_LETTERS + "№«»—–·•"
"""Letters of both court languages plus the punctuation the documents print.

``•`` is the mask of personal data in parties' copies (:data:`protocol.redact.MASK`).
"""


@dataclass(frozen=True)
class FontSet:
    """The regular and bold faces of one TrueType family.

    Attributes:
        regular: Path of the regular face.
        bold: Path of the bold face (labels, headings, speaker names).
        family: Family name, for logs and metadata.

    """

    regular: Path
    bold: Path
    family: str = FONT_FAMILY


@lru_cache(maxsize=32)
def _missing(path: str, size: int, mtime_ns: int) -> str:
    """Characters of :data:`REQUIRED_CHARACTERS` the font has no glyph for.

    Cached by path, size and modification time: reading the character map takes
    tens of milliseconds and every export checks the font, but a replaced file
    must be checked again.
    """
    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
    except (TTLibError, OSError, AssertionError, KeyError) as exc:
        raise DocumentError(f"font {path} cannot be read as TrueType: {exc}") from exc
    return "".join(c for c in REQUIRED_CHARACTERS if ord(c) not in cmap)


def missing_characters(path: Path) -> str:
    """Return the required characters a font file cannot draw.

    Args:
        path: A TrueType/OpenType font file.

    Returns:
        The characters without a glyph; empty when the font covers all of them.

    Raises:
        DocumentError: The file does not exist or is not a readable font.

    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise DocumentError(f"font file {path} cannot be read: {exc}") from exc
    return _missing(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def check_fonts(fonts: FontSet) -> FontSet:
    """Verify that both faces draw every Russian and Kazakh letter.

    Args:
        fonts: The faces to check.

    Returns:
        The same font set, so the call can wrap a constructor.

    Raises:
        DocumentError: A face is missing, unreadable or lacks a letter; the message
            names the letters.

    """
    for face in (fonts.regular, fonts.bold):
        missing = missing_characters(face)
        if missing:
            raise DocumentError(
                f"font {face} has no glyphs for {missing!r}; use a font with all Russian "
                f"and Kazakh letters, such as {FONT_FAMILY} (Debian package fonts-dejavu-core)"
            )
    return fonts


def find_fonts(search_dirs: Sequence[Path] | None = None) -> FontSet:
    """Find DejaVu Sans regular and bold and verify their letters.

    Args:
        search_dirs: Directories that may hold ``DejaVuSans.ttf`` and
            ``DejaVuSans-Bold.ttf``, searched in order; the first holding both wins.
            None searches :data:`DEFAULT_FONT_DIRS`.

    Returns:
        The verified font set.

    Raises:
        DocumentError: No directory holds both files, or the font found lacks a
            Russian or Kazakh letter.

    """
    dirs = DEFAULT_FONT_DIRS if search_dirs is None else tuple(search_dirs)
    for directory in dirs:
        regular, bold = directory / REGULAR_FILE, directory / BOLD_FILE
        if regular.is_file() and bold.is_file():
            logger.debug("using fonts from %s", directory)
            return check_fonts(FontSet(regular=regular, bold=bold))
    searched = ", ".join(str(d) for d in dirs) or "no directories"
    raise DocumentError(
        f"{REGULAR_FILE} and {BOLD_FILE} were not found in {searched}; install the Debian "
        "package fonts-dejavu-core or pass the directory that holds them"
    )
