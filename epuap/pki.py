"""Test PKI for the ePUAP / e-Doręczenia simulation: a CA and the certificates signed by it.

FOR TESTS AND DEMOS ONLY. ``ensure_test_pki`` writes unencrypted private keys (mode 0600) next to their
certificates, by default under ``settings.EPUAP_PKI_DIR`` (``var/pki``, git-ignored). Production uses the
office's real ePUAP system certificate, configured separately.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.domain.identifiers import generate_pesel

CA_NAME = "ca"
CA_COMMON_NAME = "Magistrat Test CA"
ORGANIZATION = "Magistrat (TEST ONLY)"
SYSTEM_NAMES = ("office-system", "platform", "edoreczenia")
_VALIDITY = datetime.timedelta(days=3650)

# Fictitious test residents (first name, surname, sex, date of birth) used for resident-1..N.
_RESIDENTS = [
    ("Jan", "Testowy", "M", datetime.date(1990, 1, 1)),
    ("Anna", "Próbna", "F", datetime.date(1985, 6, 15)),
    ("Piotr", "Przykładowy", "M", datetime.date(1972, 11, 30)),
    ("Maria", "Wzorcowa", "F", datetime.date(2001, 3, 8)),
]


@dataclass(frozen=True)
class Credential:
    """A private key and its certificate (PEM)."""

    name: str
    key_pem: bytes
    cert_pem: bytes

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_pem_private_key(self.key_pem, password=None)

    @property
    def fingerprint(self) -> str:
        return cert_fingerprint(self.certificate)


def cert_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def pesel_from_certificate(cert: x509.Certificate) -> str | None:
    """The PESEL from a ``serialNumber = PNOPL-<PESEL>`` subject attribute (as in Polish qualified certs)."""
    for attr in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attr.value)
        if value.upper().startswith("PNOPL-"):
            return value[6:]
    return None


def verify_issued_by_ca(cert: x509.Certificate, ca: x509.Certificate, *, now: datetime.datetime | None = None) -> None:
    """Raise ValueError unless ``cert`` is signed by ``ca`` and both are valid now."""
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception) as exc:  # InvalidSignature, issuer mismatch
        raise ValueError(
            f"certificate {cert.subject.rfc4514_string()} is not issued by {ca.subject.rfc4514_string()}"
        ) from exc
    for c in (cert, ca):
        if not (c.not_valid_before_utc <= now <= c.not_valid_after_utc):
            raise ValueError(f"certificate {c.subject.rfc4514_string()} is not valid at {now.isoformat()}")


def resident_names(residents: int = 3) -> list[str]:
    return [f"resident-{i}" for i in range(1, residents + 1)]


def resident_identity(index: int) -> dict[str, str]:
    """First name, surname and PESEL of test resident ``index`` (1-based) — stable across runs."""
    first, last, sex, born = _RESIDENTS[(index - 1) % len(_RESIDENTS)]
    return {"first_name": first, "surname": last, "pesel": generate_pesel(born, sex, 100 + index)}


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _load_or_create_key(directory: Path, name: str):
    path = directory / f"{name}.key"
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = _new_key()
    _write(path, _key_pem(key), private=True)
    return key


def _build_cert(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _subject(name: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]
    if name.startswith("resident-"):
        ident = resident_identity(int(name.split("-", 1)[1]))
        attrs += [
            x509.NameAttribute(NameOID.GIVEN_NAME, ident["first_name"]),
            x509.NameAttribute(NameOID.SURNAME, ident["surname"]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOPL-{ident['pesel']}"),
        ]
    return x509.Name(attrs)


def ensure_test_pki(directory: Path, *, residents: int = 3) -> dict[str, Credential]:
    """Create (only what is missing; never overwriting) the test CA and certificates; return them by name.

    The result includes ``"ca"`` (the CA's own credential) besides the system and resident credentials.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = _load_or_create_key(directory, CA_NAME)
    ca_cert_path = directory / f"{CA_NAME}.crt"
    ca_subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )
    if not ca_cert_path.exists():
        ca_cert = _build_cert(ca_subject, ca_key, ca_subject, ca_key, ca=True)
        _write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    for name in (*SYSTEM_NAMES, *resident_names(residents)):
        key = _load_or_create_key(directory, name)
        cert_path = directory / f"{name}.crt"
        if not cert_path.exists():
            cert = _build_cert(_subject(name), key, ca_cert.subject, ca_key, ca=False)
            _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return {name: load_credential(name, directory) for name in (CA_NAME, *SYSTEM_NAMES, *resident_names(residents))}


def _default_dir(directory: Path | None) -> Path:
    if directory is not None:
        return Path(directory)
    from django.conf import settings

    return Path(settings.EPUAP_PKI_DIR)


def load_credential(name: str, directory: Path | None = None) -> Credential:
    """The credential ``name`` from the directory. Cached per file version: parsing an RSA key costs ~40 ms,
    and the platform and the adapter sign every message (see docs/performance.md)."""
    d = _default_dir(directory)
    key_path, cert_path = d / f"{name}.key", d / f"{name}.crt"
    if not key_path.exists() or not cert_path.exists():
        raise FileNotFoundError(f"no test credential {name!r} in {d} (run: manage.py epuap_pki init)")
    key_stat, cert_stat = key_path.stat(), cert_path.stat()
    return _load_credential_cached(
        name, str(key_path), str(cert_path), (key_stat.st_mtime_ns, key_stat.st_size, cert_stat.st_mtime_ns)
    )


@functools.lru_cache(maxsize=64)
def _load_credential_cached(name: str, key_path: str, cert_path: str, _version: tuple) -> Credential:
    credential = Credential(name=name, key_pem=Path(key_path).read_bytes(), cert_pem=Path(cert_path).read_bytes())
    credential.private_key  # noqa: B018  (parse once, here)
    return credential


def ca_certificate(directory: Path | None = None) -> x509.Certificate:
    path = _default_dir(directory) / f"{CA_NAME}.crt"
    if not path.exists():
        raise FileNotFoundError(f"no test CA certificate in {path.parent} (run: manage.py epuap_pki init)")
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_certificate(pem_or_der: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    if b"-----BEGIN" in pem_or_der:
        return x509.load_pem_x509_certificate(pem_or_der)
    return x509.load_der_x509_certificate(pem_or_der)
