"""Signing approved protocol versions: the key file, signatures, and OpenSSL checking them."""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
import shutil
import stat
import subprocess
import threading
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from protocol.signing import (
    ED25519,
    OPENSSL_VERIFY_COMMAND,
    PUBLIC_KEY_FILENAME,
    Ed25519Signer,
    Signature,
    Signer,
    SigningError,
    key_id_of,
    load_or_create_ed25519_key,
    sign,
    verify_signature,
)

DOCUMENT = json.dumps(
    {
        "schema": "courtrec.protocol/1",
        "case_number": "2-1234/2025",
        "segments": [{"speaker": "Судья", "text": "Сот отырысы ашық деп жариялаймын."}],
    },
    ensure_ascii=False,
    indent=2,
).encode("utf-8")


def openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("the openssl binary is needed to test the documented offline check")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [openssl(), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def write_export(directory: Path, signer: Signer, document: bytes, signature: bytes) -> None:
    """The files of an export, named as in the documented command."""
    (directory / PUBLIC_KEY_FILENAME).write_bytes(signer.public_key_pem())
    (directory / "protocol.json").write_bytes(document)
    (directory / "protocol.sig").write_bytes(signature)


def documented_check(directory: Path) -> subprocess.CompletedProcess[str]:
    args = shlex.split(OPENSSL_VERIFY_COMMAND)
    assert args[0] == "openssl"
    return run(*args[1:], cwd=directory)


def test_sign_and_verify_the_exact_bytes() -> None:
    signer = Ed25519Signer.generate()
    signature = sign(signer, DOCUMENT)

    assert signature.algorithm == ED25519 == signer.algorithm
    assert signature.key_id == signer.key_id
    assert len(signature.raw()) == 64
    assert verify_signature(signer.public_key_pem(), DOCUMENT, signature.raw())
    assert sign(signer, DOCUMENT) == signature  # Ed25519 is deterministic
    reformatted = json.dumps(json.loads(DOCUMENT), ensure_ascii=False).encode()
    assert not verify_signature(signer.public_key_pem(), reformatted, signature.raw())
    assert not verify_signature(signer.public_key_pem(), DOCUMENT + b" ", signature.raw())
    assert not verify_signature(signer.public_key_pem(), DOCUMENT, b"\x00" * 64)
    assert not verify_signature(signer.public_key_pem(), DOCUMENT, b"short")


def test_a_signature_of_one_key_fails_with_another() -> None:
    first, second = Ed25519Signer.generate(), Ed25519Signer.generate()
    signature = first.sign(DOCUMENT)

    assert first.key_id != second.key_id
    assert verify_signature(first.public_key_pem(), DOCUMENT, signature)
    assert not verify_signature(second.public_key_pem(), DOCUMENT, signature)


def test_key_id_is_the_start_of_the_raw_public_keys_sha256() -> None:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signer = Ed25519Signer(private)

    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16] == key_id_of(private.public_key())
    assert Ed25519Signer.from_pem(signer.private_key_pem()).key_id == signer.key_id
    assert repr(signer) == f"Ed25519Signer(key_id={signer.key_id!r})"  # no key material


def test_verify_refuses_what_is_not_an_ed25519_public_key() -> None:
    signer = Ed25519Signer.generate()
    ec_public = ec.generate_private_key(ec.SECP256R1()).public_key()
    ec_pem = ec_public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    with pytest.raises(SigningError, match="not Ed25519"):
        verify_signature(ec_pem, DOCUMENT, signer.sign(DOCUMENT))
    with pytest.raises(SigningError, match="not a PEM"):
        verify_signature(b"-----BEGIN PUBLIC KEY-----\nnonsense\n", DOCUMENT, b"")
    with pytest.raises(SigningError, match="not a PEM"):
        verify_signature(signer.private_key_pem(), DOCUMENT, signer.sign(DOCUMENT))


def test_verify_accepts_an_x509_certificate_of_the_key() -> None:
    """The court's PKI publishes certificates rather than bare keys."""
    private = Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Almaty District Court No. 2")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(private, algorithm=None)
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)

    signature = private.sign(DOCUMENT)

    assert verify_signature(pem, DOCUMENT, signature)
    assert not verify_signature(pem, DOCUMENT + b"x", signature)


def test_signature_round_trips_through_a_dict_and_refuses_damage() -> None:
    signature = sign(Ed25519Signer.generate(), DOCUMENT)

    assert Signature.from_dict(json.loads(json.dumps(signature.to_dict()))) == signature
    with pytest.raises(FrozenInstanceError):
        signature.value = "x"  # type: ignore[misc]
    for damaged in (
        {"algorithm": "ed25519", "key_id": signature.key_id},
        {**signature.to_dict(), "value": "not base64!"},
        {**signature.to_dict(), "key_id": 5},
        {**signature.to_dict(), "algorithm": ""},
    ):
        with pytest.raises(SigningError):
            Signature.from_dict(damaged)


def test_another_signer_plugs_into_the_seam() -> None:
    """What a court PKI adapter has to provide: the Signer attributes, nothing more."""

    class CourtToken:
        key_id = "court-ca-0001"
        algorithm = "ed25519-court"

        def __init__(self) -> None:
            self._key = Ed25519Signer.generate()

        def sign(self, data: bytes) -> bytes:
            return self._key.sign(data)

        def public_key_pem(self) -> bytes:
            return self._key.public_key_pem()

    token = CourtToken()
    assert isinstance(token, Signer) and isinstance(Ed25519Signer.generate(), Signer)

    signature = sign(token, DOCUMENT)

    assert (signature.algorithm, signature.key_id) == ("ed25519-court", "court-ca-0001")
    assert verify_signature(token.public_key_pem(), DOCUMENT, signature.raw())


def test_key_file_is_created_private_once_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "courtrec-signing.pem"

    created = load_or_create_ed25519_key(path)
    content = path.read_bytes()
    loaded = load_or_create_ed25519_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert content.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert loaded.key_id == created.key_id
    assert path.read_bytes() == content  # never rewritten
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left
    assert verify_signature(loaded.public_key_pem(), DOCUMENT, created.sign(DOCUMENT))


def test_processes_starting_together_end_up_with_one_key(tmp_path: Path) -> None:
    path = tmp_path / "courtrec-signing.pem"
    barrier = threading.Barrier(8)
    key_ids: list[str] = []

    def start() -> None:
        barrier.wait()
        key_ids.append(load_or_create_ed25519_key(path).key_id)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(key_ids) == 8
    assert set(key_ids) == {Ed25519Signer.from_pem(path.read_bytes()).key_id}
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_key_file_others_can_read_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "signing.pem"
    signer = Ed25519Signer.generate()
    path.write_bytes(signer.private_key_pem())
    path.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="protocol.signing"):
        loaded = load_or_create_ed25519_key(path)

    assert loaded.key_id == signer.key_id
    assert "accessible to other users (mode 644)" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # reported, not silently changed


def test_unusable_key_files_are_refused(tmp_path: Path) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    encrypted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    cases = {
        "garbage.pem": (b"not a key", "not a PEM private key"),
        "ec.pem": (
            ec_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "not Ed25519",
        ),
        "encrypted.pem": (encrypted, "encrypted"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        path.chmod(0o600)
        with pytest.raises(SigningError, match=message):
            load_or_create_ed25519_key(path)
        assert path.read_bytes() == content  # a bad key is reported, never replaced
    (tmp_path / "dir.pem").mkdir()
    with pytest.raises(SigningError, match="not a regular file"):
        load_or_create_ed25519_key(tmp_path / "dir.pem")
    blocked = tmp_path / "file"
    blocked.write_text("a file where a directory should be")
    with pytest.raises(SigningError, match="cannot"):
        load_or_create_ed25519_key(blocked / "key.pem")


def test_openssl_verifies_with_the_documented_command(tmp_path: Path) -> None:
    signer = load_or_create_ed25519_key(tmp_path / "service" / "courtrec-signing.pem")
    good = tmp_path / "good"
    good.mkdir()
    write_export(good, signer, DOCUMENT, sign(signer, DOCUMENT).raw())

    result = documented_check(good)

    assert result.returncode == 0, result.stderr
    assert "Signature Verified Successfully" in result.stdout


def test_openssl_rejects_a_tampered_file_and_another_key(tmp_path: Path) -> None:
    signer, other = Ed25519Signer.generate(), Ed25519Signer.generate()
    signature = signer.sign(DOCUMENT)
    tampered = DOCUMENT.replace(b"2-1234/2025", b"2-1235/2025")
    assert tampered != DOCUMENT

    for name, key, document in (("tampered", signer, tampered), ("other-key", other, DOCUMENT)):
        directory = tmp_path / name
        directory.mkdir()
        write_export(directory, key, document, signature)

        result = documented_check(directory)

        assert result.returncode != 0, name
        assert "Signature Verified Successfully" not in result.stdout


def test_keys_and_signatures_of_openssl_work_here(tmp_path: Path) -> None:
    """An operator may generate the key with OpenSSL; its signatures check here too."""
    key = tmp_path / "courtrec-signing.pem"
    assert run("genpkey", "-algorithm", "ed25519", "-out", str(key), cwd=tmp_path).returncode == 0
    key.chmod(0o600)
    (tmp_path / "protocol.json").write_bytes(DOCUMENT)
    made = run(
        "pkeyutl", "-sign", "-inkey", str(key), "-rawin", "-in", "protocol.json",
        "-out", "openssl.sig", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    signer = load_or_create_ed25519_key(key)
    openssl_signature = (tmp_path / "openssl.sig").read_bytes()

    assert verify_signature(signer.public_key_pem(), DOCUMENT, openssl_signature)
    assert signer.sign(DOCUMENT) == openssl_signature  # same key, same deterministic bytes
