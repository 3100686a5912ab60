"""Decrypting the node's EncryptedAssertion (XML Encryption 1.1), independent of the simulator's encryption code.

Accepted algorithms only (anything else is refused, never ignored):

- content: AES-GCM (``xmlenc11#aes256-gcm`` or ``aes128-gcm``); CipherValue = 12-byte IV ‖ ciphertext ‖ 16-byte tag;
  the content-key size is taken from the unwrapped key (production WK was seen sending a 128-bit key while
  declaring aes256-gcm);
- key transport: AES Key Wrap (RFC 3394, ``kw-aes256`` / ``kw-aes128``);
- key agreement: ECDH-ES on P-256 with the originator's ephemeral public key, key derivation ConcatKDF with SHA-256
  (NIST SP 800-56A; OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo, each a hex bit string with a leading ``00``).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from lxml import etree

from epuap.saml import DS, DSIG11, SAML, XENC, XENC11, SamlError, q

GCM = {XENC11 + "aes256-gcm": 32, XENC11 + "aes128-gcm": 16}
KEY_WRAP = {XENC + "kw-aes256": 32, XENC + "kw-aes128": 16}
ECDH_ES = XENC11 + "ECDH-ES"
CONCAT_KDF = XENC11 + "ConcatKDF"
SHA256 = {XENC + "sha256", "http://www.w3.org/2001/04/xmlenc#sha256"}
P256 = "urn:oid:1.2.840.10045.3.1.7"


def concat_kdf_sha256(shared_secret: bytes, length: int, other_info: bytes) -> bytes:
    """NIST SP 800-56A single-step KDF with SHA-256 (written out: counter ‖ Z ‖ OtherInfo)."""
    output = b""
    counter = 1
    while len(output) < length:
        output += hashlib.sha256(counter.to_bytes(4, "big") + shared_secret + other_info).digest()
        counter += 1
    return output[:length]


def _bit_string(value: str | None, name: str) -> bytes:
    if value is None:
        return b""
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise SamlError(f"ConcatKDFParams {name} is not hex") from exc
    if not raw:
        return b""
    if raw[0] != 0:
        raise SamlError(f"ConcatKDFParams {name}: only whole-byte values are supported")
    return raw[1:]


def _b64(element: etree._Element | None, what: str) -> bytes:
    if element is None or not (element.text or "").strip():
        raise SamlError(f"EncryptedAssertion: missing {what}")
    try:
        return base64.b64decode("".join(element.text.split()), validate=True)
    except ValueError as exc:
        raise SamlError(f"EncryptedAssertion: {what} is not base64") from exc


def _algorithm(parent: etree._Element, what: str) -> str:
    method = parent.find(q(XENC, "EncryptionMethod"))
    if method is None or not method.get("Algorithm"):
        raise SamlError(f"EncryptedAssertion: {what} has no EncryptionMethod")
    return method.get("Algorithm")


def _key_encryption_key(encrypted_key: etree._Element, private_key: ec.EllipticCurvePrivateKey, size: int) -> bytes:
    agreement = encrypted_key.find(f"{q(DS, 'KeyInfo')}/{q(XENC, 'AgreementMethod')}")
    if agreement is None or agreement.get("Algorithm") != ECDH_ES:
        raise SamlError("EncryptedAssertion: the key agreement is not ECDH-ES")
    kdm = agreement.find(q(XENC11, "KeyDerivationMethod"))
    if kdm is None or kdm.get("Algorithm") != CONCAT_KDF:
        raise SamlError("EncryptedAssertion: the key derivation is not ConcatKDF")
    params = kdm.find(q(XENC11, "ConcatKDFParams"))
    if params is None:
        raise SamlError("EncryptedAssertion: ConcatKDFParams missing")
    digest = params.find(q(DS, "DigestMethod"))
    if digest is None or digest.get("Algorithm") not in SHA256:
        raise SamlError("EncryptedAssertion: ConcatKDF digest is not SHA-256")
    other_info = b"".join(_bit_string(params.get(name), name) for name in ("AlgorithmID", "PartyUInfo", "PartyVInfo"))
    ec_value = agreement.find(f"{q(XENC, 'OriginatorKeyInfo')}/{q(DS, 'KeyValue')}/{q(DSIG11, 'ECKeyValue')}")
    if ec_value is None:
        raise SamlError("EncryptedAssertion: the originator's EC public key is missing")
    curve = ec_value.find(q(DSIG11, "NamedCurve"))
    if curve is None or curve.get("URI") != P256:
        raise SamlError("EncryptedAssertion: the originator's key is not on P-256")
    point = _b64(ec_value.find(q(DSIG11, "PublicKey")), "originator public key")
    try:
        originator = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise SamlError("EncryptedAssertion: the originator's public key is not a P-256 point") from exc
    shared = private_key.exchange(ec.ECDH(), originator)
    return concat_kdf_sha256(shared, size, other_info)


def decrypt_assertion(encrypted_assertion: etree._Element, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The plaintext (the serialized, signed ``saml:Assertion``) of ``saml:EncryptedAssertion``."""
    if encrypted_assertion.tag != q(SAML, "EncryptedAssertion"):
        raise SamlError(f"not an EncryptedAssertion: {encrypted_assertion.tag}")
    data = encrypted_assertion.find(q(XENC, "EncryptedData"))
    if data is None:
        raise SamlError("EncryptedAssertion: no EncryptedData")
    content_alg = _algorithm(data, "EncryptedData")
    if content_alg not in GCM:
        raise SamlError(f"EncryptedAssertion: content algorithm {content_alg} is not accepted (AES-GCM only)")
    keys = data.findall(f"{q(DS, 'KeyInfo')}/{q(XENC, 'EncryptedKey')}") or encrypted_assertion.findall(
        q(XENC, "EncryptedKey")
    )
    if len(keys) != 1:
        raise SamlError("EncryptedAssertion: exactly one EncryptedKey expected")
    wrap_alg = _algorithm(keys[0], "EncryptedKey")
    if wrap_alg not in KEY_WRAP:
        raise SamlError(f"EncryptedAssertion: key wrap algorithm {wrap_alg} is not accepted")
    kek = _key_encryption_key(keys[0], private_key, KEY_WRAP[wrap_alg])
    wrapped = _b64(keys[0].find(f"{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}"), "wrapped key")
    try:
        cek = aes_key_unwrap(kek, wrapped)
    except InvalidUnwrap as exc:
        raise SamlError("EncryptedAssertion: the content key cannot be unwrapped (not encrypted to our key?)") from exc
    if len(cek) not in (16, 24, 32):
        raise SamlError("EncryptedAssertion: the content key has an invalid size")
    blob = _b64(data.find(f"{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}"), "cipher value")
    if len(blob) < 12 + 16:
        raise SamlError("EncryptedAssertion: the cipher value is too short")
    try:
        return AESGCM(cek).decrypt(blob[:12], blob[12:], None)
    except InvalidTag as exc:
        raise SamlError("EncryptedAssertion: the GCM authentication tag does not match (tampered)") from exc
