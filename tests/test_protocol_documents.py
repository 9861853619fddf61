"""DOCX and PDF protocol documents, read back with python-docx and pypdf (no mocks)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from protocol.document import (
    FLAG_MARKER,
    LABELS,
    ROLE_NAMES,
    DocumentHeader,
    build_document,
    clean_text,
    participants,
    role_name,
    speaker_name,
    utterance_rows,
)
from protocol.docx_export import DEFAULT_DOCX_FONT, DocxLayout, export_docx
from protocol.errors import DocumentError, ProtocolError
from protocol.fonts import (
    BOLD_FILE,
    KAZAKH_LETTERS,
    REGULAR_FILE,
    FontSet,
    check_fonts,
    find_fonts,
    missing_characters,
)
from protocol.model import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker, Word
from protocol.pdf_export import export_pdf
from protocol.speakers import UNKNOWN_SPEAKER

KAZAKH_LOWER = "әғқңөұүһі"
KAZAKH_UPPER = "ӘҒҚҢӨҰҮҺІ"
PROTOCOL_SHA = "3f" * 32
RECORDING_SHA = "a1" * 32
SIGNATURE = "MEUCIQDx3k9Zp0Yv1Qw8Rj2Lh5Tn7Bc4Fa6Gd0Ke3Jm9Ps2UwIgQ2b+V/5nXh8Lr1Tk4Yc7Wd0Za3Mf6=="
COURT = "Специализированный межрайонный экономический суд г. Алматы"
CASE = "2-7514/2025"

SPEAKERS = (
    UNKNOWN_SPEAKER,
    Speaker("S1", "Judge", "judge", 1),
    Speaker("S2", "Prosecutor", "prosecutor", 2),
    Speaker("S3", "Ахметов Б. К.", "defence", 3),
    Speaker("S4", "Witness 1", "witness", 4),
    Speaker("S5", "Witness 2", "witness", 4),
    Speaker("S6", "Speaker 6", None, None),
    Speaker("S7", "Bailiff", "bailiff", 5),
)


def segment(start: float, speaker: str, language: str, text: str, *flags: str) -> Segment:
    words = tuple(
        Word(start + 0.3 * i, start + 0.3 * (i + 1), f" {w}", 0.9)
        for i, w in enumerate(text.split())
    )
    return Segment(start, start + 0.3 * len(words), speaker, language, text, words, flags)


SEGMENTS = (
    segment(1.2, "S1", "ru", "Судебное заседание объявляется открытым. Слушается дело."),
    segment(9.0, "S1", "kk", f"Сот отырысы ашық деп жарияланады. Кіші әріптер: {KAZAKH_LOWER}."),
    segment(15.5, "S2", "ru", "Прокурор поддерживает обвинение в полном объёме."),
    segment(22.0, "S3", "kk", f"Бас әріптер: {KAZAKH_UPPER}. Қорғаушы өтінішін береді."),
    segment(3661.7, "S4", "kk", "Мен куәгермін, бәрін көрдім.", "low_confidence"),
    segment(3670.0, "S5", "ru", "Я видела договор займа."),
    segment(3680.0, "S6", "ru", "Неизвестный голос из зала."),
    segment(3690.0, "S0", "ru", "Неразборчиво.", "no_speaker"),
    segment(3700.0, "S7", "ru", "Встать, суд идёт."),
)


def make_protocol(segments: tuple[Segment, ...] = SEGMENTS) -> Protocol:
    return Protocol(
        recording=RecordingInfo(RECORDING_SHA, 3725.0, 4, "zal3-2025-03-15.wav", "wav"),
        pipeline=PipelineInfo("0.4.0", "whisper-base", "channels", ("kk", "ru")),
        speakers=SPEAKERS,
        segments=segments,
        created_at="2025-03-15T08:30:00Z",
    )


def make_header(**changes: object) -> DocumentHeader:
    header = DocumentHeader(
        court_name=COURT,
        courtroom="Зал № 3",
        case_number=CASE,
        hearing_started_at=datetime(2025, 3, 15, 4, 0, tzinfo=UTC),
        version=2,
        protocol_sha256=PROTOCOL_SHA,
        signature=SIGNATURE,
        signing_key_id="court-almaty-2025",
        approved_by="Судья Нұрланова Ә. Ғ.",
        approved_at=datetime(2025, 3, 16, 6, 15, tzinfo=UTC),
    )
    return replace(header, **changes)  # type: ignore[arg-type]


def long_protocol(count: int) -> Protocol:
    text = (
        "Суд исследует письменные доказательства, приобщённые к материалам дела, и "
        "сторонам разъясняются их права. Тараптарға құқықтары түсіндірілді, сұрақтар қойылды."
    )
    segments = tuple(
        segment(10.0 * i, f"S{1 + i % 7}", "ru" if i % 2 else "kk", f"{i}: {text}")
        for i in range(count)
    )
    return make_protocol(segments)


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return find_fonts()


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def docx_part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def footer_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(r"word/footer\d*\.xml", n)]
        assert names, "no footer part"
        return "".join(archive.read(n).decode("utf-8") for n in names)


# --- layout-independent content -------------------------------------------------------


def test_roles_are_translated_in_both_languages() -> None:
    expected = {
        "judge": ("судья", "судья"),
        "prosecutor": ("прокурор", "прокурор"),
        "plaintiff": ("истец", "талапкер"),
        "defendant": ("ответчик", "жауапкер"),
        "defence": ("защитник", "қорғаушы"),
        "witness": ("свидетель", "куә"),
        "clerk": ("секретарь", "хатшы"),
        "expert": ("эксперт", "сарапшы"),
        "interpreter": ("переводчик", "аудармашы"),
    }
    assert set(ROLE_NAMES) == set(expected)
    for role, (ru, kk) in expected.items():
        assert role_name(role, "ru") == ru
        assert role_name(role.upper(), "kk") == kk
    assert role_name("defense", "ru") == "защитник"
    assert role_name("  судебный пристав ", "ru") == "судебный пристав"


@pytest.mark.parametrize(
    ("speaker", "ru", "kk"),
    [
        (SPEAKERS[1], "Судья", "Судья"),
        (SPEAKERS[2], "Прокурор", "Прокурор"),
        (SPEAKERS[3], "Ахметов Б. К. (защитник)", "Ахметов Б. К. (қорғаушы)"),
        (SPEAKERS[5], "Свидетель 2", "Куә 2"),
        (SPEAKERS[6], "Говорящий 6", "Сөйлеуші 6"),
        (SPEAKERS[7], "Bailiff", "Bailiff"),
        (UNKNOWN_SPEAKER, "Говорящий не установлен", "Сөйлеушісі анықталмаған"),
        (Speaker("S9", "Speaker 4", None, None), "Speaker 4", "Speaker 4"),
    ],
)
def test_speaker_names(speaker: Speaker, ru: str, kk: str) -> None:
    assert speaker_name(speaker, "ru").text == ru
    assert speaker_name(speaker, "kk").text == kk


def test_participants_and_rows() -> None:
    protocol = make_protocol()
    assert [p.speaker_id for p in participants(protocol, "ru")] == [s.id for s in SPEAKERS]
    rows = utterance_rows(protocol, "ru")
    assert len(rows) == len(SEGMENTS)
    assert (rows[0].time, rows[0].speaker) == ("00:00:01", "Судья")
    assert rows[4].time == "01:01:01" + FLAG_MARKER and rows[4].flagged
    assert rows[3].speaker == "Ахметов Б. К. (защитник)"
    assert [r.language for r in rows[:2]] == ["ru", "kk"]


def test_header_block_in_local_time_and_both_languages() -> None:
    protocol = make_protocol()
    ru = build_document(protocol, make_header())
    lines = {line.label: line.value for line in ru.fields}
    assert lines["Суд"] == COURT
    assert lines["Дело №"] == CASE
    assert lines["Дата и время"] == "15.03.2025 09:00 (UTC+05:00)"
    assert lines["Утвердил"] == "Судья Нұрланова Ә. Ғ., 16.03.2025 11:15 (UTC+05:00)"
    assert lines["Аудиозапись"] == "zal3-2025-03-15.wav (01:02:05)"
    assert ru.legend is not None and ru.title.endswith(CASE)
    kk = build_document(protocol, make_header(lang="kk", timezone="Europe/Moscow"))
    lines = {line.label: line.value for line in kk.fields}
    assert lines["Іс №"] == CASE and lines["Сот"] == COURT
    assert lines["Күні мен уақыты"] == "15.03.2025 07:00 (UTC+03:00)"
    assert kk.labels.title == "Сот отырысының ХАТТАМАСЫ"
    unsigned = build_document(protocol, make_header(signature=None, approved_by=None))
    assert unsigned.footer.lines[-1] == "Электронная подпись: не подписан"
    assert {line.label: line.value for line in unsigned.fields}["Утвердил"] == "не утверждён"


@pytest.mark.parametrize(
    "changes",
    [
        {"hearing_started_at": datetime(2025, 3, 15, 9, 0)},
        {"approved_at": datetime(2025, 3, 16, 9, 0)},
        {"lang": "en"},
        {"protocol_sha256": "xyz"},
        {"protocol_sha256": PROTOCOL_SHA.upper()},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_header_rejects_what_it_cannot_print(changes: dict[str, object]) -> None:
    with pytest.raises(DocumentError):
        make_header(**changes)


def test_clean_text_removes_characters_xml_cannot_carry() -> None:
    assert clean_text("a\x00b\x07 c\x1b\x7f\x85d\ufffe\ud800e\tf\ng") == "a b c d e f g"
    assert clean_text(f"  {KAZAKH_UPPER}  ") == KAZAKH_UPPER


# --- fonts ----------------------------------------------------------------------------


def test_default_fonts_have_every_kazakh_and_russian_letter(fonts: FontSet) -> None:
    assert fonts.regular.name == REGULAR_FILE and fonts.bold.name == BOLD_FILE
    assert missing_characters(fonts.regular) == ""
    assert check_fonts(fonts) is fonts


def test_missing_font_directory_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="fonts-dejavu-core") as caught:
        find_fonts([tmp_path / "absent", tmp_path])
    assert isinstance(caught.value, ProtocolError)


def test_unreadable_font_is_a_document_error(tmp_path: Path) -> None:
    (tmp_path / REGULAR_FILE).write_bytes(b"not a font at all")
    (tmp_path / BOLD_FILE).write_bytes(b"not a font at all")
    with pytest.raises(DocumentError, match="cannot be read"):
        find_fonts([tmp_path])


def test_font_without_kazakh_letters_is_refused(tmp_path: Path, fonts: FontSet) -> None:
    """A real DejaVu subset to Latin and Russian only: prints boxes for Kazakh, so refused."""
    for source, name in ((fonts.regular, REGULAR_FILE), (fonts.bold, BOLD_FILE)):
        font = TTFont(source)
        options = subset.Options()
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[*range(0x20, 0x7F), *range(0x410, 0x450)])
        subsetter.subset(font)
        font.save(tmp_path / name)
    with pytest.raises(DocumentError) as caught:
        find_fonts([tmp_path])
    assert all(letter in str(caught.value) for letter in KAZAKH_LETTERS)
    latin_only = FontSet(tmp_path / REGULAR_FILE, tmp_path / BOLD_FILE)
    with pytest.raises(DocumentError):
        export_pdf(make_protocol(), make_header(), latin_only)


# --- PDF ------------------------------------------------------------------------------


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has FontFile2) of every font the pages use."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page["/Resources"].get_object()
        for ref in resources["/Font"].get_object().values():
            font = ref.get_object()
            assert isinstance(font, DictionaryObject)
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            found.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    return found


def test_pdf_holds_the_filed_content(fonts: FontSet) -> None:
    data = export_pdf(make_protocol(), make_header(), fonts)
    assert data.startswith(b"%PDF-")
    text = "\n".join(pdf_text(data))
    for expected in (
        "ПРОТОКОЛ судебного заседания",
        COURT,
        f"Дело № {CASE}",
        "15.03.2025 09:00 (UTC+05:00)",
        "Участники",
        "Ахметов Б. К. (защитник)",
        "Свидетель 2",
        "00:00:01",
        "01:01:01*",
        "Страница 1 из 1",
        PROTOCOL_SHA,
        RECORDING_SHA,
        "court-almaty-2025",
        "Редакция протокола 2",
    ):
        assert expected in text, expected
    assert KAZAKH_LOWER in text and KAZAKH_UPPER in text
    assert SIGNATURE in text.replace("\n", "")
    assert "фрагмент отмечен для проверки" in text  # the legend of the marker


def test_pdf_embeds_dejavu_and_carries_metadata(fonts: FontSet) -> None:
    data = export_pdf(make_protocol(), make_header(), fonts)
    used = embedded_fonts(data)
    assert used and all(embedded for _, embedded in used)
    assert all("DejaVuSans" in name for name, _ in used)
    assert {name.split("+")[-1] for name, _ in used} == {"DejaVuSansBook", "DejaVuSansBold"}
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta is not None
    assert meta.subject == f"Дело № {CASE}" and CASE in (meta.title or "")
    assert meta.author == COURT
    assert meta.creation_date is not None
    assert meta.creation_date.astimezone(UTC) == datetime(2025, 3, 15, 8, 30, tzinfo=UTC)


def test_pdf_is_reproducible(fonts: FontSet) -> None:
    assert export_pdf(make_protocol(), make_header(), fonts) == export_pdf(
        make_protocol(), make_header(), fonts
    )


def test_long_pdf_has_a_footer_on_every_page(fonts: FontSet) -> None:
    data = export_pdf(long_protocol(400), make_header(signature=None), fonts)
    pages = pdf_text(data)
    assert len(pages) > 5
    for number, text in enumerate(pages, start=1):
        assert f"Страница {number} из {len(pages)}" in text
        assert PROTOCOL_SHA in text
        assert "Электронная подпись: не подписан" in text
    joined = "\n".join(pages)
    assert all(f"{i}: Суд исследует" in joined for i in (0, 199, 399))
    assert "Текст" in pages[-1]  # column headings repeat on continuation pages


def test_kazakh_pdf(fonts: FontSet) -> None:
    data = export_pdf(make_protocol(), make_header(lang="kk", redacted=True), fonts)
    text = "\n".join(pdf_text(data))
    for expected in (
        "Сот отырысының ХАТТАМАСЫ",
        f"Іс № {CASE}",
        "Қатысушылар",
        "Ахметов Б. К. (қорғаушы)",
        "Куә 2",
        "Бет 1 / 1",
        "Хаттаманың SHA-256",
        "дербес деректер (ЖСН) жасырылған",
    ):
        assert expected in text, expected


def test_empty_pdf_says_there_is_no_speech(fonts: FontSet) -> None:
    pages = pdf_text(export_pdf(make_protocol(()), make_header(), fonts))
    assert len(pages) == 1
    assert "В аудиозаписи речь не распознана." in pages[0]
    assert PROTOCOL_SHA in pages[0]


def test_pdf_survives_control_characters_and_long_words(fonts: FontSet) -> None:
    nasty = segment(5.0, "S1", "ru", "начало\x00\x07середина\x1b\ufffe конец " + "Ж" * 400)
    data = export_pdf(make_protocol((nasty,)), make_header(court_name="Суд\x0c №1"), fonts)
    text = "\n".join(pdf_text(data))
    assert "начало середина конец" in text
    assert "Суд №1" in text
    assert text.count("Ж") == 400
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


# --- DOCX -----------------------------------------------------------------------------


def test_docx_holds_the_filed_content() -> None:
    data = export_docx(make_protocol(), make_header())
    text = docx_text(data)
    for expected in (
        "ПРОТОКОЛ судебного заседания",
        f"Суд: {COURT}",
        f"Дело № {CASE}",
        "Дата и время: 15.03.2025 09:00 (UTC+05:00)",
        "Ахметов Б. К. (защитник)",
        "Свидетель 2",
        "01:01:01*",
        RECORDING_SHA,
    ):
        assert expected in text, expected
    assert KAZAKH_LOWER in text and KAZAKH_UPPER in text
    document = docx.Document(io.BytesIO(data))
    (table,) = document.tables
    assert len(table.rows) == len(SEGMENTS) + 1
    assert [c.text for c in table.rows[1].cells] == [
        "00:00:01",
        "Судья",
        "Судебное заседание объявляется открытым. Слушается дело.",
    ]
    assert "<w:tblHeader/>" in docx_part(data, "word/document.xml")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    props = document.core_properties
    assert props.subject == f"Дело № {CASE}" and props.author == COURT
    assert props.created == props.modified == datetime(2025, 3, 15, 8, 30, tzinfo=UTC)
    assert props.revision == 2 and props.language == "ru-RU"


def test_docx_footer_has_page_fields_hash_and_signature() -> None:
    data = export_docx(make_protocol(), make_header())
    xml = footer_xml(data)
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
    assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", xml)
    footer = docx.Document(io.BytesIO(data)).sections[0].footer
    text = "\n".join(p.text for p in footer.paragraphs)
    assert text.startswith("Страница 1 из 1 · Дело №")
    assert f"SHA-256 протокола: {PROTOCOL_SHA}" in text
    assert f"Электронная подпись (ключ court-almaty-2025): {SIGNATURE}" in text
    unsigned = export_docx(make_protocol(), make_header(signature=None, lang="kk"))
    footer = docx.Document(io.BytesIO(unsigned)).sections[0].footer
    text = "\n".join(p.text for p in footer.paragraphs)
    assert "Электрондық қолтаңба: қол қойылмаған" in text
    assert text.startswith("Бет 1 / 1 · Іс №")


def test_docx_names_one_font_for_every_script_and_tags_languages() -> None:
    data = export_docx(make_protocol(), make_header(lang="kk"))
    styles = docx_part(data, "word/styles.xml")
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S)
    assert defaults is not None
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert f'w:{slot}="{DEFAULT_DOCX_FONT}"' in defaults.group(0)
    assert "Theme" not in defaults.group(0) and 'w:val="kk-KZ"' in defaults.group(0)
    body = docx_part(data, "word/document.xml")
    assert body.count('<w:lang w:val="ru-RU"/>') == sum(s.language == "ru" for s in SEGMENTS)
    other = export_docx(make_protocol(), make_header(), layout=DocxLayout(font_name="DejaVu Sans"))
    assert 'w:cs="DejaVu Sans"' in docx_part(other, "word/styles.xml")


def test_kazakh_docx_labels_and_redaction_note() -> None:
    text = docx_text(export_docx(make_protocol(), make_header(lang="kk", redacted=True)))
    for expected in (
        "Сот отырысының ХАТТАМАСЫ",
        f"Іс № {CASE}",
        "Қатысушылар:",
        "Ахметов Б. К. (қорғаушы)",
        "Сөйлеуші 6",
        "Уақыты",
        "дербес деректер (ЖСН) жасырылған",
    ):
        assert expected in text, expected


def test_empty_docx_says_there_is_no_speech() -> None:
    document = docx.Document(io.BytesIO(export_docx(make_protocol(()), make_header())))
    assert document.tables == []
    assert "В аудиозаписи речь не распознана." in [p.text for p in document.paragraphs]


def test_docx_strips_control_characters() -> None:
    nasty = segment(5.0, "S1", 'k"<k', "начало\x00\x07середина\x1b\ufffe конец")
    data = export_docx(make_protocol((nasty,)), make_header(case_number="2-1\x01/2025"))
    text = docx_text(data)
    assert "начало середина конец" in text and "Дело № 2-1 /2025" in text
    body = docx_part(data, "word/document.xml")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", body)
    assert '<w:lang w:val="k&quot;&lt;k"/>' in body  # an odd language code stays an attribute


def test_docx_is_reproducible_and_scales() -> None:
    protocol, header = long_protocol(1500), make_header()
    first = export_docx(protocol, header)
    assert first == export_docx(protocol, header)
    assert len(docx.Document(io.BytesIO(first)).tables[0].rows) == 1501


def test_local_time_follows_the_zone_offset() -> None:
    moment = datetime(2025, 3, 15, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    header = make_header(hearing_started_at=moment, timezone="UTC")
    lines = {line.label: line.value for line in build_document(make_protocol(), header).fields}
    assert lines["Дата и время"] == "15.03.2025 05:00 (UTC+00:00)"
    assert LABELS["ru"].page.format(page=3, pages=9) == "Страница 3 из 9"
