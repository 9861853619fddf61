"""People of the access tests: users of two courts, parties of two cases, their tokens.

Court ``almaty-2`` (the devices' court of :class:`tests.api.conftest.Stack`) has a judge
and a clerk; court ``astana-1`` a judge. ``party`` takes part in the case of
:data:`tests.api.helpers.HEARING`, ``other_party`` in another case of the same court.
Tokens are issued directly (sign-in itself is tested in ``test_signin.py``), which keeps
Argon2 out of every test but one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from protocol import Protocol, export, protocol_from_json
from storage.db import (
    add_case_party,
    claim,
    create_user,
    find_court,
    finish,
    get_recording,
)
from storage.search import index_protocol
from tests.api.conftest import Api
from tests.api.helpers import HEARING, make_protocol
from worker.contracts import audio_key, protocol_key

PASSWORD = "correct horse battery staple"
OTHER_CASE = "2-9999/2026"
WORKER = "worker-people:1"


@dataclass
class People:
    """User ids and bearer tokens by name."""

    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, name: str) -> dict[str, str]:
        """Authorization header of one of the people."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}


_USERS = (
    # name, role, court code (None: no court)
    ("admin", "admin", None),
    ("judge", "judge", "almaty-2"),
    ("clerk", "clerk", "almaty-2"),
    ("astana_judge", "judge", "astana-1"),
    ("party", "party", None),
    ("other_party", "party", None),
)


def seed_people(api: Api) -> People:
    """Create the users and memberships and issue their tokens."""
    people = People()

    def work(session: Session) -> None:
        almaty = find_court(session, HEARING["court"])
        astana = find_court(session, "astana-1")
        assert almaty is not None and astana is not None
        courts = {"almaty-2": almaty.id, "astana-1": astana.id}
        for name, role, court in _USERS:
            user = create_user(
                session,
                name,
                PASSWORD,
                role,
                courts[court] if court else None,
                display_name=name.replace("_", " ").title(),
            )
            people.ids[name] = user.id
        add_case_party(session, people.ids["party"], almaty.id, HEARING["case_number"], "plaintiff")
        add_case_party(session, people.ids["other_party"], almaty.id, OTHER_CASE, "defendant")

    api.state.transaction(work)
    for name, role, _ in _USERS:
        people.tokens[name] = api.state.tokens.issue(people.ids[name], role).token
    return people


def finish_recording(
    api: Api, recording_id: str, protocol: Protocol | None = None, audio: bytes | None = None
) -> str:
    """Play the worker: store protocol v1 (and audio), finish the job. Returns the JSON."""

    def sha(session: Session) -> str:
        return get_recording(session, recording_id).sha256

    sha256 = api.state.transaction(sha)
    text = export(protocol or make_protocol(sha256), "json")
    key = protocol_key(recording_id, 1)
    stored = api.store.put_stream(
        key, io.BytesIO(text.encode()), content_type="application/json", worm=True
    )
    sound = None
    if audio is not None:
        sound = audio_key(recording_id)
        api.store.put_stream(sound, io.BytesIO(audio), content_type="audio/wav", worm=True)

    document = protocol_from_json(text)

    def work(session: Session) -> None:
        assert claim(session, recording_id, WORKER)
        finish(session, recording_id, WORKER, key, 12.5, stored.sha256, audio_key=sound)
        index_protocol(session, recording_id, 1, document)

    api.state.transaction(work)
    return text
