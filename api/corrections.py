"""Saving corrected versions and approving them (blocking; routes run these in threads).

A correction names the version it was made on. The new document is written to the
store first, under a key that carries its hash (write-once), then the database row that
makes it version N+1 is inserted; the row's unique (recording, version) key and the
"base must be the newest" check refuse a save made on a stale version (409), so two
people editing at once cannot silently overwrite each other. An object whose row never
committed is an orphan nobody reads, never a blocked key.

Approval signs the version's exact stored bytes and makes the parties' copy (personal
data masked), stores and signs it too, then records both signatures and indexes the
copy for parties' search, in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from api.deps import AppState
from api.documents import load_document
from protocol import Protocol, ProtocolEditError, export, protocol_from_json, utc_now_iso
from protocol.edits import apply_edits, edits_from_list
from protocol.redact import redact_protocol
from storage.db import (
    Approval,
    ProtocolVersionInfo,
    add_protocol_version,
    approve_protocol_version,
    get_protocol_version,
)
from storage.errors import NotFoundError, ObjectExistsError
from storage.search import PARTY, index_protocol
from worker.contracts import correction_key, party_copy_key

__all__ = [
    "Prepared",
    "Signed",
    "approve",
    "prepare_correction",
    "save_correction",
    "sign_version",
    "store_document",
    "version_of",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A corrected document, stored, waiting for its database row.

    Attributes:
        protocol: The corrected protocol.
        key: Where its JSON is stored.
        sha256: Hash of the JSON bytes.

    """

    protocol: Protocol
    key: str
    sha256: str


def store_document(state: AppState, key: str, data: bytes) -> str:
    """Write a JSON document once; an identical existing one is accepted.

    Returns:
        The SHA-256 of ``data``.

    Raises:
        HTTPException: 409 if a different document already has the key.

    """
    digest = hashlib.sha256(data).hexdigest()
    try:
        state.store.put_stream(
            key, io.BytesIO(data), length=len(data), content_type="application/json", worm=True
        )
    except ObjectExistsError:
        if hashlib.sha256(load_existing(state, key)).hexdigest() != digest:
            raise HTTPException(409, "another document was stored under this version") from None
    return digest


def load_existing(state: AppState, key: str) -> bytes:
    """Read an object whole (small JSON documents only)."""
    with state.store.open_read(key) as stream:
        return stream.read()


def prepare_correction(
    state: AppState,
    recording_id: str,
    base: ProtocolVersionInfo,
    edits: Sequence[Mapping[str, Any]],
) -> Prepared:
    """Apply the edits to the base version and store the result (not yet a version).

    Raises:
        HTTPException: 422 if an edit cannot be applied (the message says which).

    """
    data = load_document(state, base.object_key, base.sha256)
    protocol = protocol_from_json(data.decode("utf-8"))
    try:
        corrected = apply_edits(protocol, edits_from_list(list(edits)))
    except ProtocolEditError as exc:
        raise HTTPException(422, str(exc)) from exc
    corrected = _restamped(corrected)
    document = export(corrected, "json").encode("utf-8")
    sha256 = hashlib.sha256(document).hexdigest()
    key = correction_key(recording_id, base.version + 1, sha256)
    store_document(state, key, document)
    return Prepared(corrected, key, sha256)


def _restamped(protocol: Protocol) -> Protocol:
    """The corrected document carries the time it was made, not the pipeline's."""
    return replace(protocol, created_at=utc_now_iso())


def save_correction(
    session: Session,
    recording_id: str,
    base_version: int,
    prepared: Prepared,
    author_id: int,
    note: str | None,
) -> ProtocolVersionInfo:
    """Insert the version row and re-index the court's search (the caller's transaction).

    Raises:
        ConflictError: If ``base_version`` is no longer the newest (409).

    """
    row = add_protocol_version(
        session,
        recording_id,
        parent_version=base_version,
        sha256=prepared.sha256,
        object_key=prepared.key,
        author_id=author_id,
        note=note,
    )
    index_protocol(session, recording_id, row.version, prepared.protocol)
    return row


@dataclass(frozen=True)
class Signed:
    """What approval computed before writing the database.

    Attributes:
        approval: Signatures and the parties' copy.
        party_protocol: The masked protocol, for the parties' search index.
        masked: How many personal-data items were masked.

    """

    approval: Approval
    party_protocol: Protocol
    masked: int


def sign_version(state: AppState, row: ProtocolVersionInfo, judge_id: int) -> Signed:
    """Sign a version's stored bytes, make and store the parties' copy and sign it."""
    data = load_document(state, row.object_key, row.sha256)
    signer = state.signer
    signature = base64.b64encode(signer.sign(data)).decode("ascii")
    party_protocol, masked = redact_protocol(protocol_from_json(data.decode("utf-8")))
    party_data = export(party_protocol, "json").encode("utf-8")
    party_sha = hashlib.sha256(party_data).hexdigest()
    party_key = party_copy_key(row.recording_id, row.version, party_sha)
    store_document(state, party_key, party_data)
    party_signature = base64.b64encode(signer.sign(party_data)).decode("ascii")
    approval = Approval(
        approved_by=judge_id,
        signature=signature,
        signing_key_id=signer.key_id,
        signature_algorithm=signer.algorithm,
        party_sha256=party_sha,
        party_object_key=party_key,
        party_signature=party_signature,
    )
    return Signed(approval, party_protocol, masked)


def approve(
    session: Session, recording_id: str, version: int, signed: Signed
) -> ProtocolVersionInfo:
    """Record the approval and index the parties' copy (the caller's transaction)."""
    row = approve_protocol_version(session, recording_id, version, signed.approval)
    index_protocol(session, recording_id, version, signed.party_protocol, audience=PARTY)
    return row


def version_of(session: Session, recording_id: str, version: int) -> ProtocolVersionInfo:
    """A version row, 404 if there is none."""
    try:
        return get_protocol_version(session, recording_id, version)
    except NotFoundError:
        raise HTTPException(404, f"no protocol version {version}") from None
