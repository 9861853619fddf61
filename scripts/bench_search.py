"""Benchmark protocol search on SQLite (FTS5) and PostgreSQL (tsvector, pg_trgm).

Usage (from the repository root)::

    .venv/bin/python scripts/bench_search.py                         # 2000 hearing-hours
    .venv/bin/python scripts/bench_search.py --hours 50 --queries 120 # a quick run
    .venv/bin/python scripts/bench_search.py --out docs/bench-search.png --json out.json

It generates a corpus of N hearing-hours: hearings of 0.5 to 3 hours in 6 courts (3
courtrooms each, 300 case numbers per court, over two years), about 12 segments per
minute, each a Russian or Kazakh courtroom sentence built from word lists with their
inflected forms (Kazakh forms built by vowel harmony and assimilation, independently of
the search's own stemmer), surnames in all cases, and recogniser-like spelling errors
(a doubled or swapped letter in 1% of long words). The corpus is deterministic (``--seed``)
and indexed into a SQLite file in a temporary directory and into a fresh PostgreSQL
database, through the real code path: one ``create_recording`` and one
``index_protocol`` (a bulk multi-row insert) per hearing, one transaction each, as the
worker does. PostgreSQL then gets ``VACUUM ANALYZE`` (autovacuum's job on a live server).

Then it times a few hundred searches per backend (after a short warm-up), each in its
own transaction as the API would run it, in these groups: single words, inflected
forms, two words, a word within one court and one month (a judge's view), misspelled
surnames (fuzzy), phrases, and rare words. It prints p50/p95 per group and backend and,
with ``--out``, draws them. Timings on a shared 2-core machine are figures to read, not
pass/fail results.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from protocol import PipelineInfo, Protocol, RecordingInfo, Segment, Speaker  # noqa: E402
from storage.db import (  # noqa: E402
    NewRecording,
    create_court,
    create_courtroom,
    create_recording,
    make_engine,
    make_sessionmaker,
    session_scope,
    sqlite_url,
    upgrade,
)
from storage.search import SearchQuery, index_protocol, search  # noqa: E402

__all__ = ["Corpus", "QueryCase", "main"]

logger = logging.getLogger("bench_search")

PG_ADMIN_URL = os.environ.get(
    "CR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SEGMENTS_PER_MINUTE = 12
COURTS = 6
ROOMS_PER_COURT = 3
CASES_PER_COURT = 300
FIRST_DAY = datetime(2024, 1, 8, 4, 0, tzinfo=UTC)  # 09:00 in Almaty (UTC+5)
DAYS = 730
ERROR_RATE = 0.01  # share of long words with a recogniser-like spelling error

# ---------------------------------------------------------------------------------------
# Word lists. Russian: hand-written forms. Kazakh: roots, inflected by kazakh_forms().
# ---------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


RU_NOUNS = [
    "иск иска иску иском иске иски исков искам",
    "суд суда суду судом суде суды судов",
    "истец истца истцу истцом истце истцы истцов",
    "ответчик ответчика ответчику ответчиком ответчике ответчики",
    "свидетель свидетеля свидетелю свидетелем свидетеле свидетели свидетелей",
    "заявление заявления заявлению заявлением заявлении заявлений",
    "требование требования требованию требованием требований",
    "договор договора договору договором договоре договоры",
    "решение решения решению решением решении",
    "приговор приговора приговору приговором приговоре",
    "доказательство доказательства доказательству доказательством доказательств",
    "показание показания показанию показанием показаний",
    "прокурор прокурора прокурору прокурором прокуроре",
    "адвокат адвоката адвокату адвокатом адвокате адвокаты",
    "подсудимый подсудимого подсудимому подсудимым подсудимом",
    "потерпевший потерпевшего потерпевшему потерпевшим потерпевшем",
    "заседание заседания заседанию заседанием заседании",
    "ходатайство ходатайства ходатайству ходатайством ходатайстве",
    "документ документа документу документом документе документы документов",
    "сумма суммы сумме сумму суммой",
    "долг долга долгу долгом долге долги долгов",
    "квартира квартиры квартире квартиру квартирой",
    "автомобиль автомобиля автомобилю автомобилем автомобиле",
    "экспертиза экспертизы экспертизе экспертизу экспертизой",
    "протокол протокола протоколу протоколом протоколе",
    "срок срока сроку сроком сроке сроки сроков",
    "штраф штрафа штрафу штрафом штрафе",
    "ущерб ущерба ущербу ущербом ущербе",
    "дело дела делу делом деле дела дел",
    "вопрос вопроса вопросу вопросом вопросе вопросы вопросов",
    "закон закона закону законом законе",
    "статья статьи статье статью статьей",
    "кодекс кодекса кодексу кодексом кодексе",
    "право права праву правом праве",
    "обязательство обязательства обязательству обязательством",
    "расписка расписки расписке расписку распиской",
    "банк банка банку банком банке",
    "компания компании компанию компанией",
    "работа работы работе работу работой",
    "зарплата зарплаты зарплате зарплату зарплатой",
    "алименты алиментов алиментам алиментами",
    "развод развода разводу разводом разводе",
    "наследство наследства наследству наследством наследстве",
    "земля земли земле землю землей",
    "участок участка участку участком участке",
    "телефон телефона телефону телефоном телефоне",
    "деньги денег деньгам деньгами",
    "день дня дню днем дне дни дней",
    "время времени временем",
    "перерыв перерыва перерыву перерывом перерыве",
]
RU_ADJECTIVES = [
    "исковое исковые исковых исковым",
    "гражданский гражданского гражданскому гражданским гражданском",
    "уголовный уголовного уголовному уголовным уголовном",
    "судебное судебного судебному судебным судебном судебные",
    "письменный письменного письменному письменным письменные",
    "денежный денежного денежному денежным денежные",
    "законный законного законному законным законные",
    "материальный материального материальному материальным",
    "моральный морального моральному моральным",
    "настоящее настоящего настоящему настоящим",
]
RU_VERBS = _words(
    """
    подал подала подали просит прошу просим поддерживаю поддерживает возражаю возражает
    заявил заявила заявляю показал показала показывает видел видела слышал слышала
    подписал подписала подписали получил получила получили вернул вернула выплатил
    удовлетворить отказать рассмотреть приобщить отложить объявить огласить допросить
    признать взыскать расторгнуть обязать установить продолжить разъяснить подтвердить
    рассмотрел установил решил постановил определил объявляется продолжается приобщается
    удовлетворяется отклоняется
    """
)
RU_FUNCTION = _words(
    """
    и в на с по к о из за от для не что это как так также уже только если когда был была
    было были его ее их я мы вы он она они суду ваша честь да нет
    """
)
RU_SURNAMES = _words(
    """
    Иванов Петров Сидоров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков
    Федоров Морозов Волков Алексеев Лебедев Семенов Егоров Павлов Козлов Степанов
    Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьев Борисов Яковлев
    Григорьев Романов Воробьев Сергеев Кузьмин Фролов Александров Дмитриев Королев Гусев
    Киселев Ильин Максимов Поляков Сорокин Виноградов Ковалев Белов Медведев Антонов
    Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов
    Сидоренко Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников
    Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов
    Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышев Быков Маслов
    Родионов Коновалов Лазарев Воронин Климов Филатов Пономарев Голубев Кудрявцев
    Нурланов Ахметов Жумабаев Сериков Омаров Абдуллаев Касымов Байжанов Тулегенов
    Оспанов Сагинтаев Мухамедов Есенов Бекмуратов Жакупов Исмаилов Каримов Садыков Алиев
    Рахимов Смагулов Кенжебеков Муканов Ерланов Айтбаев Султанов Ибраев Нуркенов
    """
)
RU_SURNAME_ENDINGS = ("", "а", "у", "ым", "е", "ой", "ы", "ых")

KK_NOUNS = _words(
    """
    сот іс куәгер талапкер жауапкер шешім үкім арыз заң құжат дәлел айып мүлік келісім
    төлем қарыз адвокат прокурор судья хаттама отырыс сұрақ жауап уақыт күн ақша үй
    көлік жұмыс бала әке ана жер шарт талап өтініш мерзім айыппұл зиян сарапшы тарап
    азамат қала аудан кеңсе банк телефон мекенжай сома жалақы
    """
)
KK_VERBS = _words(
    """
    келді айтты берді қаралды шешілді сөйледі көрсетті сұрады жауап берді қабылданды
    түсіндірді растады мойындады талап етті ұсынды жарияланды тыңдалды бекітілді
    қайтарды төледі алды жіберді шақырылды сұраймын өтінемін келісемін қарсымын
    """
)
KK_FUNCTION = _words(
    """
    және бұл ол мен сол осы үшін деп бір біз сіз олар да де ма ме бірақ немесе
    """
)

_BACK = set("аоұыя")
_FRONT = set("әеөүіэ")
_VOWELS_KK = _BACK | _FRONT | set("иуюё")
_VOICELESS_KK = set("кқпстфхцчшщ")


def kazakh_forms(root: str) -> list[str]:
    """Case, plural and possessive forms of a Kazakh noun by harmony and assimilation.

    Written from the grammar for this benchmark, apart from the search's stemmer, so that
    the benchmark also shows whether the stemmer meets forms it was not derived from.
    """
    vowels = [letter for letter in root if letter in _VOWELS_KK]
    back = not vowels or vowels[-1] in _BACK or vowels[-1] in "уюё"
    last = root[-1]
    vowel_end = last in _VOWELS_KK
    voiceless = last in _VOICELESS_KK
    nasal = last in "мнң"

    def pick(back_form: str, front_form: str) -> str:
        return back_form if back else front_form

    if vowel_end:
        gen, acc = pick("ның", "нің"), pick("ны", "ні")
        dat, loc, abl = pick("ға", "ге"), pick("да", "де"), pick("дан", "ден")
        ins, plural, poss = "мен", pick("лар", "лер"), pick("сы", "сі")
    elif voiceless:
        gen, acc = pick("тың", "тің"), pick("ты", "ті")
        dat, loc, abl = pick("қа", "ке"), pick("та", "те"), pick("тан", "тен")
        ins, plural, poss = "пен", pick("тар", "тер"), pick("ы", "і")
    else:
        gen = pick("ның", "нің") if nasal else pick("дың", "дің")
        acc = pick("ды", "ді")
        dat, loc = pick("ға", "ге"), pick("да", "де")
        abl = pick("нан", "нен") if nasal else pick("дан", "ден")
        ins = "бен" if last in "жз" else "мен"
        plural = pick("дар", "дер") if last in "мнңжз" else pick("лар", "лер")
        poss = pick("ы", "і")
    voiced_root = root[:-1] + {"п": "б", "к": "г", "қ": "ғ"}.get(last, last)
    possessed = (voiced_root if poss in ("ы", "і") else root) + poss
    poss_vowel = possessed[-1]
    forms = [root] + [root + ending for ending in (gen, acc, dat, loc, abl, ins, plural)]
    forms += [
        possessed,
        possessed + "н",  # accusative after the possessive
        possessed + "на" if poss_vowel in _BACK else possessed + "не",
        possessed + ("нда" if poss_vowel in _BACK else "нде"),
        possessed + ("ның" if poss_vowel in _BACK else "нің"),
        root + plural + pick("ға", "ге"),
        root + (pick("тағы", "тегі") if voiceless else pick("дағы", "дегі")),
    ]
    return forms


def misspell(word: str, rng: random.Random) -> str:
    """A recogniser-like error: one letter doubled, or replaced by a similar one."""
    position = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:position] + word[position] + word[position:]
    similar = {"а": "о", "о": "а", "е": "и", "и": "е", "с": "з", "з": "с", "т": "д", "д": "т"}
    letter = word[position].lower()
    return word[:position] + similar.get(letter, "ы") + word[position + 1 :]


_RU_CONSONANTS = "бвгдзклмнпрстфхчшж"
_RU_VOWELS = "аеиоуя"


def pseudo_russian(rng: random.Random) -> list[str]:
    """A made-up Russian-like noun with its case forms: the long tail of a vocabulary."""
    word = "".join(
        rng.choice(_RU_CONSONANTS) + rng.choice(_RU_VOWELS) for _ in range(rng.randint(2, 3))
    )
    if rng.random() < 0.5:
        word += rng.choice("кнрстлм")
        return [word, word + "а", word + "у", word + "ом", word + "е", word + "ы", word + "ов"]
    stem = word[:-1]
    return [stem + "а", stem + "ы", stem + "е", stem + "у", stem + "ой"]


def pseudo_kazakh(rng: random.Random) -> list[str]:
    """A made-up Kazakh-like root (one vowel class, as harmony wants) and its forms."""
    vowels = rng.choice(("аоұы", "әеөүі"))
    consonants = "бджзйклмнпрстшқғң"
    root = rng.choice(consonants)
    for _ in range(rng.randint(1, 2)):
        root += rng.choice(vowels) + rng.choice(consonants)
    return kazakh_forms(root.replace("ңң", "ң"))


@dataclass(frozen=True)
class Lexicon:
    """The lemmas of one language ranked by frequency, drawn by Zipf's law (1 / rank).

    Function words come first, then the court vocabulary (its most common nouns on top),
    then surnames, then thousands of made-up words: so the commonest court noun lands
    at about rank 40 and is in some 2-3% of segments, as in real speech, rather than in a
    third of them as it would in a vocabulary of only court words.
    """

    lemmas: list[list[str]]
    cum_weights: list[float]
    head: list[list[str]]  # court nouns, most common first
    tail_start: int  # rank where the made-up words start

    @classmethod
    def build(
        cls,
        function: list[str],
        court: list[list[str]],
        court_nouns: int,
        surnames: list[list[str]],
        tail: list[list[str]],
        rng: random.Random,
    ) -> Lexicon:
        rest = court[court_nouns:]
        rng.shuffle(rest)
        names = list(surnames)
        rng.shuffle(names)
        lemmas = [[word] for word in function] + court[:court_nouns] + rest + names
        tail_start = len(lemmas)
        lemmas += tail
        total = 0.0
        cum_weights = []
        for rank in range(1, len(lemmas) + 1):
            total += 1.0 / rank
            cum_weights.append(total)
        return cls(lemmas, cum_weights, court[:court_nouns], tail_start)

    def word(self, rng: random.Random) -> str:
        lemma = rng.choices(self.lemmas, cum_weights=self.cum_weights)[0]
        return str(rng.choice(lemma))


@dataclass(frozen=True)
class Vocabulary:
    """Both languages' lexicons and the surnames (for misspelt-name queries)."""

    ru: Lexicon
    kk: Lexicon
    surnames: list[str]
    adjectives: list[list[str]]

    @classmethod
    def build(cls, seed: int = 11) -> Vocabulary:
        rng = random.Random(seed)
        nouns = [line.split() for line in RU_NOUNS]
        adjectives = [line.split() for line in RU_ADJECTIVES]
        surnames = [[name + ending for ending in RU_SURNAME_ENDINGS] for name in RU_SURNAMES]
        ru = Lexicon.build(
            RU_FUNCTION,
            nouns + adjectives + [[verb] for verb in RU_VERBS],
            len(nouns),
            surnames,
            [pseudo_russian(rng) for _ in range(12_000)],
            rng,
        )
        kk = Lexicon.build(
            KK_FUNCTION,
            [kazakh_forms(root) for root in KK_NOUNS] + [[verb] for verb in KK_VERBS],
            len(KK_NOUNS),
            surnames,
            [pseudo_kazakh(rng) for _ in range(6_000)],
            rng,
        )
        return cls(ru, kk, RU_SURNAMES, adjectives)


def noisy(word: str, rng: random.Random) -> str:
    return misspell(word, rng) if len(word) >= 6 and rng.random() < ERROR_RATE else word


def sentence(lexicon: Lexicon, rng: random.Random, shortest: int, longest: int) -> str:
    words = [
        str(rng.randint(1, 2025)) if rng.random() < 0.02 else noisy(lexicon.word(rng), rng)
        for _ in range(rng.randint(shortest, longest))
    ]
    return words[0][:1].upper() + " ".join(words)[1:] + rng.choice(".?.,.")


SPEAKERS = (
    Speaker("S1", "Judge", "judge", 1),
    Speaker("S2", "Clerk", "clerk", 2),
    Speaker("S3", "Plaintiff", "plaintiff", 3),
    Speaker("S4", "Defendant", "defendant", 4),
    Speaker("S5", "Prosecutor", "prosecutor", 5),
    Speaker("S6", "Witness", "witness", 6),
)
SPEAKER_WEIGHTS = (30, 5, 20, 20, 10, 15)


@dataclass(frozen=True)
class Hearing:
    """One generated hearing: where and when, and its protocol."""

    index: int
    court: int  # 0-based court number
    room: int  # 0-based room within the court
    case_number: str
    started: datetime
    protocol: Protocol


@dataclass
class Corpus:
    """Deterministic hearings adding up to ``hours``; the same for every backend."""

    hours: float
    seed: int
    vocab: Vocabulary = field(default_factory=Vocabulary.build)

    def plan(self) -> list[tuple[int, float]]:
        """(seed, minutes) of each hearing, so both backends get identical hearings."""
        rng = random.Random(self.seed)
        plan: list[tuple[int, float]] = []
        total = 0.0
        while total < self.hours * 60:
            minutes = max(10.0, min(rng.uniform(30, 180), self.hours * 60 - total))
            plan.append((rng.randrange(2**31), minutes))
            total += minutes
        return plan

    def hearing(self, index: int, seed: int, minutes: float) -> Hearing:
        """Generate one hearing from its seed (the same on every call)."""
        rng = random.Random(seed)
        court = rng.randrange(COURTS)
        kind = rng.choice((1, 2, 2, 3))
        case_number = f"{kind}-{rng.randrange(1, CASES_PER_COURT) + 1000 * court}/2025"
        started = FIRST_DAY + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(480))
        russian_share = rng.choice((0.9, 0.9, 0.8, 0.5, 0.2, 0.1))
        segments: list[Segment] = []
        at = 0.0
        for _ in range(max(1, round(minutes * SEGMENTS_PER_MINUTE))):
            speaker = rng.choices(SPEAKERS, SPEAKER_WEIGHTS)[0]
            if rng.random() < russian_share:
                language, text_ = "ru", sentence(self.vocab.ru, rng, 6, 14)
            else:
                language, text_ = "kk", sentence(self.vocab.kk, rng, 5, 12)
            length = rng.uniform(2.0, 7.0)
            segments.append(Segment(at, at + length, speaker.id, language, text_))
            at += 60.0 / SEGMENTS_PER_MINUTE
        protocol = Protocol(
            recording=RecordingInfo(f"{seed:064x}", at, 6, f"hearing-{index}.wav", "wav"),
            pipeline=PipelineInfo("bench", "synthetic", "channels", ("kk", "ru")),
            speakers=SPEAKERS,
            segments=tuple(segments),
            created_at="2025-01-01T00:00:00Z",
        )
        room = rng.randrange(ROOMS_PER_COURT)
        return Hearing(index, court, room, case_number, started, protocol)

    def hearings(self) -> Iterator[Hearing]:
        """Generate every hearing of the corpus, one at a time."""
        for index, (seed, minutes) in enumerate(self.plan()):
            yield self.hearing(index, seed, minutes)


# ---------------------------------------------------------------------------------------
# Loading and querying
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A backend with the corpus in it."""

    name: str
    url: str
    court_ids: list[int]
    seconds: float
    segments: int
    size_mb: float


def load(name: str, url: str, corpus: Corpus) -> Loaded:
    """Migrate, create courts, then create and index every hearing (one transaction each)."""
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    court_ids: list[int] = []
    rooms: dict[tuple[int, int], int] = {}
    with session_scope(factory) as session:
        for court in range(COURTS):
            info = create_court(session, f"court-{court}", f"District Court No. {court + 1}")
            court_ids.append(info.id)
            for room in range(ROOMS_PER_COURT):
                rooms[court, room] = create_courtroom(
                    session, info.id, f"r{room + 1}", f"Room {room + 1}"
                ).id
    plan = corpus.plan()
    segments = 0
    start = time.perf_counter()
    bar = tqdm(total=len(plan), desc=f"{name}: index", unit="hearing", dynamic_ncols=True)
    for hearing in corpus.hearings():
        with session_scope(factory) as session:
            recording, _ = create_recording(
                session,
                NewRecording(
                    courtroom_id=rooms[hearing.court, hearing.room],
                    device_id=None,
                    case_number=hearing.case_number,
                    hearing_started_at=hearing.started,
                    sha256=hearing.protocol.recording.sha256,
                    size_bytes=1,
                    original_key=f"originals/bench-{hearing.index}",
                    source_name=hearing.protocol.recording.source_name,
                    languages=("kk", "ru"),
                ),
            )
            segments += index_protocol(session, recording.id, 1, hearing.protocol).segments
        bar.update(1)
        bar.set_postfix(segments=segments)
    bar.close()
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE search_segments")
            )
            connection.execute(text("VACUUM ANALYZE search_terms"))
            size = connection.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            path = Path(make_url(url).database or "")
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine.dispose()
    return Loaded(name, url, court_ids, seconds, segments, (size or 0) / 1e6)


@dataclass(frozen=True)
class QueryCase:
    """One timed search: its group and how to build the query for a backend."""

    group: str
    text: str
    court: int | None = None  # index into the backend's court ids
    month: int | None = None  # months after FIRST_DAY


def query_cases(count: int, seed: int, corpus: Corpus) -> list[QueryCase]:
    """``count`` searches spread over the groups, drawn from the corpus's vocabulary."""
    rng = random.Random(seed + 1)
    ru, kk = corpus.vocab.ru, corpus.vocab.kk
    common = [forms[0] for forms in ru.head[:15] + kk.head[:15]]
    nouns = ru.head[:30] + kk.head[:30]
    sample = corpus.hearing(0, *corpus.plan()[0]).protocol.segments
    pairs = [
        pair
        for segment in sample
        for pair in itertools.pairwise(segment.text.rstrip(".?,").split())
        if all(len(word) > 3 for word in pair)
    ]

    def rare() -> str:
        lexicon = rng.choice((ru, kk))
        return rng.choice(
            lexicon.lemmas[rng.randrange(lexicon.tail_start + 2000, len(lexicon.lemmas))]
        )

    groups: dict[str, Callable[[], QueryCase]] = {
        "word": lambda: QueryCase("word", rng.choice(common)),
        "inflected": lambda: QueryCase("inflected", rng.choice(rng.choice(nouns)[1:])),
        "two words": lambda: QueryCase(
            "two words", f"{rng.choice(rng.choice(nouns))} {rng.choice(rng.choice(nouns))}"
        ),
        "court+month": lambda: QueryCase(
            "court+month",
            rng.choice(common),
            court=rng.randrange(COURTS),
            month=rng.randrange(DAYS // 31),
        ),
        "fuzzy name": lambda: QueryCase(
            "fuzzy name",
            misspell(rng.choice(corpus.vocab.surnames) + rng.choice(RU_SURNAME_ENDINGS), rng),
        ),
        "phrase": lambda: QueryCase("phrase", '"{} {}"'.format(*rng.choice(pairs))),
        "rare word": lambda: QueryCase("rare word", rare()),
    }
    names = list(groups)
    return [groups[names[i % len(names)]]() for i in range(count)]


def to_query(case: QueryCase, loaded: Loaded) -> SearchQuery:
    if case.court is None or case.month is None:
        return SearchQuery(case.text)
    start = FIRST_DAY + timedelta(days=31 * case.month)
    return SearchQuery(
        case.text,
        court_ids=frozenset({loaded.court_ids[case.court]}),
        date_from=start,
        date_to=start + timedelta(days=31),
    )


@dataclass
class Timing:
    """Latencies (ms) and hit counts of one group on one backend."""

    latencies: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(loaded: Loaded, cases: list[QueryCase], warmup: int) -> dict[str, Timing]:
    engine = make_engine(loaded.url)
    factory = make_sessionmaker(engine)
    timings: dict[str, Timing] = {}
    try:
        for case in cases[:warmup]:
            with session_scope(factory) as session:
                search(session, to_query(case, loaded))
        for case in tqdm(cases, desc=f"{loaded.name}: search", unit="query", dynamic_ncols=True):
            query = to_query(case, loaded)
            start = time.perf_counter()
            with session_scope(factory) as session:
                page = search(session, query)
            elapsed = (time.perf_counter() - start) * 1000
            timing = timings.setdefault(case.group, Timing())
            timing.latencies.append(elapsed)
            timing.totals.append(page.total)
    finally:
        engine.dispose()
    return timings


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------


def report(
    corpus: Corpus,
    loaded: list[Loaded],
    results: dict[str, dict[str, Timing]],
) -> dict[str, Any]:
    print()
    print(f"corpus: {corpus.hours:g} hearing-hours, {len(corpus.plan())} hearings")
    for backend in loaded:
        rate = backend.segments / backend.seconds if backend.seconds else 0
        print(
            f"  {backend.name:<10} {backend.segments:>9,} segments indexed in "
            f"{backend.seconds / 60:6.1f} min ({rate:,.0f}/s), database {backend.size_mb:,.0f} MB"
        )
    print()
    groups = list(next(iter(results.values())))
    header = f"{'group':<12}" + "".join(
        f"{name + ' p50':>16}{name + ' p95':>16}{'hits':>9}" for name in results
    )
    print(header)
    print("-" * len(header))
    for group in [*groups, "all"]:
        line = f"{group:<12}"
        for timings in results.values():
            if group == "all":
                timing = Timing(
                    [x for t in timings.values() for x in t.latencies],
                    [x for t in timings.values() for x in t.totals],
                )
            else:
                timing = timings[group]
            hits = statistics.median(timing.totals) if timing.totals else 0
            line += (
                f"{timing.percentile(0.5):>13.1f} ms{timing.percentile(0.95):>13.1f} ms"
                f"{hits:>9,.0f}"
            )
        print(line)
    print("(hits: median total hits per query; latencies include the session and snippets)")
    if len(results) == 2:
        first, second = results.values()
        differ = sum(
            a != b
            for group in groups
            for a, b in zip(first[group].totals, second[group].totals, strict=True)
        )
        print(f"queries whose total differs between the backends: {differ}")
    return {
        "hours": corpus.hours,
        "hearings": len(corpus.plan()),
        "backends": [backend.__dict__ for backend in loaded],
        "latency_ms": {
            name: {
                group: {
                    "p50": timing.percentile(0.5),
                    "p95": timing.percentile(0.95),
                    "median_hits": statistics.median(timing.totals) if timing.totals else 0,
                    "queries": len(timing.latencies),
                }
                for group, timing in timings.items()
            }
            for name, timings in results.items()
        },
    }


def plot(figures: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latency = figures["latency_ms"]
    backends = list(latency)
    groups = list(next(iter(latency.values())))
    width = 0.8 / (2 * len(backends))
    fig, ax = plt.subplots(figsize=(11, 5))
    colors = {"sqlite": ("#7fb3d5", "#1f618d"), "postgresql": ("#f5b041", "#b9770e")}
    for b, backend in enumerate(backends):
        light, dark = colors.get(backend, ("#aaaaaa", "#555555"))
        for k, (stat, color) in enumerate((("p50", light), ("p95", dark))):
            offset = (2 * b + k - len(backends) + 0.5) * width
            values = [latency[backend][group][stat] for group in groups]
            ax.bar(
                [i + offset for i in range(len(groups))],
                values,
                width,
                label=f"{backend} {stat}",
                color=color,
            )
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.set_title(
        f"Protocol search over {figures['hours']:g} hearing-hours "
        f"({figures['backends'][0]['segments']:,} segments)"
    )
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2000, help="hearing-hours (2000)")
    parser.add_argument("--queries", type=int, default=350, help="timed searches (350)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed searches first (20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated (sqlite,postgresql)"
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="maintenance database")
    parser.add_argument("--workdir", help="directory for the SQLite file (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--out", help="write a PNG figure here")
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    corpus = Corpus(args.hours, args.seed)
    cases = query_cases(args.queries, args.seed, corpus)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pg_url: str | None = None
    loaded: list[Loaded] = []
    results: dict[str, dict[str, Timing]] = {}
    try:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = sqlite_url(workdir / f"search-{secrets.token_hex(3)}.db")
            else:
                name = f"courtrec_bench_{secrets.token_hex(4)}"
                with psycopg.connect(_libpq(args.pg_admin_url), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                pg_url = make_url(args.pg_admin_url).set(database=name).render_as_string(False)
                url = pg_url
            backend_loaded = load(backend, url, corpus)
            loaded.append(backend_loaded)
            results[backend] = measure(backend_loaded, cases, args.warmup)
    finally:
        if pg_url and not args.keep:
            with psycopg.connect(_libpq(args.pg_admin_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(pg_url).database}" WITH (FORCE)')
        if not args.keep and not args.workdir:
            for path in workdir.glob("*"):
                path.unlink()
            workdir.rmdir()
    figures = report(corpus, loaded, results)
    figures["command"] = " ".join(sys.argv)
    if args.out:
        plot(figures, Path(args.out))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
