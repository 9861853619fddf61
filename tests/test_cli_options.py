"""Parsing of command-line values."""

from __future__ import annotations

import pytest

from cli.options import (
    OptionError,
    parse_channel_map,
    parse_formats,
    parse_languages,
    read_vocabulary,
)


def test_channel_map():
    assert parse_channel_map("1=judge, 2=Plaintiff,4=defence lawyer") == {
        1: "judge",
        2: "plaintiff",
        4: "defence lawyer",
    }
    assert parse_channel_map("3=судья") == {3: "судья"}
    for bad in ("", "judge", "0=judge", "1=", "1=../etc", "1=judge,1=clerk"):
        with pytest.raises(OptionError):
            parse_channel_map(bad)


def test_formats_and_languages():
    assert parse_formats("json, srt,json") == ("json", "srt")
    with pytest.raises(OptionError):
        parse_formats("docx")
    assert parse_languages("KK,ru") == ("kk", "ru")
    assert parse_languages("any") == ()
    with pytest.raises(OptionError):
        parse_languages("kazakh")


def test_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text(
        "# parties\nСейітов Асқар\nИванова\n\nстатья 188 УК\nИванова\n", encoding="utf-8"
    )
    assert read_vocabulary(path) == ("Сейітов Асқар", "Иванова", "статья 188 УК")
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(OptionError, match="UTF-8"):
        read_vocabulary(path)
    with pytest.raises(OptionError, match="cannot read"):
        read_vocabulary(tmp_path / "missing.txt")
