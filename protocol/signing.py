r"""Signatures of approved protocol versions, checkable offline with OpenSSL.

An approved version is signed over the exact bytes of its stored JSON document: not a
re-serialization, which could differ in one space and make a valid file look forged. An
export then carries the document, its SHA-256, the raw signature and the public key, and
a party checks it without this software (OpenSSL 3 needs ``-rawin`` for Ed25519)::

    openssl pkeyutl -verify -pubin -inkey courtrec-signing.pub.pem -rawin \
        -in protocol.json -sigfile protocol.sig

The service's own key is Ed25519 (:class:`Ed25519Signer`, kept in one PEM file by
:func:`load_or_create_ed25519_key`). A court that signs with its PKI (an X.509
certificate, a hardware token) plugs in any object that has the :class:`Signer`
attributes; nothing else changes. :func:`verify_signature` also accepts an X.509
certificate's PEM in place of a bare public key, but it checks only the signature, not
the certificate's chain of trust.

This module is pure: it imports nothing else of the project, reads no environment and
takes every path and key as an argument.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from protocol.errors import ProtocolError

__all__ = [
    "ED25519",
    "OPENSSL_VERIFY_COMMAND",
    "PUBLIC_KEY_FILENAME",
    "Ed25519Signer",
    "Signature",
    "Signer",
    "SigningError",
    "key_id_of",
    "load_or_create_ed25519_key",
    "sign",
    "verify_signature",
]

logger = logging.getLogger(__name__)

ED25519 = "ed25519"
"""Name of the algorithm of :class:`Ed25519Signer`, as stored next to signatures."""

PUBLIC_KEY_FILENAME = "courtrec-signing.pub.pem"
"""File name of the public key in exports, the one the documented command names."""

OPENSSL_VERIFY_COMMAND = (
    f"openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY_FILENAME} -rawin "
    "-in protocol.json -sigfile protocol.sig"
)
"""How a party checks an exported protocol offline (OpenSSL 3); exit status 0 if valid."""

_KEY_ID_HEX = 16
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


class SigningError(ProtocolError):
    """A key cannot be loaded, created or used, or a stored signature is malformed."""


@runtime_checkable
class Signer(Protocol):
    """What signs approved versions: the service's Ed25519 key or the court's PKI.

    Attributes:
        key_id: Short stable id of the key, stored with each signature so a verifier
            knows which public key to use after keys have been rotated.
        algorithm: Algorithm name stored with each signature, e.g. ``"ed25519"``.

    """

    @property
    def key_id(self) -> str:
        """Id of the signing key."""
        ...

    @property
    def algorithm(self) -> str:
        """Signature algorithm."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Return the raw signature of ``data``."""
        ...

    def public_key_pem(self) -> bytes:
        """Return the public key (or certificate) as PEM, to publish with exports."""
        ...


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return a key's id: the first 16 hex digits of the SHA-256 of its raw 32 bytes.

    Derived from the key itself, so the same key has the same id on every machine and
    a verifier can recompute it from the published PEM.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:_KEY_ID_HEX]


class Ed25519Signer:
    """The service's signing key (Ed25519: small keys, deterministic, OpenSSL-checkable).

    The private key stays inside; ``repr`` shows only the key id.
    """

    __slots__ = ("_key", "_key_id")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._key_id = key_id_of(private_key.public_key())

    @classmethod
    def generate(cls) -> Ed25519Signer:
        """Return a signer with a new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> Ed25519Signer:
        """Load an unencrypted PEM private key (PKCS#8, as OpenSSL ``genpkey`` writes).

        Raises:
            SigningError: If the PEM is not an unencrypted Ed25519 private key.

        """
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except TypeError as exc:  # encrypted: the service cannot prompt for a passphrase
            raise SigningError("the signing key is encrypted; store it unencrypted") from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SigningError(f"not a PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"the signing key is {type(key).__name__}, not Ed25519")
        return cls(key)

    @property
    def key_id(self) -> str:
        """Id of the key (see :func:`key_id_of`)."""
        return self._key_id

    @property
    def algorithm(self) -> str:
        """Always ``"ed25519"``."""
        return ED25519

    def sign(self, data: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``data``."""
        return self._key.sign(data)

    def public_key_pem(self) -> bytes:
        """Return the public key as PEM (SubjectPublicKeyInfo), as OpenSSL reads it."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def private_key_pem(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM (for the key file only)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"Ed25519Signer(key_id={self._key_id!r})"


@dataclass(frozen=True)
class Signature:
    """A signature as stored with a version and written into export manifests.

    Attributes:
        algorithm: Algorithm name, e.g. ``"ed25519"``.
        key_id: Id of the key that signed.
        value: The raw signature, standard base64 (the ``.sig`` file holds the raw bytes).

    """

    algorithm: str
    key_id: str
    value: str

    def raw(self) -> bytes:
        """Return the signature bytes (what ``openssl -sigfile`` reads)."""
        return base64.b64decode(self.value, validate=True)

    def to_dict(self) -> dict[str, str]:
        """Return the JSON-ready form used in manifests and API responses."""
        return {"algorithm": self.algorithm, "key_id": self.key_id, "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Read the form :meth:`to_dict` writes, from a manifest that may be damaged.

        Raises:
            SigningError: If a field is missing, not a string, or the value not base64.

        """
        fields = {}
        for name in ("algorithm", "key_id", "value"):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise SigningError(f"signature field {name!r} is missing or not a string")
            fields[name] = value
        signature = cls(**fields)
        try:
            signature.raw()
        except (binascii.Error, ValueError) as exc:
            raise SigningError("signature value is not valid base64") from exc
        return signature


def sign(signer: Signer, data: bytes) -> Signature:
    """Sign the exact bytes of a document and return the signature to store with it."""
    value = base64.b64encode(signer.sign(data)).decode("ascii")
    return Signature(algorithm=signer.algorithm, key_id=signer.key_id, value=value)


def _public_key(public_key_pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from a public-key PEM or an X.509 certificate PEM."""
    try:
        if public_key_pem.lstrip().startswith(_PEM_CERTIFICATE):
            key: Any = x509.load_pem_x509_certificate(public_key_pem).public_key()
        else:
            key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(f"not a PEM public key or certificate: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"the public key is {type(key).__name__}, not Ed25519")
    return key


def verify_signature(public_key_pem: bytes, data: bytes, signature: bytes) -> bool:
    """Check an Ed25519 signature of the exact bytes ``data``.

    Args:
        public_key_pem: Public key PEM (as exported) or an X.509 certificate PEM.
        data: The document bytes as stored or exported.
        signature: Raw signature bytes (:meth:`Signature.raw`).

    Returns:
        Whether the signature is valid: ``False`` for altered data, another key's
        signature or garbage.

    Raises:
        SigningError: If the PEM is not an Ed25519 public key: the verifier was given the
            wrong file, which is not the same as a forged document.

    """
    key = _public_key(public_key_pem)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _read_key_file(path: Path) -> bytes | None:
    """The key file's bytes, or ``None`` if there is none; warn if others may read it."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SigningError(f"signing key {path} is not a regular file")
        if info.st_mode & 0o077:
            logger.warning(
                "signing key %s is accessible to other users (mode %o): "
                "run chmod 600 on it, anyone who reads it can sign as the court",
                path,
                stat.S_IMODE(info.st_mode),
            )
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SigningError(f"cannot read signing key {path}: {exc}") from exc


def _create_key_file(path: Path, pem: bytes) -> bool:
    """Write a new key file (mode 0600) unless one exists; say whether this call did.

    The key is written to a private temporary file first and then hard-linked into
    place: the link fails if the file exists, so an existing key is never overwritten,
    and nobody ever sees a half-written key, even when several processes start at once.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise SigningError(f"cannot create signing key {path}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return True


def load_or_create_ed25519_key(path: Path) -> Ed25519Signer:
    """Load the service's signing key, creating it on first start.

    Args:
        path: PEM file of the private key (unencrypted PKCS#8), e.g.
            ``<data dir>/keys/courtrec-signing.pem``. Back it up: signatures made with a
            lost key can still be checked, but no new ones can be made with it.

    Returns:
        The signer.

    Raises:
        SigningError: If the file cannot be read or created, or is not an unencrypted
            Ed25519 private key.

    """
    pem = _read_key_file(path)
    if pem is None:
        signer = Ed25519Signer.generate()
        if _create_key_file(path, signer.private_key_pem()):
            logger.info("created signing key %s at %s", signer.key_id, path)
            return signer
        pem = _read_key_file(path)  # another process created it first: use theirs
        if pem is None:
            raise SigningError(f"signing key {path} vanished while it was being created")
    return Ed25519Signer.from_pem(pem)
