"""Search on SQLite and PostgreSQL: inflections, spelling variants, scope, filters, order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from storage.errors import StorageError
from storage.search import SearchPage, SearchQuery, SearchQueryError, index_protocol, search
from tests.db.conftest import Db
from tests.search.conftest import Courts, add_recording, day, kk, make_protocol, ru


@dataclass(frozen=True)
class Hearings:
    """Three hearings in two courts (A: civil and criminal cases, B: a Kazakh hearing)."""

    civil: str  # court A, 2-100/2025, day 1, Russian
    kazakh: str  # court B, 2-200/2025, day 10, Kazakh
    criminal: str  # court A, 1-300/2025, day 20, mixed, names with ASR spellings
    courts: Courts


@pytest.fixture
def hearings(db: Db, courts: Courts) -> Hearings:
    with db.session() as session:
        civil = add_recording(session, courts.room_a, case_number="2-100/2025", started=day(1))
        index_protocol(
            session,
            civil,
            1,
            make_protocol(
                [
                    ru("Слушается дело по иску Петрова к Сидорову.", "S1"),  # 0
                    ru("Истец поддерживает исковые требования.", "S2"),  # 1
                    ru("Суд рассмотрел доводы иска.", "S1"),  # 2
                    ru("Прошу удовлетворить иском заявленные требования.", "S2"),  # 3
                    ru("Ответчик с иском не согласен.", "S4"),  # 4
                    ru('Он написал <script>alert("иск")</script> в чате.', "S4"),  # 5
                ]
            ),
        )
        kazakh = add_recording(session, courts.room_b, case_number="2-200/2025", started=day(10))
        index_protocol(
            session,
            kazakh,
            1,
            make_protocol(
                [
                    kk("Соттың шешімі жарияланады.", "S1"),  # 0
                    kk("Мен сотқа арыз бердім.", "S2"),  # 1
                    kk("Куәгер соттан шықты.", "S3"),  # 2
                    kk("Сотта куәгер сөйледі.", "S1"),  # 3
                    kk("Талап арызы қабылданды.", "S1"),  # 4
                    kk("Ол сотка келді.", "S4"),  # 5, Russian letter for қ, as ASR writes
                ]
            ),
        )
        criminal = add_recording(session, courts.room_a, case_number="1-300/2025", started=day(20))
        index_protocol(
            session,
            criminal,
            1,
            make_protocol(
                [
                    ru("Вызывается свидетель Иванова.", "S1"),  # 0
                    ru("Свидетель Иваннова, расскажите суду.", "S1"),  # 1 ASR doubled letter
                    ru("Я, Иванова Анна, видела подсудимого.", "S3"),  # 2
                    kk("Куәгер Иванова сотқа келді.", "S1"),  # 3
                    ru("Гражданский иск потерпевшего не заявлен.", "S2"),  # 4
                ]
            ),
        )
    return Hearings(civil, kazakh, criminal, courts)


def find(db: Db, text: str, **options: object) -> SearchPage:
    with db.session() as session:
        return search(session, SearchQuery(text, **options))  # type: ignore[arg-type]


def places(page: SearchPage) -> set[tuple[str, int]]:
    return {(hit.recording_id, hit.segment_index) for hit in page.hits}


def test_russian_inflected_forms_match(db: Db, hearings: Hearings) -> None:
    expected = {
        (hearings.civil, 0),  # иску
        (hearings.civil, 2),  # иска
        (hearings.civil, 3),  # иском
        (hearings.civil, 4),  # иском
        (hearings.civil, 5),  # иск inside the script text
        (hearings.criminal, 4),  # иск
    }
    for form in ("иск", "иска", "Иском", "ИСКУ"):
        page = find(db, form)
        assert places(page) == expected, form
        assert page.total == len(expected)
    marked = {hit.segment_index: hit.snippet_html for hit in find(db, "иск").hits}
    assert "по <mark>иску</mark> Петрова" in marked[0]
    assert "исковые" not in find(db, "иск").hits[0].snippet_html  # a derived word, not a form


def test_russian_fleeting_vowel(db: Db, hearings: Hearings) -> None:
    assert places(find(db, "истца")) == {(hearings.civil, 1)}  # the text says "Истец"


def test_kazakh_inflected_forms_match(db: Db, hearings: Hearings) -> None:
    page = find(db, "сот")
    assert places(page) == {
        (hearings.kazakh, 0),  # соттың
        (hearings.kazakh, 1),  # сотқа
        (hearings.kazakh, 2),  # соттан
        (hearings.kazakh, 3),  # сотта
        (hearings.kazakh, 5),  # сотка
        (hearings.criminal, 3),  # сотқа
    }
    snippets = {hit.segment_index: hit.snippet_html for hit in page.hits}
    assert snippets[0] == "<mark>Соттың</mark> шешімі жарияланады."
    assert places(find(db, "соттарға")) == places(page)
    assert places(find(db, "куәгерлер")) == {
        (hearings.kazakh, 2),
        (hearings.kazakh, 3),
        (hearings.criminal, 3),
    }


def test_spelling_variants_are_found_after_exact_hits(db: Db, hearings: Hearings) -> None:
    page = find(db, "Иванова")
    assert places(page) == {(hearings.criminal, i) for i in (0, 1, 2, 3)}
    assert [hit.exact for hit in page.hits] == [True, True, True, False]
    fuzzy = page.hits[-1]
    assert fuzzy.segment_index == 1
    assert "<mark>Иваннова</mark>" in fuzzy.snippet_html
    assert "иваннов" in page.variants
    assert places(find(db, "Иванова", fuzzy=False)) == {(hearings.criminal, i) for i in (0, 2, 3)}
    # the misspelling finds the right spelling too
    assert (hearings.criminal, 0) in places(find(db, "Иваннова"))


def test_a_one_letter_error_in_the_query_still_finds(db: Db, hearings: Hearings) -> None:
    assert places(find(db, "подсудимава")) == {(hearings.criminal, 2)}
    assert find(db, "подсудимава").hits[0].exact is False


def test_all_words_are_required_and_stop_words_are_not(db: Db, hearings: Hearings) -> None:
    assert places(find(db, "иск в суд")) == {(hearings.civil, 2)}  # no "в" in it
    assert places(find(db, "иск суд подсудимого")) == set()
    assert places(find(db, "свидетель суду")) == {(hearings.criminal, 1)}
    assert places(find(db, "с иском")) == places(find(db, "иск"))


def test_phrases_need_adjacent_words(db: Db, hearings: Hearings) -> None:
    assert places(find(db, '"гражданский иск"')) == {(hearings.criminal, 4)}
    assert places(find(db, '"иск гражданский"')) == set()
    assert places(find(db, '"с иском не"')) == {(hearings.civil, 4)}
    assert places(find(db, '"сотқа келді"')) == {(hearings.kazakh, 5), (hearings.criminal, 3)}


def test_court_scope_is_enforced(db: Db, hearings: Hearings) -> None:
    a, b = hearings.courts.court_a, hearings.courts.court_b
    only_a = find(db, "сот", court_ids=frozenset({a}))
    assert places(only_a) == {(hearings.criminal, 3)}
    assert only_a.total == 1  # the count does not leak hits outside the scope either
    only_b = find(db, "Иванова", court_ids=frozenset({b}))
    assert (only_b.hits, only_b.total) == ((), 0)
    both = find(db, "сот", court_ids=frozenset({a, b}))
    assert both.total == 6
    assert find(db, "сот", court_ids=frozenset({999})).total == 0


def test_recording_scope_is_enforced(db: Db, hearings: Hearings) -> None:
    page = find(db, "иск", recording_ids=frozenset({hearings.criminal}))
    assert places(page) == {(hearings.criminal, 4)}
    assert page.total == 1
    page = find(
        db,
        "иск",
        recording_ids=frozenset({hearings.criminal}),
        court_ids=frozenset({hearings.courts.court_b}),
    )
    assert page.total == 0  # every restriction holds at once


@pytest.mark.parametrize("field", ["court_ids", "recording_ids", "case_numbers"])
def test_an_empty_scope_sees_nothing(db: Db, hearings: Hearings, field: str) -> None:
    page = find(db, "иск", **{field: frozenset()})
    assert (page.hits, page.total, page.has_more) == ((), 0, False)


def test_filters(db: Db, hearings: Hearings) -> None:
    assert {hit.case_number for hit in find(db, "иск", case_numbers={"1-300/2025"}).hits} == {
        "1-300/2025"
    }
    in_window = find(db, "сот", date_from=day(5), date_to=day(15))
    assert {hit.recording_id for hit in in_window.hits} == {hearings.kazakh}
    assert find(db, "сот", date_from=day(20)).total == 1  # the start is inclusive
    assert find(db, "сот", date_to=day(10)).total == 0  # the end is exclusive
    judge = find(db, "иск", speaker_role="judge")
    assert places(judge) == {(hearings.civil, 0), (hearings.civil, 2)}
    assert {hit.speaker_label for hit in judge.hits} == {"Judge"}
    kazakh_only = find(db, "куәгер Иванова", language="kk")
    assert places(kazakh_only) == {(hearings.criminal, 3)}
    assert find(db, "Иванова", language="kk").hits[0].language == "kk"


def test_snippets_are_escaped(db: Db, hearings: Hearings) -> None:
    page = find(db, "alert")
    assert len(page.hits) == 1
    html = page.hits[0].snippet_html
    assert "<script" not in html
    assert html == (
        "Он написал &lt;script&gt;<mark>alert</mark>(&quot;иск&quot;)&lt;/script&gt; в чате."
    )
    assert find(db, "<script>").hits[0].snippet_html == (
        "Он написал &lt;<mark>script</mark>&gt;alert(&quot;иск&quot;)&lt;/<mark>script</mark>&gt;"
        " в чате."
    )


def test_hits_carry_what_the_api_shows(db: Db, hearings: Hearings) -> None:
    hit = find(db, '"истец поддерживает"').hits[0]
    assert (hit.recording_id, hit.version, hit.segment_index) == (hearings.civil, 1, 1)
    assert (hit.start, hit.end) == (6.0, 11.0)
    assert (hit.speaker_label, hit.speaker_role, hit.language) == ("Plaintiff", "plaintiff", "ru")
    assert (hit.court_id, hit.courtroom_id) == (hearings.courts.court_a, hearings.courts.room_a)
    assert (hit.case_number, hit.hearing_started_at) == ("2-100/2025", day(1))
    assert hit.score > 0


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"иск',
        'иск"',
        "иск*",
        "*иск",
        "NEAR(иск, 2)",
        "иск NEAR суд",
        "terms:иск",
        "search_segments_fts:иск",
        "иск AND OR NOT",
        "иск & | ! <-> :*",
        "(иск",
        "{иск}",
        "^иск",
        "иск'",
        "'; DROP TABLE search_segments; --",
        "иск\x00суд",
        "🙂 иск",
        "%иск_",
    ],
)
def test_malformed_queries_never_reach_the_database_as_syntax(
    db: Db, hearings: Hearings, text: str
) -> None:
    try:
        page = find(db, text)
    except SearchQueryError:
        return
    except StorageError as exc:  # pragma: no cover - the failure this test is about
        pytest.fail(f"{text!r} caused a database error: {exc}")
    assert page.total >= 0


@pytest.mark.parametrize("text", ['"', "***", "*:^", "NEAR", "«»"])
def test_queries_without_words_are_query_errors(db: Db, hearings: Hearings, text: str) -> None:
    if text == "NEAR":  # a word like any other
        assert find(db, text).total == 0
        return
    with pytest.raises(SearchQueryError):
        find(db, text)


def test_a_huge_query_is_a_query_error(db: Db, hearings: Hearings) -> None:
    with pytest.raises(SearchQueryError):
        find(db, "иск " * 100)
    long_word = "и" * 200  # one word of 200 letters: over the token limit, no words left
    with pytest.raises(SearchQueryError, match="no words"):
        find(db, long_word)


def test_order_is_relevance_then_newer_hearings(db: Db, courts: Courts) -> None:
    with db.session() as session:
        ids = []
        for n, started in enumerate((day(1), day(30), day(15))):
            rec = add_recording(session, courts.room_a, case_number=f"2-{n}/2025", started=started)
            ids.append(rec)
            lines = [ru("Иск рассмотрен по существу сегодня утром.")]
            if n == 0:  # the oldest hearing mentions the word three times: most relevant
                lines.append(ru("Иск, иск и ещё раз иск."))
            index_protocol(session, rec, 1, make_protocol(lines))
    page = find(db, "иск")
    assert [(hit.recording_id, hit.segment_index) for hit in page.hits] == [
        (ids[0], 1),  # most relevant
        (ids[1], 0),  # then equal scores, newest hearing first
        (ids[2], 0),
        (ids[0], 0),
    ]
    scores = [hit.score for hit in page.hits]
    assert scores[0] > scores[1] == scores[2] == scores[3]


def test_pages(db: Db, courts: Courts) -> None:
    with db.session() as session:
        rec = add_recording(session, courts.room_a)
        index_protocol(session, rec, 1, make_protocol([ru(f"Иск номер {i}.") for i in range(7)]))
    first = find(db, "иск", limit=3)
    second = find(db, "иск", limit=3, offset=3)
    last = find(db, "иск", limit=3, offset=6)
    beyond = find(db, "иск", limit=3, offset=50)
    assert [page.total for page in (first, second, last, beyond)] == [7, 7, 7, 7]
    assert [len(page.hits) for page in (first, second, last, beyond)] == [3, 3, 1, 0]
    assert [page.has_more for page in (first, second, last, beyond)] == [True, True, False, False]
    seen = [hit.segment_index for page in (first, second, last) for hit in page.hits]
    assert sorted(seen) == list(range(7))
