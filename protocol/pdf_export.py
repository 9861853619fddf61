"""Render a protocol as a PDF document a court can file (A4, embedded font).

The layout follows court paperwork: a title, a block of labelled lines (court,
case, date and time, recording, version, approval), the participants, then the
speech as three columns (time, speaker, text). Every page ends with a footer of
"page N of M", the case and version, the protocol version's SHA-256 and its
signature (or a statement that it is not signed), so any single sheet can be
checked against the stored version.

The font is embedded (subset) from a :class:`~protocol.fonts.FontSet` checked to
contain every Russian and Kazakh letter; PDF's built-in fonts cannot print them.

A three-hour hearing has thousands of segments. fpdf2's ``multi_cell`` wraps text
in pure Python with per-character bookkeeping and was the cost that dominated,
so this module wraps lines itself (word widths cached per font) and places them
with ``text``; page breaks are decided per line, so a long speech continues on
the next page under repeated column headings.

The file's creation date is the protocol version's creation time and the subset
font prefix is fixed by fpdf2, so the same version and header give the same bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.errors import FPDFException

from protocol.document import (
    DocumentContent,
    DocumentHeader,
    HeaderLine,
    UtteranceRow,
    build_document,
)
from protocol.errors import DocumentError
from protocol.fonts import FontSet, check_fonts
from protocol.model import Protocol

__all__ = ["DEFAULT_PDF_LAYOUT", "PDF_MEDIA_TYPE", "PdfLayout", "export_pdf"]

logger = logging.getLogger(__name__)

PDF_MEDIA_TYPE = "application/pdf"

_FAMILY = "ProtocolSans"  # name inside this file only; the PDF shows the font's own name


@dataclass(frozen=True)
class PdfLayout:
    """Page geometry and type sizes, in millimetres and points.

    The defaults follow Kazakh court paperwork: A4 with a wide left margin for
    binding. Column widths must add up to the text width
    (``210 - left - right``).

    Attributes:
        left: Left margin (binding side).
        right: Right margin.
        top: Top margin.
        bottom: Distance from the page edge to the end of the footer.
        body_pt: Body text size.
        small_pt: Size of notes and column headings.
        footer_pt: Footer size.
        line: Body line height.
        footer_line: Footer line height.
        time_width: Width of the time column.
        speaker_width: Width of the speaker column.
        gutter: Space between columns.

    """

    left: float = 30.0
    right: float = 15.0
    top: float = 20.0
    bottom: float = 10.0
    body_pt: float = 10.0
    small_pt: float = 8.0
    footer_pt: float = 7.0
    line: float = 4.8
    footer_line: float = 3.2
    time_width: float = 21.0
    speaker_width: float = 40.0
    gutter: float = 2.0

    @property
    def text_width(self) -> float:
        """Width between the margins of an A4 page."""
        return 210.0 - self.left - self.right


DEFAULT_PDF_LAYOUT = PdfLayout()


class _Wrapper:
    """Greedy word wrapping with word widths cached per font and size.

    Speech repeats words a lot, so measuring each distinct word once per font makes
    wrapping thousands of rows cheap.
    """

    def __init__(self, pdf: FPDF) -> None:
        self._pdf = pdf
        self._widths: dict[tuple[str, float, str], float] = {}

    def width(self, text: str) -> float:
        key = (self._pdf.font_style, self._pdf.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self._pdf.get_string_width(text)
        return width

    def _split_long(self, word: str, limit: float) -> list[str]:
        """Break a word wider than the column (a hash, a URL) between characters."""
        pieces, current = [], ""
        for char in word:
            if current and self.width(current + char) > limit:
                pieces.append(current)
                current = ""
            current += char
        return [*pieces, current] if current else pieces

    def wrap(self, text: str, limit: float) -> list[str]:
        """Split ``text`` into lines no wider than ``limit`` in the current font."""
        lines: list[str] = []
        current, current_width = "", 0.0
        space = self.width(" ")
        for word in text.split(" "):
            if not word:
                continue
            width = self.width(word)
            if current and current_width + space + width <= limit:
                current, current_width = f"{current} {word}", current_width + space + width
                continue
            if current:
                lines.append(current)
            if width > limit:
                *full, current = self._split_long(word, limit)
                lines.extend(full)
                current_width = self.width(current)
            else:
                current, current_width = word, width
        if current:
            lines.append(current)
        return lines


class _ProtocolPdf(FPDF):
    """FPDF with the protocol's footer and repeated column headings."""

    def __init__(self, content: DocumentContent, layout: PdfLayout) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content = content
        self.layout = layout
        self.wrapper = _Wrapper(self)
        self.footer_lines: list[str] = []
        self.in_transcript = False

    def header(self) -> None:
        if self.in_transcript:
            _column_headings(self)

    def footer(self) -> None:
        layout, footer = self.layout, self.content.footer
        height = (len(self.footer_lines) + 1) * layout.footer_line
        top = self.h - layout.bottom - height
        self.set_draw_color(128)
        self.line(layout.left, top - 1.0, self.w - layout.right, top - 1.0)
        self.set_font(_FAMILY, "", layout.footer_pt)
        self.set_xy(layout.left, top)
        page = footer.page.format(page=self.page_no(), pages="{nb}")
        padding = self.c_margin
        self.c_margin = 0.0  # no cell padding: align with the lines drawn by text()
        self.cell(0, layout.footer_line, f"{page} · {footer.context}")
        self.c_margin = padding
        for number, line in enumerate(self.footer_lines, start=1):
            self.text(layout.left, top + (number + 0.75) * layout.footer_line, line)


def _footer_height(pdf: _ProtocolPdf) -> float:
    """Wrap the footer's hash and signature lines once; return the footer's height."""
    layout = pdf.layout
    pdf.set_font(_FAMILY, "", layout.footer_pt)
    pdf.footer_lines = [
        wrapped
        for line in pdf.content.footer.lines
        for wrapped in pdf.wrapper.wrap(line, layout.text_width)
    ]
    return (len(pdf.footer_lines) + 1) * layout.footer_line + 1.0


def _start(content: DocumentContent, fonts: FontSet, layout: PdfLayout) -> _ProtocolPdf:
    pdf = _ProtocolPdf(content, layout)
    try:
        pdf.add_font(_FAMILY, "", str(fonts.regular))
        pdf.add_font(_FAMILY, "B", str(fonts.bold))
    except (FPDFException, OSError, RuntimeError) as exc:
        raise DocumentError(f"font cannot be embedded in the PDF: {exc}") from exc
    pdf.set_title(content.title)
    pdf.set_subject(content.subject)
    pdf.set_author(content.author)
    pdf.set_keywords(content.keywords)
    pdf.set_creator("courtrec")
    pdf.set_lang(content.lang)
    pdf.set_creation_date(content.created_at)
    pdf.set_margins(layout.left, layout.top, layout.right)
    pdf.set_auto_page_break(True, margin=layout.bottom + _footer_height(pdf) + 4.0)
    pdf.add_page()
    return pdf


def _paragraph(pdf: _ProtocolPdf, parts: list[tuple[str, str]], size: float) -> None:
    """Write runs of (style, text) as one wrapped paragraph at the left margin."""
    height = pdf.layout.line * size / pdf.layout.body_pt
    pdf.set_x(pdf.layout.left)
    for style, text in parts:
        pdf.set_font(_FAMILY, style, size)
        pdf.write(height, text)
    pdf.ln(height)


def _header_line(pdf: _ProtocolPdf, line: HeaderLine) -> None:
    """A labelled line; a value without spaces (a hash) that would wrap gets its own line.

    Splitting a hash across lines makes it hard to compare, so it goes on the next
    line, set smaller if needed to fit (but not below ``small_pt``).
    """
    layout = pdf.layout
    label = line.label + line.separator
    pdf.set_font(_FAMILY, "B", layout.body_pt)
    label_width = pdf.wrapper.width(label)
    pdf.set_font(_FAMILY, "", layout.body_pt)
    value_width = pdf.wrapper.width(line.value)
    if " " in line.value or label_width + value_width <= layout.text_width:
        _paragraph(pdf, [("B", label), ("", line.value)], layout.body_pt)
        return
    _paragraph(pdf, [("B", label)], layout.body_pt)
    fitting = layout.body_pt * layout.text_width / value_width * 0.98
    size = min(layout.body_pt, max(layout.small_pt, fitting))
    _paragraph(pdf, [("", line.value)], round(size, 1))


def _heading_block(pdf: _ProtocolPdf) -> None:
    content, layout = pdf.content, pdf.layout
    pdf.set_font(_FAMILY, "B", layout.body_pt + 4)
    pdf.multi_cell(0, layout.line * 1.5, content.labels.title, align="C")
    pdf.ln(layout.line / 2)
    for line in content.fields:
        _header_line(pdf, line)
    pdf.ln(layout.line / 2)
    _paragraph(pdf, [("B", content.labels.participants + ":")], layout.body_pt)
    for number, participant in enumerate(content.participants, start=1):
        _paragraph(pdf, [("", f"{number}. {participant.text}")], layout.body_pt)
    for note in content.notes:
        pdf.ln(layout.line / 2)
        _paragraph(pdf, [("B", note)], layout.body_pt)
    pdf.ln(layout.line / 2)
    _paragraph(pdf, [("B", content.labels.transcript)], layout.body_pt + 1)
    _paragraph(pdf, [("", content.labels.time_note)], layout.small_pt)


def _columns(layout: PdfLayout) -> tuple[float, float, float]:
    speaker_x = layout.left + layout.time_width
    text_x = speaker_x + layout.speaker_width
    return speaker_x, text_x, layout.text_width - layout.time_width - layout.speaker_width


def _column_headings(pdf: _ProtocolPdf) -> None:
    """Column headings with a rule below; on the first transcript page and continuations."""
    layout, labels = pdf.layout, pdf.content.labels
    speaker_x, text_x, _ = _columns(layout)
    pdf.set_font(_FAMILY, "B", layout.small_pt)
    baseline = pdf.y + layout.line * 0.7
    pdf.text(layout.left, baseline, labels.col_time)
    pdf.text(speaker_x, baseline, labels.col_speaker)
    pdf.text(text_x, baseline, labels.col_text)
    pdf.set_draw_color(0)
    pdf.line(layout.left, pdf.y + layout.line, pdf.w - layout.right, pdf.y + layout.line)
    pdf.set_y(pdf.y + layout.line + 1.0)


def _continued(pdf: _ProtocolPdf, row: UtteranceRow, speaker: str) -> None:
    """Repeat time and speaker in grey atop a page where an utterance continues.

    Without them a reader of that page alone could not tell who is speaking.
    """
    layout = pdf.layout
    speaker_x, _, _ = _columns(layout)
    baseline = pdf.y + layout.line * 0.75
    pdf.set_text_color(120)
    pdf.set_font(_FAMILY, "", layout.body_pt)
    pdf.text(layout.left, baseline, row.time)
    pdf.set_font(_FAMILY, "B", layout.body_pt)
    pdf.text(speaker_x, baseline, speaker)
    pdf.set_text_color(0)


def _row(pdf: _ProtocolPdf, row: UtteranceRow) -> None:
    """Draw one utterance, breaking the page between its lines when needed."""
    layout = pdf.layout
    speaker_x, text_x, text_width = _columns(layout)
    pdf.set_font(_FAMILY, "B", layout.body_pt)
    speaker_lines = pdf.wrapper.wrap(row.speaker, layout.speaker_width - layout.gutter)
    pdf.set_font(_FAMILY, "", layout.body_pt)
    text_lines = pdf.wrapper.wrap(row.text, text_width)
    count = max(len(speaker_lines), len(text_lines), 1)
    if pdf.y + min(count, 2) * layout.line > pdf.page_break_trigger:
        pdf.add_page()  # keep at least two lines of an utterance together
    for index in range(count):
        if pdf.y + layout.line > pdf.page_break_trigger:
            pdf.add_page()
            if index > 0:
                _continued(pdf, row, speaker_lines[0] if speaker_lines else "")
        baseline = pdf.y + layout.line * 0.75
        if index == 0:
            pdf.set_font(_FAMILY, "", layout.body_pt)
            pdf.text(layout.left, baseline, row.time)
        if index < len(speaker_lines):
            pdf.set_font(_FAMILY, "B", layout.body_pt)
            pdf.text(speaker_x, baseline, speaker_lines[index])
        if index < len(text_lines):
            pdf.set_font(_FAMILY, "", layout.body_pt)
            pdf.text(text_x, baseline, text_lines[index])
        pdf.set_y(pdf.y + layout.line)
    pdf.set_y(pdf.y + layout.line * 0.3)


def _transcript(pdf: _ProtocolPdf) -> None:
    content, layout = pdf.content, pdf.layout
    if not content.rows:
        pdf.ln(layout.line / 2)
        _paragraph(pdf, [("", content.labels.no_speech)], layout.body_pt)
        return
    if pdf.y + 3 * layout.line > pdf.page_break_trigger:
        pdf.add_page()
    _column_headings(pdf)
    pdf.in_transcript = True
    for row in content.rows:
        _row(pdf, row)
    pdf.in_transcript = False
    if content.legend:
        pdf.ln(layout.line / 2)
        _paragraph(pdf, [("", content.legend)], layout.small_pt)


def export_pdf(
    protocol: Protocol,
    header: DocumentHeader,
    fonts: FontSet,
    *,
    layout: PdfLayout = DEFAULT_PDF_LAYOUT,
) -> bytes:
    """Render a protocol version as a PDF document.

    Args:
        protocol: The protocol version to print.
        header: Court, case, hearing time, version hash and signature.
        fonts: Regular and bold faces to embed; checked for all Russian and Kazakh
            letters first (the check is cached).
        layout: Page geometry and type sizes.

    Returns:
        The PDF file.

    Raises:
        DocumentError: The fonts lack letters or cannot be embedded, or fpdf2 fails
            to lay out the document.

    """
    check_fonts(fonts)
    content = build_document(protocol, header)
    try:
        pdf = _start(content, fonts, layout)
        _heading_block(pdf)
        _transcript(pdf)
        data = bytes(pdf.output())
    except FPDFException as exc:
        raise DocumentError(f"the PDF cannot be laid out: {exc}") from exc
    logger.debug("PDF protocol: %d segments, %d pages", len(content.rows), pdf.pages_count)
    return data
