"""Key and prefix validation (pure, no store)."""

from __future__ import annotations

import pytest

from storage.errors import InvalidKeyError
from storage.objects import (
    MAX_KEY_LENGTH,
    MAX_SEGMENT_LENGTH,
    is_valid_key,
    validate_key,
    validate_prefix,
)

GOOD_KEYS = [
    "a",
    "originals/2026/h-1/rec_01.wav",
    "uploads/0f3c/000001",
    "x.y.z",
    "a-b_c.d/e",
    "a" * MAX_SEGMENT_LENGTH,
    "/".join(["abcdefg"] * 64),  # 511 characters
]

BAD_KEYS = [
    "",
    "..",
    "../x",
    "a/..",
    "a/../b",
    "a..b",
    "/a",
    "a/",
    "a//b",
    ".a",
    "a/.b",
    "A",
    "a b",
    "a\tb",
    "a\n",
    "a\x00",
    "a\\b",
    "a:b",
    "a%2fb",
    "ä",
    "ключ",
    "a" * (MAX_SEGMENT_LENGTH + 1),
    "a/" * 300 + "a",
    None,
    b"bytes",
    42,
]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys_pass_unchanged(key):
    assert len(key) <= MAX_KEY_LENGTH
    assert validate_key(key) == key
    assert is_valid_key(key)


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_rejected(key):
    assert not is_valid_key(key)
    with pytest.raises(InvalidKeyError):
        validate_key(key)


def test_error_message_is_short_and_quoted():
    with pytest.raises(InvalidKeyError) as caught:
        validate_key("../" * 500)
    assert len(str(caught.value)) < 120
    assert "'../" in str(caught.value)


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b", "uploads/0f3c/", "a-", "a."])
def test_good_prefixes(prefix):
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "/a", "a//", "../", "a/../", "..", ".", "A/", "a b", None])
def test_bad_prefixes(prefix):
    with pytest.raises(InvalidKeyError):
        validate_prefix(prefix)
