"""The audit log: every view, search, download, edit and approval, append-only.

Entries are only ever inserted. The database refuses UPDATE and DELETE on the table
(triggers of migration 0003), and each entry carries ``hash``, a SHA-256 over a canonical
serialization of its fields and of the previous entry's hash (``prev_hash``). Someone who
drops the triggers and alters or removes an entry in the middle of the log breaks that
chain, and :func:`verify_audit_chain` names the first broken entry.

Writers are serialized so that two events never claim the same predecessor: on
PostgreSQL by a transaction-scoped advisory lock taken before the last hash is read, on
SQLite by the write lock every transaction takes at ``BEGIN IMMEDIATE``. The lock is held
until the caller's transaction ends, so record an event at the end of a transaction, or
in a short transaction of its own (a refused request rolls its own transaction back and
must still be recorded).

The canonical serialization, for anyone re-checking the log with other tools: a JSON
object of the columns ``at`` (ISO 8601 UTC with microseconds and ``Z``), ``actor_kind``,
``actor_id``, ``actor_name``, ``actor_role``, ``action``, ``object_type``,
``object_id``, ``court_id``, ``ip``, ``user_agent``, ``outcome``, ``status_code``,
``details``, ``prev_hash`` and ``"v": 1``, with sorted keys, no spaces and ASCII-only
escapes; ``hash`` is the lowercase hex SHA-256 of its bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from storage.db.info import (
    AuditActorKind,
    AuditChainReport,
    AuditEventInfo,
    AuditOutcome,
    AuditPage,
    AuditQuery,
    NewAuditEvent,
)
from storage.db.models import AuditEvent
from storage.db.repo._common import insert, require_aware, resolve_now
from storage.db.translate import translated

__all__ = [
    "GENESIS_HASH",
    "MAX_AUDIT_PAGE",
    "MAX_DETAILS_BYTES",
    "audit_event_hash",
    "list_audit",
    "record_audit",
    "verify_audit_chain",
]

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first entry."""

MAX_AUDIT_PAGE = 1000
"""Most events one :func:`list_audit` call returns."""

MAX_DETAILS_BYTES = 4096
"""Most bytes of an entry's ``details`` as JSON; bigger details are cut down to fit."""

_CHAIN_LOCK_KEY = 0x636F_7572_7461_7564  # "courtaud": serializes writers of the chain
_CHAIN_VERSION = 1
_VERIFY_BATCH = 1000
_ACTION = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_ACTORS_WITH_ID = frozenset({AuditActorKind.USER, AuditActorKind.DEVICE})

# Column lengths of migration 0003: client-supplied text is cut to fit, not refused.
_TEXT_LIMITS = {
    "actor_name": 200,
    "actor_role": 16,
    "object_type": 32,
    "object_id": 255,
    "ip": 64,
    "user_agent": 255,
}
_HASHED_COLUMNS = (
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "court_id",
    "ip",
    "user_agent",
    "outcome",
    "status_code",
    "details",
    "prev_hash",
)

# Limits inside ``details``: first per value, then on the whole object.
_DETAIL_STRING = 500
_DETAIL_STRING_TIGHT = 100
_DETAIL_ITEMS = 50
_DETAIL_DEPTH = 4
_DETAIL_KEY = 64
_ELLIPSIS = "…"


# --- canonical form and hash -------------------------------------------------------


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_event_hash(values: Mapping[str, Any]) -> str:
    """Return the chain hash of an entry from its column values (``prev_hash`` included).

    Args:
        values: Column name to value, as stored: ``at`` an aware datetime, ``details``
            JSON-ready (what :func:`record_audit` stores is).

    Returns:
        Lowercase hex SHA-256 of the canonical serialization (see the module docstring).

    """
    document: dict[str, Any] = {name: values[name] for name in _HASHED_COLUMNS}
    document["at"] = _iso(values["at"])
    document["v"] = _CHAIN_VERSION
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --- cleaning what callers pass ----------------------------------------------------


def _safe_text(value: str) -> str:
    """Text both databases store: no NUL (PostgreSQL refuses it), no lone surrogates."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "\ufffd")


def _cut(value: str, limit: int) -> str:
    value = _safe_text(value)
    return value if len(value) <= limit else value[: limit - 1] + _ELLIPSIS


def _optional_text(value: str | None, limit: int) -> str | None:
    return None if value is None else _cut(str(value), limit)


def _bounded(value: Any, string_limit: int, depth: int = 0) -> Any:
    """A JSON-ready copy of ``value`` with long strings, lists and maps cut short.

    Anything that is not JSON (bytes, dates, sets, objects) becomes its ``str``, and
    non-finite floats their name, so the stored value reads back exactly as hashed.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _cut(value, string_limit)
    if depth >= _DETAIL_DEPTH:
        return _cut(str(value), string_limit)
    if isinstance(value, Mapping):
        items = list(value.items())
        bounded = {
            _cut(str(key), _DETAIL_KEY): _bounded(item, string_limit, depth + 1)
            for key, item in items[:_DETAIL_ITEMS]
        }
        if len(items) > _DETAIL_ITEMS:
            bounded[_ELLIPSIS] = f"{len(items) - _DETAIL_ITEMS} more keys"
        return bounded
    if isinstance(value, list | tuple):
        bounded_list = [_bounded(item, string_limit, depth + 1) for item in value[:_DETAIL_ITEMS]]
        if len(value) > _DETAIL_ITEMS:
            bounded_list.append(f"{_ELLIPSIS}{len(value) - _DETAIL_ITEMS} more items")
        return bounded_list
    return _cut(str(value), string_limit)


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _bounded_details(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Details cut to at most :data:`MAX_DETAILS_BYTES`, saying so when cut.

    A search query of a megabyte, or a list of ten thousand ids, must not bloat a log
    that can never be pruned: strings are cut first, then tighter, and if the object is
    still too big only its keys and size are kept.
    """
    if details is None:
        return None
    if not isinstance(details, Mapping):
        raise ValueError("audit details must be a mapping (a JSON object)")
    for limit in (_DETAIL_STRING, _DETAIL_STRING_TIGHT):
        bounded: dict[str, Any] = _bounded(details, limit)
        size = _size(bounded)
        if size <= MAX_DETAILS_BYTES:
            return bounded
    keys = [_cut(str(key), _DETAIL_KEY) for key in list(details)[:20]]
    logger.warning("audit details still %d bytes after cutting: only their keys kept", size)
    return {"truncated": True, "keys": keys}


def _action(action: str) -> str:
    if len(action) > 64 or not _ACTION.fullmatch(action):
        raise ValueError(
            f"audit action {action!r} is not a dotted lower-case name like 'protocol.view'"
        )
    return action


def _columns(event: NewAuditEvent) -> dict[str, Any]:
    """Validated, cleaned column values of a new event (no time, no hashes yet).

    Raises:
        ValueError: If the action, actor kind, outcome or status code is invalid, or a
            user or device actor has no id: programming errors of the caller.

    """
    kind = AuditActorKind(event.actor_kind)
    if kind in _ACTORS_WITH_ID and event.actor_id is None:
        raise ValueError(f"an audit event by a {kind} needs its actor_id")
    if event.status_code is not None and not 100 <= event.status_code <= 599:
        raise ValueError(f"status code {event.status_code} is not an HTTP status")
    values: dict[str, Any] = {
        "action": _action(event.action),
        "actor_kind": kind.value,
        "actor_id": event.actor_id,
        "court_id": event.court_id,
        "outcome": AuditOutcome(event.outcome).value,
        "status_code": event.status_code,
        "details": _bounded_details(event.details),
        "actor_name": _cut(event.actor_name or "", _TEXT_LIMITS["actor_name"]),
    }
    for name in ("actor_role", "object_type", "object_id", "ip", "user_agent"):
        values[name] = _optional_text(getattr(event, name), _TEXT_LIMITS[name])
    return values


# --- rows and values ---------------------------------------------------------------


def _info(values: Mapping[str, Any]) -> AuditEventInfo:
    return AuditEventInfo(
        id=values["id"],
        at=values["at"],
        actor_kind=AuditActorKind(values["actor_kind"]),
        actor_id=values["actor_id"],
        actor_name=values["actor_name"],
        actor_role=values["actor_role"],
        action=values["action"],
        object_type=values["object_type"],
        object_id=values["object_id"],
        court_id=values["court_id"],
        ip=values["ip"],
        user_agent=values["user_agent"],
        outcome=AuditOutcome(values["outcome"]),
        status_code=values["status_code"],
        details=values["details"],
        prev_hash=values["prev_hash"],
        hash=values["hash"],
    )


def _select_columns() -> Select[Any]:
    """Plain rows, not ORM objects: a long scan must not fill the session's identity map."""
    return select(*AuditEvent.__table__.columns)


# --- writing -----------------------------------------------------------------------


def _lock_chain(session: Session) -> None:
    """Make concurrent writers take turns until this transaction ends (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def _last_hash(session: Session) -> str:
    query = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    return session.scalar(query) or GENESIS_HASH


@translated
def record_audit(
    session: Session, event: NewAuditEvent, now: datetime | None = None
) -> AuditEventInfo:
    """Append an event to the audit log, linked to the entry before it.

    Args:
        session: Open session; the event is committed with its transaction.
        event: What happened.
        now: Time of the event (tests); the current time by default.

    Returns:
        The event as stored (text cut to length, details bounded, hashes set).

    Raises:
        ValueError: If the event is malformed (see :class:`NewAuditEvent`) or ``now``
            is naive.
        StorageUnavailableError: If the database cannot be reached or stays locked.
        StorageError: On any other database failure.

    """
    values = _columns(event)
    if now is not None:
        require_aware(now, "now")
    _lock_chain(session)
    values["at"] = resolve_now(now)
    values["prev_hash"] = _last_hash(session)
    values["hash"] = audit_event_hash(values)
    row = AuditEvent(**values)
    insert(session, row)
    logger.debug("audit %s by %s %s: %s", row.action, row.actor_kind, row.actor_id, row.outcome)
    return _info({**values, "id": row.id})


# --- reading -----------------------------------------------------------------------


def _action_filter(action: str) -> Any:
    column = AuditEvent.__table__.c.action
    if action.endswith(".*"):
        return column.startswith(_action(action[:-2]) + ".", autoescape=True)
    return column == _action(action)


def _filters(query: AuditQuery) -> list[Any]:
    """WHERE clauses of a query; unset fields add none."""
    c = AuditEvent.__table__.c
    clauses: list[Any] = []
    equal = {
        "actor_kind": None if query.actor_kind is None else AuditActorKind(query.actor_kind),
        "actor_id": query.actor_id,
        "actor_name": query.actor_name,
        "object_type": query.object_type,
        "object_id": query.object_id,
        "court_id": query.court_id,
        "outcome": None if query.outcome is None else AuditOutcome(query.outcome),
    }
    clauses.extend(c[name] == value for name, value in equal.items() if value is not None)
    if query.action is not None:
        clauses.append(_action_filter(query.action))
    if query.since is not None:
        clauses.append(c.at >= require_aware(query.since, "since"))
    if query.until is not None:
        clauses.append(c.at < require_aware(query.until, "until"))
    if query.cursor is not None:
        clauses.append(c.id < query.cursor if query.newest_first else c.id > query.cursor)
    return clauses


@translated
def list_audit(session: Session, query: AuditQuery) -> AuditPage:
    """Return one page of audit events matching the query's filters.

    Pages are cut by id (a cursor), not by offset: an entry recorded while an
    administrator pages through the log neither repeats nor hides another one.

    Raises:
        ValueError: If the limit is outside 1 to :data:`MAX_AUDIT_PAGE`, a time is naive,
            or the action, actor kind or outcome is not a valid one.

    """
    if not 1 <= query.limit <= MAX_AUDIT_PAGE:
        raise ValueError(f"an audit page holds 1 to {MAX_AUDIT_PAGE} events")
    column_id = AuditEvent.__table__.c.id
    order = column_id.desc() if query.newest_first else column_id.asc()
    statement = _select_columns().where(*_filters(query)).order_by(order).limit(query.limit + 1)
    rows = [row._asdict() for row in session.execute(statement)]
    events = tuple(_info(row) for row in rows[: query.limit])
    next_cursor = events[-1].id if len(rows) > query.limit else None
    return AuditPage(events=events, next_cursor=next_cursor)


# --- checking ----------------------------------------------------------------------


def _problem(values: Mapping[str, Any], expected_prev: str) -> str | None:
    """What is wrong with one entry, given the hash its predecessor has; ``None`` if fine."""
    if values["prev_hash"] != expected_prev:
        return "its prev_hash does not match the entry before it (an entry was removed or changed)"
    if audit_event_hash(values) != values["hash"]:
        return "its content does not match its hash (the entry was altered)"
    return None


@translated
def verify_audit_chain(session: Session) -> AuditChainReport:
    """Recompute the hash chain over the whole log, oldest entry first.

    Reads in batches by id, so a log of millions of entries needs little memory. Entries
    recorded while it runs are either checked or not seen at all: writers append in chain
    order under a lock, so every snapshot holds a complete prefix of the chain.

    Returns:
        The report: ``ok``, how many entries were checked, and the first broken one.

    """
    c = AuditEvent.__table__.c
    expected_prev, last_id, checked = GENESIS_HASH, None, 0
    while True:
        statement = _select_columns().order_by(c.id).limit(_VERIFY_BATCH)
        if last_id is not None:
            statement = statement.where(c.id > last_id)
        rows = [row._asdict() for row in session.execute(statement)]
        if not rows:
            break
        for values in rows:
            problem = _problem(values, expected_prev)
            if problem is not None:
                logger.error("audit log broken at entry %s: %s", values["id"], problem)
                return AuditChainReport(
                    ok=False,
                    checked=checked,
                    first_broken_id=values["id"],
                    problem=problem,
                    last_id=last_id,
                    last_hash=None if last_id is None else expected_prev,
                )
            expected_prev, last_id, checked = values["hash"], values["id"], checked + 1
    return AuditChainReport(
        ok=True,
        checked=checked,
        last_id=last_id,
        last_hash=None if last_id is None else expected_prev,
    )
