"""The metadata model and the tus header codecs, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import HTTPException

from api.metadata import HearingMetadata, MetadataError, parse_metadata
from api.tus import encode_upload_metadata, parse_checksum, parse_upload_metadata
from tests.api.helpers import HEARING


def parse(**fields):
    return parse_metadata({**HEARING, **fields})


def test_defaults_and_normal_forms():
    meta = parse()
    assert meta.languages == ("kk", "ru")
    assert meta.channel_map is None
    assert meta.vocabulary == ()
    assert meta.source_name == ""
    assert meta.hearing_started_at == datetime(2025, 3, 14, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kk,ru", ("kk", "ru")),
        (["ru", "kk"], ("ru", "kk")),
        (["kk,ru", "kk"], ("kk", "ru")),
        ("RU", ("ru",)),
        ('["kk"]', ("kk",)),
    ],
)
def test_languages_in_every_form(value, expected):
    assert parse(languages=value).languages == expected


@pytest.mark.parametrize(
    "value",
    ["1=judge, 2=Prosecutor", {"1": "judge", "2": "prosecutor"}, '{"1":"judge","02":"prosecutor"}'],
)
def test_channel_map_as_text_or_object(value):
    assert parse(channel_map=value).channel_map == {"1": "judge", "2": "prosecutor"}


def test_vocabulary_terms_are_trimmed_and_deduplicated():
    meta = parse(vocabulary=["Алматы, Сейткали", "Алматы"])
    assert meta.vocabulary == ("Алматы", "Сейткали")


@pytest.mark.parametrize(
    "case_number",
    ["2-1234/2025", "№ 7199-24-00-2/1234", "2а-15/2025 (А)", "Іс 3.5", "АБВ-1"],
)
def test_real_case_numbers_pass(case_number):
    assert parse(case_number=case_number).case_number == case_number


@pytest.mark.parametrize(
    "case_number",
    ["../x", "/etc/passwd", "a/../b", "a//b", "a_b", "a\\b", "a\tb", "a  b", "'; DROP", "", " "],
)
def test_odd_case_numbers_fail(case_number):
    with pytest.raises(MetadataError):
        parse(case_number=case_number)


def test_speakers_bounds():
    assert parse(speakers="3", min_speakers="2", max_speakers="4").speakers == 3
    with pytest.raises(MetadataError, match="between"):
        parse(speakers="5", max_speakers="4")


def test_only_list_fields_may_repeat():
    with pytest.raises(MetadataError, match="case_number: given more than once"):
        parse_metadata({**HEARING, "case_number": ["1", "2"]})
    assert parse_metadata({**HEARING, "vocabulary": ["a", "b"]}).vocabulary == ("a", "b")


def test_hostile_field_names_are_escaped_in_the_message():
    with pytest.raises(MetadataError) as caught:
        parse_metadata({**HEARING, "x\x00\n" * 30: "1"})
    message = str(caught.value)
    assert "\x00" not in message and "\n" not in message
    assert len(message) < 200


def test_the_model_round_trips_through_json():
    meta = parse(channel_map="1=judge", vocabulary="a,b", speakers="2")
    again = HearingMetadata.model_validate(meta.model_dump(mode="json"))
    assert again == meta


def test_upload_metadata_codec_round_trips_unicode():
    values = {"case_number": "№ 2-15/2025", "source_name": "зал 3.wav", "flag": ""}
    assert parse_upload_metadata(encode_upload_metadata(values)) == values


@pytest.mark.parametrize(
    "header",
    ["key", "k v w", "k ***", "k " + "gA==", "a YQ==,a YQ==", ",".join(["k YQ=="] * 65)],
)
def test_malformed_upload_metadata_is_refused(header):
    if header == "key":
        assert parse_upload_metadata(header) == {"key": ""}
        return
    with pytest.raises(HTTPException) as caught:
        parse_upload_metadata(header)
    assert caught.value.status_code == 400


def test_checksum_header():
    parsed = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")
    assert parsed is not None and parsed.algorithm == "sha1"
    assert parsed.hexdigest == "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
    assert parse_checksum(None) is None
    for bad in ("crc32 AAAA", "sha1 ***"):
        with pytest.raises(HTTPException):
            parse_checksum(bad)
