"""``courtrec admin ...``: courts, courtrooms, recorder devices, users, job retries.

Every command migrates the database first (embedded mode has nothing else to do it), so
a fresh data directory works at once. Device tokens are printed once and stored only as
hashes.
"""

from __future__ import annotations

import getpass
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from storage.db import (
    AuditActorKind,
    NewAuditEvent,
    UserRole,
    add_case_party,
    create_court,
    create_courtroom,
    create_device,
    create_user,
    find_court,
    find_courtroom,
    find_user,
    list_case_parties,
    list_courtrooms,
    list_courts,
    list_devices,
    list_recordings,
    list_users,
    make_engine,
    make_sessionmaker,
    mark_queued,
    record_audit,
    remove_case_party,
    revoke_device,
    session_scope,
    upgrade,
)
from storage.errors import NotFoundError
from worker.settings import Settings

__all__ = ["admin_app", "admin_session"]

logger = logging.getLogger(__name__)

admin_app = typer.Typer(no_args_is_help=True, help="Courts, courtrooms, devices and users.")


@contextmanager
def admin_session(settings: Settings | None = None) -> Iterator[Session]:
    """A committed-on-success session on the migrated database of these settings."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    try:
        upgrade(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,30}[A-Za-z0-9])?")
"""Court and courtroom codes: what recorders send in upload metadata (api/metadata.py)."""


def _code(value: str) -> str:
    if not CODE.fullmatch(value):
        raise typer.BadParameter(
            f"{value!r}: codes are 1-32 letters, digits, '.', '_' or '-' (e.g. almaty-2)"
        )
    return value


def _courtroom_id(session: Session, court: str, room: str) -> int:
    found = find_court(session, court)
    if found is None:
        raise NotFoundError(f"no court with code {court!r}")
    courtroom = find_courtroom(session, found.id, room)
    if courtroom is None:
        raise NotFoundError(f"court {court!r} has no courtroom {room!r}")
    return courtroom.id


@admin_app.command("migrate")
def migrate() -> None:
    """Bring the database schema up to date."""
    with admin_session():
        typer.echo("database schema is up to date")


def _audit(
    session: Session,
    action: str,
    object_type: str,
    object_id: str,
    court_id: int | None = None,
    details: dict[str, object] | None = None,
) -> None:
    """Record an administrative change made on the server (actor: the OS account)."""
    record_audit(
        session,
        NewAuditEvent(
            action=action,
            actor_kind=AuditActorKind.SYSTEM,
            actor_name=f"cli:{getpass.getuser()}",
            object_type=object_type,
            object_id=object_id,
            court_id=court_id,
            details=details,
        ),
    )


@admin_app.command("create-court")
def create_court_cmd(code: str, name: str) -> None:
    """Register a court under a short code."""
    with admin_session() as session:
        court = create_court(session, _code(code), name)
        _audit(session, "admin.court_create", "court", court.code, court.id)
    typer.echo(f"court {court.id}: {court.code} ({court.name})")


@admin_app.command("create-courtroom")
def create_courtroom_cmd(court: str, code: str, name: str) -> None:
    """Register a courtroom of a court (by court code)."""
    with admin_session() as session:
        found = find_court(session, court)
        if found is None:
            raise NotFoundError(f"no court with code {court!r}")
        room = create_courtroom(session, found.id, _code(code), name)
        _audit(session, "admin.courtroom_create", "courtroom", str(room.id), found.id)
    typer.echo(f"courtroom {room.id}: {court}/{room.code} ({room.name})")


@admin_app.command("create-device")
def create_device_cmd(court: str, room: str, name: str) -> None:
    """Register a courtroom recorder and print its token (shown only this once)."""
    with admin_session() as session:
        device, token = create_device(session, _courtroom_id(session, court, room), name)
        _audit(session, "admin.device_create", "device", str(device.id), device.court_id)
    typer.echo(f"device {device.id} for {court}/{room}: {device.name}")
    typer.echo(f"token: {token}")


@admin_app.command("revoke-device")
def revoke_device_cmd(device_id: int) -> None:
    """Revoke a recorder's token."""
    with admin_session() as session:
        revoke_device(session, device_id)
        _audit(session, "admin.device_revoke", "device", str(device_id))
    typer.echo(f"device {device_id} revoked")


@admin_app.command("create-user")
def create_user_cmd(
    username: str,
    role: Annotated[UserRole, typer.Option(help="admin, judge, clerk or party.")],
    court: Annotated[str | None, typer.Option(help="Court code (judges and clerks).")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user with an Argon2-hashed password."""
    with admin_session() as session:
        court_id = None
        if court is not None:
            found = find_court(session, court)
            if found is None:
                raise NotFoundError(f"no court with code {court!r}")
            court_id = found.id
        user = create_user(session, username, password, role, court_id, display_name=display_name)
        _audit(session, "admin.user_create", "user", str(user.id), court_id, {"role": role})
    typer.echo(f"user {user.id}: {user.username} ({user.role})")


@admin_app.command("add-party")
def add_party_cmd(
    username: str,
    court: Annotated[str, typer.Option(help="Court code of the case.")],
    case_number: Annotated[str, typer.Option(help="Case number as recorders send it.")],
    party_role: Annotated[
        str, typer.Option(help="plaintiff, defendant, representative, prosecutor, ...")
    ],
) -> None:
    """Let a party user see the approved protocols of a case's hearings."""
    with admin_session() as session:
        user = find_user(session, username)
        found = find_court(session, court)
        if user is None or found is None:
            raise NotFoundError(f"no user {username!r}" if user is None else f"no court {court!r}")
        row = add_case_party(session, user.id, found.id, case_number, party_role)
        _audit(
            session,
            "admin.case_party_add",
            "case",
            f"{found.code}/{row.case_number}",
            found.id,
            {"username": username, "party_role": party_role},
        )
    typer.echo(f"{username} is a {row.party_role} in case {row.case_number} of {court}")


@admin_app.command("remove-party")
def remove_party_cmd(
    username: str,
    court: Annotated[str, typer.Option(help="Court code of the case.")],
    case_number: Annotated[str, typer.Option(help="Case number.")],
) -> None:
    """Take a party user out of a case (effective with their next request)."""
    with admin_session() as session:
        user = find_user(session, username)
        found = find_court(session, court)
        if (
            user is None
            or found is None
            or not remove_case_party(session, user.id, found.id, case_number)
        ):
            raise NotFoundError(f"{username!r} is not in case {case_number!r} of {court!r}")
        _audit(
            session,
            "admin.case_party_remove",
            "case",
            f"{found.code}/{case_number.strip()}",
            found.id,
            {"username": username},
        )
    typer.echo(f"{username} removed from case {case_number} of {court}")


@admin_app.command("list")
def list_cmd(
    what: Annotated[
        str, typer.Argument(help="courts, courtrooms, devices, users, parties or recordings")
    ],
) -> None:
    """List what is registered."""
    with admin_session() as session:
        rows: list[str]
        if what == "courts":
            rows = [f"{c.id}\t{c.code}\t{c.name}" for c in list_courts(session)]
        elif what == "courtrooms":
            rows = [f"{r.id}\t{r.court_id}\t{r.code}\t{r.name}" for r in list_courtrooms(session)]
        elif what == "devices":
            rows = [
                f"{d.id}\t{d.courtroom_id}\t{d.name}\t{d.token_prefix}…\t"
                f"{'revoked' if d.revoked_at else 'active'}"
                for d in list_devices(session)
            ]
        elif what == "users":
            rows = [f"{u.id}\t{u.username}\t{u.role}\t{u.court_id}" for u in list_users(session)]
        elif what == "parties":
            rows = [
                f"{p.user_id}\t{p.court_id}\t{p.case_number}\t{p.party_role}"
                for p in list_case_parties(session)
            ]
        elif what == "recordings":
            rows = [
                f"{r.id}\t{r.case_number}\t{r.status}\t{r.step or ''}\t{r.error or ''}"
                for r in list_recordings(session, limit=1000)
            ]
        else:
            raise typer.BadParameter(
                "choose courts, courtrooms, devices, users, parties or recordings"
            )
    typer.echo("\n".join(rows) if rows else f"no {what}")


@admin_app.command("retry")
def retry_cmd(recording_id: str) -> None:
    """Queue a failed recording again and send its processing task."""
    from worker.celery_app import create_celery
    from worker.contracts import PROCESS_QUEUE, TASK_PROCESS

    settings = Settings()
    with admin_session(settings) as session:
        if not mark_queued(session, recording_id):
            raise typer.BadParameter(f"recording {recording_id} is processing or done")
    create_celery(settings).send_task(TASK_PROCESS, args=[recording_id], queue=PROCESS_QUEUE)
    typer.echo(f"recording {recording_id} queued again")
