"""Protocol versions after the pipeline's: a hash chain, saved only from the newest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import (
    add_protocol_version,
    claim,
    create_recording,
    create_user,
    finish,
    get_protocol_version,
    list_protocol_versions,
)
from storage.errors import ConflictError, NotFoundError
from tests.db.conftest import T0, Db, Room
from tests.db.test_recordings import hearing


def test_corrections_extend_the_chain(db: Db, room: Room) -> None:
    with db.session() as session:
        recording, _ = create_recording(session, hearing(room))
        with pytest.raises(NotFoundError):
            get_protocol_version(session, recording.id)
        with pytest.raises(ConflictError, match="no finished protocol"):
            add_protocol_version(
                session,
                recording.id,
                parent_version=1,
                sha256="aa" * 32,
                object_key="k",
                author_id=None,
            )
        judge = create_user(session, "judge", "pw", "judge", room.courtroom.court_id)
        claim(session, recording.id, "w1")
        first = finish(session, recording.id, "w1", "protocols/v1.json", 5.0, "11" * 32)

    with db.session() as session:
        second = add_protocol_version(
            session,
            recording.id,
            parent_version=1,
            sha256="22" * 32,
            object_key="protocols/v2.json",
            author_id=judge.id,
            now=T0 + timedelta(days=1),
        )
    assert (second.version, second.parent_sha256, second.author_id) == (2, first.sha256, judge.id)

    with db.session() as session:
        with pytest.raises(ConflictError, match="version 2, not 1"):
            add_protocol_version(  # an editor who started from version 1 saves late
                session,
                recording.id,
                parent_version=1,
                sha256="33" * 32,
                object_key="protocols/v3.json",
                author_id=judge.id,
            )
        assert list_protocol_versions(session, recording.id) == [first, second]
        assert get_protocol_version(session, recording.id) == second
        assert get_protocol_version(session, recording.id, 1) == first
        with pytest.raises(NotFoundError):
            get_protocol_version(session, recording.id, 3)
