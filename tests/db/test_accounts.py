"""Courts, courtrooms, device tokens and user passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from storage.db import (
    UserRole,
    authenticate_device,
    create_court,
    create_courtroom,
    create_device,
    create_user,
    find_court,
    find_courtroom,
    find_user,
    get_device,
    list_courtrooms,
    list_courts,
    list_devices,
    revoke_device,
    set_user_disabled,
    set_user_password,
    verify_user_password,
)
from storage.db.models import Device, User
from storage.errors import ConflictError, NotFoundError
from tests.db.conftest import T0, Db, Room


def test_courts_and_courtrooms(db: Db) -> None:
    with db.session() as session:
        first = create_court(session, " c1 ", "First court")
        second = create_court(session, "c2", "Second court")
        room_a = create_courtroom(session, first.id, "r1", "Room 1")
        room_b = create_courtroom(session, second.id, "r1", "Room 1")  # codes are per court
        with pytest.raises(ConflictError):
            create_court(session, "c1", "Again")
        with pytest.raises(ConflictError):
            create_courtroom(session, first.id, "r1", "Again")
        with pytest.raises(NotFoundError):
            create_courtroom(session, 999, "r9", "Nowhere")
        with pytest.raises(ValueError):
            create_court(session, "  ", "No code")
    with db.session() as session:
        assert [c.code for c in list_courts(session)] == ["c1", "c2"]
        assert list_courtrooms(session, first.id) == [room_a]
        assert set(list_courtrooms(session)) == {room_a, room_b}
        assert find_court(session, "c2") == second
        assert find_court(session, "c3") is None
        assert find_courtroom(session, second.id, "r1") == room_b


def test_device_token_is_shown_once_and_stored_as_hash(db: Db, room: Room) -> None:
    assert room.token.startswith("crd_") and len(room.token) > 40
    assert room.token.startswith(room.device.token_prefix)
    with db.session() as session:
        stored = session.scalars(select(Device.token_hash)).one()
        assert room.token not in stored and stored != room.token
        device = authenticate_device(session, room.token)
    assert device == room.device
    assert device.courtroom_id == room.courtroom.id
    assert device.court_id == room.courtroom.court_id
    assert device.created_at == T0


def test_wrong_tokens_are_refused(db: Db, room: Room) -> None:
    with db.session() as session:
        assert authenticate_device(session, room.token + "x") is None
        assert authenticate_device(session, room.token[4:]) is None
        assert authenticate_device(session, "crd_" + "A" * 5000) is None
        assert authenticate_device(session, "") is None


def test_revoked_device_is_refused(db: Db, room: Room) -> None:
    with db.session() as session:
        other, other_token = create_device(session, room.courtroom.id, "spare")
        revoked = revoke_device(session, room.device.id, now=T0 + timedelta(days=1))
        assert revoked.revoked_at == T0 + timedelta(days=1)
    with db.session() as session:
        assert authenticate_device(session, room.token) is None
        assert authenticate_device(session, other_token) == other
        again = revoke_device(session, room.device.id, now=T0 + timedelta(days=2))
        assert again.revoked_at == T0 + timedelta(days=1)  # the first revocation stands
        assert get_device(session, room.device.id) == again
        assert [d.id for d in list_devices(session, room.courtroom.id)] == [
            room.device.id,
            other.id,
        ]
        with pytest.raises(NotFoundError):
            revoke_device(session, 999)
        with pytest.raises(NotFoundError):
            create_device(session, 999, "nowhere")


def test_passwords_are_argon2_hashed_and_verified(db: Db) -> None:
    with db.session() as session:
        court = create_court(session, "c", "Court")
        judge = create_user(session, "Judge.Ivanova", "correct horse", "judge", court.id)
        assert judge.username == "judge.ivanova"
        assert judge.role is UserRole.JUDGE and judge.display_name == "judge.ivanova"
    with db.session() as session:
        stored = session.scalars(select(User.password_hash)).one()
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        assert verify_user_password(session, "JUDGE.ivanova", "correct horse") == judge
        assert verify_user_password(session, "judge.ivanova", "wrong") is None
        assert verify_user_password(session, "nobody", "correct horse") is None
        assert verify_user_password(session, "", "x") is None
        assert find_user(session, "judge.ivanova") == judge


def test_user_rules(db: Db) -> None:
    with db.session() as session:
        court = create_court(session, "c", "Court")
        create_user(session, "admin", "pw", UserRole.ADMIN)
        party = create_user(session, "party1", "pw", "party", display_name="A. Party")
        assert party.court_id is None and party.display_name == "A. Party"
        with pytest.raises(ConflictError):
            create_user(session, "ADMIN", "pw", "admin")
        with pytest.raises(ValueError, match="court"):
            create_user(session, "clerk", "pw", "clerk")
        with pytest.raises(ValueError):
            create_user(session, "x", "pw", "emperor")
        with pytest.raises(ValueError):
            create_user(session, "has space", "pw", "admin")
        with pytest.raises(ValueError):
            create_user(session, "nopw", "", "admin")
        with pytest.raises(NotFoundError):
            create_user(session, "judge2", "pw", "judge", 999)
        create_user(session, "clerk", "pw", "clerk", court.id)


def test_disabled_users_and_new_passwords(db: Db) -> None:
    with db.session() as session:
        user = create_user(session, "u", "old", "admin")
        set_user_disabled(session, user.id, True)
    with db.session() as session:
        assert verify_user_password(session, "u", "old") is None
        set_user_disabled(session, user.id, False)
        set_user_password(session, user.id, "new")
    with db.session() as session:
        assert verify_user_password(session, "u", "old") is None
        assert verify_user_password(session, "u", "new") is not None


def test_weak_hashes_are_upgraded_on_sign_in(db: Db) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    with db.session() as session:
        user = create_user(session, "u", "pw", "admin")
        session.get(User, user.id).password_hash = weak
    with db.session() as session:
        assert verify_user_password(session, "u", "pw") == user
    with db.session() as session:
        upgraded = session.scalars(select(User.password_hash)).one()
    assert upgraded != weak and upgraded.startswith("$argon2id$")
