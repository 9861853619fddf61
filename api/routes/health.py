"""``/healthz`` (liveness) and ``/readyz`` (readiness): for orchestrators and `make run`.

Liveness answers as long as the process serves requests; restarting it would not fix a
database outage, so the database is not part of it. Readiness checks that the database
answers and is migrated to the code's schema, and that the object store accepts a write:
a load balancer sends no uploads to an instance that would answer 503.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import AppState, State, in_thread
from api.errors import RETRY_AFTER_S, error_response
from api.schemas import ErrorOut, HealthOut, ReadyOut
from storage.db import current_revision, head_revision
from storage.errors import StorageError

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", response_model=HealthOut)
async def healthz() -> HealthOut:
    """The process is up and serving."""
    return HealthOut()


def _database(state: AppState) -> str | None:
    """``None`` if the database answers at the code's schema, else the reason."""
    try:
        revision = current_revision(state.engine)
    except StorageError as exc:
        return f"database unavailable ({type(exc).__name__})"
    if revision != head_revision():
        return f"database schema is at {revision or 'nothing'}, not {head_revision()}"
    return None


def _store(state: AppState) -> str | None:
    try:
        state.store.check()
    except StorageError as exc:
        return f"object store unavailable ({type(exc).__name__})"
    return None


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=ReadyOut,
    responses={503: {"model": ErrorOut, "description": "Database or object store not usable."}},
)
async def readyz(state: State) -> ReadyOut | JSONResponse:
    """The database answers at the current schema and the object store takes writes."""
    problems = [p for p in (await in_thread(_database, state), await in_thread(_store, state)) if p]
    if problems:
        logger.warning("not ready: %s", "; ".join(problems))
        return error_response(
            503, "not ready: " + "; ".join(problems), {"Retry-After": str(RETRY_AFTER_S)}
        )
    return ReadyOut(database="ok", store="ok")
