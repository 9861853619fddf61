"""Courtroom recorders and their tokens.

A device is scoped to one courtroom: the API takes the courtroom of an upload from the
authenticated device, never from the request, so a stolen token can only add recordings
to its own courtroom, and revoking it stops that at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db.info import DeviceInfo
from storage.db.models import Courtroom, Device
from storage.db.repo._common import insert, resolve_now
from storage.db.tokens import hash_token, looks_like_token, new_device_token, token_display_prefix
from storage.db.translate import translated
from storage.errors import NotFoundError

__all__ = [
    "authenticate_device",
    "create_device",
    "get_device",
    "list_devices",
    "revoke_device",
]

logger = logging.getLogger(__name__)


def _device_info(row: Device, court_id: int) -> DeviceInfo:
    return DeviceInfo(
        id=row.id,
        courtroom_id=row.courtroom_id,
        court_id=court_id,
        name=row.name,
        token_prefix=row.token_prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


_WITH_COURT = select(Device, Courtroom.court_id).join(
    Courtroom, Courtroom.id == Device.courtroom_id
)
"""A device together with its courtroom's court (statements are immutable, so shared)."""


@translated
def create_device(
    session: Session, courtroom_id: int, name: str, *, now: datetime | None = None
) -> tuple[DeviceInfo, str]:
    """Register a recorder for a courtroom and issue its token.

    Returns:
        The device and its token. The token is shown to the administrator once and cannot
        be recovered: only its SHA-256 is stored. A lost token means a new device.

    Raises:
        NotFoundError: If the courtroom does not exist.

    """
    courtroom = session.get(Courtroom, courtroom_id)
    if courtroom is None:
        raise NotFoundError(f"no courtroom with id {courtroom_id}")
    token = new_device_token()
    row = Device(
        courtroom_id=courtroom_id,
        name=name.strip() or "recorder",
        token_hash=hash_token(token),
        token_prefix=token_display_prefix(token),
        created_at=resolve_now(now),
    )
    insert(session, row)
    logger.info("device %s registered for courtroom %s", row.id, courtroom_id)
    return _device_info(row, courtroom.court_id), token


@translated
def authenticate_device(session: Session, token: str) -> DeviceInfo | None:
    """Return the device a token belongs to, or ``None`` if unknown or revoked."""
    if not looks_like_token(token):
        return None
    found = session.execute(_WITH_COURT.where(Device.token_hash == hash_token(token))).first()
    if found is None:
        return None
    row, court_id = found
    if row.revoked_at is not None:
        logger.info("revoked device %s tried to authenticate", row.id)
        return None
    return _device_info(row, court_id)


@translated
def get_device(session: Session, device_id: int) -> DeviceInfo:
    """Return a device by id, revoked or not.

    Raises:
        NotFoundError: If there is none.

    """
    found = session.execute(_WITH_COURT.where(Device.id == device_id)).first()
    if found is None:
        raise NotFoundError(f"no device with id {device_id}")
    row, court_id = found
    return _device_info(row, court_id)


@translated
def list_devices(session: Session, courtroom_id: int | None = None) -> list[DeviceInfo]:
    """Return devices (revoked ones too), of one courtroom if given, by id."""
    query = _WITH_COURT.order_by(Device.id)
    if courtroom_id is not None:
        query = query.where(Device.courtroom_id == courtroom_id)
    return [_device_info(row, court_id) for row, court_id in session.execute(query)]


@translated
def revoke_device(session: Session, device_id: int, *, now: datetime | None = None) -> DeviceInfo:
    """Revoke a device's token; revoking twice keeps the first revocation time.

    Raises:
        NotFoundError: If there is no such device.

    """
    row = session.get(Device, device_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no device with id {device_id}")
    if row.revoked_at is None:
        row.revoked_at = resolve_now(now)
        session.flush()
        logger.info("device %s revoked", device_id)
    return get_device(session, device_id)
