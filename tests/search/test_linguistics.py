"""Normalisation, stemming (Russian Snowball, the Kazakh suffix stripper) and trigrams."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from storage.search.fuzzy import accept_variants, edit_distance, max_edits, similarity, trigrams
from storage.search.kazakh import fold
from storage.search.kazakh import stem as kk_stem
from storage.search.stemming import index_text, query_stems, stem_word
from storage.search.text import MAX_TOKEN_LENGTH, tokenize, words

KAZAKH_FAMILIES = {
    # "court": case, plural, possessive, and stacked endings
    "сот": "соттың сотқа соттан сотта сотты сотпен соттар соттарға соттардың соты сотымыз "
    "сотының сотына сотынан сотында соттағы сотын сотыңыз соттарымызға",
    "іс": "іске істі ісі істің істер істерді ісім ісінде",
    "бала": "балаға баласы баланың балалар балаларға баласына баламен баланы",
    "талап": "талабы талапқа талаптың",  # п/б alternation before a vowel
    "жауапкер": "жауапкерге жауапкердің жауапкерлер жауапкерден жауапкермен жауапкерді",
    "куәгер": "куәгерге куәгерді куәгерлердің",
    "заң": "заңы заңға заңның заңды заңдар",  # заңы is not за + ны
    "қала": "қалада қаланың қалаға қаладағы қаладан",
    "прокурор": "прокурорға прокурордың прокурормен прокурорды",
    "судья": "судьяға судьяның судьяны",
    "арыз": "арызды арызға арыздың арызбен",
    "мүлік": "мүлікті мүлікке мүліктің",
    "адам": "адамға адамның адамдар адамды",
}


@pytest.mark.parametrize("lemma", sorted(KAZAKH_FAMILIES))
def test_kazakh_forms_share_the_stem_of_their_dictionary_form(lemma: str) -> None:
    expected = kk_stem(lemma)
    for form in KAZAKH_FAMILIES[lemma].split():
        assert kk_stem(form) == expected, form


def test_kazakh_sot_family_reduces_to_sot() -> None:
    assert {kk_stem(w) for w in ("сот", "соттың", "сотқа", "соттан", "сотта")} == {"сот"}


def test_kazakh_written_with_russian_letters_meets_the_kazakh_spelling() -> None:
    assert kk_stem("сотка") == kk_stem("сотқа") == "сот"
    assert kk_stem("куагерге") == kk_stem("куәгерге")
    assert fold("әғқөұүһі") == "агкоуухи"
    assert fold("ң") == "ң"  # kept: folded it would read заңы as за + ны


@pytest.mark.parametrize("root", ["ана", "аға", "іс", "ата", "бала", "қала"])
def test_short_roots_are_not_eaten(root: str) -> None:
    assert len(kk_stem(root)) >= 2
    assert kk_stem(root) == fold(root)


def test_kazakh_stem_is_a_fixed_point() -> None:
    for forms in KAZAKH_FAMILIES.values():
        for form in forms.split():
            once = kk_stem(form)
            assert kk_stem(once) == once


def test_russian_inflections_share_a_stem() -> None:
    for family in (
        "иск иска иску иском иске иски исков",
        "суд суда суду судом суде суды",
        "истец истца истцу истцом истцы",  # the fleeting vowel of истец
        "звонок звонка звонком",
        "срок срока сроки",
        "свидетель свидетеля свидетелю свидетелем",
        "заявление заявления заявлением",
    ):
        assert len({stem_word(w, "ru") for w in family.split()}) == 1, family


def test_segment_language_and_kazakh_letters_choose_the_stemmer() -> None:
    assert stem_word("сотқа", "ru") == "сот"  # a Kazakh-only letter wins over the label
    assert stem_word("иском", "ru") == "иск"
    assert stem_word("2025", "kk") == "2025"
    assert query_stems("иском") == ("иск", "иском")  # Russian first, then Kazakh
    assert query_stems("сотқа") == ("сот",)
    assert query_stems("иском", ("ru",)) == ("иск",)


def test_words_normalise_case_yo_and_punctuation() -> None:
    assert words("Её «Иск» — из-за 2-1234/2025!") == ["ее", "иск", "из", "за", "2", "1234", "2025"]
    assert words("ЁЛКА ёлка") == ["елка", "елка"]
    assert words("и\u0306од") == ["йод"]  # composed before splitting


def test_tokens_keep_offsets_into_the_text() -> None:
    text = "Суд: <b>иск</b>"
    assert [(t.start, t.end, t.word) for t in tokenize(text)] == [
        (0, 3, "суд"),
        (6, 7, "b"),
        (8, 11, "иск"),
        (13, 14, "b"),
    ]
    assert list(tokenize("x" * (MAX_TOKEN_LENGTH + 1))) == []


def test_index_text_is_space_separated_stems_in_order() -> None:
    assert index_text("Истец подал иск, иском!", "ru") == "истц пода иск иск"
    assert index_text("Сотқа келдік.", "kk").split()[0] == "сот"
    assert index_text("…", "ru") == ""


def test_trigram_similarity_matches_pg_trgm() -> None:
    # reference values computed by PostgreSQL 15: SELECT similarity(a, b)
    assert similarity("иванов", "иваннов") == pytest.approx(0.6666667)
    assert similarity("иванова", "иваннова") == pytest.approx(0.7)
    assert similarity("суд", "сут") == pytest.approx(1 / 3)
    assert similarity("", "иск") == 0.0
    assert trigrams("ab") == {"  a", " ab", "ab "}


def _bench_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_search.py"
    spec = importlib.util.spec_from_file_location("bench_search_for_tests", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_forms_generated_from_the_grammar_meet_at_one_stem() -> None:
    """The benchmark inflects Kazakh nouns by harmony and assimilation, written apart from
    the stemmer: every form of every noun must come back to one stem."""
    bench = _bench_module()
    for root in bench.KK_NOUNS:
        forms = bench.kazakh_forms(root)
        assert len(forms) == 15
        assert {kk_stem(form) for form in forms} == {kk_stem(root)}, root


def test_edit_distance_counts_one_letter_errors() -> None:
    assert edit_distance("иванов", "иваннов", 2) == 1  # doubled letter
    assert edit_distance("петров", "петрав", 2) == 1  # substituted vowel
    assert edit_distance("петров", "петорв", 2) == 1  # swapped neighbours
    assert edit_distance("петров", "сидоров", 1) == 2  # capped at limit + 1
    assert edit_distance("abc", "abcdef", 2) == 3  # lengths too far apart


def test_variants_within_the_allowed_edits_closest_first() -> None:
    assert [max_edits(s) for s in ("иван", "иванов", "свидетел", "свидетельс")] == [0, 1, 1, 2]
    assert accept_variants("петрав", ["петров", "петрова", "петр", "петрав", "сидоров"]) == (
        "петров",
    )
    assert accept_variants("иван", ["ивван"]) == ()  # too short to guess
    assert accept_variants("свидетелство", ["свидетельство", "свидетельств"]) == (
        "свидетельство",
        "свидетельств",
    )
