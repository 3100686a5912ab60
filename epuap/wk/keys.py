"""Test keys of the simulated login.gov.pl and of the portal as its registered service provider (ECDSA P-256).

FOR TESTS AND DEMOS ONLY. Like :mod:`epuap.pki`, the keys are written (unencrypted, mode 0600) under
``settings.EPUAP_PKI_DIR`` when missing and never overwritten. Separate key pairs, as the real node requires:

- ``wk-idp-signing``   — the node signs ArtifactResponse, assertions and LogoutResponse;
- ``wk-sp-signing``    — the portal (service provider) signs AuthnRequest, ArtifactResolve and LogoutRequest;
- ``wk-sp-encryption`` — the node encrypts the assertion to it (ECDH-ES key agreement).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

IDP_SIGNING = "wk-idp-signing"
SP_SIGNING = "wk-sp-signing"
SP_ENCRYPTION = "wk-sp-encryption"
ALL_NAMES = (IDP_SIGNING, SP_SIGNING, SP_ENCRYPTION)
_SUBJECTS = {
    IDP_SIGNING: "login.gov.pl simulator (TEST ONLY) signing",
    SP_SIGNING: "Magistrat portal SP (TEST ONLY) signing",
    SP_ENCRYPTION: "Magistrat portal SP (TEST ONLY) encryption",
}
_VALIDITY = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class EcCredential:
    name: str
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def _write(path: Path, data: bytes, mode: int) -> None:
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _create(directory: Path, name: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Magistrat (TEST ONLY)"),
            x509.NameAttribute(NameOID.COMMON_NAME, _SUBJECTS[name]),
        ]
    )
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    usage_sign = name != SP_ENCRYPTION
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=usage_sign,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=not usage_sign,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(directory / f"{name}.key", key_pem, 0o600)
    _write(directory / f"{name}.crt", cert.public_bytes(serialization.Encoding.PEM), 0o644)


def ensure_wk_keys(directory: Path) -> None:
    """Create the missing test keys (never overwriting existing ones)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ALL_NAMES:
        if not (directory / f"{name}.key").exists() or not (directory / f"{name}.crt").exists():
            for suffix in (".key", ".crt"):
                (directory / f"{name}{suffix}").unlink(missing_ok=True)
            _create(directory, name)


def _directory() -> Path:
    from django.conf import settings

    return Path(settings.EPUAP_PKI_DIR)


def load(name: str, directory: Path | None = None, *, create: bool = True) -> EcCredential:
    """The credential ``name``; in the test environment the keys are created on first use."""
    d = Path(directory) if directory is not None else _directory()
    key_path, cert_path = d / f"{name}.key", d / f"{name}.crt"
    if create and not (key_path.exists() and cert_path.exists()):
        ensure_wk_keys(d)
    if not (key_path.exists() and cert_path.exists()):
        raise FileNotFoundError(f"no login.gov.pl test key {name!r} in {d}")
    k, c = key_path.stat(), cert_path.stat()
    return _load_cached(name, str(key_path), str(cert_path), (k.st_mtime_ns, k.st_size, c.st_mtime_ns, c.st_size))


@functools.lru_cache(maxsize=32)
def _load_cached(name: str, key_path: str, cert_path: str, _version: tuple) -> EcCredential:
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_path}: not an EC private key")
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return EcCredential(name=name, private_key=key, certificate=cert)


def load_certificate(path: str | Path) -> x509.Certificate:
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)
