"""Content of a filed protocol document, independent of DOCX or PDF layout.

A court files the protocol as a document: court, case, hearing date and time in
the court's local time, participants with their roles, the timestamped speech,
and on every page the hash (and signature) that ties the paper to the stored
protocol version. Everything a reader sees is decided here, once, so the DOCX and
PDF writers only lay it out and cannot drift apart in wording or in what they show.

Fixed texts exist in Russian and Kazakh (``lang``); speech is printed as
recognised, whatever its language.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from protocol.errors import DocumentError
from protocol.model import Protocol, Speaker, normalize_text
from protocol.speakers import UNKNOWN_SPEAKER, role_label
from protocol.timecode import format_milliseconds, to_milliseconds

__all__ = [
    "DEFAULT_TIMEZONE",
    "FLAG_MARKER",
    "LABELS",
    "LANGUAGES",
    "ROLE_NAMES",
    "DocumentContent",
    "DocumentHeader",
    "DocumentLabels",
    "FooterText",
    "HeaderLine",
    "Participant",
    "UtteranceRow",
    "build_document",
    "clean_text",
    "participants",
    "role_name",
    "speaker_name",
    "utterance_rows",
]

logger = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("ru", "kk")
"""Languages of the fixed texts (titles, labels, notes)."""

DEFAULT_TIMEZONE = "Asia/Almaty"
"""Zone of the court's local time; one zone (UTC+5) covers Kazakhstan since March 2024."""

FLAG_MARKER = "*"
"""Appended to the time of a segment that carries a review flag; explained in a legend."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Characters XML 1.0 cannot carry (C0 controls other than tab/newline/CR, lone
# surrogates, U+FFFE/U+FFFF) plus DEL and C1 controls, which render as boxes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NUMBERED = re.compile(r"(.*?)\s+(\d+)")


@dataclass(frozen=True)
class DocumentLabels:
    """Fixed texts of a protocol document in one language.

    Attributes:
        title: Document title.
        court: Label of the court's name.
        courtroom: Label of the courtroom.
        case: Label before the case number (ends with ``№``, so no colon follows).
        started: Label of the hearing's date and time.
        recording: Label of the recording's file name and duration.
        recording_sha256: Label of the recording's SHA-256.
        version: Label of the protocol version number.
        approved: Label of who approved the version and when.
        not_approved: Value shown when nobody approved the version yet.
        participants: Heading of the participants list.
        transcript: Heading of the speech.
        time_note: Says what the times mean (offsets into the recording).
        col_time: Column heading of the time.
        col_speaker: Column heading of the speaker.
        col_text: Column heading of the text.
        no_speech: Shown instead of the speech when the protocol has no segments.
        redacted: Note on a party's copy with personal data masked.
        flag_legend: Explains :data:`FLAG_MARKER`.
        page: Page numbering with ``{page}`` and ``{pages}`` placeholders.
        protocol_sha256: Label of the protocol version's SHA-256.
        signature: Label of the electronic signature.
        key: Word for the signing key, shown before its id.
        not_signed: Value shown when the version is not signed.
        speaker_n: Name of an unnamed speaker, with an ``{n}`` placeholder.
        unknown_speaker: Name of speech no speaker could be attributed to.

    """

    title: str
    court: str
    courtroom: str
    case: str
    started: str
    recording: str
    recording_sha256: str
    version: str
    approved: str
    not_approved: str
    participants: str
    transcript: str
    time_note: str
    col_time: str
    col_speaker: str
    col_text: str
    no_speech: str
    redacted: str
    flag_legend: str
    page: str
    protocol_sha256: str
    signature: str
    key: str
    not_signed: str
    speaker_n: str
    unknown_speaker: str


LABELS: dict[str, DocumentLabels] = {
    "ru": DocumentLabels(
        title="ПРОТОКОЛ судебного заседания",
        court="Суд",
        courtroom="Зал судебного заседания",
        case="Дело №",
        started="Дата и время",
        recording="Аудиозапись",
        recording_sha256="SHA-256 аудиозаписи",
        version="Редакция протокола",
        approved="Утвердил",
        not_approved="не утверждён",
        participants="Участники",
        transcript="Ход судебного заседания",
        time_note="Время указано от начала аудиозаписи.",
        col_time="Время",
        col_speaker="Говорящий",
        col_text="Текст",
        no_speech="В аудиозаписи речь не распознана.",
        redacted="Копия для участника процесса: персональные данные (ИИН) скрыты.",
        flag_legend=(
            f"{FLAG_MARKER} — фрагмент отмечен для проверки (низкая уверенность распознавания "
            "или иной признак); сверьте его с аудиозаписью."
        ),
        page="Страница {page} из {pages}",
        protocol_sha256="SHA-256 протокола",
        signature="Электронная подпись",
        key="ключ",
        not_signed="не подписан",
        speaker_n="Говорящий {n}",
        unknown_speaker="Говорящий не установлен",
    ),
    "kk": DocumentLabels(
        title="Сот отырысының ХАТТАМАСЫ",
        court="Сот",
        courtroom="Сот отырысы залы",
        case="Іс №",
        started="Күні мен уақыты",
        recording="Аудиожазба",
        recording_sha256="Аудиожазбаның SHA-256",
        version="Хаттама нұсқасы",
        approved="Бекіткен",
        not_approved="бекітілмеген",
        participants="Қатысушылар",
        transcript="Сот отырысының барысы",
        time_note="Уақыт аудиожазбаның басынан бастап көрсетілген.",
        col_time="Уақыты",
        col_speaker="Сөйлеуші",
        col_text="Мәтін",
        no_speech="Аудиожазбада сөйлеу танылмады.",
        redacted="Іске қатысушыға арналған көшірме: дербес деректер (ЖСН) жасырылған.",
        flag_legend=(
            f"{FLAG_MARKER} — үзінді тексеруге белгіленген (танудың сенімділігі төмен немесе "
            "басқа белгі); оны аудиожазбамен салыстырыңыз."
        ),
        page="Бет {page} / {pages}",
        protocol_sha256="Хаттаманың SHA-256",
        signature="Электрондық қолтаңба",
        key="кілт",
        not_signed="қол қойылмаған",
        speaker_n="Сөйлеуші {n}",
        unknown_speaker="Сөйлеушісі анықталмаған",
    ),
}
"""Fixed texts per language of :data:`LANGUAGES`."""

ROLE_NAMES: dict[str, dict[str, str]] = {
    "judge": {"ru": "судья", "kk": "судья"},
    "prosecutor": {"ru": "прокурор", "kk": "прокурор"},
    "plaintiff": {"ru": "истец", "kk": "талапкер"},
    "defendant": {"ru": "ответчик", "kk": "жауапкер"},
    "defence": {"ru": "защитник", "kk": "қорғаушы"},
    "witness": {"ru": "свидетель", "kk": "куә"},
    "clerk": {"ru": "секретарь", "kk": "хатшы"},
    "expert": {"ru": "эксперт", "kk": "сарапшы"},
    "interpreter": {"ru": "переводчик", "kk": "аудармашы"},
}
"""Courtroom role codes (as channel maps name them) in each document language."""

_ROLE_ALIASES = {"defense": "defence", "secretary": "clerk", "translator": "interpreter"}


@dataclass(frozen=True)
class DocumentHeader:
    """What the document says about the hearing and the protocol version it prints.

    The protocol itself knows only the recording; the court, case and approval come
    from the caller's records, so they are passed in here.

    Attributes:
        court_name: Name of the court.
        courtroom: Name of the courtroom.
        case_number: Case number as the court writes it.
        hearing_started_at: When the hearing started; timezone-aware, printed in
            ``timezone``.
        version: Number of the protocol version printed.
        protocol_sha256: Lower-case hex SHA-256 of that version's JSON; printed on
            every page so a paper copy can be checked against the stored version.
        signature: Base64 signature of the version, when signed.
        signing_key_id: Id of the key that made ``signature``.
        approved_by: Who approved the version (a judge's name), when approved.
        approved_at: When it was approved; timezone-aware.
        redacted: The copy is a party's, with personal data masked; a note says so.
        lang: Language of the fixed texts, one of :data:`LANGUAGES`.
        timezone: IANA zone of the court's local time.

    Raises:
        DocumentError: A field cannot be printed correctly (naive time, unknown
            language or zone, malformed hash).

    """

    court_name: str
    courtroom: str
    case_number: str
    hearing_started_at: datetime
    version: int
    protocol_sha256: str
    signature: str | None = None
    signing_key_id: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    redacted: bool = False
    lang: str = "ru"
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise DocumentError(f"document language {self.lang!r} is not one of {LANGUAGES}")
        if not _SHA256.fullmatch(self.protocol_sha256):
            raise DocumentError("protocol_sha256 must be 64 lower-case hex digits")
        for name in ("hearing_started_at", "approved_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise DocumentError(f"{name} must be timezone-aware to be shown in local time")
        _zone(self.timezone)


@dataclass(frozen=True)
class HeaderLine:
    """One labelled line of the header block.

    Attributes:
        label: The label (bold in the documents).
        value: The value.

    """

    label: str
    value: str

    @property
    def separator(self) -> str:
        """``" "`` after a label ending in ``№`` (``Дело № 2-15``), else ``": "``."""
        return " " if self.label.endswith("№") else ": "

    @property
    def text(self) -> str:
        """The whole line as plain text."""
        return f"{self.label}{self.separator}{self.value}"


@dataclass(frozen=True)
class Participant:
    """A speaker as listed among the participants.

    Attributes:
        speaker_id: Protocol speaker id (``"S1"``).
        name: Name shown, already translated when it was only a role or a number.
        role: Role in the document language, when known and not already the name.

    """

    speaker_id: str
    name: str
    role: str | None

    @property
    def text(self) -> str:
        """``name (role)``, or the name alone."""
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass(frozen=True)
class UtteranceRow:
    """One segment as printed.

    Attributes:
        time: Start as ``HH:MM:SS`` from the start of the recording, followed by
            :data:`FLAG_MARKER` when the segment is flagged for review.
        speaker: Speaker as ``name (role)``.
        text: The text, cleaned of characters documents cannot carry.
        language: ISO 639-1 language of the segment (for spell checking in DOCX).
        flagged: The segment carries at least one review flag.

    """

    time: str
    speaker: str
    text: str
    language: str
    flagged: bool


@dataclass(frozen=True)
class FooterText:
    """What every page's footer says.

    Attributes:
        page: Page numbering with ``{page}`` and ``{pages}`` placeholders, which
            each writer replaces by its own page-number mechanism.
        context: Case number and version, printed after the page number.
        lines: Further lines: the protocol hash, then the signature (or that the
            version is not signed).

    """

    page: str
    context: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class DocumentContent:
    """Everything a protocol document shows, in reading order.

    Attributes:
        lang: Language of the fixed texts.
        labels: The fixed texts.
        fields: Header block lines.
        participants: Participants list.
        notes: Notes printed before the speech (the redaction note).
        rows: The speech; empty means :attr:`DocumentLabels.no_speech` is shown.
        legend: Explanation of the review marker, when any row is flagged.
        footer: Footer of every page.
        title: Document metadata title.
        subject: Document metadata subject (the case).
        author: Document metadata author (the court).
        keywords: Document metadata keywords (the protocol hash).
        created_at: Creation time written into the file's metadata: the protocol
            version's own creation time, so the same version renders the same bytes.

    """

    lang: str
    labels: DocumentLabels
    fields: tuple[HeaderLine, ...]
    participants: tuple[Participant, ...]
    notes: tuple[str, ...]
    rows: tuple[UtteranceRow, ...]
    legend: str | None
    footer: FooterText
    title: str
    subject: str
    author: str
    keywords: str
    created_at: datetime


def clean_text(text: str) -> str:
    """Remove characters a document cannot carry and normalise whitespace.

    Control characters (which XML forbids and PDF fonts draw as boxes), lone
    surrogates and U+FFFE/U+FFFF become spaces, so that words they separated stay
    apart; whitespace is then collapsed as in every other export.

    Args:
        text: Any text from a protocol or a caller.

    Returns:
        Text safe for DOCX (XML 1.0) and PDF.

    """
    return normalize_text(_CONTROL.sub(" ", text))


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DocumentError(
            f"unknown time zone {key!r}; use an IANA key such as {DEFAULT_TIMEZONE!r}"
        ) from exc


def _local_time(moment: datetime, zone: str) -> str:
    """``31.01.2025 10:00 (UTC+05:00)``: the court's clock with its offset, unambiguous."""
    local = moment.astimezone(_zone(zone))
    offset = local.strftime("%z")
    return f"{local:%d.%m.%Y %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def role_name(role: str, lang: str) -> str:
    """Name a courtroom role in the document language.

    Args:
        role: Role code from the channel map (``"judge"``, ``"defence"``); any case.
        lang: One of :data:`LANGUAGES`.

    Returns:
        The translated role in lower case, or the role as given (trimmed) when it is
        not a known code, because a court may use roles this project does not know.

    """
    key = role.strip().casefold()
    names = ROLE_NAMES.get(_ROLE_ALIASES.get(key, key))
    return names[lang] if names else clean_text(role)


def _auto_number(speaker: Speaker) -> str | None:
    """The number of an automatic label ("Witness 2" -> "2", "Judge" -> ""), else None.

    Labels the pipeline made from a role or a number are English; they are replaced by
    the document language's words. A label a judge typed is kept as typed.
    """
    label = speaker.label.strip()
    if speaker.role is not None:
        title = role_label(speaker.role).casefold()
        if label.casefold() == title:
            return ""
        match = _NUMBERED.fullmatch(label)
        if match and match.group(1).casefold() == title:
            return match.group(2)
        return None
    match = _NUMBERED.fullmatch(label)
    if match and match.group(1) == "Speaker" and speaker.id == f"S{match.group(2)}":
        return match.group(2)
    return None


def speaker_name(speaker: Speaker, lang: str) -> Participant:
    """Decide how a speaker is named in a document.

    Automatic labels (``"Judge"``, ``"Witness 2"``, ``"Speaker 3"``, ``"Unknown"``)
    become the document language's words (``"Судья"``, ``"Свидетель 2"``,
    ``"Говорящий 3"``); then the role would repeat the name and is left out. A
    typed name keeps its role beside it (``"Ахметов А. Б. (судья)"``).

    Args:
        speaker: Protocol speaker.
        lang: One of :data:`LANGUAGES`.

    Returns:
        The participant entry.

    """
    labels = LABELS[lang]
    number = _auto_number(speaker)
    if speaker == UNKNOWN_SPEAKER:
        return Participant(speaker.id, labels.unknown_speaker, None)
    if number is not None and speaker.role is not None:
        name = role_name(speaker.role, lang)
        name = name[:1].upper() + name[1:]
        return Participant(speaker.id, f"{name} {number}".strip(), None)
    if number is not None:
        return Participant(speaker.id, labels.speaker_n.format(n=number), None)
    role = role_name(speaker.role, lang) if speaker.role else None
    return Participant(speaker.id, clean_text(speaker.label) or speaker.id, role or None)


def participants(protocol: Protocol, lang: str) -> tuple[Participant, ...]:
    """List the protocol's speakers as participants, in speaker-id order.

    Args:
        protocol: The protocol.
        lang: One of :data:`LANGUAGES`.

    Returns:
        One entry per speaker.

    """
    return tuple(speaker_name(speaker, lang) for speaker in protocol.speakers)


def _clock(seconds: float) -> str:
    """``HH:MM:SS``, truncated like a media player's clock, so it finds the audio."""
    return format_milliseconds(to_milliseconds(seconds) // 1000 * 1000)[:-4]


def utterance_rows(protocol: Protocol, lang: str) -> tuple[UtteranceRow, ...]:
    """Turn the protocol's segments into printed rows, in protocol order.

    Args:
        protocol: The protocol.
        lang: One of :data:`LANGUAGES` (names the speakers).

    Returns:
        One row per segment.

    """
    names = {p.speaker_id: p.text for p in participants(protocol, lang)}
    rows = []
    for segment in protocol.segments:
        flagged = bool(segment.flags)
        rows.append(
            UtteranceRow(
                time=_clock(segment.start) + (FLAG_MARKER if flagged else ""),
                speaker=names.get(segment.speaker, clean_text(segment.speaker)),
                text=clean_text(segment.text),
                language=segment.language,
                flagged=flagged,
            )
        )
    return tuple(rows)


def _created_at(protocol: Protocol, header: DocumentHeader) -> datetime:
    try:
        created = datetime.fromisoformat(protocol.created_at)
    except ValueError:
        logger.warning("protocol created_at %r is not ISO 8601", protocol.created_at)
        return header.hearing_started_at.astimezone(UTC)
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).astimezone(UTC)


def _fields(protocol: Protocol, header: DocumentHeader) -> tuple[HeaderLine, ...]:
    labels, recording = LABELS[header.lang], protocol.recording
    approval = labels.not_approved
    if header.approved_by:
        approval = clean_text(header.approved_by)
        if header.approved_at is not None:
            approval += ", " + _local_time(header.approved_at, header.timezone)
    duration = format_milliseconds(to_milliseconds(recording.duration))[:-4]
    return (
        HeaderLine(labels.court, clean_text(header.court_name)),
        HeaderLine(labels.case, clean_text(header.case_number)),
        HeaderLine(labels.courtroom, clean_text(header.courtroom)),
        HeaderLine(labels.started, _local_time(header.hearing_started_at, header.timezone)),
        HeaderLine(labels.recording, f"{clean_text(recording.source_name)} ({duration})"),
        HeaderLine(labels.recording_sha256, clean_text(recording.sha256)),
        HeaderLine(labels.version, str(header.version)),
        HeaderLine(labels.approved, approval),
    )


def _footer(header: DocumentHeader) -> FooterText:
    labels = LABELS[header.lang]
    if header.signature:
        key = (
            f" ({labels.key} {clean_text(header.signing_key_id)})" if header.signing_key_id else ""
        )
        signature = f"{labels.signature}{key}: {clean_text(header.signature)}"
    else:
        signature = f"{labels.signature}: {labels.not_signed}"
    return FooterText(
        page=labels.page,
        context=f"{labels.case} {clean_text(header.case_number)} · "
        f"{labels.version} {header.version}",
        lines=(f"{labels.protocol_sha256}: {header.protocol_sha256}", signature),
    )


def build_document(protocol: Protocol, header: DocumentHeader) -> DocumentContent:
    """Decide the whole content of a protocol document.

    Args:
        protocol: The protocol version to print.
        header: Court, case and version details.

    Returns:
        The content; :mod:`protocol.docx_export` and :mod:`protocol.pdf_export` lay
        it out.

    """
    labels = LABELS[header.lang]
    rows = utterance_rows(protocol, header.lang)
    case = clean_text(header.case_number)
    return DocumentContent(
        lang=header.lang,
        labels=labels,
        fields=_fields(protocol, header),
        participants=participants(protocol, header.lang),
        notes=(labels.redacted,) if header.redacted else (),
        rows=rows,
        legend=labels.flag_legend if any(row.flagged for row in rows) else None,
        footer=_footer(header),
        title=f"{labels.title}, {labels.case} {case}",
        subject=f"{labels.case} {case}",
        author=clean_text(header.court_name),
        keywords=f"SHA-256 {header.protocol_sha256}",
        created_at=_created_at(protocol, header),
    )
