"""Unit tests of protocol.redact: masking IINs/BINs and phone numbers for parties."""

from __future__ import annotations

import pytest

from protocol import (
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
    join_words,
    protocol_from_dict,
    protocol_to_dict,
)
from protocol.redact import (
    IIN,
    MASK,
    PHONE,
    PersonalDataSpan,
    find_personal_data,
    is_valid_iin,
    mask_text,
    redact_protocol,
)

FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first11: str) -> int | None:
    """The published IIN algorithm, written out independently of the module."""
    digits = [int(c) for c in first11]
    total = sum(d * w for d, w in zip(digits, FIRST, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, SECOND, strict=True)) % 11
    return None if total == 10 else total


def with_check(first11: str) -> str:
    check = check_digit(first11)
    assert check is not None, first11
    return first11 + str(check)


def prefixes(count: int = 3000) -> list[str]:
    return [f"{880101300000 + n:012d}"[:11] for n in range(count)]


IIN_1 = with_check("88010130012")  # 880101300123: first weights give 3
IIN_2 = with_check("95071540001")
BIN_1 = with_check("07114000012")
NEEDS_SECOND = next(
    with_check(p)
    for p in prefixes()
    if sum(int(d) * w for d, w in zip(p, FIRST, strict=True)) % 11 == 10
    and check_digit(p) is not None
)
NO_VALID_CHECK = next(p for p in prefixes() if check_digit(p) is None)


def wrong(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


# The check digit


def test_known_iin_is_valid() -> None:
    assert IIN_1 == "880101300123"
    assert is_valid_iin(IIN_1)


@pytest.mark.parametrize("iin", [IIN_1, IIN_2, BIN_1, NEEDS_SECOND])
def test_valid_iins_pass_and_a_changed_check_digit_fails(iin: str) -> None:
    assert is_valid_iin(iin)
    assert not is_valid_iin(wrong(iin))


def test_when_both_sums_are_ten_no_check_digit_is_valid() -> None:
    assert not any(is_valid_iin(NO_VALID_CHECK + str(d)) for d in range(10))


@pytest.mark.parametrize(
    "value", ["", IIN_1[:11], IIN_1 + "0", "88010130012a", "８８０１０１３００１２３"]
)
def test_other_strings_are_not_iins(value: str) -> None:
    assert not is_valid_iin(value)


# Finding and masking in text


def test_an_iin_is_masked_digit_for_digit() -> None:
    text = f"ИИН {IIN_1}, проживает в городе Алматы."
    masked, count = mask_text(text)
    assert masked == f"ИИН {MASK * 12}, проживает в городе Алматы."
    assert count == 1
    assert find_personal_data(text) == (PersonalDataSpan(4, 16, IIN),)


def test_an_invalid_twelve_digit_number_is_left_alone() -> None:
    text = f"номер {wrong(IIN_1)}"
    assert mask_text(text) == (text, 0)


@pytest.mark.parametrize(
    "text",
    [
        f"{IIN_1}7",  # 13 digits: part of a longer number
        f"7{IIN_1}",
        f"1.{IIN_1}",  # a decimal
        f"{IIN_1},5",
        f"2-{IIN_1}/2026",  # glued into a case number
    ],
)
def test_twelve_valid_digits_inside_a_longer_number_are_left_alone(text: str) -> None:
    assert mask_text(text) == (text, 0)


@pytest.mark.parametrize(
    "written",
    [
        f"{IIN_1[:3]} {IIN_1[3:6]} {IIN_1[6:9]} {IIN_1[9:]}",
        f"{IIN_1[:6]} {IIN_1[6:]}",
        f"{IIN_1[:6]}\u00a0{IIN_1[6:]}",
        f"{IIN_1[:11]} {IIN_1[11]}",
    ],
)
def test_an_iin_written_in_groups_is_masked(written: str) -> None:
    masked, count = mask_text(f"ИИН {written} 2 раза")
    assert count == 1
    assert not any(c.isdigit() for c in masked[:-7])
    assert masked.endswith(" 2 раза")
    assert len(masked) == len(f"ИИН {written} 2 раза")


def test_groups_separated_by_more_than_one_space_are_not_joined() -> None:
    text = f"{IIN_1[:6]}  {IIN_1[6:]}"
    assert mask_text(text) == (text, 0)


def test_an_iin_next_to_another_number_group_is_still_found() -> None:
    masked, count = mask_text(f"1234 {IIN_2} и {IIN_1} 5")
    assert masked == f"1234 {MASK * 12} и {MASK * 12} 5"
    assert count == 2


@pytest.mark.parametrize(
    ("phone", "mask"),
    [
        ("+7 701 123 45 67", "+• ••• ••• •• ••"),
        ("+7 (701) 123-45-67", "+• (•••) •••-••-••"),
        ("8 (701) 123-45-67", "• (•••) •••-••-••"),
        ("8 701 123 4567", "• ••• ••• ••••"),
        ("87011234567", "•••••••••••"),
        ("+77011234567", "+•••••••••••"),
        ("77011234567", "•••••••••••"),
        ("8-727-123-45-67", "•-•••-•••-••-••"),
        ("8 (495) 123-45-67", "• (•••) •••-••-••"),
        ("701 123 45 67", "••• ••• •• ••"),
        ("(727) 123-45-67", "(•••) •••-••-••"),
    ],
)
def test_phone_numbers_are_masked(phone: str, mask: str) -> None:
    masked, count = mask_text(f"Телефон: {phone}.")
    assert masked == f"Телефон: {mask}."
    assert count == 1
    (span,) = find_personal_data(f"Телефон: {phone}.")
    assert span.kind == PHONE


@pytest.mark.parametrize(
    "text",
    [
        "Дело № 2-1234/2026 рассматривается.",
        "Взыскать 1 500 000 тенге и 250 000 тенге судебных расходов.",
        "Сумма 12 345 678,90 тенге.",
        "Заседание 15.03.2026 в 10:30, зал 3.",
        "Статья 188 часть 2 УК РК, 2019 2020 2021 годы.",
        "7011234567",  # ten bare digits: not a phone
        "8701123456",  # ten digits with the trunk prefix: too short
        "870112345678",  # twelve digits, not a valid IIN: too long for a phone
        "Сәлеметсіз бе! Қазақстан Республикасы, өңір, ұлы, үй, һ, і.",
    ],
)
def test_other_numbers_and_kazakh_letters_are_left_alone(text: str) -> None:
    assert mask_text(text) == (text, 0)


def test_kazakh_text_around_masked_numbers_is_intact() -> None:
    text = f"Жеке сәйкестендіру нөмірі {IIN_2}, телефоны 8 777 000 11 22, үйі Өскеменде."
    masked, count = mask_text(text)
    assert count == 2
    assert masked == (
        f"Жеке сәйкестендіру нөмірі {MASK * 12}, телефоны • ••• ••• •• ••, үйі Өскеменде."
    )


# Protocols


def protocol_with(*segments: Segment, source_name: str = "hearing.wav") -> Protocol:
    return Protocol(
        recording=RecordingInfo("ef" * 32, 60.0, 1, source_name, "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "channels", ("kk", "ru")),
        speakers=(
            Speaker("S1", "Судья Ахметов", "judge", 1),
            Speaker("S2", "Свидетель Иванова", "witness", 2),
        ),
        segments=segments,
        created_at="2025-03-01T10:15:00Z",
    )


def split_iin_segment() -> Segment:
    words = (
        Word(0.0, 0.5, " Мой", 0.9),
        Word(0.5, 1.0, " ИИН", 0.9),
        Word(1.0, 2.0, " 880101", 0.7),
        Word(2.0, 2.5, " 300", 0.7),
        Word(2.5, 3.0, "123", 0.7),
        Word(3.0, 3.5, ".", 0.9),
    )
    return Segment(0.0, 3.5, "S2", "ru", join_words(words), words)


def test_a_number_split_over_several_words_is_masked_in_text_and_words() -> None:
    original = protocol_with(split_iin_segment())
    assert original.segments[0].text == "Мой ИИН 880101 300123."
    redacted, count = redact_protocol(original)
    assert count == 1
    seg = redacted.segments[0]
    assert seg.text == "Мой ИИН •••••• ••••••."
    assert [w.text for w in seg.words] == [" Мой", " ИИН", " ••••••", " •••", "•••", "."]
    assert [(w.start, w.end, w.probability) for w in seg.words] == [
        (w.start, w.end, w.probability) for w in original.segments[0].words
    ]
    assert join_words(seg.words) == seg.text
    assert original.segments[0] == split_iin_segment()  # the original is untouched


def test_words_of_a_recogniser_without_spaces_are_masked_too() -> None:
    words = (
        Word(0.0, 0.5, "тел", 0.9),
        Word(0.5, 1.0, "8", 0.9),
        Word(1.0, 1.5, "701", 0.9),
        Word(1.5, 2.0, "1234567", 0.9),
    )
    seg = Segment(0.0, 2.0, "S1", "ru", join_words(words), words)
    redacted, count = redact_protocol(protocol_with(seg))
    assert count == 1
    assert redacted.segments[0].text == "тел • ••• •••••••"
    assert [w.text for w in redacted.segments[0].words] == ["тел", "•", "•••", "•••••••"]


def test_redact_protocol_leaves_clean_segments_labels_and_metadata() -> None:
    clean = Segment(5.0, 6.0, "S1", "kk", "Сот отырысы ашық деп жарияланады.", ())
    original = protocol_with(split_iin_segment(), clean)
    redacted, count = redact_protocol(original)
    assert count == 1
    assert redacted.segments[1] is clean
    assert redacted.speakers == original.speakers
    assert (redacted.recording, redacted.pipeline) == (original.recording, original.pipeline)
    assert protocol_from_dict(protocol_to_dict(redacted)) == redacted


def test_a_segment_without_words_is_masked() -> None:
    seg = Segment(0.0, 4.0, "S2", "ru", f"Телефон +7 701 123 45 67, ИИН {IIN_1}.", ())
    redacted, count = redact_protocol(protocol_with(seg))
    assert count == 2
    assert redacted.segments[0].text == f"Телефон +• ••• ••• •• ••, ИИН {MASK * 12}."
    assert redacted.segments[0].words == ()


def test_the_source_file_name_is_masked() -> None:
    original = protocol_with(source_name=f"{IIN_1}_hearing.mp3")
    redacted, count = redact_protocol(original)
    assert count == 1
    assert redacted.recording.source_name == f"{MASK * 12}_hearing.mp3"
    assert redacted.recording.sha256 == original.recording.sha256


def test_words_that_would_reveal_what_the_text_hides_are_dropped() -> None:
    # Words back the text, but one carries a doubled space, so masked separately
    # they would not find the number the text masks.
    words = (Word(0.0, 1.0, f" {IIN_1[:6]}", 0.9), Word(1.0, 2.0, f"  {IIN_1[6:]}", 0.9))
    seg = Segment(0.0, 2.0, "S1", "ru", join_words(words), words)
    assert seg.text == f"{IIN_1[:6]} {IIN_1[6:]}"
    redacted, count = redact_protocol(protocol_with(seg))
    assert count == 1
    assert redacted.segments[0].text == f"{MASK * 6} {MASK * 6}"
    assert redacted.segments[0].words == ()


def test_masking_is_idempotent() -> None:
    once, _ = redact_protocol(protocol_with(split_iin_segment()))
    twice, count = redact_protocol(once)
    assert twice == once and count == 0


def test_mask_is_one_character_that_is_not_a_digit() -> None:
    # One character per digit is what keeps word positions exact.
    assert len(MASK) == 1 and not MASK.isdigit()
