"""What a request handler works with: the process-wide resources and a DB helper.

The lifespan (:mod:`api.app`) opens the database engine, the object store and the queue
client once per process and keeps them in one :class:`AppState` on ``app.state``;
handlers get it through the :func:`get_state` dependency. Repository functions are
synchronous (SQLAlchemy, the minio SDK): async handlers run them in a worker thread with
:func:`in_thread` so the event loop keeps serving other uploads meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, ParamSpec, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.identity import IdentityProvider
from api.locks import UploadLocks
from api.queue import Enqueuer
from api.settings import ApiSettings
from api.throttle import LoginThrottle
from api.tokens import TokenIssuer
from protocol.signing import Signer
from storage.db import session_scope
from storage.objects import ObjectStore

__all__ = ["AppState", "State", "get_state", "in_thread", "transaction"]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class AppState:
    """Resources shared by every request of one API process.

    Attributes:
        settings: The process's settings.
        engine: Database engine (closed at shutdown).
        sessions: Session factory.
        store: Object store.
        enqueuer: Sends processing tasks.
        transfers: Thread capacity for streaming bodies to the store, separate from the
            default pool so long uploads cannot starve status requests.
        locks: Resumable uploads a request of this process is working on.
        tokens: Issues and checks access tokens.
        identity: Checks sign-in credentials (the seam for a court's identity system).
        signer: Signs approved protocol versions (the seam for a court's PKI).
        logins: Counts failed sign-ins per username.

    """

    settings: ApiSettings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ObjectStore
    enqueuer: Enqueuer
    transfers: anyio.CapacityLimiter
    locks: UploadLocks
    tokens: TokenIssuer
    identity: IdentityProvider
    signer: Signer
    logins: LoginThrottle

    def transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction (commit on return, roll back on error)."""
        with session_scope(self.sessions) as session:
            return work(session)


def get_state(request: Request) -> AppState:
    """The process's :class:`AppState` (set by the lifespan)."""
    state = request.app.state.courtrec
    assert isinstance(state, AppState)
    return state


State = Annotated[AppState, Depends(get_state)]
"""Handler parameter type giving the :class:`AppState`."""


async def in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking call (database, store) in a worker thread and await its result."""
    return await anyio.to_thread.run_sync(partial(function, *args, **kwargs))


async def transaction(state: AppState, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one database transaction in a worker thread."""
    return await in_thread(state.transaction, work)
