"""Query text and page validation: malformed input becomes plain words or a clear error."""

from __future__ import annotations

from datetime import datetime

import pytest

from storage.errors import StorageError
from storage.search import MAX_LIMIT, MAX_OFFSET, SearchQuery, SearchQueryError
from storage.search.highlight import snippet_html
from storage.search.query import parse_text


def test_quotes_make_phrases_and_stop_words_drop_from_loose_words() -> None:
    parsed = parse_text('иск в суде «подал иск» "один"')
    assert parsed.words == ("иск", "суде", "один")
    assert parsed.phrases == (("подал", "иск"),)


def test_an_unpaired_quote_is_ignored() -> None:
    assert parse_text('"подал иск').words == ("подал", "иск")
    assert parse_text('"подал иск" "суд').phrases == (("подал", "иск"),)


def test_only_stop_words_are_kept() -> None:
    assert parse_text("не в").words == ("не", "в")


@pytest.mark.parametrize(
    "text",
    ['"', "***", "* : ^ ( ) { } [ ]", '""', "«»", "-", "&|!", "--", "\\", "'", "%_"],
)
def test_punctuation_only_is_a_query_error(text: str) -> None:
    with pytest.raises(SearchQueryError, match="no words"):
        SearchQuery(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NEAR(иск суд)", ("near", "иск", "суд")),
        ("terms:иск", ("terms", "иск")),
        ("иск* OR суд", ("иск", "or", "суд")),
        ("иск & !суд | 'x'", ("иск", "суд", "x")),
        ("'; DROP TABLE search_segments; --", ("drop", "table", "search", "segments")),
    ],
)
def test_database_syntax_becomes_plain_words(text: str, expected: tuple[str, ...]) -> None:
    assert SearchQuery(text).parsed.words == expected


def test_text_bounds() -> None:
    assert SearchQuery("  иск  ").q == "иск"
    with pytest.raises(SearchQueryError, match="empty"):
        SearchQuery("   ")
    with pytest.raises(SearchQueryError, match="longer than 200"):
        SearchQuery("иск " * 60)
    with pytest.raises(SearchQueryError, match="more than 16 words"):
        SearchQuery(" ".join(f"слово{i}" for i in range(17)))
    assert issubclass(SearchQueryError, StorageError)


@pytest.mark.parametrize(
    ("field", "value"),
    [("limit", 0), ("limit", MAX_LIMIT + 1), ("offset", -1), ("offset", MAX_OFFSET + 1)],
)
def test_page_bounds(field: str, value: int) -> None:
    with pytest.raises(SearchQueryError, match=field):
        SearchQuery("иск", **{field: value})  # type: ignore[arg-type]


def test_naive_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SearchQuery("иск", date_from=datetime(2025, 1, 1))


def test_scope_sets_are_frozen_and_emptiness_is_seen() -> None:
    query = SearchQuery("иск", court_ids={1, 2})  # type: ignore[arg-type]
    assert query.court_ids == frozenset({1, 2})
    assert not query.empty_scope
    assert SearchQuery("иск", court_ids=frozenset()).empty_scope
    assert SearchQuery("иск", recording_ids=frozenset()).empty_scope


def test_snippet_escapes_everything_but_its_marks() -> None:
    html = snippet_html('Он сказал <script>alert("иск")</script> & ушёл', "ru", {"иск"})
    assert html == (
        "Он сказал &lt;script&gt;alert(&quot;<mark>иск</mark>&quot;)&lt;/script&gt; &amp; ушёл"
    )


def test_long_snippets_are_cut_around_the_first_match_between_words() -> None:
    text = " ".join(["слово"] * 80) + " иском " + " ".join(["текст"] * 80)
    html = snippet_html(text, "ru", {"иск"}, width=60)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>иском</mark>" in html
    inner = html.strip("…").replace("<mark>", "").replace("</mark>", "").strip()
    assert all(word in ("слово", "иском", "текст") for word in inner.split())
    assert len(inner) <= 60
