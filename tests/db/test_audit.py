"""The audit log: recorded, filtered, never edited, and a hash chain that shows tampering."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

import storage.db.repo.audit as audit_module
from storage.db import (
    MAX_AUDIT_PAGE,
    AuditActorKind,
    AuditEventInfo,
    AuditOutcome,
    AuditQuery,
    NewAuditEvent,
    alembic_config,
    list_audit,
    make_engine,
    record_audit,
    upgrade,
    verify_audit_chain,
)
from storage.db.repo.audit import GENESIS_HASH, MAX_DETAILS_BYTES
from storage.errors import StorageError
from tests.db.conftest import BACKENDS, T0, Db


def _purge_postgres(engine: Engine) -> None:
    """Empty the shared PostgreSQL log as its owner may: triggers off, truncate, back on."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text("TRUNCATE audit_events RESTART IDENTITY"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@pytest.fixture
def adb(db: Db) -> Iterator[Db]:
    """The ``db`` fixture, leaving the PostgreSQL audit log empty for the next test.

    The shared test database is emptied with TRUNCATE before each test, which the log
    allows only when it holds nothing.
    """
    if db.backend == "postgresql":
        _purge_postgres(db.engine)
    yield db
    if db.backend == "postgresql":
        _purge_postgres(db.engine)


def judge_views(recording: str = "rec1", **changes: object) -> NewAuditEvent:
    values: dict[str, object] = {
        "action": "protocol.view",
        "actor_kind": AuditActorKind.USER,
        "actor_id": 7,
        "actor_name": "judge.ivanova",
        "actor_role": "judge",
        "object_type": "recording",
        "object_id": recording,
        "court_id": 1,
        "ip": "10.0.0.5",
        "user_agent": "Mozilla/5.0",
        "outcome": AuditOutcome.OK,
        "status_code": 200,
        "details": {"version": 2, "format": "json"},
    }
    values.update(changes)
    return NewAuditEvent(**values)  # type: ignore[arg-type]


def record_sample(db: Db) -> list[AuditEventInfo]:
    """Six events of different actors, actions, objects, courts and outcomes."""
    events = [
        judge_views("rec1"),
        judge_views("rec2", action="protocol.download", details={"format": "pdf"}),
        judge_views(
            "rec1",
            actor_id=8,
            actor_name="clerk.petrov",
            actor_role="clerk",
            action="protocol.edit",
            court_id=2,
        ),
        NewAuditEvent(
            action="auth.login_failed",
            actor_kind="anonymous",
            actor_name="judge.ivanova",
            ip="203.0.113.9",
            outcome="denied",
            status_code=401,
        ),
        NewAuditEvent(
            action="admin.user_create",
            actor_kind=AuditActorKind.USER,
            actor_id=1,
            actor_name="admin",
            actor_role="admin",
            object_type="user",
            object_id="9",
        ),
        NewAuditEvent(action="admin.court_create", actor_kind="system", object_type="court"),
    ]
    with db.session() as session:
        return [
            record_audit(session, event, now=T0 + timedelta(minutes=i))
            for i, event in enumerate(events)
        ]


def ids(query: AuditQuery, db: Db) -> list[int]:
    with db.session() as session:
        return [event.id for event in list_audit(session, query).events]


def test_record_reads_back_and_links_to_the_previous_event(adb: Db) -> None:
    first, second, *_ = record_sample(adb)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert len(first.hash) == 64 and first.hash != second.hash
    with adb.session() as session:
        page = list_audit(session, AuditQuery(newest_first=False, limit=1))
    assert page.events == (first,)  # what record_audit returned is what is stored
    assert first.at == T0 and first.at.tzinfo is not None
    assert (first.actor_kind, first.outcome) == (AuditActorKind.USER, AuditOutcome.OK)
    assert first.details == {"version": 2, "format": "json"}
    assert (first.ip, first.user_agent, first.status_code) == ("10.0.0.5", "Mozilla/5.0", 200)


def test_list_filters_by_actor_action_object_court_time_and_outcome(adb: Db) -> None:
    events = record_sample(adb)
    e = [event.id for event in events]

    assert ids(AuditQuery(), adb) == e[::-1]  # newest first by default
    assert ids(AuditQuery(actor_kind="user", actor_id=7), adb) == [e[1], e[0]]
    assert ids(AuditQuery(actor_name="judge.ivanova"), adb) == [e[3], e[1], e[0]]
    assert ids(AuditQuery(action="protocol.edit"), adb) == [e[2]]
    assert ids(AuditQuery(action="admin.*"), adb) == [e[5], e[4]]
    assert ids(AuditQuery(action="protocol.*", court_id=1), adb) == [e[1], e[0]]
    assert ids(AuditQuery(object_type="recording", object_id="rec1"), adb) == [e[2], e[0]]
    assert ids(AuditQuery(outcome=AuditOutcome.DENIED), adb) == [e[3]]
    window = AuditQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert ids(window, adb) == [e[2], e[1]]  # since inclusive, until exclusive
    assert ids(AuditQuery(action="protocol"), adb) == []  # exact unless ".*"


def test_pages_follow_the_cursor_in_both_orders(adb: Db) -> None:
    e = [event.id for event in record_sample(adb)]

    for newest_first, expected in ((True, e[::-1]), (False, e)):
        seen: list[int] = []
        cursor = None
        with adb.session() as session:
            while True:
                query = AuditQuery(cursor=cursor, limit=4, newest_first=newest_first)
                page = list_audit(session, query)
                seen.extend(event.id for event in page.events)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        assert seen == expected
        assert len(seen) == 6


def test_client_text_and_big_details_are_cut_down(adb: Db) -> None:
    huge = {
        "query": "суд " * 300_000,  # a megabyte of search text
        "ids": list(range(10_000)),
        "many": {f"k{i}": i for i in range(500)},
        "odd": [b"bytes", datetime(2025, 1, 1, tzinfo=UTC), float("nan"), {1, 2}],
        "deep": {"a": {"b": {"c": {"d": {"e": "too deep"}}}}},
        "ratio": 0.1,
    }
    with adb.session() as session:
        event = record_audit(
            session,
            judge_views(user_agent="x" * 10_000 + "\x00", actor_name="n" * 500, details=huge),
        )
        fallback = record_audit(
            session, judge_views(details={f"field{i}": "ж" * 400 for i in range(200)})
        )

    assert event.user_agent is not None and len(event.user_agent) == 255
    assert event.user_agent.endswith("…")
    assert len(event.actor_name) == 200
    details = event.details
    assert details is not None
    size = len(json.dumps(details, ensure_ascii=False, separators=(",", ":")).encode())
    assert size <= MAX_DETAILS_BYTES
    assert details["query"].startswith("суд суд") and details["query"].endswith("…")
    assert details["ids"][:3] == [0, 1, 2] and details["ids"][-1].endswith("more items")
    assert details["many"]["…"] == "450 more keys"
    assert details["odd"][:3] == ["b'bytes'", "2025-01-01 00:00:00+00:00", "nan"]
    assert details["ratio"] == 0.1
    assert fallback.details is not None and fallback.details["truncated"] is True
    assert fallback.details["keys"][:2] == ["field0", "field1"]
    with adb.session() as session:
        stored = list_audit(session, AuditQuery()).events
        report = verify_audit_chain(session)
    assert stored == (fallback, event)  # as returned, read back exactly
    assert report.ok and report.checked == 2  # the bounded details hash as stored


def test_malformed_events_and_queries_are_programming_errors(adb: Db) -> None:
    with adb.session() as session:
        for bad in (
            judge_views(action="Protocol View"),
            judge_views(action="protocol."),
            judge_views(action="a" * 65),
            judge_views(actor_kind="robot"),
            judge_views(actor_id=None),
            judge_views(outcome="maybe"),
            judge_views(status_code=42),
            judge_views(details=["not", "a", "mapping"]),
        ):
            with pytest.raises(ValueError):
                record_audit(session, bad)
        with pytest.raises(ValueError, match="timezone"):
            record_audit(session, judge_views(), now=datetime(2025, 1, 1))
        for query in (
            AuditQuery(limit=0),
            AuditQuery(limit=MAX_AUDIT_PAGE + 1),
            AuditQuery(since=datetime(2025, 1, 1)),
            AuditQuery(action="admin.%"),
        ):
            with pytest.raises(ValueError):
                list_audit(session, query)
        assert list_audit(session, AuditQuery()).events == ()


def count_rows(db: Db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET outcome = 'ok', details = NULL",
        "UPDATE audit_events SET actor_name = 'nobody' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
        "DELETE FROM audit_events",
    ],
)
def test_nobody_can_update_or_delete(adb: Db, statement: str) -> None:
    before = record_sample(adb)

    with pytest.raises(StorageError, match="append-only"), adb.session() as session:
        session.execute(text(statement))

    assert count_rows(adb) == len(before)
    with adb.session() as session:
        assert list_audit(session, AuditQuery(newest_first=False)).events == tuple(before)
        assert verify_audit_chain(session).ok


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # TRUNCATE is PostgreSQL's
def test_postgres_refuses_truncate_of_a_non_empty_log(adb: Db) -> None:
    with adb.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))  # empty: nothing lost, allowed
    record_sample(adb)

    with pytest.raises(StorageError, match="append-only"), adb.session() as session:
        session.execute(text("TRUNCATE audit_events"))
    with pytest.raises(StorageError, match="append-only"), adb.session() as session:
        session.execute(text("TRUNCATE courts, audit_events RESTART IDENTITY CASCADE"))

    assert count_rows(adb) == 6


def test_chain_verifies_across_batches(adb: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "_VERIFY_BATCH", 4)  # 6 rows: two batches
    with adb.session() as session:
        empty = verify_audit_chain(session)
    assert (empty.ok, empty.checked, empty.last_id, empty.last_hash) == (True, 0, None, None)

    events = record_sample(adb)

    with adb.session() as session:
        report = verify_audit_chain(session)
    assert report.ok and report.checked == 6 and report.first_broken_id is None
    assert (report.last_id, report.last_hash) == (events[-1].id, events[-1].hash)


def test_hash_follows_the_documented_canonical_form(adb: Db) -> None:
    """An auditor can recompute a hash with nothing but the module docstring."""
    event = record_sample(adb)[1]
    document = {
        "v": 1,
        "at": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_kind": str(event.actor_kind),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "court_id": event.court_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "outcome": str(event.outcome),
        "status_code": event.status_code,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    assert hashlib.sha256(canonical.encode()).hexdigest() == event.hash


def bypass_triggers(conn: Connection, backend: str) -> None:
    """What someone with the database owner's rights could do."""
    if backend == "sqlite":
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    else:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def tamper(db: Db, *statements: str, **params: object) -> None:
    with db.engine.begin() as conn:
        bypass_triggers(conn, db.backend)
        for statement in statements:
            conn.execute(text(statement), params)
        if db.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


def verify(db: Db) -> tuple[bool, int, int | None]:
    with db.session() as session:
        report = verify_audit_chain(session)
    return report.ok, report.checked, report.first_broken_id


def test_an_altered_event_breaks_the_chain_at_that_event(adb: Db) -> None:
    e = record_sample(adb)

    tamper(adb, "UPDATE audit_events SET outcome = 'ok' WHERE id = :id", id=e[3].id)

    assert verify(adb) == (False, 3, e[3].id)
    with adb.session() as session:
        report = verify_audit_chain(session)
    assert report.problem is not None and "altered" in report.problem
    assert (report.last_id, report.last_hash) == (e[2].id, e[2].hash)


def test_a_rehashed_event_breaks_the_link_to_the_next(adb: Db) -> None:
    """Recomputing the altered row's hash moves the break to the next row's link."""
    e = record_sample(adb)
    forged_values = {
        **{name: getattr(e[2], name) for name in audit_module._HASHED_COLUMNS},
        "actor_kind": str(e[2].actor_kind),
        "outcome": str(e[2].outcome),
        "object_id": "rec-other",
    }
    forged = audit_module.audit_event_hash(forged_values)

    tamper(
        adb,
        "UPDATE audit_events SET object_id = 'rec-other', hash = :hash WHERE id = :id",
        hash=forged,
        id=e[2].id,
    )

    assert verify(adb) == (False, 3, e[3].id)


def test_a_deleted_event_breaks_the_chain_at_the_next(adb: Db) -> None:
    e = record_sample(adb)

    tamper(adb, "DELETE FROM audit_events WHERE id = :id", id=e[1].id)

    assert verify(adb) == (False, 1, e[2].id)
    tamper(adb, "DELETE FROM audit_events WHERE id = :id", id=e[0].id)
    assert verify(adb) == (False, 0, e[2].id)  # the first entry must start from genesis


def test_concurrent_writers_build_one_chain(adb: Db) -> None:
    threads, per_thread = 6, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with adb.session() as session:
                    record_audit(session, judge_views(f"rec-{worker}-{i}", actor_id=worker))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert errors == []
    with adb.session() as session:
        report = verify_audit_chain(session)
        events = list_audit(session, AuditQuery(limit=MAX_AUDIT_PAGE)).events
    assert report.ok and report.checked == threads * per_thread
    assert len({event.prev_hash for event in events}) == threads * per_thread  # no fork


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return {name for name in conn.execute(text(query)).scalars() if name.startswith("audit")}


def has_refuse_function(engine: Engine) -> bool:
    with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_proc WHERE proname = 'audit_events_refuse_change'"
        return bool(conn.execute(text(query)).scalar_one())


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_drops_the_log_and_its_triggers(
    backend: str, fresh_url: Callable[[str], str]
) -> None:
    engine = make_engine(fresh_url(backend))
    try:
        assert upgrade(engine, "0003") == "0003"
        expected = {"audit_events_no_update", "audit_events_no_delete"}
        if backend == "postgresql":
            expected.add("audit_events_no_truncate")
            assert has_refuse_function(engine)
        assert triggers(engine) == expected
        assert "audit_events" in inspect(engine).get_table_names()

        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")

        assert triggers(engine) == set()
        assert "audit_events" not in inspect(engine).get_table_names()
        if backend == "postgresql":
            assert not has_refuse_function(engine)
        assert upgrade(engine, "0003") == "0003"  # and it comes back cleanly
        assert triggers(engine) == expected
    finally:
        engine.dispose()
