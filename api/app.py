"""The FastAPI application factory: ``create_app(settings)``.

Run it with uvicorn's factory mode (the lead's ``courtrec serve`` does the same)::

    uvicorn --factory api.app:create_app --host 127.0.0.1 --port 8000

Settings are read from the environment here, when the app is built, never at import.
The lifespan opens the database engine (and runs the migrations when
``CR_AUTO_MIGRATE`` is on), the object store and the queue client once per process, and
closes them at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
from fastapi import FastAPI

from api.deps import AppState, in_thread
from api.errors import install_error_handlers
from api.identity import IdentityProvider, LocalPasswords
from api.locks import UploadLocks
from api.queue import CeleryEnqueuer, Enqueuer
from api.routes import (
    admin,
    audio,
    health,
    protocols,
    recordings,
    search,
    session,
    uploads,
    versions,
)
from api.settings import ApiSettings
from api.throttle import LoginThrottle
from api.tokens import TokenIssuer, load_or_create_secret
from api.tus import TusHeaderMiddleware
from api.web import mount_web
from protocol.signing import Signer, load_or_create_ed25519_key
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.errors import StorageError
from storage.objects import ObjectStore, open_store
from storage.settings import PLACEHOLDER_SECRETS

__all__ = ["API_VERSION", "create_app"]

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"

_TAGS = [
    {
        "name": "recordings",
        "description": "Direct upload of a hearing recording (streamed body, SHA-256 in a "
        "header, metadata in the query), processing status and the protocol.",
    },
    {
        "name": "uploads (tus)",
        "description": "Resumable uploads for large recordings: tus 1.0.0 with the creation, "
        "termination, expiration and checksum extensions.",
    },
    {"name": "sign-in", "description": "OAuth2 password flow: short-lived access tokens."},
    {
        "name": "protocols",
        "description": "Protocols in json, txt, srt, vtt, docx and pdf; versions, "
        "corrections, diffs, approval, signatures and the integrity check.",
    },
    {"name": "audio", "description": "The normalized hearing audio, with HTTP ranges."},
    {"name": "search", "description": "Full-text search over the hearings you may see."},
    {"name": "admin", "description": "Case parties and the audit log (administrators)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

_DESCRIPTION = """
Courtroom recorders upload hearings here; workers turn them into timestamped protocols.

Recorders authenticate with their device token (`Authorization: Bearer crd_...`) and
upload for their own courtroom. People sign in with `POST /api/v1/auth/token` (OAuth2
password flow) and send the access token they get as `Authorization: Bearer ...`:
judges and clerks see their court's hearings, parties the approved protocols of their
cases, administrators manage accounts and read the audit log but no protocol text.
Every view, search, download, edit and approval is written to an append-only audit log.
Every error is `{"detail": "<one sentence>"}`.
"""


def _token_issuer(settings: ApiSettings) -> TokenIssuer:
    secret = settings.auth.jwt_secret.get_secret_value()
    if secret.strip().lower() in PLACEHOLDER_SECRETS - {""}:
        raise ValueError("CR_AUTH__JWT_SECRET is a placeholder; set a random 32+ character one")
    if not secret:
        secret = load_or_create_secret(settings.data_dir / "secrets" / "jwt-secret")
    return TokenIssuer(secret, timedelta(minutes=settings.auth.token_minutes), settings.auth.issuer)


def _signer(settings: ApiSettings) -> Signer:
    path = settings.auth.signing_key or settings.data_dir / "secrets" / "signing-ed25519.pem"
    return load_or_create_ed25519_key(path)


def _open_state(
    settings: ApiSettings,
    enqueuer: Enqueuer | None,
    store: ObjectStore | None,
    identity: IdentityProvider | None = None,
) -> AppState:
    """Open the database, the store and the queue client (blocking; at start-up)."""
    database_url = settings.resolved_database_url()
    if not settings.database_url or not settings.broker_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # embedded files live there
    engine = make_engine(database_url)
    try:
        if settings.auto_migrate:
            upgrade(engine)
        opened_store = store or open_store(settings.store.config(settings.data_dir))
        queue = enqueuer or CeleryEnqueuer(
            settings.resolved_broker_url(),
            timeout_s=settings.enqueue_timeout_s,
            transport_options=settings.broker_transport_options,
        )
    except BaseException:
        engine.dispose()
        raise
    _probe_store(opened_store)
    return AppState(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        store=opened_store,
        enqueuer=queue,
        transfers=anyio.CapacityLimiter(settings.transfer_threads),
        locks=UploadLocks(),
        tokens=_token_issuer(settings),
        identity=identity or LocalPasswords(),
        signer=_signer(settings),
        logins=LoginThrottle(settings.auth.login_attempts, settings.auth.login_window_s),
    )


def _probe_store(store: ObjectStore) -> None:
    """Prepare the store (an S3 bucket is created on first use); an outage is not fatal.

    The API starts while the store is down and answers 503 until it is back (``/readyz``
    tells orchestrators); refusing to start would turn a short outage into a restart loop.
    """
    try:
        store.check()
    except StorageError as exc:
        logger.warning("object store not usable at start-up: %s", exc)


def _close_state(state: AppState) -> None:
    try:
        state.enqueuer.close()
    except Exception:
        logger.warning("closing the queue client failed", exc_info=True)
    state.engine.dispose()


def create_app(
    settings: ApiSettings | None = None,
    *,
    enqueuer: Enqueuer | None = None,
    store: ObjectStore | None = None,
    identity: IdentityProvider | None = None,
) -> FastAPI:
    """Build the API.

    Args:
        settings: Settings; ``None`` reads them from the environment (``CR_...``).
        enqueuer: Task sender to use instead of the Celery client (tests, tools).
        store: Object store to use instead of the configured one (tests).
        identity: Credential checker instead of the local password database (a court's
            identity system).

    Returns:
        The application; resources open when its lifespan starts.

    """
    resolved = settings if settings is not None else ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await in_thread(_open_state, resolved, enqueuer, store, identity)
        app.state.courtrec = state
        logger.info(
            "API ready: database %s, store %s",
            state.engine.url.render_as_string(hide_password=True),
            type(state.store).__name__,
        )
        try:
            yield
        finally:
            await in_thread(_close_state, state)

    app = FastAPI(
        title="courtrec recording service",
        version=API_VERSION,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(TusHeaderMiddleware, prefix=uploads.PREFIX)
    app.include_router(session.router)
    app.include_router(recordings.router)
    app.include_router(protocols.router)
    app.include_router(versions.router)
    app.include_router(audio.router)
    app.include_router(search.router)
    app.include_router(uploads.router)
    app.include_router(admin.router)
    app.include_router(health.router)
    mount_web(app)
    return app
