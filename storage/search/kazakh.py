"""A small Kazakh stemmer: strip noun endings so that inflected forms meet at one stem.

Kazakh is agglutinative: a noun takes a plural, then a possessive, then a case ending,
each in several spellings by vowel harmony and assimilation (``сот`` "court":
``соттар``, ``сотымыз``, ``соттың``, ``сотқа``, ``соттан``, ``сотта``, ``соттарымызға``).
Snowball has no Kazakh stemmer, and a search only needs every form of a word to reduce to
the same key, not a linguistically correct root. So this module does three things:

1. **Fold** Kazakh-only vowels and consonants to their nearest Russian letters (``ә→а``,
   ``ғ→г``, ``қ→к``, ``ө→о``, ``ұ→у``, ``ү→у``, ``һ→х``, ``і→и``). Speech recognisers
   often write Kazakh with Russian letters (``сотка`` for ``сотқа``); after folding both
   spellings are the same string. The price is a few collisions (``іс`` and ``ис``).
   ``ң`` is kept: folded to ``н`` it would make ``заңы`` (its law) look like ``за`` plus
   the accusative ``-ны``.
2. **Strip** endings from the right in their grammatical order, at most one per slot per
   pass: case (genitive, dative, accusative, locative, ablative, instrumental and the
   attributive ``-дағы``), then possessive, then plural. Vowel harmony is not checked
   (it only picks among spellings, and a form the language never produces does not
   occur), but consonant assimilation is: an ending's first consonant must suit the
   sound before it, as Kazakh spelling requires (``-ты`` after a voiceless consonant,
   ``-ды`` after a voiced one, ``-ны`` after a vowel). That tells the possessive ``соты``
   (сот + ы) from an accusative (it would be ``сотты``), which the plain longest match
   would cut as со + ты.
3. **Repeat** the pass until nothing changes, then write a final ``б``/``г`` as
   ``п``/``к`` (``талабы`` → ``талаб`` → ``талап``, the voicing alternation before a
   vowel). Repeating makes the result a fixed point: if one pass takes an inflected form
   back to its dictionary form, both end at the same stem even when the dictionary form
   itself loses a few letters that only look like an ending (``орын`` "place" and
   ``орынға`` both become ``ор``). Such over-stripping conflates a few unrelated short
   words, which costs a search some precision and never recall.

A remainder must keep at least two letters including a vowel, which protects short roots
(``ана``, ``аға``, ``іс``). Single-letter endings are only stripped where they cannot eat
a root's last letter unpredictably: the third-person possessive ``-ы/-і`` after a
consonant (``соты``), ``-сы/-сі`` after a vowel (``баласы``) and the accusative ``-н``
after it (``сотын``). The first- and second-person ``-м``/``-ң`` after a vowel and the
dative ``-а/-е`` are left alone (``әкем`` stays apart from ``әке``): stripping them would
turn ``адам`` into ``ада`` but ``адамым`` into ``адам``.

Limits: verbs (tense, person, participles, converbs), predicative personal endings
(``-мын``, ``-сыз``) and derivation (``-шы``, ``-лық``) are not handled; a verb's forms
match only where they happen to share the stripped shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

__all__ = ["KAZAKH_LETTERS", "fold", "stem"]

logger = logging.getLogger(__name__)

KAZAKH_LETTERS = frozenset("әғқңөұүһі")
"""Letters the Kazakh alphabet has and the Russian one lacks: a word with one is Kazakh."""

_FOLD = str.maketrans("әғқөұүһі", "агкоуухи")
_VOWELS = frozenset("аеиоуыэюя")
_VOICELESS = frozenset("кпстфхцчшщ")

Rule = Callable[[str], bool]
"""Whether an ending may follow a letter (the last letter of what remains)."""


def _after_vowel(letter: str) -> bool:
    return letter in _VOWELS


def _after_consonant(letter: str) -> bool:
    return letter not in _VOWELS


def _after_voiceless(letter: str) -> bool:
    """``т``/``қ``/``п``-initial endings: сотта, сотқа, сотпен."""
    return letter in _VOICELESS


def _after_voiced(letter: str) -> bool:
    """``д``/``б``-initial endings after a voiced consonant: заңды, жауапкердің."""
    return letter not in _VOWELS and letter not in _VOICELESS


def _after_vowel_or_nasal(letter: str) -> bool:
    """Genitive ``-ның``: after a vowel (баланың) or ``м``/``н``/``ң`` (адамның)."""
    return letter in _VOWELS or letter in "мнң"


def _after_possessive(letter: str) -> bool:
    """``н``-initial endings that follow the third-person possessive: сотында, сотына.

    Only after its ``-ы``/``-і``: ``күнде`` is күн + де, not кү + нде.
    """
    return letter in "ыи"


def _after_possessive_or_nasal(letter: str) -> bool:
    """Ablative ``-нан``: after the possessive (сотынан) or ``м``/``н``/``ң`` (адамнан)."""
    return letter in "ыимнң"


def _not_after_voiceless(letter: str) -> bool:
    """``ғ``/``л``/``м``/``д``-initial endings that follow vowels and voiced sounds."""
    return letter not in _VOICELESS


def _endings(rule: Rule, *endings: str) -> tuple[tuple[str, Rule], ...]:
    return tuple((ending, rule) for ending in endings)


# Every ending is written folded (``қа`` as ``ка``), since folding comes first. Each slot
# is sorted longest first, so ``-ның`` is tried before ``-ң``-less shorter endings.
def _slot(*groups: tuple[tuple[str, Rule], ...]) -> tuple[tuple[str, Rule], ...]:
    flat = [item for group in groups for item in group]
    return tuple(sorted(flat, key=lambda item: -len(item[0])))


_CASE = _slot(
    # attributive locative: сотындағы, қаладағы, соттағы
    _endings(_after_possessive, "ндагы", "ндеги"),
    _endings(_not_after_voiceless, "дагы", "деги"),
    _endings(_after_voiceless, "тагы", "теги"),
    # instrumental: баламен, сотпен, кезбен; long forms менен, бенен, пенен
    _endings(_not_after_voiceless, "менен", "мен"),
    _endings(_after_voiced, "бенен", "бен"),
    _endings(_after_voiceless, "пенен", "пен"),
    # genitive: баланың, жауапкердің, соттың
    _endings(_after_vowel_or_nasal, "ның", "ниң"),
    _endings(_after_voiced, "дың", "диң"),
    _endings(_after_voiceless, "тың", "тиң"),
    # ablative: сотынан, қаладан, соттан
    _endings(_after_possessive_or_nasal, "нан", "нен"),
    _endings(_not_after_voiceless, "дан", "ден"),
    _endings(_after_voiceless, "тан", "тен"),
    # locative: сотында, қалада, сотта
    _endings(_after_possessive, "нда", "нде"),
    _endings(_not_after_voiceless, "да", "де"),
    _endings(_after_voiceless, "та", "те"),
    # dative: балаға, сотқа, сотына
    _endings(_not_after_voiceless, "га", "ге"),
    _endings(_after_voiceless, "ка", "ке"),
    _endings(_after_possessive, "на", "не"),
    # accusative: баланы, заңды, сотты
    _endings(_after_vowel, "ны", "ни"),
    _endings(_after_voiced, "ды", "ди"),
    _endings(_after_voiceless, "ты", "ти"),
)
_POSSESSIVE = _slot(
    # plural persons: сотымыз, баламыз, сотыңыз, балаңыз (not the informal -ңдар, which
    # would read заңдар "laws" as за + ңдар)
    _endings(_after_consonant, "ымыз", "имиз", "ыңыз", "иңиз"),
    _endings(_after_vowel, "мыз", "миз", "ңыз", "ңиз"),
    # first and second person singular after a consonant: сотым, сотың
    _endings(_after_consonant, "ым", "им", "ың", "иң"),
    # third person: баласы, соты
    _endings(_after_vowel, "сы", "си"),
    _endings(_after_consonant, "ы", "и"),
)
_PLURAL = _slot(
    _endings(_not_after_voiceless, "лар", "лер"),  # балалар
    _endings(_after_voiced, "дар", "дер"),  # заңдар
    _endings(_after_voiceless, "тар", "тер"),  # соттар
)
_DEVOICE = {"б": "п", "г": "к"}
_MAX_PASSES = 6


def fold(word: str) -> str:
    """Write the Kazakh-only letters of a word (all but ``ң``) as Russian letters.

    Args:
        word: A lower-case word.

    Returns:
        The folded word (unchanged if it has no Kazakh-only letter).

    """
    return word.translate(_FOLD)


def _keeps_root(rest: str) -> bool:
    """Whether what is left after an ending can still be a root (two letters, a vowel)."""
    return len(rest) >= 2 and any(letter in _VOWELS for letter in rest)


def _strip_one(word: str, endings: tuple[tuple[str, Rule], ...]) -> str:
    """Remove the first (longest) ending that fits the sound before it and leaves a root."""
    for ending, may_follow in endings:
        if word.endswith(ending):
            rest = word[: -len(ending)]
            if _keeps_root(rest) and may_follow(rest[-1]):
                return rest
    return word


def _strip_final(word: str) -> str:
    """Drop a final ``н`` or ``с`` after a vowel, so that two readings of a form meet.

    ``күні`` may be күн + і (its day) or кү + ні (accusative), ``отырысы`` отырыс + ы or
    отыры + сы; the letters cannot tell. Whichever ending is stripped, the stems of the
    whole family end up equal once ``күн`` and ``отырыс`` lose that consonant too. The
    accusative ``-н`` after a possessive (``сотын``) is the same rule.
    """
    if word[-1:] in ("н", "с") and word[-2:-1] in _VOWELS and _keeps_root(word[:-1]):
        return word[:-1]
    return word


def _one_pass(word: str) -> str:
    return _strip_final(_strip_one(_strip_one(_strip_one(word, _CASE), _POSSESSIVE), _PLURAL))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce a Kazakh word (lower case, ``ё`` as ``е``) to its search key.

    Args:
        word: One normalised word (:func:`storage.search.text.normalize_word`).

    Returns:
        The folded, stripped stem; digits and words too short to strip come back folded.

    Example:
        >>> [stem(w) for w in ("сот", "соттың", "сотқа", "сотка", "соттан", "сотта")]
        ['сот', 'сот', 'сот', 'сот', 'сот', 'сот']

    """
    current = fold(word)
    for _ in range(_MAX_PASSES):
        stripped = _one_pass(current)
        if stripped == current:
            break
        current = stripped
    last = current[-1:]
    if last in _DEVOICE and len(current) >= 2:
        current = current[:-1] + _DEVOICE[last]
    return current
