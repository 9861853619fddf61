"""Engines and sessions: SQLite settings, transactions, errors translated at the boundary."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from storage.db import (
    create_court,
    create_courtroom,
    create_device,
    get_court,
    list_courts,
    make_engine,
    make_sessionmaker,
    normalize_url,
    session_scope,
    sqlite_url,
)
from storage.db.models import Court, Courtroom, Device
from storage.errors import ConflictError, StorageError, StorageUnavailableError
from tests.db.conftest import Db


def courts_of(engine: Engine) -> list:
    """One transaction through the public API: what a request or a task does."""
    with session_scope(make_sessionmaker(engine)) as session:
        return list_courts(session)


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections but never answers (a hung database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_closed_postgres_port_is_unavailable_fast(closed_port: int) -> None:
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{closed_port}/x", connect_timeout_s=2)
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError, match="unavailable"):
        courts_of(engine)
    assert time.monotonic() - started < 5
    engine.dispose()


def test_hung_postgres_server_times_out(silent_server: int) -> None:
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{silent_server}/x", connect_timeout_s=1)
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError):
        courts_of(engine)
    assert time.monotonic() - started < 10
    engine.dispose()


def test_unopenable_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "no-such-dir" / "courtrec.db"))
    with pytest.raises(StorageUnavailableError):
        courts_of(engine)
    engine.dispose()


def test_unmigrated_database_is_a_plain_storage_error(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "empty.db"))
    with pytest.raises(StorageError, match="migrations") as caught:
        courts_of(engine)
    assert not isinstance(caught.value, StorageUnavailableError)
    engine.dispose()


def test_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///data/x.db").drivername == "sqlite"
    with pytest.raises(StorageError):
        normalize_url("mysql://u@h/db")
    with pytest.raises(StorageError):
        normalize_url("not a url")


def test_sqlite_connections_are_set_up(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "x.db"), busy_timeout_s=10)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


def test_session_scope_commits_and_rolls_back(db: Db) -> None:
    with db.session() as session:
        court = create_court(session, "c1", "Court 1")
    with pytest.raises(RuntimeError), db.session() as session:
        create_court(session, "c2", "Court 2")
        raise RuntimeError("boom")
    with db.session() as session:
        assert [c.code for c in list_courts(session)] == ["c1"]
        assert get_court(session, court.id) == court


def test_constraint_violation_at_commit_is_a_conflict(db: Db) -> None:
    """Rows added directly (not through a repository function) fail at commit, translated."""
    with db.session() as session:
        create_court(session, "dup", "Court")
    with pytest.raises(ConflictError), db.session() as session:
        session.add(Court(code="dup", name="Again"))


def test_times_come_back_aware_in_utc(db: Db) -> None:
    almaty = timezone(timedelta(hours=5))
    local = datetime(2025, 3, 14, 14, 30, 0, 123456, tzinfo=almaty)
    with db.session() as session:
        court = Court(code="tz", name="tz")
        session.add(court)
        session.flush()
        room = Courtroom(court_id=court.id, code="r", name="r")
        session.add(room)
        session.flush()
        session.add(
            Device(
                courtroom_id=room.id,
                name="d",
                token_hash="h" * 64,
                token_prefix="p",
                created_at=local,
            )
        )
    with db.session() as session:
        stored = session.scalars(select(Device)).one().created_at
    assert stored == local
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(db: Db) -> None:
    naive = datetime(2025, 1, 1, 12, 0)
    with db.session() as session:
        court = create_court(session, "c", "Court")
        room = create_courtroom(session, court.id, "r", "Room")
        with pytest.raises(ValueError, match="timezone-aware"):
            create_device(session, room.id, "recorder", now=naive)


def test_sqlite_writer_waits_then_reports_unavailable(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """A lock held longer than the busy timeout is a transient fault, not a crash."""
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    holder = make_engine(sqlite_url(path))
    waiter = make_engine(sqlite_url(path), busy_timeout_s=0.3)
    release = threading.Event()

    def hold_lock() -> None:
        with holder.begin() as conn:  # BEGIN IMMEDIATE: takes the write lock
            conn.execute(text("SELECT 1"))
            release.wait(5)

    thread = threading.Thread(target=hold_lock)
    thread.start()
    time.sleep(0.2)
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError, match="locked"):
            courts_of(waiter)  # BEGIN IMMEDIATE: even a read waits for the write lock
        assert 0.25 < time.monotonic() - started < 3
    finally:
        release.set()
        thread.join()
        holder.dispose()
        waiter.dispose()
