"""Indexing protocol versions: rows per segment, replacement, refusal of older versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.errors import ConflictError, NotFoundError
from storage.search import SearchQuery, drop_index, index_protocol, indexed_version, search
from storage.search.models import SearchSegment, SearchTerm
from tests.db.conftest import Db
from tests.search.conftest import Courts, add_recording, day, kk, make_protocol, ru


def test_one_row_per_segment_with_words_and_copies_of_the_hearing(db: Db, courts: Courts) -> None:
    with db.session() as session:
        rec = add_recording(session, courts.room_a, case_number="2-7/2025", started=day(3))
        result = index_protocol(
            session,
            rec,
            1,
            make_protocol([ru("Истец подал иск.", "S2"), ru("…", "S1"), kk("Сотқа келдік.", "S4")]),
        )
    assert (result.segments, result.replaced, result.version) == (2, 0, 1)
    with db.session() as session:
        rows = session.scalars(select(SearchSegment).order_by(SearchSegment.segment_index)).all()
        assert [row.segment_index for row in rows] == [0, 2]  # the segment without words is skipped
        first, second = rows
        assert (first.speaker_label, first.speaker_role, first.language) == (
            "Plaintiff",
            "plaintiff",
            "ru",
        )
        assert (second.speaker_label, second.speaker_role) == ("Speaker 4", None)
        assert first.terms == "истц пода иск"
        assert (first.court_id, first.courtroom_id, first.case_number) == (
            courts.court_a,
            courts.room_a,
            "2-7/2025",
        )
        assert first.hearing_started_at == day(3)
        assert (first.start_s, first.end_s) == (0.0, 5.0)
        vocabulary = set(session.scalars(select(SearchTerm.term)))
    assert {"истц", "пода"} <= vocabulary  # stems of four letters or more
    assert "иск" not in vocabulary and "сот" not in vocabulary


def test_a_new_version_replaces_the_old_rows(db: Db, courts: Courts) -> None:
    with db.session() as session:
        rec = add_recording(session, courts.room_a)
        index_protocol(session, rec, 1, make_protocol([ru("Свидетель Петров опоздал.")] * 3))
    with db.session() as session:
        result = index_protocol(session, rec, 2, make_protocol([ru("Свидетель Сидоров явился.")]))
        assert (result.segments, result.replaced) == (1, 3)
        assert indexed_version(session, rec) == 2
    with db.session() as session:
        assert search(session, SearchQuery("Петров", fuzzy=False)).total == 0
        page = search(session, SearchQuery("Сидоров"))
        assert [(hit.version, hit.segment_index) for hit in page.hits] == [(2, 0)]
        assert search(session, SearchQuery("свидетель")).total == 1
        count = session.scalar(select(func.count()).select_from(SearchSegment))
    assert count == 1


def test_reindexing_the_same_version_is_idempotent(db: Db, courts: Courts) -> None:
    protocol = make_protocol([ru("Иск удовлетворён."), kk("Сот шешімі.")])
    with db.session() as session:
        rec = add_recording(session, courts.room_a)
        index_protocol(session, rec, 1, protocol)
    with db.session() as session:
        again = index_protocol(session, rec, 1, protocol)
    assert (again.segments, again.replaced) == (2, 2)
    with db.session() as session:
        assert search(session, SearchQuery("иск")).total == 1


def test_an_older_version_does_not_overwrite_a_newer_one(db: Db, courts: Courts) -> None:
    with db.session() as session:
        rec = add_recording(session, courts.room_a)
        index_protocol(session, rec, 3, make_protocol([ru("Третья версия.")]))
    with db.session() as session, pytest.raises(ConflictError, match="version 3 indexed"):
        index_protocol(session, rec, 2, make_protocol([ru("Вторая версия.")]))
    with db.session() as session:
        assert search(session, SearchQuery("третья")).total == 1
        assert search(session, SearchQuery("вторая", fuzzy=False)).total == 0


def test_unknown_recording_and_bad_version(db: Db, courts: Courts) -> None:
    with db.session() as session, pytest.raises(NotFoundError):
        index_protocol(session, "f" * 32, 1, make_protocol([ru("Иск.")]))
    with db.session() as session, pytest.raises(ValueError, match="start at 1"):
        index_protocol(session, "f" * 32, 0, make_protocol([ru("Иск.")]))


def test_drop_index_removes_a_recording(db: Db, courts: Courts) -> None:
    with db.session() as session:
        keep = add_recording(session, courts.room_a, case_number="2-1/2025")
        gone = add_recording(session, courts.room_a, case_number="2-2/2025")
        index_protocol(session, keep, 1, make_protocol([ru("Иск принят.")]))
        index_protocol(session, gone, 1, make_protocol([ru("Иск отклонён."), ru("Иск.")]))
    with db.session() as session:
        assert drop_index(session, gone) == 2
        assert drop_index(session, gone) == 0
        assert indexed_version(session, gone) is None
    with db.session() as session:
        page = search(session, SearchQuery("иск"))
    assert [hit.recording_id for hit in page.hits] == [keep]
