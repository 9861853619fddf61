"""Ready-made hearings: the short demo and long, seeded benchmark hearings."""

import logging
import random
from collections.abc import Iterator

from synth.errors import ScriptError
from synth.model import HearingScript, Language, Speaker, Utterance, Voice
from synth.phrases import CLOSING, OPENING, POOLS, Phrase
from synth.timeline import LEAD_S, TAIL_S

__all__ = ["court_cast", "demo_script", "estimate_speech_s", "long_script"]

logger = logging.getLogger(__name__)

# Characters of text per second of espeak-ng speech at 150 wpm, measured on the pools;
# Kazakh words are longer, so the same wpm speaks more letters per second.
_CHARS_PER_S_AT_150: dict[str, float] = {"ru": 16.9, "kk": 13.0}
_LONG_NOISE_S = 5.0


def court_cast() -> tuple[Speaker, ...]:
    """Return the four participants, one per seat microphone, with distinct voices.

    Variant, pitch and speed all differ so that both channel attribution and ML
    diarization have a fair chance: two male and two female timbres, low to high pitch.
    """
    return (
        Speaker("Akhmetov", "judge", Voice("ru", pitch=28, speed=150, variant="m3"), 1),
        Speaker("Seitov", "plaintiff", Voice("kk", pitch=52, speed=162, variant="m7"), 2),
        Speaker("Ivanova", "defendant", Voice("ru", pitch=74, speed=158, variant="f3"), 3),
        Speaker("Bekova", "witness", Voice("kk", pitch=58, speed=138, variant="f2"), 4),
    )


# fmt: off
_DEMO_LINES: tuple[tuple[str, Language, float, str], ...] = (
    ("judge", "ru", 0.6,
     "Судебное заседание по гражданскому делу о взыскании долга объявляется открытым."),
    ("judge", "ru", 0.7,
     "Прошу стороны представиться суду и назвать свои фамилии, имена и отчества."),
    ("plaintiff", "kk", 0.8,
     "Құрметті сот, мен талапкер Асқар Сейітов, сот отырысына өзім қатысып отырмын."),
    ("defendant", "ru", 0.6,
     "Ответчица Иванова Марина Сергеевна, исковые требования не признаю в полном объёме."),
    ("judge", "ru", 0.7,
     "Истец, изложите суду суть ваших исковых требований, пожалуйста, кратко."),
    ("plaintiff", "kk", 0.9,
     "Жауапкер менен бір миллион бес жүз мың теңге қарыз алып, оны уақытында қайтармады."),
    ("defendant", "ru", 0.5,
     "Возражаю, часть долга в размере пятисот тысяч тенге я уже вернула наличными."),
    ("judge", "ru", 0.8,
     "Свидетель, вы предупреждены об ответственности за дачу заведомо ложных показаний."),
    ("witness", "kk", 0.7,
     "Иә, маған ескертілді, мен сотқа тек шындықты айтуға уәде беремін."),
    ("judge", "ru", 0.6,
     "Скажите, вы видели, как ответчица возвращала истцу деньги в марте этого года?"),
    ("witness", "kk", 0.9,
     "Жоқ, мен ақшаның қайтарылғанын көрген жоқпын және бұл туралы ештеңе білмеймін."),
    ("defendant", "ru", 0.6,
     "Прошу суд истребовать выписку из банка, она подтвердит частичное погашение долга."),
    ("judge", "ru", 0.8,
     "Ходатайство удовлетворено, судебное заседание откладывается до пятнадцатого мая."),
)
"""Demo hearing as ``(role, language, pause_before_s, text)``; noise follows index 6."""
# fmt: on


def demo_script() -> HearingScript:
    """Return a short civil hearing (about a minute of speech) for ``make run`` and tests.

    It walks through the usual stages - opening, parties, claim, objection, witness,
    adjournment - and switches between Russian and Kazakh the way real hearings do,
    with one stretch of music-like noise in the middle that must not be transcribed.
    """
    cast = {s.role: s for s in court_cast()}
    return HearingScript(
        title="Гражданское дело № 2-1458/2025 о взыскании долга (демонстрация)",
        speakers=court_cast(),
        utterances=tuple(
            Utterance(cast[role].name, text, language, pause)
            for role, language, pause, text in _DEMO_LINES
        ),
        noise_after=6,
        noise_s=4.0,
    )


def estimate_speech_s(text: str, language: str, speed: int) -> float:
    """Estimate how long espeak-ng speaks ``text``, without running it.

    ``long_script`` must hit a target length before any audio exists; a per-language
    character rate scaled by the voice's wpm is accurate to a few percent on average.
    """
    return len(text) / (_CHARS_PER_S_AT_150[language] * speed / 150.0)


def long_script(target_s: float, seed: int) -> HearingScript:
    """Build a hearing of about ``target_s`` seconds for benchmarks, deterministic per seed.

    Speakers take turns the way a hearing flows (the judge leads, parties answer and
    rebut, the witness answers the judge); each role draws its sentences from a
    shuffled deck of the phrase pools, so every sentence is used before any repeats.

    Args:
        target_s: Wanted total duration in seconds, including silences and noise.
        seed: Seed of the turn order, sentence choice and pauses.

    Raises:
        ScriptError: ``target_s`` is too short for an opening and a closing line.

    """
    if target_s < 20.0:
        raise ScriptError(f"target_s must be at least 20 s, got {target_s}")
    rng = random.Random(seed)
    cast = {s.role: s for s in court_cast()}
    decks = {role: _deck(pool, rng) for role, pool in POOLS.items()}
    budget = target_s - LEAD_S - TAIL_S - _LONG_NOISE_S
    budget -= _estimate(CLOSING, cast["judge"], 0.8)
    utterances = [_utterance(cast["judge"], OPENING, 0.0)]
    elapsed = _estimate(OPENING, cast["judge"], 0.0)
    role = "judge"
    while True:
        role = _next_role(role, rng)
        phrase = next(decks[role])
        pause = round(rng.uniform(0.4, 1.2), 2)
        cost = _estimate(phrase, cast[role], pause)
        if elapsed + cost / 2 > budget:
            break
        utterances.append(_utterance(cast[role], phrase, pause))
        elapsed += cost
    utterances.append(_utterance(cast["judge"], CLOSING, 0.8))
    return HearingScript(
        title=f"Синтетическое заседание ~{target_s:.0f} с (seed {seed})",
        speakers=court_cast(),
        utterances=tuple(utterances),
        noise_after=len(utterances) // 2,
        noise_s=_LONG_NOISE_S,
    )


def _estimate(phrase: Phrase, speaker: Speaker, pause: float) -> float:
    """Estimated seconds a phrase occupies on the timeline, pause included."""
    language, text = phrase
    return pause + estimate_speech_s(text, language, speaker.voice.speed)


def _utterance(speaker: Speaker, phrase: Phrase, pause: float) -> Utterance:
    """Make an utterance of ``phrase`` by ``speaker``."""
    language, text = phrase
    return Utterance(speaker.name, text, language, pause)


_FLOW: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "judge": (("plaintiff", "defendant", "witness"), (0.4, 0.4, 0.2)),
    "plaintiff": (("judge", "defendant", "witness"), (0.55, 0.35, 0.1)),
    "defendant": (("judge", "plaintiff", "witness"), (0.55, 0.35, 0.1)),
    "witness": (("judge", "plaintiff", "defendant"), (0.7, 0.15, 0.15)),
}
"""Who speaks after whom, with weights: the judge leads, parties rebut each other."""


def _next_role(current: str, rng: random.Random) -> str:
    """Pick the next speaker's role after ``current``."""
    roles, weights = _FLOW[current]
    return rng.choices(roles, weights=weights)[0]


def _deck(pool: tuple[Phrase, ...], rng: random.Random) -> Iterator[Phrase]:
    """Yield phrases of ``pool`` in shuffled rounds, every phrase once per round.

    Drawing rounds rather than at random spreads sentences evenly, which keeps long
    hearings varied and their word statistics close to the pool's.
    """
    while True:
        order = list(pool)
        rng.shuffle(order)
        yield from order
