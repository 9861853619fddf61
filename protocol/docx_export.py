"""Render a protocol as a DOCX document a court can file and a clerk can edit.

Same content as the PDF (see :mod:`protocol.document`): title, labelled header
lines, participants, the speech as a three-column table (time, speaker, text)
whose heading row repeats on every page, and a footer on every page with
"page N of M" (Word ``PAGE`` / ``NUMPAGES`` fields), the case, the version, its
SHA-256 and its signature or a statement that it is not signed.

Font. The document names **Times New Roman** (all of ``w:ascii``, ``w:hAnsi``,
``w:eastAsia`` and ``w:cs``) rather than the DejaVu Sans the PDF embeds:

* A DOCX is rendered with the reader's fonts. Court computers run Word on
  Windows, where DejaVu Sans is normally absent; Word would then substitute a font
  of its own choosing and the layout would differ from machine to machine.
* Times New Roman is installed with every Windows and macOS, its current
  versions contain every Kazakh letter (ә ғ қ ң ө ұ ү һ і and capitals), and it is
  the usual typeface of Kazakh court paperwork. LibreOffice on Linux maps it to the
  metric-compatible Liberation Serif, which has the Kazakh letters too.
* If the reader has no Times New Roman at all, Word and LibreOffice substitute a
  serif font; the text stays text (nothing is lost, only the face changes), unlike
  a PDF, where a missing glyph is printed as a box forever.

Embedding a font into the DOCX would need Word's obfuscated ``.odttf`` parts,
which python-docx does not write and which could not be checked against Word
here, so the font is named, not embedded. Another font can be named through
:class:`DocxLayout`.

Speed. Thousands of rows through python-docx's table API cost time that grows
with the table (each ``row.cells`` walks the whole table), so the table is written
as one WordprocessingML fragment and parsed once: a three-hour hearing takes well
under a second.

Determinism. Metadata dates are the protocol version's creation time and the ZIP
entries get a fixed timestamp, so the same version and header give the same bytes.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from protocol.document import (
    DocumentContent,
    DocumentHeader,
    HeaderLine,
    UtteranceRow,
    build_document,
)
from protocol.errors import DocumentError
from protocol.model import Protocol

__all__ = [
    "DEFAULT_DOCX_FONT",
    "DEFAULT_DOCX_LAYOUT",
    "DOCX_MEDIA_TYPE",
    "DocxLayout",
    "export_docx",
]

logger = logging.getLogger(__name__)

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_DOCX_FONT = "Times New Roman"
"""Font the DOCX names; see the module docstring for why it is not DejaVu Sans."""

_LANGUAGE_TAGS = {"ru": "ru-RU", "kk": "kk-KZ", "en": "en-US"}
_TWIPS_PER_MM = 1440 / 25.4
_W = nsdecls("w")
_PLACEHOLDER = re.compile(r"(\{page\}|\{pages\})")
_FIELDS = {"{page}": "PAGE", "{pages}": "NUMPAGES"}
_QUOTE = {'"': "&quot;"}
_LONG_TOKEN = 40  # characters; a SHA-256 in hex has 64


@dataclass(frozen=True)
class DocxLayout:
    """Page geometry, font and type sizes of the DOCX.

    Attributes:
        font_name: Font named for all text (see the module docstring).
        body_pt: Body text size.
        small_pt: Size of notes and column headings.
        footer_pt: Footer size.
        left: Left margin in mm (binding side).
        right: Right margin in mm.
        top: Top margin in mm.
        bottom: Bottom margin in mm.
        time_width: Width of the time column in mm.
        speaker_width: Width of the speaker column in mm.

    """

    font_name: str = DEFAULT_DOCX_FONT
    body_pt: float = 12.0
    small_pt: float = 10.0
    footer_pt: float = 8.0
    left: float = 30.0
    right: float = 15.0
    top: float = 20.0
    bottom: float = 25.0
    time_width: float = 25.0
    speaker_width: float = 38.0

    @property
    def text_width(self) -> float:
        """Width between the margins of an A4 page, in mm."""
        return 210.0 - self.left - self.right


DEFAULT_DOCX_LAYOUT = DocxLayout()


def _twips(mm: float) -> int:
    return round(mm * _TWIPS_PER_MM)


def _half_points(pt: float) -> int:
    return round(pt * 2)


def _language_tag(code: str) -> str:
    return _LANGUAGE_TAGS.get(code, code or "ru-RU")


# WordprocessingML fragments. Child order inside rPr/pPr/tcPr follows the schema,
# which Word enforces strictly.


def _run(text: str, *, bold: bool = False, size: float | None = None, lang: str = "") -> str:
    props = "<w:b/>" if bold else ""
    if size is not None:
        props += f'<w:sz w:val="{_half_points(size)}"/><w:szCs w:val="{_half_points(size)}"/>'
    if lang:
        props += f'<w:lang w:val="{escape(lang, _QUOTE)}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _field(instruction: str, cached: str, size: float) -> str:
    """A complex field (``PAGE``, ``NUMPAGES``); Word recomputes it on every page."""
    rpr = f'<w:rPr><w:sz w:val="{_half_points(size)}"/></w:rPr>'
    return (
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r>{rpr}<w:t>{cached}</w:t></w:r>"
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
    )


def _cell(width_mm: float, runs: str, shade: bool = False, no_wrap: bool = False) -> str:
    fill = '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>' if shade else ""
    fill += "<w:noWrap/>" if no_wrap else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{_twips(width_mm)}" w:type="dxa"/>{fill}</w:tcPr>'
        f'<w:p><w:pPr><w:spacing w:after="0"/></w:pPr>{runs}</w:p></w:tc>'
    )


def _table_xml(content: DocumentContent, layout: DocxLayout) -> str:
    """The speech as one ``w:tbl`` fragment (see the module docstring for why)."""
    labels, doc_lang = content.labels, _language_tag(content.lang)
    text_width = layout.text_width - layout.time_width - layout.speaker_width
    widths = (layout.time_width, layout.speaker_width, text_width)
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f"<w:tbl {_W}><w:tblPr>"
        f'<w:tblW w:w="{_twips(layout.text_width)}" w:type="dxa"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{_twips(width)}"/>' for width in widths),
        "</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>",
    ]
    headings = (labels.col_time, labels.col_speaker, labels.col_text)
    parts.extend(
        _cell(width, _run(title, bold=True, size=layout.small_pt), shade=True)
        for width, title in zip(widths, headings, strict=True)
    )
    parts.append("</w:tr>")
    parts.extend(_row_xml(row, widths, doc_lang) for row in content.rows)
    parts.append("</w:tbl>")
    return "".join(parts)


def _row_xml(row: UtteranceRow, widths: tuple[float, float, float], doc_lang: str) -> str:
    tag = _language_tag(row.language)
    return (
        "<w:tr>"
        + _cell(widths[0], _run(row.time), no_wrap=True)
        + _cell(widths[1], _run(row.speaker, bold=True))
        + _cell(widths[2], _run(row.text, lang="" if tag == doc_lang else tag))
        + "</w:tr>"
    )


def _setup_styles(document: DocxDocument, layout: DocxLayout, lang: str) -> None:
    """Name the font in the document defaults, for every script slot.

    The template's defaults name theme fonts (``w:asciiTheme``...), which win over
    explicit names, so they are replaced; ``w:eastAsia`` and ``w:cs`` are set too so
    that no run falls back to another font. The language tag lets Word spell-check
    in Russian or Kazakh.
    """
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        raise DocumentError("the DOCX template has no default run properties")
    for child in list(rpr):
        rpr.remove(child)
    name = escape(layout.font_name, _QUOTE)
    size, tag = _half_points(layout.body_pt), _language_tag(lang)
    for xml in (
        f'<w:rFonts {_W} w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>',
        f'<w:sz {_W} w:val="{size}"/>',
        f'<w:szCs {_W} w:val="{size}"/>',
        f'<w:lang {_W} w:val="{tag}" w:eastAsia="{tag}" w:bidi="ar-SA"/>',
    ):
        rpr.append(parse_xml(xml))
    spacing = styles.find(
        qn("w:docDefaults") + "/" + qn("w:pPrDefault") + "/" + qn("w:pPr") + "/" + qn("w:spacing")
    )
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")


def _setup_page(document: DocxDocument, layout: DocxLayout) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(layout.left), Mm(layout.right)
    section.top_margin, section.bottom_margin = Mm(layout.top), Mm(layout.bottom)
    section.header_distance, section.footer_distance = Mm(10), Mm(8)


def _paragraph(
    document: DocxDocument,
    runs: Iterable[tuple[str, bool]],
    *,
    size: float | None = None,
    space_after: float = 0.0,
    center: bool = False,
) -> None:
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if space_after:
        paragraph.paragraph_format.space_after = Pt(space_after)
    for text, bold in runs:
        run = paragraph.add_run(text)
        run.bold = bold or None
        if size is not None:
            run.font.size = Pt(size)


def _header_line(document: DocxDocument, line: HeaderLine, layout: DocxLayout) -> None:
    """A labelled line; a long value without spaces (a hash) goes smaller on its own line.

    Word would otherwise break a hash at an arbitrary character after the label,
    which makes it hard to compare with another copy.
    """
    if " " in line.value or len(line.value) <= _LONG_TOKEN:
        _paragraph(document, [(line.label + line.separator, True), (line.value, False)])
        return
    paragraph = document.add_paragraph()
    paragraph.add_run(line.label + line.separator.rstrip()).bold = True
    value = paragraph.add_run()
    value.add_break()
    value.add_text(line.value)
    value.font.size = Pt(layout.small_pt)


def _heading_block(document: DocxDocument, content: DocumentContent, layout: DocxLayout) -> None:
    labels = content.labels
    _paragraph(
        document, [(labels.title, True)], size=layout.body_pt + 2, space_after=12, center=True
    )
    for line in content.fields:
        _header_line(document, line, layout)
    _paragraph(document, [], space_after=0)
    _paragraph(document, [(labels.participants + ":", True)])
    for number, participant in enumerate(content.participants, start=1):
        _paragraph(document, [(f"{number}. {participant.text}", False)])
    for note in content.notes:
        _paragraph(document, [], space_after=0)
        _paragraph(document, [(note, True)])
    _paragraph(document, [], space_after=0)
    _paragraph(document, [(labels.transcript, True)])
    _paragraph(document, [(labels.time_note, False)], size=layout.small_pt, space_after=4)


def _transcript(document: DocxDocument, content: DocumentContent, layout: DocxLayout) -> None:
    if not content.rows:
        _paragraph(document, [(content.labels.no_speech, False)])
        return
    table = parse_xml(_table_xml(content, layout))
    section = document.element.body.sectPr
    if section is None:
        raise DocumentError("the DOCX template has no section properties")
    section.addprevious(table)
    if content.legend:
        _paragraph(document, [], space_after=0)
        _paragraph(document, [(content.legend, False)], size=layout.small_pt)


def _footer_xml(content: DocumentContent, layout: DocxLayout) -> list[str]:
    """Footer paragraphs: page N of M with fields, then hash and signature lines."""
    size, footer = layout.footer_pt, content.footer
    runs = []
    for piece in _PLACEHOLDER.split(footer.page):
        if piece in _FIELDS:
            runs.append(_field(_FIELDS[piece], "1", size))
        elif piece:
            runs.append(_run(piece, size=size))
    runs.append(_run(f" · {footer.context}", size=size))
    rule = '<w:pBdr><w:top w:val="single" w:sz="4" w:space="1" w:color="808080"/></w:pBdr>'
    paragraphs = [f'<w:p {_W}><w:pPr>{rule}<w:spacing w:after="0"/></w:pPr>{"".join(runs)}</w:p>']
    paragraphs.extend(
        f'<w:p {_W}><w:pPr><w:spacing w:after="0"/></w:pPr>{_run(line, size=size)}</w:p>'
        for line in footer.lines
    )
    return paragraphs


def _footer(document: DocxDocument, content: DocumentContent, layout: DocxLayout) -> None:
    footer = document.sections[0].footer
    footer.is_linked_to_previous = False
    element = footer._element
    for paragraph in list(element):
        element.remove(paragraph)
    for xml in _footer_xml(content, layout):
        element.append(parse_xml(xml))


def _metadata(document: DocxDocument, content: DocumentContent, header: DocumentHeader) -> None:
    props = document.core_properties
    props.title = content.title
    props.subject = content.subject
    props.author = content.author
    props.keywords = content.keywords
    props.language = _language_tag(content.lang)
    props.last_modified_by = "courtrec"
    props.revision = max(1, header.version)
    props.created = props.modified = content.created_at
    props.comments = ""


def _fixed_zip(data: bytes, content: DocumentContent) -> bytes:
    """Rewrite the ZIP with one fixed timestamp per entry, for reproducible bytes."""
    stamp = content.created_at.timetuple()[:6]
    stamp = max(stamp, (1980, 1, 1, 0, 0, 0))  # the earliest date ZIP can store
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def export_docx(
    protocol: Protocol,
    header: DocumentHeader,
    *,
    layout: DocxLayout = DEFAULT_DOCX_LAYOUT,
) -> bytes:
    """Render a protocol version as a DOCX document.

    Args:
        protocol: The protocol version to print.
        header: Court, case, hearing time, version hash and signature.
        layout: Font, page geometry and type sizes.

    Returns:
        The DOCX file.

    Raises:
        DocumentError: python-docx or its XML parser rejected the document.

    """
    content = build_document(protocol, header)
    document = Document()
    try:
        _setup_styles(document, layout, content.lang)
        _setup_page(document, layout)
        _heading_block(document, content, layout)
        _transcript(document, content, layout)
        _footer(document, content, layout)
        _metadata(document, content, header)
        buffer = io.BytesIO()
        document.save(buffer)
    except (ValueError, TypeError, SyntaxError) as exc:  # lxml's XMLSyntaxError: SyntaxError
        raise DocumentError(f"the DOCX cannot be written: {exc}") from exc
    logger.debug("DOCX protocol: %d segments", len(content.rows))
    return _fixed_zip(buffer.getvalue(), content)
