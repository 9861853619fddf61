"""The integrity check of one recording: original, protocol versions, chain, signatures.

What is compared (nothing is trusted from the object store, everything is recomputed):

* the original recording's bytes against the SHA-256 recorded at upload;
* each version's stored JSON against the SHA-256 recorded when it was saved;
* each version's parent hash against the hash of what it derives from (the original
  for version 1, the previous version after that): a version removed, replaced or
  reordered breaks the chain;
* the signatures of approved versions, and of their parties' copies, with the service's
  public key.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from api.auth import Principal, UserPrincipal
from api.deps import AppState
from api.schemas_access import VerifyOut, VersionCheckOut
from protocol.signing import verify_signature
from storage.db import ProtocolVersionInfo, get_recording, list_protocol_versions
from storage.errors import ObjectNotFoundError

__all__ = ["verify_recording"]

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


def _stored_sha256(state: AppState, key: str) -> str | None:
    """Hash an object by streaming it (the original: hours of audio); ``None`` if missing."""
    digest = hashlib.sha256()
    try:
        with state.store.open_read(key) as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except ObjectNotFoundError:
        return None
    return digest.hexdigest()


def _read(state: AppState, key: str) -> bytes | None:
    """A protocol document's bytes (small JSON), ``None`` if missing."""
    try:
        with state.store.open_read(key) as stream:
            return stream.read()
    except ObjectNotFoundError:
        return None


def _signed(state: AppState, data: bytes | None, signature: str | None) -> bool:
    """Whether ``signature`` (base64) verifies ``data`` with the service's key."""
    if data is None or signature is None:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    return verify_signature(state.signer.public_key_pem(), data, raw)


def _check_version(
    state: AppState, row: ProtocolVersionInfo, expected_parent: str, problems: list[str]
) -> VersionCheckOut:
    data = _read(state, row.object_key)
    stored = None if data is None else hashlib.sha256(data).hexdigest()
    intact = stored == row.sha256
    if not intact:
        problems.append(
            f"version {row.version}: stored document "
            + ("is missing" if stored is None else f"hashes to {stored}, recorded {row.sha256}")
        )
    parent_ok = row.parent_sha256 == expected_parent
    if not parent_ok:
        problems.append(f"version {row.version}: parent hash does not match the chain")
    signature_ok = party_ok = None
    if row.approved:
        signature_ok = intact and _signed(state, data, row.signature)
        party = _read(state, row.party_object_key) if row.party_object_key else None
        party_ok = (
            party is not None
            and hashlib.sha256(party).hexdigest() == row.party_sha256
            and _signed(state, party, row.party_signature)
        )
        if not signature_ok:
            problems.append(f"version {row.version}: signature does not verify")
        if not party_ok:
            problems.append(f"version {row.version}: parties' copy altered or its signature fails")
    return VersionCheckOut(
        version=row.version,
        recorded_sha256=row.sha256,
        stored_sha256=stored,
        document_intact=intact,
        parent_ok=parent_ok,
        signature_ok=signature_ok,
        party_copy_ok=party_ok,
    )


def _party_problems(problems: list[str], hidden: set[int]) -> list[str]:
    """A party's view of the problems: unapproved versions are not named, only counted.

    The chain runs through them, so a broken unapproved version still makes the
    recording "not intact" for the party, without revealing what it contains.
    """
    shown = [p for p in problems if not any(p.startswith(f"version {v}:") for v in hidden)]
    if len(shown) < len(problems):
        shown.append("a version not yet approved failed its check")
    return shown


def verify_recording(state: AppState, principal: Principal, recording_id: str) -> VerifyOut:
    """Recompute and compare everything of one recording (blocking; hashes hours of audio).

    Parties see only the approved versions in the report: the others are not theirs to
    read, and the chain still checks from the original through every version.
    """
    recording = state.transaction(lambda s: get_recording(s, recording_id))
    rows = state.transaction(lambda s: list_protocol_versions(s, recording_id))
    problems: list[str] = []
    original = _stored_sha256(state, recording.original_key)
    original_ok = original == recording.sha256
    if not original_ok:
        problems.append(
            "original recording " + ("is missing" if original is None else "was altered")
        )
    checks: list[VersionCheckOut] = []
    parent = recording.sha256
    for row in rows:
        checks.append(_check_version(state, row, parent, problems))
        parent = row.sha256
    if isinstance(principal, UserPrincipal) and principal.role == "party":
        approved = {row.version for row in rows if row.approved}
        checks = [check for check in checks if check.version in approved]
        hidden = {row.version for row in rows} - approved
        problems = _party_problems(problems, hidden)
    return VerifyOut(
        recording_id=recording_id,
        intact=not problems,
        original_recorded_sha256=recording.sha256,
        original_stored_sha256=original,
        original_intact=original_ok,
        versions=checks,
        signing_key_id=state.signer.key_id,
        problems=problems,
    )
